#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "noctua/config/config.hpp"
#include "noctua/config/kind_registry.hpp"
#include "noctua/core/clock.hpp"
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

/// One stream kind (config::KindFactory): parse() reads its own keys of a `[[streams]]` entry
/// (config::StreamParser) into the options struct declared beside the kind
/// (noctua/streams/sources/<kind>.hpp); create() makes its sources.
using SourceFactory =
    config::KindFactory<config::StreamParser, Source, const config::StreamConfig&, SourceContext&>;

/// Stream kinds by name (config::KindRegistry): filled at start-up by register_builtin_sources(),
/// then frozen and read-only.
using SourceRegistry =
    config::KindRegistry<SourceFactory, config::kStreamKinds, &config::KindParsers::add_stream>;

/// Registers the built-in kinds: file (FileTail), http (HttpPush), kafka (KafkaSource).
void register_builtin_sources(SourceRegistry& registry);

}  // namespace noctua::streams
