#include "noctua/alerts/dispatcher.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "noctua/alerts/codec.hpp"

#include "noctua/core/log.hpp"

namespace noctua::alerts {

Dispatcher::Dispatcher(boost::asio::any_io_executor strand, AlertMetrics& metrics,
                       std::uint64_t seed, const core::Clock* clock)
    : strand_(std::move(strand)), metrics_(metrics), rng_(seed), clock_(clock) {}

Dispatcher::~Dispatcher() {
    stop();
    if (store_thread_) store_thread_->join();
}

void Dispatcher::attach_store(store::AlertStore& store) {
    store_ = &store;
    store_thread_ = std::make_unique<boost::asio::thread_pool>(1);
}

core::Result<std::size_t> Dispatcher::restore() {
    if (!store_) return std::size_t{0};
    auto pending = store_->pending();
    if (!pending) return std::unexpected(pending.error());
    std::size_t n = 0;
    for (auto& row : *pending) {
        auto decoded = decode_notification(row.payload);
        if (!decoded) {
            core::logger("alerts")->error("unreadable outbox entry {} moved to dead letters: {}",
                                          row.id, decoded.error().message);
            (void)store_->dead_letter(row.id, "unreadable: " + decoded.error().message,
                                      row.created);
            continue;
        }
        push(Item{
            .notification = std::move(*decoded), .attempts = row.attempts, .outbox_id = row.id});
        ++n;
    }
    return n;
}

void Dispatcher::on_store_error(std::string_view what, const core::Error& e) {
    core::logger("alerts")->error("alert store: {} failed: {}", what, e.message);
    metrics_.store_errors.Increment();
}

void Dispatcher::persist(std::vector<store::RecordWrite> records) {
    if (!store_ || records.empty()) return;
    ++writes_in_flight_;
    auto& out = next_write_.batch.records;
    out.insert(out.end(), std::make_move_iterator(records.begin()),
               std::make_move_iterator(records.end()));
    next_write_.completions.emplace_back().kind = Completion::Kind::persisted;
    queue_write();
}

void Dispatcher::after_writes(std::function<void()> done) {
    if (!store_ ||
        (!write_running_ && next_write_.completions.empty() && next_write_.batch.empty())) {
        boost::asio::post(strand_, [alive = alive_, done = std::move(done)] {
            if (*alive) done();
        });
        return;
    }
    auto& c = next_write_.completions.emplace_back();
    c.kind = Completion::Kind::callback;
    c.done = std::move(done);
    queue_write();
}

void Dispatcher::queue_write() {
    // At the end of this strand turn: what the turn queues (every alert of one request) joins
    // the same commit.
    if (write_running_ || write_posted_) return;
    write_posted_ = true;
    boost::asio::post(strand_, [this, alive = alive_] {
        if (!*alive) return;
        write_posted_ = false;
        start_write();
    });
}

void Dispatcher::start_write() {
    if (write_running_ || (next_write_.completions.empty() && next_write_.batch.empty())) return;
    PendingWrite w = std::move(next_write_);
    next_write_ = {};
    if (w.batch.empty()) {  // callbacks only: everything before them is on disk
        on_written(std::move(w.completions), std::vector<std::int64_t>{});
        return;
    }
    write_running_ = true;
    boost::asio::post(*store_thread_, [this, alive = alive_, w = std::move(w)]() mutable {
        auto ids = store_->apply(w.batch);
        boost::asio::post(strand_, [this, alive, completions = std::move(w.completions),
                                    ids = std::move(ids)]() mutable {
            if (!*alive) return;
            write_running_ = false;
            on_written(std::move(completions), std::move(ids));
            // What queued meanwhile goes now, as one commit.
            start_write();
        });
    });
}

void Dispatcher::on_written(std::vector<Completion> completions,
                            core::Result<std::vector<std::int64_t>> ids) {
    if (!ids) on_store_error("writing the alert store", ids.error());
    for (auto& c : completions) {
        switch (c.kind) {
            case Completion::Kind::enqueued: {
                --writes_in_flight_;
                --enqueues_in_flight_;
                // Not durable when the write failed, but still worth sending: the page matters
                // more than the record.
                const std::int64_t id = ids && c.item < ids->size() ? (*ids)[c.item] : 0;
                push(Item{.notification = std::move(c.notification), .outbox_id = id});
                break;
            }
            case Completion::Kind::persisted:
                --writes_in_flight_;
                break;
            case Completion::Kind::callback:
                c.done();
                break;
        }
    }
    check_drained();
}

void Dispatcher::stop() {
    *alive_ = false;
    // What is queued for the next commit still goes to disk (after any commit running now):
    // nothing accepted for the outbox is dropped by stopping.
    if (store_ && !next_write_.batch.empty()) {
        boost::asio::post(*store_thread_, [store = store_, b = std::move(next_write_.batch)] {
            (void)store->apply(b);
        });
        next_write_ = {};
    }
    for (auto& [key, q] : queues_) {
        if (q.backoff) q.backoff->cancel();
    }
    if (drain_timer_) drain_timer_->cancel();
    for (auto& [id, w] : backlog_waiters_) w.deadline->cancel();
}

void Dispatcher::set_channels(std::map<std::string, std::shared_ptr<ChannelBase>> channels) {
    channels_ = std::move(channels);
    std::vector<QueueKey> orphaned;
    for (auto& [key, q] : queues_) {
        if (!channels_.contains(key.first) && !q.in_flight) orphaned.push_back(key);
    }
    for (const auto& key : orphaned) {
        auto& q = queues_.at(key);
        core::logger("alerts")->warn(
            "receiver removed by reload, dropping {} notification(s) receiver={}", q.items.size(),
            key.first);
        receiver_state(key.first).failed->Increment(static_cast<double>(q.items.size()));
        if (q.backoff) q.backoff->cancel();
        count_pending(key.first, -static_cast<std::ptrdiff_t>(q.items.size()));
        set_waiting(q, false);
        queues_.erase(key);
    }
    release_backlog_waiters();
    check_drained();
}

void Dispatcher::enqueue(Notification n, std::vector<store::RecordWrite> records) {
    std::vector<Notification> ns;
    ns.push_back(std::move(n));
    enqueue(std::move(ns), std::move(records));
}

void Dispatcher::enqueue(std::vector<Notification> ns, std::vector<store::RecordWrite> records) {
    std::erase_if(ns, [this](const Notification& n) {
        auto ch = channels_.find(n.receiver);
        if (ch == channels_.end()) {
            core::logger("alerts")->error("no such receiver, notification dropped receiver={}",
                                          n.receiver);
            metrics_.notifications.Add({{"receiver", n.receiver}, {"result", "failed"}})
                .Increment();
            return true;
        }
        if (n.status() == AlertState::resolved && !ch->second->config().send_resolved) {
            return true;
        }
        return n.acknowledged && !ch->second->accepts_acks();
    });
    if (ns.empty()) {
        persist(std::move(records));
        return;
    }
    if (!store_) {
        for (auto& n : ns) push(Item{.notification = std::move(n)});
        return;
    }
    // Written before the first attempt: a crash from here on re-sends it after restart. One
    // group told to several receivers is one batch entry, so one transaction.
    auto& batch = next_write_.batch;
    batch.records.insert(batch.records.end(), std::make_move_iterator(records.begin()),
                         std::make_move_iterator(records.end()));
    for (auto& n : ns) {
        ++writes_in_flight_;
        ++enqueues_in_flight_;
        store::OutboxItem row;
        row.receiver = n.receiver;
        row.group_key = n.group_key;
        row.payload = encode(n);
        row.created = n.created;
        row.next_attempt = n.created;
        const std::size_t item = batch.items.size();
        batch.items.push_back(std::move(row));
        auto& c = next_write_.completions.emplace_back();
        c.kind = Completion::Kind::enqueued;
        c.notification = std::move(n);
        c.item = item;
    }
    queue_write();
}

void Dispatcher::push(Item item) {
    QueueKey key{item.notification.receiver, item.notification.group_key};
    auto& q = queues_[key];
    q.receiver = key.first;
    q.items.push_back(std::move(item));
    count_pending(key.first, 1);
    pump(key);
}

void Dispatcher::pump(const QueueKey& key) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    auto& q = it->second;
    if (q.in_flight || q.backoff || q.items.empty() || !*alive_) return;
    auto ch = channels_.find(key.first);
    if (ch == channels_.end()) return;
    auto& rs = receiver_state(key.first);
    if (rs.in_flight >= kMaxInFlight) {
        if (!q.waiting) {
            set_waiting(q, true);
            rs.line.push_back(key);
        }
        return;
    }
    ++rs.in_flight;
    auto& item = q.items.front();
    ++item.attempts;
    q.in_flight = true;
    // Keep the channel alive for the attempt even if a reload replaces it meanwhile.
    std::shared_ptr<ChannelBase> channel = ch->second;
    channel->deliver(item.notification, item.attempts,
                     [this, alive = alive_, key, strand = strand_](DeliveryOutcome outcome) {
                         boost::asio::post(
                             strand, [this, alive, key, outcome = std::move(outcome)]() mutable {
                                 if (*alive) on_outcome(key, std::move(outcome));
                             });
                     });
}

