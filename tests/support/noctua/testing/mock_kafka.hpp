#pragma once

// librdkafka's in-process mock cluster (one broker) with topic "tx", and a producer for it.

#include <array>
#include <string>

#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace noctua::testing {

class MockKafkaCluster {
public:
    explicit MockKafkaCluster(int partitions) {
        std::array<char, 512> err{};
        owner = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err.data(), err.size());
        REQUIRE(owner != nullptr);
        cluster = rd_kafka_mock_cluster_new(owner, 1);
        REQUIRE(cluster != nullptr);
        REQUIRE(rd_kafka_mock_topic_create(cluster, "tx", partitions, 1) ==
                RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps().c_str(), err.data(),
                                  err.size()) == RD_KAFKA_CONF_OK);
        producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
        REQUIRE(producer != nullptr);
        topic = rd_kafka_topic_new(producer, "tx", nullptr);
        REQUIRE(topic != nullptr);
    }
    ~MockKafkaCluster() {
        rd_kafka_topic_destroy(topic);
        rd_kafka_destroy(producer);
        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(owner);
    }
    MockKafkaCluster(const MockKafkaCluster&) = delete;
    MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

    [[nodiscard]] std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster); }

    rd_kafka_t* owner = nullptr;
    rd_kafka_mock_cluster_t* cluster = nullptr;
    rd_kafka_t* producer = nullptr;
    rd_kafka_topic_t* topic = nullptr;
};

}  // namespace noctua::testing
