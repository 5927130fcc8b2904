#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/result.hpp"
#include "noctua/probes/status_test.hpp"

namespace noctua::probes {

/// The transaction stream of a provider over the last 24 h (the windows' hourly buckets).
struct StreamFacts {
    std::uint64_t transactions = 0;       ///< every event, pending and customer errors too
    std::uint64_t judged = 0;             ///< successes + provider faults
    std::optional<double> success_ratio;  ///< successes / judged, 0…1
    std::optional<double> latency_p50_ms;
    std::optional<double> latency_p95_ms;
    std::optional<double> latency_p99_ms;
    /// One point per history bucket, oldest first; NaN where nothing was judged.
    std::vector<double> success_points;
    std::vector<double> volume_points;
};

/// Traffic against the seasonal baseline of the provider's traffic_loss rule, last 24 h.
struct TrafficFacts {
    double observed = 0;  ///< transactions in the slots that have a baseline
    double expected = 0;  ///< what the baseline expected in those slots
    double coverage = 0;  ///< share of the 24 h that has a baseline, 0…1
    std::string baseline;                ///< "weekly" or "daily": the basis of most slots
    std::vector<double> observed_points;  ///< per hour, oldest first; NaN where none
    std::vector<double> expected_points;
};

/// A balance the daemon tracks for the provider, with the balance rule's forecast.
struct BalanceFacts {
    std::string name;  ///< its currency, else its probe, else its rule
    double balance = 0;
    double burn_per_hour = 0;
    std::optional<double> exhaustion_seconds;  ///< nullopt: not spending, or no balance rule
    std::optional<double> refill_level;        ///< the level it is usually refilled at
};

/// An alert of the provider that fired in, or lasted into, the last 24 h.
struct AlertFacts {
    std::string name;
    std::string severity;
    std::string state;  ///< firing | resolved
    core::TimePoint starts{};
    std::optional<core::TimePoint> ends;  ///< when it resolved
    std::chrono::seconds duration{};      ///< until it resolved, or until the report
};

/// What a running daemon knows about a provider besides its status test (`noctua
/// test-providers` has none of it: StatusReport::facts is empty there).
struct ProviderFacts {
    std::optional<double> availability;   ///< share of successful probe runs in history, 0…1
    std::vector<double> availability_points;  ///< oldest first, for the sparkline
    std::optional<StreamFacts> stream;    ///< nullopt: no stream, or no transaction
    std::optional<TrafficFacts> traffic;  ///< nullopt: no traffic_loss baseline yet
    std::vector<BalanceFacts> balances;
    std::vector<AlertFacts> alerts;  ///< oldest first
};

/// The daily report: every suite's result plus, inside the daemon, what it knows per provider.
struct StatusReport {
    std::string date;  ///< YYYY-MM-DD, UTC, of `generated`
    core::TimePoint generated{};
    std::vector<SuiteResult> results;
    std::map<std::string, ProviderFacts> facts;  ///< by provider id
    /// False in `noctua test-providers`: no stream, baseline, forecast or alert history,
    /// and every format says so.
    bool from_daemon = false;
    [[nodiscard]] bool success() const;
};

enum class ReportFormat { text, json, junit, markdown, html };

/// "text", "json", "junit", "markdown", "html"; anything else is invalid_argument.
[[nodiscard]] core::Result<ReportFormat> parse_report_format(std::string_view name);
/// The file extension of a format: "txt", "json", "xml", "md", "html".
[[nodiscard]] std::string_view report_extension(ReportFormat format);

/// The report in one format. HTML is self-contained (inline CSS and SVG sparklines, no
/// script, no external asset); JUnit XML has one testsuite per provider and one testcase per
/// step. Every text from a provider is escaped for the format.
[[nodiscard]] std::string render_report(const StatusReport& report, ReportFormat format);

}  // namespace noctua::probes
