// A KafkaSource catching up a backlog (librdkafka's mock cluster, loopback only): the windows'
// watermark waits for the partition furthest behind, so that no event is late.
#include <future>
#include <map>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <prometheus/registry.h>
#include <catch2/catch.hpp>

#include "kafka_stream_config.hpp"
#include "noctua/testing/on_ingest.hpp"
#include "noctua/store/store.hpp"
#include "noctua/streams/checkpoint.hpp"
#include "noctua/streams/kafka_source.hpp"
#include "noctua/testing/mock_kafka.hpp"
#include "noctua/testing/run_until.hpp"
#include "noctua/testing/temp_dir.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kNow = *parse_rfc3339("2024-05-01T10:00:00Z");
/// The backlog: two hours of events, [kFrom, kFrom + 2h).
const core::TimePoint kFrom = kNow - 2h - 10min;
constexpr int kMinutes = 120;
constexpr auto kLateness = 30s;

config::WindowsConfig windows_config() {
    config::WindowsConfig w;
    w.allowed_lateness = kLateness;
    w.sets = {{"provider", {"provider"}, 100, false}};
    return w;
}

/// One instance: a pipeline (its ingest thread running) with its own metrics, and with `store`
/// a Checkpointer (the windows restored from it first).
struct Node {
    prometheus::Registry registry;
    StreamMetrics metrics{registry};
    IngestPipeline pipeline;
    std::unique_ptr<Checkpointer> checkpoint;

    Node(const config::WindowsConfig& w, const core::Clock& clock, store::Store* store = nullptr)
        : pipeline(w, clock, &metrics, nullptr) {
        if (store) {
            checkpoint = std::make_unique<Checkpointer>(*store, pipeline, &metrics);
            REQUIRE(checkpoint->restore().has_value());
        }
        pipeline.start();
    }
    ~Node() { pipeline.stop(); }
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    double counter(prometheus::Family<prometheus::Counter>& f) {
        return f.Add({{"source", "kafka"}}).Value();
    }
    double accepted() { return counter(metrics.events); }
    double late() { return counter(metrics.late); }
    double duplicates() { return counter(metrics.duplicates); }
    /// Events read from the stream: applied, duplicate or late.
    double read() { return accepted() + duplicates() + late(); }
    double stalled() { return counter(metrics.stalled_partitions); }
    double held() { return metrics.watermark_held.Add({}).Value(); }
    /// The windows' watermark as exported (0 before it first moves).
    core::TimePoint watermark() {
        return core::TimePoint(std::chrono::milliseconds(
            static_cast<std::int64_t>(metrics.watermark.Add({}).Value() * 1000)));
    }

    template <class F>
    auto on_ingest(F fn) { return testing::on_ingest(pipeline, std::move(fn)); }
    /// Transactions of `provider` in each minute of the backlog.
    std::vector<std::uint32_t> per_minute(const std::string& provider) {
        return on_ingest([this, provider] {
            std::vector<std::uint32_t> out;
            for (int minute = 0; minute < kMinutes; ++minute) {
                const Bucket* b = pipeline.windows().find("provider", {{"provider", provider}},
                                                          kFrom + std::chrono::minutes(minute));
                out.push_back(b ? b->total() : 0);
            }
            return out;
        });
    }
};

/// The mock cluster with topic "tx", and a first instance.
struct CatchUp {
    testing::MockKafkaCluster mock;
    core::ManualClock clock{kNow};
    config::WindowsConfig windows = windows_config();
    Node a{windows, clock};

    explicit CatchUp(int partitions) : mock(partitions) {}

    /// Two hours of `per_minute` events of provider "p<partition>" on each partition named,
    /// produced minute by minute (a record batch each), all before any consumer starts.
    /// Only minutes [from, to) of the two hours with `from` and `to`.
    void produce_backlog(const std::map<int, int>& per_minute, int from = 0, int to = kMinutes) {
        for (int minute = from; minute < to; ++minute) {
            for (const auto& [partition, n] : per_minute) {
                for (int k = 0; k < n; ++k) {
                    const auto ts = kFrom + std::chrono::minutes(minute) + k * (60s / n);
                    std::string v = R"({"id":"p)" + std::to_string(partition) + "-" +
                                    std::to_string(minute) + "-" + std::to_string(k) +
                                    R"(","ts":")" + core::format_rfc3339(ts) +
                                    R"(","provider":"p)" + std::to_string(partition) +
                                    R"(","status":"success"})";
                    REQUIRE(rd_kafka_produce(mock.topic, partition, RD_KAFKA_MSG_F_COPY, v.data(),
                                             v.size(), nullptr, 0, nullptr) == 0);
                }
            }
            REQUIRE(rd_kafka_flush(mock.producer, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
        }
    }

    std::unique_ptr<KafkaSource> source(Node& node) {
        // Small fetches per partition, as a consumer far behind gets them relative to its
        // backlog: a sparse partition's two hours come in the first fetch, a dense one's in
        // many.
        const auto c =
            testing::kafka_stream(mock, "noctua-catch-up", {{"max.partition.fetch.bytes", "8192"}});
        auto s = KafkaSource::create(c, node.pipeline, node.metrics, node.checkpoint.get());
        REQUIRE(s.has_value());
        return std::move(*s);
    }
};

