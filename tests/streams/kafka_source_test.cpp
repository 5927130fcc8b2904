// KafkaSource against librdkafka's built-in mock cluster (no broker process, loopback only).
#include <algorithm>
#include <array>
#include <future>

#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <prometheus/registry.h>

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

/// The mock cluster with a 3-partition topic "tx".
struct MockCluster : testing::MockKafkaCluster {
    MockCluster() : MockKafkaCluster(3) {}

    /// Events [from, to) spread over the three partitions, flushed.
    void produce(int from, int to) {
        for (int i = from; i < to; ++i) {
            std::string v = R"({"id":"k-)" + std::to_string(i) +
                            R"(","ts":"2024-05-01T09:59:00Z","provider":"p)" +
                            std::to_string(i % 3) + R"(","status":"success"})";
            REQUIRE(rd_kafka_produce(topic, i % 3, RD_KAFKA_MSG_F_COPY, v.data(), v.size(),
                                     nullptr, 0, nullptr) == 0);
        }
        REQUIRE(rd_kafka_flush(producer, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
};

struct Fixture {
    MockCluster mock;
    core::ManualClock clock{kNow};
    prometheus::Registry registry;
    StreamMetrics metrics{registry};
    IngestPipeline pipeline{config::WindowsConfig{}, clock, nullptr, nullptr};

    Fixture() { pipeline.start(); }

    config::StreamConfig stream_config() const { return testing::kafka_stream(mock, "noctua-test"); }

    std::unique_ptr<KafkaSource> source() {
        auto s = KafkaSource::create(stream_config(), pipeline, metrics);
        REQUIRE(s.has_value());
        return std::move(*s);
    }
    double accepted() { return metrics.events.Add({{"source", "kafka"}}).Value(); }
    double duplicates() { return metrics.duplicates.Add({{"source", "kafka"}}).Value(); }
};

}  // namespace

TEST_CASE("KafkaSource: consumes, commits after applying, resumes from committed offsets",
          "[streams][unit]") {
    Fixture fx;
    fx.mock.produce(0, 30);
    auto first = fx.source();
    first->start();
    REQUIRE(testing::wait_for([&] { return fx.accepted() == 30 && first->committed() == 30; },
                              30s));
    first->stop();
    first.reset();

    // A new member of the same group starts after the committed offsets: the 30 already
    // applied would show up as duplicates in the (shared) windows if they were read again.
    fx.mock.produce(30, 40);
    auto second = fx.source();
    second->start();
    REQUIRE(testing::wait_for([&] { return fx.accepted() == 40 && second->committed() == 10; },
                              30s));
    CHECK(fx.duplicates() == 0);
}

TEST_CASE("KafkaSource: two members of a group split the partitions without loss or double counting",
          "[streams][unit]") {
    Fixture fx;
    auto a = fx.source();
    a->start();
    REQUIRE(testing::wait_for([&] { return a->assigned() == 3; }, 30s));
    fx.mock.produce(0, 30);
    REQUIRE(testing::wait_for([&] { return fx.accepted() == 30; }, 30s));

    auto b = fx.source();
    b->start();  // rebalance: a gives partitions up (committing first), b takes them
    REQUIRE(testing::wait_for([&] { return a->assigned() + b->assigned() == 3 && b->assigned() > 0; },
                              30s));
    fx.mock.produce(30, 90);
    REQUIRE(testing::wait_for(
        [&] { return fx.accepted() == 90 && a->committed() + b->committed() == 90; }, 30s));
    CHECK(fx.duplicates() == 0);
    CHECK(b->committed() > 0);
}

