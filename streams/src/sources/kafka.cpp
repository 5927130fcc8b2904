// kafka: a consumer-group member with a poll thread of its own (KafkaSource).
#include <algorithm>

#include "noctua/streams/kafka_source.hpp"
#include "noctua/streams/sources/kafka.hpp"
#include "sources/kinds.hpp"

namespace noctua::streams::detail {
namespace {

constexpr std::string_view kKeys[] = {"brokers", "group_id", "kafka", "topics"};

class KafkaConsumerSource final : public Source {
public:
    explicit KafkaConsumerSource(std::unique_ptr<KafkaSource> consumer)
        : consumer_(std::move(consumer)) {}
    // Source
    void start() override { consumer_->start(); }
    void stop() override { consumer_->stop(); }

private:
    std::unique_ptr<KafkaSource> consumer_;
};

/// librdkafka property names: "security.protocol", "fetch.wait.max.ms".
bool is_kafka_property(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    });
}

config::KindOptions parse(const config::Section& s, config::StreamConfig& /*common*/) {
    KafkaStreamOptions out;
    if (s.require("brokers")) s.read_string("brokers", out.brokers);
    if (s.require("topics") && s.read_string_list("topics", out.topics) && out.topics.empty()) {
        s.error("topics", "must list at least one topic");
    }
    s.read_string("group_id", out.group_id);
    s.read_string_map("kafka", out.kafka_options, &is_kafka_property, "[a-z0-9._]+");
    return config::KindOptions::of(std::move(out));
}

core::Result<std::unique_ptr<Source>> create(const config::StreamConfig& c, SourceContext& ctx) {
    const auto& o = c.options.get<KafkaStreamOptions>();
    if (o.brokers.empty() || o.topics.empty()) return needs(c, "brokers and topics");
    auto made = KafkaSource::create(c, ctx.pipeline, ctx.metrics, ctx.checkpoint, ctx.ownership);
    if (!made) return std::unexpected(made.error());
    return std::make_unique<KafkaConsumerSource>(std::move(*made));
}

}  // namespace

std::unique_ptr<SourceFactory> make_kafka_factory() {
    return make_factory({"kafka", kKeys, parse, create});
}

}  // namespace noctua::streams::detail
