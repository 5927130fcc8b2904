#pragma once

// Private to noctua::probes: what every format of the status report shares: escaping, number
// and duration formats, and the sentences about what the daemon knows.

#include <optional>
#include <string>
#include <string_view>

#include "noctua/probes/status_report.hpp"

namespace noctua::probes::detail {

[[nodiscard]] double seconds(std::chrono::microseconds d);
[[nodiscard]] std::string step_state(const StepResult& s);
/// For XML and HTML text and quoted attributes; control characters become spaces.
[[nodiscard]] std::string xml_escape(std::string_view in);
/// For Markdown text and table cells.
[[nodiscard]] std::string md_escape(std::string_view in);
/// "99.50%", or "n/a".
[[nodiscard]] std::string percent(std::optional<double> v);
/// "99.50% of runs passed", or "no probe runs" for a provider without probes or runs.
[[nodiscard]] std::string probes_text(std::optional<double> availability);
/// "120 ms", or "n/a".
[[nodiscard]] std::string millis(std::optional<double> v);
/// "45s", "12m", "3h 5m", "2d 4h".
[[nodiscard]] std::string span_text(double seconds);
/// A number for people: "1234", "12.5", "0.25".
[[nodiscard]] std::string number(double v);
[[nodiscard]] std::string change_text(const CatalogueChange& c);

/// One line each, plain text (escape for the format): what the stream, the traffic baseline,
/// a balance and an alert say.
[[nodiscard]] std::string stream_text(const std::optional<StreamFacts>& s);
[[nodiscard]] std::string traffic_text(const std::optional<TrafficFacts>& t);
[[nodiscard]] std::string balance_text(const BalanceFacts& b);
[[nodiscard]] std::string alert_text(const AlertFacts& a);

/// The HTML format (status_report_html.cpp).
[[nodiscard]] std::string html_report(const StatusReport& report);

/// What a report made without a daemon leaves out, and why.
inline constexpr std::string_view kNoDaemonNote =
    "Transaction stream, traffic against expected, balance forecast and alerts are not in this "
    "report: noctua test-providers runs without a daemon, which keeps that history.";

}  // namespace noctua::probes::detail