namespace {

/// The group's committed offsets for "tx" (3 partitions), summed; negative ones count 0.
std::int64_t group_committed(const MockCluster& mock, const std::string& group) {
    std::array<char, 512> err{};
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", mock.bootstraps().c_str(), err.data(),
                              err.size()) == RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(conf, "group.id", group.c_str(), err.data(), err.size()) ==
            RD_KAFKA_CONF_OK);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err.data(), err.size());
    REQUIRE(rk != nullptr);
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(3);
    for (int p = 0; p < 3; ++p) rd_kafka_topic_partition_list_add(parts, "tx", p);
    const auto rc = rd_kafka_committed(rk, parts, 10'000);
    std::int64_t sum = 0;
    for (int i = 0; i < parts->cnt; ++i) sum += std::max<std::int64_t>(parts->elems[i].offset, 0);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_destroy(rk);
    REQUIRE(rc == RD_KAFKA_RESP_ERR_NO_ERROR);
    return sum;
}

/// One life of an instance with a store: pipeline (restored from the snapshot), checkpointer
/// and a Kafka source committing behind the snapshots.
struct Instance {
    IngestPipeline pipeline;
    Checkpointer checkpoint;
    std::unique_ptr<KafkaSource> source;

    Instance(Fixture& fx, store::Store& store, const config::WindowsConfig& wc)
        : pipeline(wc, fx.clock, nullptr, nullptr), checkpoint(store, pipeline, nullptr) {
        REQUIRE(checkpoint.restore().has_value());
        config::StreamConfig c = fx.stream_config();
        auto s = KafkaSource::create(c, pipeline, fx.metrics, &checkpoint);
        REQUIRE(s.has_value());
        source = std::move(*s);
        pipeline.start();
        source->start();
    }
    template <class F>
    auto on_ingest(F fn) { return testing::on_ingest(pipeline, std::move(fn)); }
    /// Transactions of p0, p1 and p2 in the windows' 09:59 bucket.
    std::uint32_t windowed() {
        return on_ingest([this] {
            std::uint32_t n = 0;
            for (const char* p : {"p0", "p1", "p2"}) {
                const Bucket* b = pipeline.windows().find("provider", {{"provider", p}},
                                                          *parse_rfc3339("2024-05-01T09:59:00Z"));
                n += b ? b->total() : 0;
            }
            return n;
        });
    }
    void save() { REQUIRE(on_ingest([this] { return checkpoint.save(); }).has_value()); }
};

}  // namespace

TEST_CASE("KafkaSource: with snapshots, commits follow them; a crash loses nothing and counts "
          "nothing twice",
          "[streams][unit]") {
    Fixture fx;
    testing::TempDir dir("kafka");
    auto opened = store::Store::open(dir.file("state.db"));
    REQUIRE(opened.has_value());
    store::Store& store = **opened;
    config::WindowsConfig wc;
    wc.sets = {{"provider", {"provider"}, 100, false}};

    {
        Instance a(fx, store, wc);
        fx.mock.produce(0, 30);
        REQUIRE(testing::wait_for([&] { return a.windowed() == 30; }, 30s));
        a.save();  // the 30 are durable: now they are committed
        REQUIRE(testing::wait_for([&] { return group_committed(fx.mock, "noctua-test") == 30; }, 30s));
        fx.mock.produce(30, 45);
        REQUIRE(testing::wait_for([&] { return a.windowed() == 45; }, 30s));
        // A crash: the 15 applied since the snapshot are lost with the windows, and were not
        // committed (committing after applying would have lost them for good).
        a.source->stop();
        CHECK(group_committed(fx.mock, "noctua-test") == 30);
    }
    {
        Instance b(fx, store, wc);
        CHECK(b.windowed() == 30);  // the snapshot
        REQUIRE(testing::wait_for([&] { return b.windowed() == 45; }, 30s));  // the 15 re-read
        b.source->stop();
        CHECK(b.windowed() == 45);
        // A shutdown: the final snapshot is saved after the source stopped, so it is stored
        // but never committed.
        b.save();
        CHECK(group_committed(fx.mock, "noctua-test") == 30);
    }
    {
        Instance c(fx, store, wc);
        CHECK(c.windowed() == 45);
        fx.mock.produce(45, 51);
        // Starts at the stored 45, not the committed 30: nothing is applied twice.
        REQUIRE(testing::wait_for([&] { return c.windowed() == 51; }, 30s));
        c.source->stop();
        CHECK(c.windowed() == 51);
    }
    CHECK(fx.duplicates() == 0);
}
