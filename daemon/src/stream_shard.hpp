#pragma once

// Private to noctua::daemon: stream detection on one of several instances that share a Kafka
// topic through a consumer group (docs/operations.md, "Scale out").

#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "noctua/config/config.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/streams/ownership.hpp"
#include "rule_evaluator.hpp"

namespace noctua::daemon {

/// Lets through to the rules only the stream-window samples this instance can judge whole:
/// those of a provider whose partition it is assigned (streams::SeriesOwnership), for buckets
/// from the provider's owned_from() on. Everything else is dropped and counted in
/// noctua_cluster_stream_samples_skipped_total by reason: `not_owned` (another instance reads
/// the provider), `settling` (the bucket the hand-over split) and `no_provider` (a series with
/// no provider dimension sees only part of its traffic on each instance).
///
/// Executor: the pipeline strand, except ownership(), which Kafka sources use from their poll
/// threads (it is thread-safe).
class StreamShardGate {
public:
    /// Logs a warning for each window set without a `provider` dimension.
    StreamShardGate(const config::WindowsConfig& windows, prometheus::Registry& registry);

    /// What the Kafka sources claim and release (outlives them: owned here).
    [[nodiscard]] streams::SeriesOwnership& ownership() { return ownership_; }

    /// Removes from `samples` the ones this instance does not judge.
    void filter(std::vector<core::Sample>& samples);

    /// Providers another instance reads since the last call: `evaluator` forgets their stream
    /// series (their silence here means nothing) and resolves their stream alerts at `now`.
    void release(RuleEvaluator& evaluator, core::TimePoint now);

private:
    streams::SeriesOwnership ownership_;
    prometheus::Counter& not_owned_;
    prometheus::Counter& settling_;
    prometheus::Counter& no_provider_;
    prometheus::Gauge& providers_owned_;
};

/// Whether stream rules need the gate: sharded, with a Kafka stream.
[[nodiscard]] bool needs_stream_gate(const config::Config& config);

/// The window sets without a `provider` dimension: their series are never judged on a
/// sharded instance (logged at start).
[[nodiscard]] std::vector<std::string> sets_without_provider(const config::WindowsConfig& windows);

}  // namespace noctua::daemon
