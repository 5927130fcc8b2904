#pragma once

// The stream configuration the Kafka source tests consume the mock cluster's topic with.

#include <map>
#include <string>
#include <utility>

#include "noctua/config/config.hpp"
#include "noctua/streams/sources/kafka.hpp"
#include "noctua/testing/mock_kafka.hpp"

namespace noctua::testing {

/// Stream "kafka" of kind kafka reading topic "tx" of `mock` as consumer group `group_id`, with
/// librdkafka settings that rebalance and find partitions within a test's time, and `extra`
/// settings beside them.
inline config::StreamConfig kafka_stream(const MockKafkaCluster& mock, std::string group_id,
                                         const std::map<std::string, std::string>& extra = {}) {
    config::StreamConfig c;
    c.id = "kafka";
    c.kind = "kafka";
    streams::KafkaStreamOptions o;
    o.brokers = mock.bootstraps();
    o.topics = {"tx"};
    o.group_id = std::move(group_id);
    o.kafka_options = {{"session.timeout.ms", "6000"},
                       {"heartbeat.interval.ms", "100"},
                       {"topic.metadata.refresh.interval.ms", "500"}};
    o.kafka_options.insert(extra.begin(), extra.end());
    c.options = config::KindOptions::of(std::move(o));
    return c;
}

}  // namespace noctua::testing
