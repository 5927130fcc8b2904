#pragma once

// Private to noctua::daemon: what the daemon knows about a provider, for the status report:
// probe availability, the transaction stream's last 24 h, traffic against the seasonal
// baseline, balances with their forecast, and the alerts of the last 24 h. Each function reads
// one owner's state and is pure otherwise.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/alerts/alert.hpp"
#include "noctua/config/config.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/probes/scheduler.hpp"
#include "noctua/probes/status_report.hpp"
#include "noctua/streams/windows.hpp"
#include "wall.hpp"

namespace noctua::daemon {

/// How far back the report looks.
inline constexpr core::Duration kReportSpan = std::chrono::hours(24);

/// The share of successful runs of the provider's probes in their kept history, one point per
/// run (1 passed, 0 failed), oldest first. Empty facts when the provider has no probe run.
[[nodiscard]] probes::ProviderFacts probe_facts(const std::vector<probes::ProbeStatus>& probes,
                                                std::string_view provider);

/// The name of the windows' dimension set by provider alone ("" when there is none).
[[nodiscard]] std::string provider_set(const config::WindowsConfig& windows);

/// The provider's transactions in the `set` series of `windows`: every history bucket
/// (`history_bucket` wide) that overlaps the last kReportSpan before `now`, merged: counts,
/// success ratio (provider faults only, Bucket::success_ratio) and latency quantiles from the
/// merged histogram. Executor: the windows' owner (the ingest thread). nullopt: no event.
[[nodiscard]] std::optional<probes::StreamFacts> stream_facts(const streams::WindowStore& windows,
                                                              std::string_view set,
                                                              std::string_view provider,
                                                              core::Duration history_bucket,
                                                              core::TimePoint now);

/// Traffic against expected over the last kReportSpan (hourly points) from the first
/// traffic_loss rule with a series of the provider (labels provider=<id>, and set=provider
/// when the series names a set). nullopt: no such series, or no baseline yet.
[[nodiscard]] std::optional<probes::TrafficFacts> traffic_facts(
    const std::vector<std::unique_ptr<detect::Detector>>& rules, std::string_view provider,
    core::TimePoint now);

/// The provider's balances as the wall shows them, with the balance rule's forecast.
[[nodiscard]] std::vector<probes::BalanceFacts> balance_facts(const WallSnapshot& wall,
                                                              std::string_view provider);

/// The provider's alerts (label provider=<id>) from the alert log that were firing at some time
/// in the last kReportSpan, oldest first, each with how long it fired (until it resolved, or
/// until `now`).
[[nodiscard]] std::vector<probes::AlertFacts> alert_facts(const std::vector<alerts::Alert>& log,
                                                          std::string_view provider,
                                                          core::TimePoint now);

/// What the pipeline strand holds for a report's facts.
struct FactSources {
    core::TimePoint now;
    const std::vector<probes::ProbeStatus>& probes;  ///< with their history
    const std::vector<alerts::Alert>& alert_log;
    const std::vector<std::unique_ptr<detect::Detector>>& rules;
    const WallSnapshot& wall;
};

/// Sets report.facts of every provider in its results from `in` (all but the stream, which
/// lives on the ingest thread: stream_facts()) and marks the report as the daemon's.
void add_facts(probes::StatusReport& report, const FactSources& in);

}  // namespace noctua::daemon
