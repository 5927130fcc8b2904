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
    boost::asio::post(*store_thread_, [this, alive = alive_, records = std::move(records)] {
        auto r = store_->write({}, records);
        boost::asio::post(strand_, [this, alive, r = std::move(r)] {
            if (!*alive) return;
            --writes_in_flight_;
            if (!r) on_store_error("writing alert records", r.error());
            check_drained();
        });
    });
}

void Dispatcher::after_writes(std::function<void()> done) {
    if (!store_) {
        boost::asio::post(strand_, std::move(done));
        return;
    }
    boost::asio::post(*store_thread_, [this, alive = alive_, done = std::move(done)]() mutable {
        boost::asio::post(strand_, [alive, done = std::move(done)] {
            if (*alive) done();
        });
    });
}

void Dispatcher::stop() {
    *alive_ = false;
    for (auto& [key, q] : queues_) {
        if (q.backoff) q.backoff->cancel();
    }
    if (drain_timer_) drain_timer_->cancel();
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
        for (std::size_t i = 0; i < q.items.size(); ++i) {
            metrics_.notifications.Add({{"receiver", key.first}, {"result", "failed"}}).Increment();
        }
        if (q.backoff) q.backoff->cancel();
        queues_.erase(key);
        update_pending_metric(key.first);
    }
    check_drained();
}

void Dispatcher::enqueue(Notification n, std::vector<store::RecordWrite> records) {
    auto ch = channels_.find(n.receiver);
    if (ch == channels_.end()) {
        core::logger("alerts")->error("no such receiver, notification dropped receiver={}",
                                      n.receiver);
        metrics_.notifications.Add({{"receiver", n.receiver}, {"result", "failed"}}).Increment();
        persist(std::move(records));
        return;
    }
    if (n.status() == AlertState::resolved && !ch->second->config().send_resolved) {
        persist(std::move(records));
        return;
    }
    if (!store_) {
        push(Item{.notification = std::move(n)});
        return;
    }
    // Written before the first attempt: a crash from here on re-sends it after restart.
    ++writes_in_flight_;
    ++enqueues_in_flight_;
    store::OutboxItem row;
    row.receiver = n.receiver;
    row.group_key = n.group_key;
    row.payload = encode(n);
    row.created = n.created;
    row.next_attempt = n.created;
    boost::asio::post(*store_thread_, [this, alive = alive_, row = std::move(row),
                                       records = std::move(records), n = std::move(n)]() mutable {
        auto ids = store_->write({row}, records);
        boost::asio::post(strand_, [this, alive, ids = std::move(ids), n = std::move(n)]() mutable {
            if (!*alive) return;
            --writes_in_flight_;
            --enqueues_in_flight_;
            if (!ids) {
                // Not durable, but still worth sending: the page matters more than the record.
                on_store_error("writing the outbox", ids.error());
                push(Item{.notification = std::move(n)});
                return;
            }
            push(Item{.notification = std::move(n), .outbox_id = ids->front()});
        });
    });
}

void Dispatcher::push(Item item) {
    QueueKey key{item.notification.receiver, item.notification.group_key};
    auto& q = queues_[key];
    q.receiver = key.first;
    q.items.push_back(std::move(item));
    update_pending_metric(key.first);
    pump(key);
}

void Dispatcher::pump(const QueueKey& key) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    auto& q = it->second;
    if (q.in_flight || q.backoff || q.items.empty() || !*alive_) return;
    auto ch = channels_.find(key.first);
    if (ch == channels_.end()) return;
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
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    auto& q = it->second;
    q.in_flight = false;
    const auto& receiver = key.first;
    auto outcome_label = outcome.kind == DeliveryOutcome::Kind::delivered ? "delivered"
                         : outcome.kind == DeliveryOutcome::Kind::retry   ? "retry"
                                                                          : "failed";
    metrics_.attempts.Add({{"receiver", receiver}, {"outcome", outcome_label}}).Increment();

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
        boost::asio::post(*store_thread_,
                          [store = store_, id = item.outbox_id, attempts = item.attempts,
                           next = (clock_ ? clock_->now() : core::TimePoint{}) + delay] {
                              (void)store->reschedule(id, attempts, next);
                          });
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
    metrics_.notifications
        .Add({{"receiver", key.first}, {"result", delivered ? "delivered" : "failed"}})
        .Increment();
    auto& head = q.items.front();
    if (!delivered) metrics_.dead_letters.Add({{"receiver", key.first}}).Increment();
    if (delivered) {
        metrics_.latency.Add({{"receiver", key.first}}, AlertMetrics::latency_buckets())
            .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                   q.items.front().queued)
                         .count());
    }
    if (store_ && head.outbox_id != 0) {
        boost::asio::post(
            *store_thread_, [this, alive = alive_, id = head.outbox_id, delivered,
                             reason = std::string(reason), at = head.notification.created] {
                auto r = delivered ? store_->delivered(id) : store_->dead_letter(id, reason, at);
                if (!r) {
                    boost::asio::post(strand_, [this, alive, e = r.error()] {
                        if (*alive) on_store_error("updating the outbox", e);
                    });
                }
            });
    }
    q.items.pop_front();
    if (q.items.empty()) {
        queues_.erase(key);
    } else {
        pump(key);
    }
    update_pending_metric(key.first);
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

void Dispatcher::update_pending_metric(const std::string& receiver) {
    std::size_t n = 0;
    for (const auto& [key, q] : queues_) {
        if (key.first == receiver) n += q.items.size();
    }
    metrics_.pending.Add({{"receiver", receiver}}).Set(static_cast<double>(n));
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
