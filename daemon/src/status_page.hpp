#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/html.hpp"
#include "wall.hpp"

namespace noctua::daemon {

struct StatusPageOptions {
    /// Seconds between the page's own reloads (meta refresh).
    int refresh_seconds = 10;
};

/// The status page served at `GET /`: one self-contained HTML document (inline CSS and SVG,
/// no script, no external assets) showing each provider's state, probes, success ratio and
/// traffic against expected over the last hours, balances with time to exhaustion, and the
/// firing alerts with their likely cause and age. States are written as words and icons as
/// well as colours. Every string from the config, probes or alerts is HTML-escaped. Pure.
[[nodiscard]] std::string render_status_page(const WallSnapshot& snapshot,
                                             const StatusPageOptions& options = {});

using core::html_escape;

/// "45s", "12m", "3h 5m", "2d 4h": an age or duration for people across the room.
[[nodiscard]] std::string format_age(double seconds);

/// An inline SVG line chart of `values` (NaN = gap) against times `at` over the window that
/// ends at `end`, in [lo, hi]; `band_lo`/`band_hi` (optional, same size) draw a shaded band.
/// `label` becomes the chart's accessible name.
struct Sparkline {
    std::vector<core::TimePoint> at;
    std::vector<double> values;
    std::vector<double> band_lo;
    std::vector<double> band_hi;
    double lo = 0;
    double hi = 1;
    core::TimePoint end{};
    core::Duration span{};
    std::string label;
};
[[nodiscard]] std::string render_sparkline(const Sparkline& chart);

}  // namespace noctua::daemon
