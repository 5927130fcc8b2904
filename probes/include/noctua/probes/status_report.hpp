#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/result.hpp"
#include "noctua/probes/status_test.hpp"

namespace noctua::probes {

/// What a running daemon knows about a provider besides its status test; every field is
/// optional (`noctua test-providers` has none of it).
struct ProviderFacts {
    std::optional<double> availability;   ///< share of successful probe runs in history, 0…1
    std::vector<double> availability_points;  ///< oldest first, for the sparkline
    std::optional<double> success_ratio;  ///< transactions, current window
    std::optional<double> traffic_observed;
    std::optional<double> traffic_expected;
    struct Alert {
        std::string name;
        std::string state;  ///< firing | resolved
        core::TimePoint starts{};
        std::chrono::seconds duration{};
    };
    std::vector<Alert> alerts;  ///< of the report's day
};

/// The daily report: every suite's result plus, inside the daemon, what it knows per provider.
struct StatusReport {
    std::string date;  ///< YYYY-MM-DD, UTC, of `generated`
    core::TimePoint generated{};
    std::vector<SuiteResult> results;
    std::map<std::string, ProviderFacts> facts;  ///< by provider id
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
