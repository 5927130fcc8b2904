// The built-in stream kinds as registered sources: each adapts its reader to streams::Source.
#include "noctua/streams/source.hpp"

#include "noctua/streams/file_tail.hpp"
#include "noctua/streams/http_push.hpp"
#include "noctua/streams/kafka_source.hpp"

namespace noctua::streams {
namespace {

/// `kind = "http"`: nothing to start; the daemon's route hands it the pushed requests.
class PushSource final : public Source {
public:
    PushSource(const config::StreamConfig& config, SourceContext& ctx)
        : push_(config, ctx.pipeline, ctx.metrics, ctx.clock, ctx.log) {}
    // Source
    void start() override {}
    void stop() override { push_.stop(); }
    HttpPush* push() override { return &push_; }

private:
    HttpPush push_;
};

/// `kind = "file"`: a tail thread of its own.
class TailSource final : public Source {
public:
    TailSource(const config::StreamConfig& config, SourceContext& ctx)
        : tail_(config, ctx.pipeline, ctx.metrics, ctx.checkpoint) {}
    // Source
    void start() override { tail_.start(); }
    void stop() override { tail_.stop(); }

private:
    FileTail tail_;
};

/// `kind = "kafka"`: a consumer-group member with a poll thread of its own.
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

template <class S>
class SimpleFactory final : public SourceFactory {
public:
    explicit SimpleFactory(std::string_view kind) : kind_(kind) {}
    std::string_view kind() const override { return kind_; }
    core::Result<std::unique_ptr<Source>> create(const config::StreamConfig& config,
                                                 SourceContext& ctx) const override {
        return std::make_unique<S>(config, ctx);
    }

private:
    std::string_view kind_;
};

class KafkaFactory final : public SourceFactory {
public:
    std::string_view kind() const override { return "kafka"; }
    core::Result<std::unique_ptr<Source>> create(const config::StreamConfig& config,
                                                 SourceContext& ctx) const override {
        auto made = KafkaSource::create(config, ctx.pipeline, ctx.metrics, ctx.checkpoint,
                                        ctx.ownership);
        if (!made) return std::unexpected(made.error());
        return std::make_unique<KafkaConsumerSource>(std::move(*made));
    }
};

}  // namespace

core::Result<std::unique_ptr<Source>> SourceRegistry::create(const config::StreamConfig& config,
                                                             SourceContext& context) const {
    auto factory = get(config.kind);
    if (!factory) return std::unexpected(factory.error());
    return factory->get().create(config, context);
}

void register_builtin_sources(SourceRegistry& registry) {
    registry.add(std::make_unique<SimpleFactory<TailSource>>("file"));
    registry.add(std::make_unique<SimpleFactory<PushSource>>("http"));
    registry.add(std::make_unique<KafkaFactory>());
}

}  // namespace noctua::streams
