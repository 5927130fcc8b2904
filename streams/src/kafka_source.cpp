#include "noctua/streams/kafka_source.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "noctua/core/log.hpp"
#include "noctua/streams/event.hpp"

namespace noctua::streams {
namespace {

struct KafkaDeleter {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
};
struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const noexcept {
        rd_kafka_topic_partition_list_destroy(l);
    }
};
struct MessageDeleter {
    void operator()(rd_kafka_message_t* m) const noexcept { rd_kafka_message_destroy(m); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using ConfHandle = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using ListHandle = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;
using MessageHandle = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

constexpr std::size_t kMaxBatch = 1000;

/// The partition name under which a source that has not had its first assignment yet holds
/// the watermark (the backlog it is about to read may be old).
constexpr std::string_view kJoining = "(joining the group)";

using TopicPartition = std::pair<std::string, std::int32_t>;

/// The store key of a partition's offset: "topic:partition" (topic names have no ':').
std::string offset_key(const TopicPartition& tp) {
    return tp.first + ":" + std::to_string(tp.second);
}

std::optional<TopicPartition> parse_offset_key(std::string_view key) {
    const auto colon = key.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::int32_t partition = 0;
    const auto digits = key.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return TopicPartition{std::string(key.substr(0, colon)), partition};
}

/// Offsets a snapshot made durable, handed from the saving (ingest) thread to the poll
/// thread, which commits them. Shared with the Checkpointer's listener, which may outlive
/// the source.
struct Durable {
    std::mutex mu;  // guards next; leaf lock
    std::map<TopicPartition, std::int64_t> next;
};

}  // namespace

// Executor: `thread` (the poll thread): the handle, the batch and every librdkafka callback
// (they run inside rd_kafka_consumer_poll on it).
struct KafkaSource::Impl {
    config::StreamConfig config;
    IngestPipeline& pipeline;
    StreamMetrics& metrics;
    SourceCounters counters;
    KafkaHandle rk;
    std::thread thread;
    std::atomic<bool> stopping{false};
    std::atomic<std::uint64_t> committed{0};
    std::atomic<int> assigned{0};
    // The polled batch not yet applied, per partition: its NDJSON text and whether its end was
    // reached (to tell the pipeline's PartitionProgress); and the next offset per partition.
    struct PartitionBatch {
        std::string text;
        bool read = false;  // messages, or its end, seen since the last flush
        bool at_end = false;
    };
    std::map<TopicPartition, PartitionBatch> batch;
    std::size_t batch_messages = 0;
    bool batch_progress = false;  // some partition's `read` is set
    std::map<TopicPartition, std::int64_t> next_offsets;
    // Applied but not yet committed (no Checkpointer): a commit refused during a rebalance
    // is retried at the next flush or when the partitions are revoked, not forgotten.
    std::map<TopicPartition, std::int64_t> uncommitted;
    std::size_t uncommitted_messages = 0;
    // With a Checkpointer: offsets are committed only once a window snapshot holds them.
    Checkpointer* checkpoint = nullptr;
    std::shared_ptr<Durable> durable = std::make_shared<Durable>();
    std::map<TopicPartition, std::int64_t> applied;  // next offset applied to the live windows
    std::set<TopicPartition> owned;                   // assigned partitions
    std::set<TopicPartition> progress_held;  // told to the pipeline's PartitionProgress
    // Sharded: the provider keys claimed per assigned partition, and the parser of a key's
    // first event (only that one is parsed here; the ingest thread parses them all).
    SeriesOwnership* ownership = nullptr;
    std::map<TopicPartition, std::set<std::string, std::less<>>> claimed;
    std::unique_ptr<EventParser> first_events;
    TxEvent first_event;
    std::chrono::steady_clock::time_point last_key_warning{};

    Impl(const config::StreamConfig& c, IngestPipeline& p, StreamMetrics& m, Checkpointer* cp,
         SeriesOwnership* o)
        : config(c), pipeline(p), metrics(m), counters(m, c.id), checkpoint(cp), ownership(o) {}

    void error(std::string_view kind) {
        metrics.source_errors.Add({{"source", config.id}, {"kind", std::string(kind)}}).Increment();
    }

