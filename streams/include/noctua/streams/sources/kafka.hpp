#pragma once

#include <map>
#include <string>
#include <vector>

namespace noctua::streams {

/// `kind = "kafka"`: its own keys of a `[[streams]]` entry, a consumer-group member
/// (docs/events.md).
struct KafkaStreamOptions {
    std::string brokers;              ///< required
    std::vector<std::string> topics;  ///< required, not empty
    std::string group_id = "noctua";
    std::map<std::string, std::string> kafka_options;  ///< `kafka`: extra librdkafka properties
    friend bool operator==(const KafkaStreamOptions&, const KafkaStreamOptions&) = default;
};

}  // namespace noctua::streams