/// Where the watermark settles once every event up to `newest` is read and nothing holds it.
core::TimePoint settled(core::TimePoint newest) {
    return core::TimePoint(std::chrono::floor<std::chrono::minutes>(newest - kLateness));
}

}  // namespace

TEST_CASE("KafkaSource: a backlog read unevenly across partitions is counted whole, none late",
          "[streams][unit]") {
    CatchUp fx(2);
    // The same two hours on both partitions: dense on tx:0, sparse on tx:1.
    fx.produce_backlog({{0, 20}, {1, 1}});
    const double total = kMinutes * 21;
    auto source = fx.source(fx.a);
    source->start();
    REQUIRE(testing::wait_for([&] { return fx.a.read() == total; }, 90s));
    CHECK(fx.a.late() == 0);
    CHECK(fx.a.accepted() == total);
    CHECK(fx.a.per_minute("p0") == std::vector<std::uint32_t>(kMinutes, 20));
    CHECK(fx.a.per_minute("p1") == std::vector<std::uint32_t>(kMinutes, 1));
    // Both at their end: nothing holds the watermark any more.
    const auto newest = kFrom + std::chrono::minutes(kMinutes) - 3s;
    REQUIRE(testing::wait_for([&] { return fx.a.watermark() == settled(newest); }, 30s));
    CHECK(fx.a.held() == 0);
    CHECK(fx.a.stalled() == 0);
    source->stop();
}

TEST_CASE("KafkaSource: an empty partition does not hold the watermark", "[streams][unit]") {
    CatchUp fx(2);
    fx.produce_backlog({{0, 5}});  // tx:1 stays empty: its end is where it starts
    auto source = fx.source(fx.a);
    source->start();
    REQUIRE(testing::wait_for([&] { return fx.a.read() == kMinutes * 5; }, 90s));
    const auto newest = kFrom + std::chrono::minutes(kMinutes) - 12s;
    REQUIRE(testing::wait_for([&] { return fx.a.watermark() == settled(newest); }, 30s));
    CHECK(fx.a.late() == 0);
    CHECK(fx.a.held() == 0);
    CHECK(fx.a.stalled() == 0);
    source->stop();
}