    /// Applies the batch on the ingest thread, with where each partition has got to, waits,
    /// then commits its offsets.
    bool flush() {
        if (batch_messages == 0 && !batch_progress) return true;
        // A partition read up to the high watermark of its latest fetch has nothing unread (the
        // partition EOF says so too, unless `enable.partition.eof` is turned off).
        for (auto& [tp, part] : batch) {
            const auto next = next_offsets.find(tp);
            if (!part.read || part.at_end || next == next_offsets.end()) continue;
            std::int64_t low = 0;
            std::int64_t high = -1;
            if (rd_kafka_get_watermark_offsets(rk.get(), tp.first.c_str(), tp.second, &low,
                                               &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                high >= 0 && next->second >= high) {
                part.at_end = true;
            }
        }
        auto done = std::make_shared<std::promise<void>>();
        auto ready = done->get_future();
        pipeline.post([this, done] {
            const auto now = pipeline.clock().now();
            auto& progress = pipeline.partitions();
            for (auto& [tp, part] : batch) {
                if (!part.read) continue;
                std::optional<core::TimePoint> newest;
                if (!part.text.empty()) newest = pipeline.apply_lines(counters, part.text).newest;
                progress.read(config.id, offset_key(tp), newest, part.at_end, now);
            }
            // Noted on the ingest thread right after applying: the next snapshot holds both.
            if (checkpoint) {
                for (const auto& [tp, next] : next_offsets) {
                    checkpoint->note_offset(config.id, offset_key(tp), next);
                }
            }
            // The watermark moves with the batch and the partitions' progress at once.
            pipeline.advance();
            done->set_value();
        });
        for (;;) {
            if (ready.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready) break;
            if (pipeline.stopped()) return false;  // not applied: not committed, re-delivered
        }
        try {
            ready.get();
        } catch (const std::future_error&) {
            return false;
        }
        for (const auto& [tp, next] : next_offsets) applied[tp] = next;
        if (checkpoint) {
            // Committed by commit_durable() once a snapshot holds these events.
            committed += batch_messages;
            metrics.kafka_committed.Add({{"source", config.id}}).Increment(static_cast<double>(batch_messages));
        } else {
            for (const auto& [tp, next] : next_offsets) uncommitted[tp] = next;
            uncommitted_messages += batch_messages;
        }
        for (auto& [tp, part] : batch) {
            part.text.clear();  // keeps its capacity
            part.read = false;
            part.at_end = false;
        }
        batch_messages = 0;
        batch_progress = false;
        next_offsets.clear();
        if (!checkpoint) commit_applied();
        return true;
    }

    /// Commits `offsets` (only the partitions `keep` accepts); false, logged and counted,
    /// when the broker refuses (e.g. REBALANCE_IN_PROGRESS).
    template <typename Keep>
    bool commit(const std::map<TopicPartition, std::int64_t>& offsets, Keep keep) {
        ListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
        for (const auto& [tp, next] : offsets) {
            if (keep(tp)) {
                rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset =
                    next;
            }
        }
        if (list->cnt == 0) return true;
        if (auto err = rd_kafka_commit(rk.get(), list.get(), 0); err) {
            core::logger("streams")->warn("kafka stream {}: commit failed: {}", config.id,
                                          rd_kafka_err2str(err));
            error("commit");
            return false;
        }
        return true;
    }

    /// Commits what was applied and not committed yet (no Checkpointer); kept for a retry when
    /// the broker refuses (e.g. REBALANCE_IN_PROGRESS).
    void commit_applied() {
        if (uncommitted.empty()) return;
        if (!commit(uncommitted, [](const TopicPartition&) { return true; })) return;
        committed += uncommitted_messages;
        metrics.kafka_committed.Add({{"source", config.id}})
            .Increment(static_cast<double>(uncommitted_messages));
        uncommitted.clear();
        uncommitted_messages = 0;
    }

    /// Commits the offsets snapshots made durable, for the partitions this member owns.
    void commit_durable() {
        std::map<TopicPartition, std::int64_t> next;
        {
            std::lock_guard lock(durable->mu);
            next.swap(durable->next);
        }
        if (next.empty()) return;  // called after every poll: usually nothing is queued
        // A partition no longer owned is committed by its new owner from now on.
        if (!commit(next, [this](const TopicPartition& tp) { return owned.contains(tp); })) {
            // Retried with the next save unless a newer offset is queued by then.
            std::lock_guard lock(durable->mu);
            for (const auto& [tp, offset] : next) {
                if (owned.contains(tp)) durable->next.try_emplace(tp, offset);
            }
        }
    }

    /// Where newly assigned partitions start: after what the live windows already hold, or
    /// what the restored snapshot holds, or the group's committed offset, whichever is
    /// furthest (a crash after a save but before its commit must not count events twice; a
    /// partition another member consumed meanwhile starts at that member's commit).
    void position(rd_kafka_t* handle, rd_kafka_topic_partition_list_t* parts) {
        std::map<TopicPartition, std::int64_t> start = applied;
        if (auto stored = checkpoint->store().offsets(config.id); stored) {
            for (const auto& [key, value] : *stored) {
                if (auto tp = parse_offset_key(key)) start.try_emplace(*tp, value);
            }
        } else {
            error("offsets");
        }
        ListHandle committed_offsets(rd_kafka_topic_partition_list_copy(parts));
        if (rd_kafka_committed(handle, committed_offsets.get(), 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            error("committed");
        }
        for (int i = 0; i < parts->cnt; ++i) {
            auto& p = parts->elems[i];
            const auto it = start.find({p.topic, p.partition});
            if (it == start.end()) continue;
            const std::int64_t committed_at = committed_offsets->elems[i].offset;
            if (committed_at < 0 || it->second > committed_at) p.offset = it->second;
        }
    }

    void take(const rd_kafka_message_t& m) {
        if (m.err) {
            if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                auto& part = batch[{rd_kafka_topic_name(m.rkt), m.partition}];
                part.read = true;
                part.at_end = true;
                batch_progress = true;
                return;
            }
            core::logger("streams")->warn("kafka stream {}: {}", config.id,
                                          rd_kafka_message_errstr(&m));
            error("consume");
            return;
        }
        if (ownership && m.payload && m.len > 0) claim_key(m);
        TopicPartition tp{rd_kafka_topic_name(m.rkt), m.partition};
        auto& part = batch[tp];
        if (m.payload && m.len > 0) {
            part.text.append(static_cast<const char*>(m.payload), m.len);
            part.text.push_back('\n');
        }
        part.read = true;
        part.at_end = false;
        batch_progress = true;
        ++batch_messages;
        next_offsets[std::move(tp)] = m.offset + 1;
    }

    /// Tells the pipeline's PartitionProgress which partitions are read here from now on
    /// (`add`) and which no longer are (`drop`), and that the group was joined. What is posted
    /// captures nothing of the source: the pipeline may run it after the source is gone.
    void tell_progress(const std::vector<TopicPartition>& add,
                       const std::vector<TopicPartition>& drop) {
        std::vector<std::string> added;
        std::vector<std::string> dropped;
        for (const auto& tp : add) {
            if (progress_held.insert(tp).second) added.push_back(offset_key(tp));
        }
        for (const auto& tp : drop) {
            if (progress_held.erase(tp) > 0) dropped.push_back(offset_key(tp));
        }
        pipeline.post([&p = pipeline, id = config.id, added = std::move(added),
                       dropped = std::move(dropped)] {
            auto& progress = p.partitions();
            progress.revoked(id, kJoining);
            for (const auto& key : dropped) progress.revoked(id, key);
            const auto now = p.clock().now();
            for (const auto& key : added) progress.assigned(id, key, now);
        });
    }

    static std::vector<TopicPartition> partitions_of(const rd_kafka_topic_partition_list_t& l) {
        std::vector<TopicPartition> out;
        for (int i = 0; i < l.cnt; ++i) out.emplace_back(l.elems[i].topic, l.elems[i].partition);
        return out;
    }

    /// A key read on a partition for the first time since its assignment: its provider is
    /// claimed from the event time of the message's first event.
    void claim_key(const rd_kafka_message_t& m) {
        const std::string_view key =
            m.key ? std::string_view(static_cast<const char*>(m.key), m.key_len) : "";
        if (key.empty()) {
            key_problem("unkeyed", "a message has no key: key messages by provider id");
            return;
        }
        auto& keys = claimed[{rd_kafka_topic_name(m.rkt), m.partition}];
        if (keys.contains(key)) return;
        if (!first_events) {
            // Any age and any skew: this only reads the time, the ingest thread judges it.
            ParseOptions o;
            o.max_age = std::chrono::years(100);
            o.max_future = std::chrono::years(100);
            first_events = std::make_unique<EventParser>(std::move(o));
        }
        std::string_view payload(static_cast<const char*>(m.payload), m.len);
        payload = payload.substr(0, payload.find('\n'));
        const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
        if (first_events->parse(payload, 0, now, first_event) || first_event.provider != key) {
            key_problem("key_not_provider",
                        "a message key is not the provider of its first event: key messages by "
                        "provider id");
            return;
        }
        keys.emplace(key);
        ownership->claim(config.id, rd_kafka_topic_name(m.rkt), m.partition, key, first_event.ts);
    }

    void key_problem(std::string_view kind, std::string_view what) {
        error(kind);
        // At most a line a minute: a producer that does not key sends thousands a second.
        const auto now = std::chrono::steady_clock::now();
        if (now - last_key_warning < std::chrono::minutes(1)) return;
        last_key_warning = now;
        core::logger("streams")->warn(
            "kafka stream {}: {}; its events are counted but no rule judges their provider on "
            "this shard",
            config.id, what);
    }

    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* parts, void* opaque) {
        auto& d = *static_cast<Impl*>(opaque);
        const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            if (d.checkpoint) d.position(rk, parts);
            for (int i = 0; i < parts->cnt; ++i) {
                d.owned.emplace(parts->elems[i].topic, parts->elems[i].partition);
                if (d.ownership) {
                    d.ownership->assigned(d.config.id, parts->elems[i].topic,
                                          parts->elems[i].partition);
                }
            }
            // Revoked partitions not given back are read by another member from now on.
            if (d.ownership) d.ownership->assignment_done(d.config.id);
            // A partition read here before the revocation that preceded an eager assignment
            // keeps its progress (this member goes on from where it was); one not given back
            // stops holding the watermark here.
            auto add = partitions_of(*parts);
            std::vector<TopicPartition> drop;
            if (!cooperative) {
                const std::set<TopicPartition> now_assigned(add.begin(), add.end());
                for (const auto& tp : d.progress_held) {
                    if (!now_assigned.contains(tp)) drop.push_back(tp);
                }
            }
            d.tell_progress(add, drop);
            if (cooperative) {
                if (auto* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
                d.assigned += parts->cnt;
            } else {
                rd_kafka_assign(rk, parts);
                d.assigned = parts->cnt;
            }
        } else {
            // Their providers are not judged here until the assignment that follows says whether
            // they come back (eager: all are revoked, most return) or move; cooperative
            // rebalancing revokes only what moves.
            if (d.ownership) {
                for (int i = 0; i < parts->cnt; ++i) {
                    d.ownership->revoked(d.config.id, parts->elems[i].topic,
                                         parts->elems[i].partition);
                    d.claimed.erase({parts->elems[i].topic, parts->elems[i].partition});
                }
                if (cooperative) d.ownership->assignment_done(d.config.id);
            }
            // Partitions are taken away: what was polled from them is applied and committed
            // first, so their next owner starts right after it.
            (void)d.flush();
            if (d.checkpoint) {
                d.commit_durable();
            } else {
                d.commit_applied();  // retries a commit refused earlier in this rebalance
            }
            for (int i = 0; i < parts->cnt; ++i) {
                // Their next owner commits from now on; a stale offset of ours must not move
                // the group's position back (it re-reads at most this much; dedup absorbs it).
                d.owned.erase({parts->elems[i].topic, parts->elems[i].partition});
                d.uncommitted.erase({parts->elems[i].topic, parts->elems[i].partition});
            }
            if (d.uncommitted.empty()) d.uncommitted_messages = 0;
            // They no longer hold the watermark here (flush() told where they had got to):
            // cooperative rebalancing revokes only what moves, and leaving the group nothing
            // follows. An eager one revokes everything and gives most of it back; the
            // assignment that follows says what moved, and until then they hold, so that a
            // tick in between does not pass a partition this member goes on reading.
            if (cooperative || d.stopping) d.tell_progress({}, partitions_of(*parts));
            for (int i = 0; i < parts->cnt; ++i) {
                d.batch.erase({parts->elems[i].topic, parts->elems[i].partition});
            }
            if (d.checkpoint) {
                std::lock_guard lock(d.durable->mu);
                for (int i = 0; i < parts->cnt; ++i) {
                    d.durable->next.erase({parts->elems[i].topic, parts->elems[i].partition});
                }
            }
            if (cooperative) {
                if (auto* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
                d.assigned -= parts->cnt;
            } else {
                rd_kafka_assign(rk, nullptr);
                d.assigned = 0;
            }
        }
        d.metrics.kafka_partitions.Add({{"source", d.config.id}}).Set(d.assigned.load());
        core::logger("streams")->info("kafka stream {}: rebalance ({}), {} partition(s) assigned",
                                      d.config.id, rd_kafka_err2name(err), d.assigned.load());
    }

    void run() {
        while (!stopping) {
            MessageHandle m(rd_kafka_consumer_poll(rk.get(), 100));
            if (m) take(*m);
            // Apply when the batch is full or the topic went quiet.
            if (batch_messages >= kMaxBatch || (!m && (batch_messages > 0 || batch_progress))) {
                if (!flush()) break;
            }
            if (checkpoint) commit_durable();
        }
        (void)flush();
        if (checkpoint) commit_durable();
        rd_kafka_consumer_close(rk.get());  // leaves the group (revoke callback runs here)
    }
};

KafkaSource::KafkaSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaSource::~KafkaSource() { stop(); }

core::Result<std::unique_ptr<KafkaSource>> KafkaSource::create(const config::StreamConfig& config,
                                                               IngestPipeline& pipeline,
                                                               StreamMetrics& metrics,
                                                               Checkpointer* checkpoint,
                                                               SeriesOwnership* ownership) {
    auto impl = std::make_unique<Impl>(config, pipeline, metrics, checkpoint, ownership);
    if (checkpoint) {
        checkpoint->on_saved([durable = impl->durable, id = config.id](
                                 const std::vector<store::Batch::Offset>& saved) {
            std::lock_guard lock(durable->mu);
            for (const auto& o : saved) {
                if (o.source != id || !o.value) continue;
                if (auto tp = parse_offset_key(o.key)) durable->next[*tp] = *o.value;
            }
        });
    }
    ConfHandle conf(rd_kafka_conf_new());
    std::array<char, 512> err{};
    auto set = [&](const std::string& k, const std::string& v) -> core::Result<void> {
        if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err.data(), err.size()) !=
            RD_KAFKA_CONF_OK) {
            return core::fail(core::Errc::invalid_argument,
                              "kafka stream " + config.id + ": " + k + ": " + err.data());
        }
        return {};
    };
    const auto& options = config.options.get<KafkaStreamOptions>();
    const std::pair<std::string, std::string> defaults[] = {
        {"bootstrap.servers", options.brokers},
        {"group.id", options.group_id},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        // A partition's end is where it stops holding the windows' watermark.
        {"enable.partition.eof", "true"},
        {"client.id", "noctua-" + config.id},
    };
    for (const auto& [k, v] : defaults) {
        if (auto r = set(k, v); !r) return std::unexpected(r.error());
    }
    for (const auto& [k, v] : options.kafka_options) {
        if (auto r = set(k, v); !r) return std::unexpected(r.error());
    }
    rd_kafka_conf_set_rebalance_cb(conf.get(), &Impl::on_rebalance);
    rd_kafka_conf_set_opaque(conf.get(), impl.get());
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err.data(), err.size());
    if (!rk) {
        return core::fail(core::Errc::invalid_argument,
                          "kafka stream " + config.id + ": " + err.data());
    }
    (void)conf.release();  // owned by rk now
    impl->rk.reset(rk);
    rd_kafka_poll_set_consumer(rk);
    return std::unique_ptr<KafkaSource>(new KafkaSource(std::move(impl)));
}

