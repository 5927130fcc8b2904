// KafkaSink against librdkafka's built-in mock cluster (no broker process, loopback only).
#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <set>
#include <string>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <simdjson.h>

#include "noctua/sim/kafka_sink.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;

namespace {

/// A one-broker mock cluster owned by a throwaway client handle.
struct MockCluster {
    rd_kafka_t* owner = nullptr;
    rd_kafka_mock_cluster_t* cluster = nullptr;
    MockCluster() {
        std::array<char, 512> err{};
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
        REQUIRE(owner != nullptr);
        cluster = rd_kafka_mock_cluster_new(owner, 1);
        REQUIRE(cluster != nullptr);
        REQUIRE(rd_kafka_mock_topic_create(cluster, "tx", 3, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ~MockCluster() {
        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(owner);
    }
    std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster); }
};

sim::TxEvent event(int i, std::string provider) {
    sim::TxEvent e;
    e.id = "tx-" + std::to_string(i);
    e.ts = core::TimePoint{std::chrono::seconds(1'700'000'000 + i)};
    e.provider = std::move(provider);
    e.status = "success";
    e.country = "ES";
    e.product = "airtime";
    e.amount = 5;
    e.currency = "EUR";
    return e;
}

}  // namespace

TEST_CASE("KafkaSink: events reach the topic, keyed and partitioned by provider",
          "[sim][integration]") {
    MockCluster mock;
    auto made = sim::KafkaSink::create({mock.bootstraps(), "tx"});
    REQUIRE(made.has_value());
    auto& sink = **made;
    const std::array<std::string, 3> providers{"acme", "giftly", "kenyapay"};
    constexpr int kEvents = 60;
    for (int i = 0; i < kEvents; ++i) sink.push(event(i, providers[static_cast<std::size_t>(i) % 3]));
    sink.flush();
    REQUIRE(testing::wait_for([&] { return sink.pending() == 0; }));
    CHECK(sink.stats().delivered == kEvents);
    CHECK(sink.stats().failed == 0);

    std::array<char, 512> err{};
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", mock.bootstraps().c_str(), err.data(),
                              err.size()) == RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(conf, "group.id", "test", err.data(), err.size()) == RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err.data(), err.size()) ==
            RD_KAFKA_CONF_OK);
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err.data(), err.size());
    REQUIRE(consumer != nullptr);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, "tx", RD_KAFKA_PARTITION_UA);
    REQUIRE(rd_kafka_subscribe(consumer, topics) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(topics);

    std::map<std::string, std::set<std::int32_t>> partitions_by_key;
    std::set<std::string> ids;
    simdjson::dom::parser parser;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (ids.size() < kEvents && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer, 100);
        if (msg == nullptr) continue;
        if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            std::string key(static_cast<const char*>(msg->key), msg->key_len);
            std::string value(static_cast<const char*>(msg->payload), msg->len);
            auto doc = parser.parse(value);
            REQUIRE(doc.error() == simdjson::SUCCESS);
            CHECK(std::string_view(doc.value()["provider"]) == key);
            ids.insert(std::string(std::string_view(doc.value()["id"])));
            partitions_by_key[key].insert(msg->partition);
        }
        rd_kafka_message_destroy(msg);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);

    CHECK(ids.size() == kEvents);
    REQUIRE(partitions_by_key.size() == 3);
    for (const auto& [key, parts] : partitions_by_key) {
        INFO(key);
        CHECK(parts.size() == 1);  // one provider, one partition
    }
}

TEST_CASE("KafkaSink: bad settings are errors, not crashes", "[sim][unit]") {
    CHECK_FALSE(sim::KafkaSink::create({"", "tx"}).has_value());
    auto empty_topic = sim::KafkaSink::create({"127.0.0.1:1", ""});
    REQUIRE_FALSE(empty_topic.has_value());
    CHECK(empty_topic.error().message.find("not a valid topic name") != std::string::npos);
    CHECK_FALSE(sim::KafkaSink::create({"127.0.0.1:1", "bad topic!"}).has_value());
}
