#pragma once

// What a notification says to a person (docs/receivers.md, "What a person sees"), independent of
// any service: each receiver kind renders these parts in its own markup and cuts the alert list,
// never the first lines, to meet its service's limit.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/alerts/notification.hpp"
#include "noctua/core/duration.hpp"

namespace noctua::alerts::detail {

/// One alert of the group, for the list below the first lines.
struct AlertLine {
    std::string severity;
    bool firing = true;
    std::string text;  ///< "critical · ProviderDown {country="ES"} since 14:02 UTC: summary"
};

/// The parts of a message, most important first.
struct Message {
    bool firing = true;
    std::string severity;  ///< the most severe of the group ("critical"), may be empty
    std::string what;      ///< "ProviderDown on acme (ES)"
    std::string headline;  ///< "FIRING · ProviderDown on acme (ES) · critical"
    std::string since;     ///< "Since 14:02 UTC (6 min)." or "Resolved at 14:25 UTC …"
    std::string how_bad;   ///< the summary of the most severe alert
    std::string cause;     ///< "Likely cause: …" or empty
    std::string runbook_url;
    std::string dashboard_url;
    std::vector<AlertLine> alerts;  ///< most severe and firing first; empty for one alert

    /// The first lines as plain text (headline, since + how bad, cause).
    [[nodiscard]] std::string plain_lead() const;
};

/// Builds the message of `n`; ages are measured at `n.created`.
[[nodiscard]] Message compose(const Notification& n);

/// 0 critical, 1 error, 2 warning, 3 info, 4 anything else.
[[nodiscard]] int severity_rank(std::string_view severity);

/// "45 s", "6 min", "2 h 5 min", "3 d 4 h".
[[nodiscard]] std::string human_duration(core::Duration d);

/// "14:02 UTC", or "2024-05-01 14:02 UTC" when `t` is a day or more before `ref`.
[[nodiscard]] std::string clock_time(core::TimePoint t, core::TimePoint ref);

/// Cuts `s` to at most `max` code points (UTF-8), ending with "…" when cut.
[[nodiscard]] std::string cut_chars(std::string_view s, std::size_t max);
/// Cuts `s` to at most `max` bytes on a code point boundary, ending with "…" when cut.
[[nodiscard]] std::string cut_bytes(std::string_view s, std::size_t max);
/// Length in UTF-16 code units (Telegram counts these).
[[nodiscard]] std::size_t utf16_length(std::string_view s);

/// The largest k in [0, n] for which `render(k)` fits `fits`; renders list the first k alerts
/// and say how many were left out. Returns render(0) when even that does not fit.
[[nodiscard]] std::string fit_alerts(std::size_t n,
                                     const std::function<std::string(std::size_t)>& render,
                                     const std::function<bool(const std::string&)>& fits);

/// "… and 3 more alerts" (empty when none are left out).
[[nodiscard]] std::string more_line(std::size_t left_out);

}  // namespace noctua::alerts::detail