TEST_CASE(
    "KafkaSource: a partition that cannot be read holds the watermark until it is "
    "revoked or stalls",
    "[streams][unit]") {
    CatchUp fx(2);
    fx.produce_backlog({{0, 5}, {1, 5}});
    // tx:1 loses its leader: assigned, but nothing of it can be fetched.
    REQUIRE(rd_kafka_mock_partition_set_leader(fx.mock.cluster, "tx", 1, -1) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
    auto source = fx.source(fx.a);
    source->start();
    REQUIRE(testing::wait_for([&] { return fx.a.read() == kMinutes * 5; }, 90s));
    REQUIRE(testing::wait_for([&] { return source->assigned() == 2; }, 30s));
    // tx:1's backlog may be as old as anything: no bucket closes while it holds.
    CHECK(fx.a.watermark() == core::TimePoint{});
    CHECK(fx.a.late() == 0);
    const auto newest = kFrom + std::chrono::minutes(kMinutes) - 12s;

    SECTION("revoked: it holds nothing here any more") {
        source->stop();  // leaves the group: both partitions are revoked
        REQUIRE(testing::wait_for([&] { return fx.a.watermark() == settled(newest); }, 30s));
        CHECK(fx.a.stalled() == 0);
    }
    SECTION("stalled: after 4 x allowed_lateness without a delivery it stops holding") {
        fx.clock.advance(4 * kLateness);
        REQUIRE(testing::wait_for([&] { return fx.a.stalled() == 1; }, 30s));
        // Idle for longer than the lateness: the watermark follows the clock again.
        REQUIRE(testing::wait_for([&] { return fx.a.watermark() == settled(kNow + 4 * kLateness); },
                                  30s));
        source->stop();
    }
}

TEST_CASE(
    "KafkaSource: a new instance joining while another catches up: every event counted, "
    "none late",
    "[streams][unit]") {
    CatchUp fx(2);
    fx.produce_backlog({{0, 20}, {1, 1}});
    // With [storage] each starts a partition it is given back where its windows are (a commit
    // refused in the rebalance would otherwise have it read again what it holds).
    testing::TempDir dir("kafka-catch-up");
    auto store_a = store::Store::open(dir.file("a.db"));
    auto store_b = store::Store::open(dir.file("b.db"));
    REQUIRE((store_a.has_value() && store_b.has_value()));
    Node a(fx.windows, fx.clock, store_a->get());
    Node b(fx.windows, fx.clock, store_b->get());
    auto first = fx.source(a);
    auto second = fx.source(b);
    first->start();
    second->start();  // joins while the first catches up: the partitions are split between them
    const std::map<std::string, std::uint32_t> per_minute = {{"p0", 20}, {"p1", 1}};
    // Each minute of each provider counted whole by one of them or both: a partition handed
    // over is read by its new owner from the last commit, so some may be counted by both (at
    // least once), but never less than whole, and never twice by one.
    auto whole = [&] {
        for (const auto& [provider, n] : per_minute) {
            const auto in_a = a.per_minute(provider);
            const auto in_b = b.per_minute(provider);
            for (std::size_t m = 0; m < in_a.size(); ++m) {
                if (in_a[m] + in_b[m] < n) return false;
            }
        }
        return true;
    };
    REQUIRE(testing::wait_for(
        [&] { return first->assigned() == 1 && second->assigned() == 1 && whole(); }, 90s));
    CHECK(a.late() + b.late() == 0);
    for (const auto& [provider, n] : per_minute) {
        const auto in_a = a.per_minute(provider);
        const auto in_b = b.per_minute(provider);
        for (std::size_t m = 0; m < in_a.size(); ++m) {
            INFO(provider << " minute " << m);
            CHECK(in_a[m] <= n);
            CHECK(in_b[m] <= n);
        }
    }
    first->stop();
    second->stop();
}

TEST_CASE(
    "KafkaSource: until it joins its group, the watermark waits for its backlog, for a "
    "bound",
    "[streams][unit]") {
    CatchUp fx(2);
    // The broker refuses connections: the source cannot join, so what it will read is unknown.
    REQUIRE(rd_kafka_mock_broker_set_down(fx.mock.cluster, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    auto source = fx.source(fx.a);
    source->start();
    // Another stream of the same windows delivers, then falls silent for longer than the
    // lateness: the watermark would follow the clock now, closing what the backlog may fill.
    SourceCounters push(fx.a.metrics, "push");
    std::string lines = R"({"id":"x","ts":")" + core::format_rfc3339(kNow - 5min) +
                        R"(","provider":"p9","status":"success"})" + "\n";
    fx.a.on_ingest([&] { return fx.a.pipeline.apply_lines(push, lines).accepted; });
    fx.clock.advance(kLateness + 1s);
    // Posted after the source's start: the pipeline knows it is joining by then.
    fx.a.on_ingest([&] {
        fx.a.pipeline.advance();
        return 0;
    });
    CHECK(fx.a.watermark() == core::TimePoint{});
    CHECK(fx.a.stalled() == 0);

    // Joining takes 4 x allowed_lateness: the wait is over, logged and counted.
    fx.clock.set(kNow + 4 * kLateness);
    fx.a.on_ingest([&] {
        fx.a.pipeline.advance();
        return 0;
    });
    CHECK(fx.a.stalled() == 1);
    CHECK(fx.a.watermark() == settled(kNow + 4 * kLateness));
    REQUIRE(rd_kafka_mock_broker_set_up(fx.mock.cluster, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    source->stop();
}

TEST_CASE(
    "KafkaSource: restarted after an outage, the uneven backlog since the snapshot is "
    "counted whole, none late",
    "[streams][unit]") {
    CatchUp fx(2);
    testing::TempDir dir("kafka-catch-up");
    auto opened = store::Store::open(dir.file("state.db"));
    REQUIRE(opened.has_value());
    store::Store& store = **opened;
    fx.produce_backlog({{0, 20}, {1, 1}}, 0, 60);
    {
        // The first hour, read at the head of the topic and saved with its offsets.
        Node first(fx.windows, fx.clock, &store);
        auto source = fx.source(first);
        source->start();
        REQUIRE(testing::wait_for([&] { return first.read() == 60 * 21; }, 90s));
        source->stop();
        REQUIRE(first.on_ingest([&] { return first.checkpoint->save(); }).has_value());
    }
    // Down for the second hour: it piles up on both partitions.
    fx.produce_backlog({{0, 20}, {1, 1}}, 60, kMinutes);
    Node second(fx.windows, fx.clock, &store);
    auto source = fx.source(second);
    source->start();
    REQUIRE(testing::wait_for([&] { return second.read() == 60 * 21; }, 90s));
    CHECK(second.late() == 0);
    CHECK(second.duplicates() == 0);
    // The snapshot's hour and the backlog's, every minute whole.
    CHECK(second.per_minute("p0") == std::vector<std::uint32_t>(kMinutes, 20));
    CHECK(second.per_minute("p1") == std::vector<std::uint32_t>(kMinutes, 1));
    source->stop();
}
