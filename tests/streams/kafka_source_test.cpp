// KafkaSource against librdkafka's built-in mock cluster (no broker process, loopback only).
#include <array>

#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <prometheus/registry.h>

#include "noctua/streams/kafka_source.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kNow = *parse_rfc3339("2024-05-01T10:00:00Z");

/// A one-broker mock cluster with a 3-partition topic "tx", and a producer for it.
struct MockCluster {
    rd_kafka_t* owner = nullptr;
    rd_kafka_mock_cluster_t* cluster = nullptr;
    rd_kafka_t* producer = nullptr;
    rd_kafka_topic_t* topic = nullptr;
    MockCluster() {
        std::array<char, 512> err{};
        owner = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err.data(), err.size());
        REQUIRE(owner != nullptr);
        cluster = rd_kafka_mock_cluster_new(owner, 1);
        REQUIRE(cluster != nullptr);
        REQUIRE(rd_kafka_mock_topic_create(cluster, "tx", 3, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps().c_str(), err.data(),
                                  err.size()) == RD_KAFKA_CONF_OK);
        producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
        REQUIRE(producer != nullptr);
        topic = rd_kafka_topic_new(producer, "tx", nullptr);
        REQUIRE(topic != nullptr);
    }
    ~MockCluster() {
        rd_kafka_topic_destroy(topic);
        rd_kafka_destroy(producer);
        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(owner);
    }
    std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster); }

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

    std::unique_ptr<KafkaSource> source() {
        config::StreamConfig c;
        c.id = "kafka";
        c.kind = "kafka";
        c.brokers = mock.bootstraps();
        c.topics = {"tx"};
        c.group_id = "noctua-test";
        c.kafka_options = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "100"},
                           {"topic.metadata.refresh.interval.ms", "500"}};
        auto s = KafkaSource::create(c, pipeline, metrics);
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