void Dispatcher::on_outcome(const QueueKey& key, DeliveryOutcome outcome) {
    auto rs = receivers_.find(key.first);
    if (rs != receivers_.end() && rs->second.in_flight > 0) --rs->second.in_flight;
    auto it = queues_.find(key);
    if (it == queues_.end()) {
        wake(key.first);
        return;
    }
    handle_outcome(key, it->second, std::move(outcome));
    wake(key.first);
}

void Dispatcher::handle_outcome(const QueueKey& key, Queue& q, DeliveryOutcome outcome) {
    q.in_flight = false;
    const auto& receiver = key.first;
    auto& rs = receiver_state(receiver);
    (outcome.kind == DeliveryOutcome::Kind::delivered ? rs.attempt_delivered
     : outcome.kind == DeliveryOutcome::Kind::retry   ? rs.attempt_retry
                                                      : rs.attempt_failed)
        ->Increment();

    auto ch = channels_.find(receiver);
    if (outcome.kind == DeliveryOutcome::Kind::delivered) {
        finish_head(key, q, true, {});
        return;
    }
    const auto& item = q.items.front();
    const bool out_of_attempts =
        ch == channels_.end() || item.attempts >= ch->second->config().max_attempts;
    if (outcome.kind == DeliveryOutcome::Kind::failed || out_of_attempts) {
        if (outcome.kind == DeliveryOutcome::Kind::retry) {
            core::logger("alerts")->error(
                "giving up after {} attempts notification={} receiver={} error=\"{}\"",
                item.attempts, item.notification.id, receiver, outcome.message);
        }
        finish_head(key, q, false, outcome.message);
        return;
    }
    auto delay = draining_ ? core::Duration{0}
                           : backoff_for(ch->second->config(), item.attempts, outcome.retry_after);
    if (store_ && item.outbox_id != 0) {
        next_write_.batch.reschedules.push_back(
            {item.outbox_id, item.attempts, (clock_ ? clock_->now() : core::TimePoint{}) + delay});
        queue_write();
    }
    q.backoff = std::make_unique<boost::asio::steady_timer>(strand_, delay);
    q.backoff->async_wait([this, alive = alive_, key](boost::system::error_code) {
        if (!*alive) return;
        auto it2 = queues_.find(key);
        if (it2 == queues_.end()) return;
        it2->second.backoff.reset();
        pump(key);
    });
}

