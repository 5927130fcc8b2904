#include "noctua/streams/kafka_source.hpp"

#include <array>
#include <atomic>
#include <future>
#include <map>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "noctua/core/log.hpp"

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
    // The polled batch not yet applied: NDJSON text and the next offset per partition.
    std::string batch;
    std::size_t batch_messages = 0;
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offsets;

    Impl(const config::StreamConfig& c, IngestPipeline& p, StreamMetrics& m)
        : config(c), pipeline(p), metrics(m), counters(m, c.id) {}

    void error(std::string_view kind) {
        metrics.source_errors.Add({{"source", config.id}, {"kind", std::string(kind)}}).Increment();
    }

    /// Applies the batch on the ingest thread, waits, then commits its offsets.
    bool flush() {
        if (batch_messages == 0) return true;
        auto done = std::make_shared<std::promise<void>>();
        auto applied = done->get_future();
        pipeline.post([this, done] {
            (void)pipeline.apply_lines(counters, batch);
            done->set_value();
        });
        for (;;) {
            if (applied.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready) break;
            if (pipeline.stopped()) return false;  // not applied: not committed, re-delivered
        }
        try {
            applied.get();
        } catch (const std::future_error&) {
            return false;
        }
        ListHandle offsets(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
        for (const auto& [tp, next] : next_offsets) {
            rd_kafka_topic_partition_list_add(offsets.get(), tp.first.c_str(), tp.second)->offset = next;
        }
        if (auto err = rd_kafka_commit(rk.get(), offsets.get(), 0); err) {
            core::logger("streams")->warn("kafka stream {}: commit failed: {}", config.id,
                                          rd_kafka_err2str(err));
            error("commit");
        } else {
            committed += batch_messages;
        }
        batch.clear();
        batch_messages = 0;
        next_offsets.clear();
        return true;
    }

    void take(const rd_kafka_message_t& m) {
        if (m.err) {
            if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
            core::logger("streams")->warn("kafka stream {}: {}", config.id,
                                          rd_kafka_message_errstr(&m));
            error("consume");
            return;
        }
        if (m.payload && m.len > 0) {
            batch.append(static_cast<const char*>(m.payload), m.len);
            batch.push_back('\n');
        }
        ++batch_messages;
        next_offsets[{rd_kafka_topic_name(m.rkt), m.partition}] = m.offset + 1;
    }

    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* parts, void* opaque) {
        auto& d = *static_cast<Impl*>(opaque);
        const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            if (cooperative) {
                if (auto* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
                d.assigned += parts->cnt;
            } else {
                rd_kafka_assign(rk, parts);
                d.assigned = parts->cnt;
            }
        } else {
            // Partitions are taken away: what was polled from them is applied and committed
            // first, so their next owner starts right after it.
            (void)d.flush();
            if (cooperative) {
                if (auto* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
                d.assigned -= parts->cnt;
            } else {
                rd_kafka_assign(rk, nullptr);
                d.assigned = 0;
            }
        }
        core::logger("streams")->info("kafka stream {}: rebalance ({}), {} partition(s) assigned",
                                      d.config.id, rd_kafka_err2name(err), d.assigned.load());
    }

    void run() {
        while (!stopping) {
            MessageHandle m(rd_kafka_consumer_poll(rk.get(), 100));
            if (m) take(*m);
            // Apply when the batch is full or the topic went quiet.
            if (batch_messages >= kMaxBatch || (!m && batch_messages > 0)) {
                if (!flush()) break;
            }
        }
        (void)flush();
        rd_kafka_consumer_close(rk.get());  // leaves the group (revoke callback runs here)
    }
};

KafkaSource::KafkaSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaSource::~KafkaSource() { stop(); }

core::Result<std::unique_ptr<KafkaSource>> KafkaSource::create(const config::StreamConfig& config,
                                                               IngestPipeline& pipeline,
                                                               StreamMetrics& metrics) {
    auto impl = std::make_unique<Impl>(config, pipeline, metrics);
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
    const std::pair<std::string, std::string> defaults[] = {
        {"bootstrap.servers", config.brokers},
        {"group.id", config.group_id},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"client.id", "noctua-" + config.id},
    };
    for (const auto& [k, v] : defaults) {
        if (auto r = set(k, v); !r) return std::unexpected(r.error());
    }
    for (const auto& [k, v] : config.kafka_options) {
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
    ListHandle topics(rd_kafka_topic_partition_list_new(static_cast<int>(d.config.topics.size())));
    for (const auto& t : d.config.topics) {
        rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (auto err = rd_kafka_subscribe(d.rk.get(), topics.get()); err) {
        core::logger("streams")->error("kafka stream {}: subscribe failed: {}", d.config.id,
                                       rd_kafka_err2str(err));
        d.error("subscribe");
    }
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
