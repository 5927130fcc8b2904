#pragma once

// Private to noctua::daemon: the transaction streams as the daemon runs them.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <prometheus/registry.h>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/net/router.hpp"
#include "noctua/probes/status_report.hpp"
#include "noctua/store/store.hpp"
#include "noctua/streams/checkpoint.hpp"
#include "noctua/streams/http_push.hpp"
#include "noctua/streams/ingest_log.hpp"
#include "noctua/streams/pipeline.hpp"
#include "noctua/streams/source.hpp"
#include "rule_evaluator.hpp"
#include "stream_clock.hpp"
#include "stream_shard.hpp"

namespace noctua::daemon {

/// The [[streams]] sources and what turns their events into samples for the rules: the ingest
/// pipeline, which parses and aggregates on its own thread so that a flood of events never
/// delays probes or alert delivery; the window snapshots and the push log in [storage]; the
/// StreamClock the stream-fed rules advance by; and, on a sharded instance reading Kafka, the
/// gate of which providers it judges. Closed window buckets come back to the pipeline strand
/// through the `OnSamples` given to start(). Owns noctua_ingest_* (streams::StreamMetrics).
///
/// Executor: the pipeline strand, except start() (before the io_context runs), stop() (after
/// it or from the destructor's thread), stop_accepting() and ingest_events() (any thread).
/// The streams are built once, at start: a reload does not change them.
class Streaming {
public:
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
    using OnSamples = std::function<void(std::vector<core::Sample>)>;

    /// `applied` is the daemon's applied configuration (read on the pipeline strand);
    /// `stopping` ends the snapshot timer.
    Streaming(prometheus::Registry& registry, Strand strand, const core::Clock& clock,
              const streams::SourceRegistry& kinds, const config::Config& applied,
              RuleEvaluator& evaluator, const std::atomic<bool>& stopping);
    Streaming(const Streaming&) = delete;
    Streaming& operator=(const Streaming&) = delete;

    /// Opens [storage] (restoring the windows), creates the sources of applied.streams and
    /// starts them and the ingest thread; nothing without [[streams]]. Blocking: before run().
    [[nodiscard]] core::Result<void> start(OnSamples on_samples);

    /// The http source stops accepting pushes.
    void stop_accepting();

    /// Cancels the snapshot timer (pipeline).
    void cancel_snapshots() { snapshot_timer_.cancel(); }

    /// Stops the sources and the ingest thread, then saves the final snapshot (idempotent).
    void stop();

    /// POST /api/v1/events: to the `kind = "http"` source (404 without one). Any thread.
    void ingest_events(const core::ServerRequest& request, net::Router::Respond respond);

    /// A batch of window samples back on the pipeline: moves the StreamClock and leaves only
    /// the samples this instance judges.
    void admit(std::vector<core::Sample>& samples, core::TimePoint now);

    /// The event time stream-fed rules advance to at `now` (StreamClock); `now` itself without
    /// streams, nullopt while they do not advance.
    [[nodiscard]] std::optional<core::TimePoint> rule_time(core::TimePoint now) const;

    /// Providers another instance reads now: their stream series are forgotten and their
    /// stream alerts resolved at `now` (sharded with Kafka only).
    void release_moved(core::TimePoint now);

    /// Adds to each provider of `report` its stream's last kReportSpan (on the ingest thread),
    /// then calls `next` on the pipeline strand; at once without streams.
    void add_stream_facts(probes::StatusReport report, core::TimePoint now,
                          std::function<void(probes::StatusReport)> next);

private:
    /// Every windows.snapshot_interval: windows + file offsets to the store, on the ingest
    /// thread (the save itself never runs on an io thread).
    void schedule_snapshot();

    Strand strand_;
    const core::Clock& clock_;
    const streams::SourceRegistry& kinds_;
    const config::Config& cfg_;
    RuleEvaluator& evaluator_;
    const std::atomic<bool>& stopping_;
    OnSamples on_samples_;  // pipeline
    streams::StreamMetrics metrics_;
    prometheus::Registry& registry_;  // for the gate's metrics, made in start()
    std::unique_ptr<streams::IngestPipeline> ingest_;
    std::unique_ptr<store::Store> state_;                // [storage]; used on the ingest thread
    std::unique_ptr<streams::Checkpointer> checkpoint_;  // ingest thread; null without storage
    // [storage] with an http stream: pushes are answered once on disk (its own writer thread).
    std::unique_ptr<streams::IngestLog> ingest_log_;
    // Sharded with Kafka streams: which providers this instance judges (set before start).
    std::unique_ptr<StreamShardGate> gate_;
    std::vector<std::unique_ptr<streams::Source>> sources_;  // [[streams]], in config order
    streams::HttpPush* push_ = nullptr;                      // the http source, if any
    boost::asio::steady_timer snapshot_timer_;               // pipeline
    std::optional<StreamClock> stream_clock_;                // pipeline; set when streams run
};

}  // namespace noctua::daemon