void Dispatcher::finish_head(const QueueKey& key, Queue& q, bool delivered,
                             std::string_view reason) {
    auto& rs = receiver_state(key.first);
    auto& head = q.items.front();
    if (delivered) {
        rs.delivered->Increment();
        rs.latency->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - head.queued).count());
    } else {
        rs.failed->Increment();
        rs.dead_letters->Increment();
    }
    if (store_ && head.outbox_id != 0) {
        if (delivered) {
            next_write_.batch.delivered.push_back(head.outbox_id);
        } else {
            next_write_.batch.dead_letters.push_back(
                {head.outbox_id, std::string(reason), head.notification.created});
        }
        queue_write();
    }
    q.items.pop_front();
    count_pending(key.first, -1);
    if (q.items.empty()) {
        queues_.erase(key);
    } else {
        pump(key);
    }
    check_drained();
}

core::Duration Dispatcher::backoff_for(const config::ReceiverConfig& rc, int attempts,
                                       std::optional<core::Duration> hint) {
    // Exponential from initial_backoff, capped, with ±20% jitter so retries of many alerts
    // don't arrive together; a longer hint from the service wins.
    auto base = rc.initial_backoff;
    for (int i = 1; i < attempts && base < rc.max_backoff; ++i) base *= 2;
    base = std::min(base, rc.max_backoff);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    auto d = core::Duration{
        static_cast<core::Duration::rep>(static_cast<double>(base.count()) * jitter(rng_))};
    if (hint && *hint > d) d = *hint;
    return d;
}

std::size_t Dispatcher::pending() const {
    std::size_t n = enqueues_in_flight_;
    for (const auto& [key, q] : queues_) n += q.items.size();
    return n;
}

