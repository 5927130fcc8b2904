#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "noctua/config/config.hpp"
#include "noctua/config/kind_options.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/registry.hpp"
#include "noctua/core/result.hpp"

namespace noctua::streams {

class Checkpointer;
class HttpPush;
class IngestLog;
class IngestPipeline;
class SeriesOwnership;
struct StreamMetrics;

/// What a stream source may use, and nothing else. The references outlive every source made
/// with them.
struct SourceContext {
    IngestPipeline& pipeline;
    StreamMetrics& metrics;
    const core::Clock& clock;
    Checkpointer* checkpoint = nullptr;  ///< null without `[storage]`: nothing durable
    IngestLog* log = nullptr;  ///< where pushed batches are made durable; null without `[storage]`
    /// Sharded instances: which providers' series this one judges (Kafka sources claim them
    /// by message key); null when not sharded.
    SeriesOwnership* ownership = nullptr;
};

/// A running `[[streams]]` entry: reads transaction events from somewhere and hands them to the
/// ingest pipeline. start() and stop() come from one controlling thread; stop() is idempotent
/// and, for sources with a thread of their own, joins it.
class Source {
public:
    virtual ~Source() = default;
    /// Starts reading (after the pipeline has started).
    virtual void start() = 0;
    /// Stops reading; what was read is applied first.
    virtual void stop() = 0;
    /// The handler of `POST /api/v1/events` when this source is pushed to; null otherwise.
    [[nodiscard]] virtual HttpPush* push() { return nullptr; }
};

/// One stream kind: reads its own keys of a `[[streams]]` entry and creates its sources.
class SourceFactory {
public:
    virtual ~SourceFactory() = default;
    [[nodiscard]] virtual std::string_view kind() const = 0;
    /// The keys the kind reads beyond `id` and `kind` (config::KeyedParser::keys).
    [[nodiscard]] virtual std::span<const std::string_view> keys() const = 0;
    /// The kind's config::StreamParser: reads the kind's own keys of the entry `s` (whose
    /// common keys are in `common`) into the options struct declared beside the kind
    /// (noctua/streams/sources/<kind>.hpp) and reports each problem at its position. Called
    /// while the configuration loads (SourceRegistry::add_parsers), on the loading thread.
    [[nodiscard]] virtual config::KindOptions parse(const config::Section& s,
                                                    config::StreamConfig& common) const = 0;
    /// A source for `config`, whose options the kind's parse() read; an error when it cannot
    /// be made (a configuration built without the parser lacks what the kind needs).
    [[nodiscard]] virtual core::Result<std::unique_ptr<Source>> create(
        const config::StreamConfig& config, SourceContext& context) const = 0;
};

/// Stream kinds by name (core::Registry): filled at start-up by register_builtin_sources(),
/// then frozen and read-only.
class SourceRegistry : public core::Registry<SourceFactory> {
public:
    SourceRegistry() : Registry(std::string(config::kStreamKinds.what), config::kStreamKinds.kinds) {}
    /// Creates a source, or an error naming the known kinds.
    [[nodiscard]] core::Result<std::unique_ptr<Source>> create(const config::StreamConfig& config,
                                                               SourceContext& context) const;
    /// Adds every registered kind's parser and keys to `out`; the registry must outlive the
    /// loads that use them.
    void add_parsers(config::KindParsers& out) const;
};

/// Registers the built-in kinds: file (FileTail), http (HttpPush), kafka (KafkaSource).
void register_builtin_sources(SourceRegistry& registry);

}  // namespace noctua::streams