void KafkaSource::start() {
    Impl& d = *impl_;
    if (d.thread.joinable() || d.stopping) return;
    const auto& subscribed = d.config.options.get<KafkaStreamOptions>().topics;
    ListHandle topics(rd_kafka_topic_partition_list_new(static_cast<int>(subscribed.size())));
    for (const auto& t : subscribed) {
        rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (auto err = rd_kafka_subscribe(d.rk.get(), topics.get()); err) {
        core::logger("streams")->error("kafka stream {}: subscribe failed: {}", d.config.id,
                                       rd_kafka_err2str(err));
        d.error("subscribe");
    }
    // Until the first assignment, the backlog it brings may be old: the watermark waits.
    d.pipeline.post([&p = d.pipeline, id = d.config.id] {
        p.partitions().assigned(id, kJoining, p.clock().now());
    });
    d.thread = std::thread([&d] {
        try {
            d.run();
        } catch (const std::exception& e) {
            core::logger("streams")->error("kafka stream {}: {}", d.config.id, e.what());
        }
    });
}

void KafkaSource::stop() {
    Impl& d = *impl_;
    d.stopping = true;
    if (d.thread.joinable()) d.thread.join();
}

std::uint64_t KafkaSource::committed() const { return impl_->committed.load(); }
int KafkaSource::assigned() const { return impl_->assigned.load(); }
const std::string& KafkaSource::id() const { return impl_->config.id; }

}  // namespace noctua::streams