Dispatcher::ReceiverState& Dispatcher::receiver_state(const std::string& receiver) {
    auto [it, added] = receivers_.try_emplace(receiver);
    auto& rs = it->second;
    if (added) {
        auto counter = [&](prometheus::Family<prometheus::Counter>& f, const char* label,
                           const char* value) {
            return &f.Add({{"receiver", receiver}, {label, value}});
        };
        rs.delivered = counter(metrics_.notifications, "result", "delivered");
        rs.failed = counter(metrics_.notifications, "result", "failed");
        rs.attempt_delivered = counter(metrics_.attempts, "outcome", "delivered");
        rs.attempt_retry = counter(metrics_.attempts, "outcome", "retry");
        rs.attempt_failed = counter(metrics_.attempts, "outcome", "failed");
        rs.dead_letters = &metrics_.dead_letters.Add({{"receiver", receiver}});
        rs.pending_gauge = &metrics_.pending.Add({{"receiver", receiver}});
        rs.outbox_pending = &metrics_.outbox_pending.Add({{"receiver", receiver}});
        rs.latency =
            &metrics_.latency.Add({{"receiver", receiver}}, AlertMetrics::latency_buckets());
    }
    return rs;
}

void Dispatcher::count_pending(const std::string& receiver, std::ptrdiff_t delta) {
    auto& rs = receiver_state(receiver);
    rs.pending = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(rs.pending) + delta);
    rs.pending_gauge->Set(static_cast<double>(rs.pending));
    rs.outbox_pending->Set(static_cast<double>(rs.pending));
}

void Dispatcher::wake(const std::string& receiver) {
    auto it = receivers_.find(receiver);
    if (it == receivers_.end()) return;
    auto& rs = it->second;
    while (rs.in_flight < kMaxInFlight && !rs.line.empty()) {
        const QueueKey key = std::move(rs.line.front());
        rs.line.pop_front();
        auto q = queues_.find(key);
        if (q == queues_.end() || !q->second.waiting) continue;
        set_waiting(q->second, false);
        pump(key);
    }
    release_backlog_waiters();
}

void Dispatcher::set_waiting(Queue& q, bool waiting) {
    if (q.waiting == waiting) return;
    q.waiting = waiting;
    waiting ? ++backlog_ : --backlog_;
}

void Dispatcher::when_backlog_at_most(std::size_t backlog, core::Duration max_wait,
                                      std::function<void()> done) {
    if (backlog_ <= backlog) {
        boost::asio::post(strand_, [alive = alive_, done = std::move(done)] {
            if (*alive) done();
        });
        return;
    }
    const auto id = next_waiter_++;
    auto& w = backlog_waiters_[id];
    w.backlog = backlog;
    w.done = std::move(done);
    w.deadline = std::make_unique<boost::asio::steady_timer>(strand_, max_wait);
    w.deadline->async_wait([this, alive = alive_, id](boost::system::error_code) {
        if (!*alive) return;
        auto it = backlog_waiters_.find(id);
        if (it == backlog_waiters_.end()) return;
        auto released = std::move(it->second.done);
        backlog_waiters_.erase(it);
        released();
    });
}

void Dispatcher::release_backlog_waiters() {
    for (auto it = backlog_waiters_.begin(); it != backlog_waiters_.end();) {
        if (backlog_ > it->second.backlog) {
            ++it;
            continue;
        }
        it->second.deadline->cancel();
        auto released = std::move(it->second.done);
        it = backlog_waiters_.erase(it);
        released();
    }
}

void Dispatcher::drain(core::Duration deadline, std::function<void(std::size_t)> done) {
    draining_ = true;
    drain_done_ = std::move(done);
    // Retries waiting for their backoff go now: shutting down is no time to wait.
    for (auto& [key, q] : queues_) {
        if (q.backoff) q.backoff->cancel();
    }
    drain_timer_ = std::make_unique<boost::asio::steady_timer>(strand_, deadline);
    drain_timer_->async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (ec || !*alive || !drain_done_) return;
        auto done_cb = std::move(drain_done_);
        drain_done_ = nullptr;
        done_cb(pending());
    });
    check_drained();
}

void Dispatcher::check_drained() {
    if (!draining_ || !drain_done_ || pending() != 0 || writes_in_flight_ != 0) return;
    if (drain_timer_) drain_timer_->cancel();
    auto done_cb = std::move(drain_done_);
    drain_done_ = nullptr;
    done_cb(0);
}

}  // namespace noctua::alerts
