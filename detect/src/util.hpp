#pragma once

// Private to noctua::detect: small numeric and text helpers shared by the detectors.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "noctua/core/arith.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/labels.hpp"

namespace noctua::detect {

using core::floor_div;
using core::floor_mod;

/// The median of `v` (reordered); the mean of the two middle values for an even count.
inline double median(std::vector<double>& v) {
    const auto n = v.size();
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
    std::nth_element(v.begin(), mid, v.end());
    if (n % 2 == 1) return *mid;
    const double hi = *mid;
    const double lo = *std::max_element(v.begin(), mid);
    return (lo + hi) / 2;
}

/// A number for humans: "17", "0.33", "17.4k", "1.74M".
inline std::string human(double x) {
    const double a = std::abs(x);
    if (a >= 1e9) return fmt::format("{:.3g}G", x / 1e9);
    if (a >= 1e6) return fmt::format("{:.3g}M", x / 1e6);
    if (a >= 1e4) return fmt::format("{:.3g}k", x / 1e3);
    if (a >= 100 || std::abs(x - std::round(x)) < 1e-9) return fmt::format("{:.0f}", x);
    return fmt::format("{:.3g}", x);
}

/// "provider=reloadly, country=ES": the series labels for a summary line.
inline std::string describe(const core::Labels& labels) {
    std::string out;
    for (const auto& [k, v] : labels.pairs()) {
        if (!out.empty()) out += ", ";
        out += k + "=" + v;
    }
    return out.empty() ? std::string("the series") : out;
}

/// "30m", "1h", "2h30m".
inline std::string format_span(core::Duration d) { return core::format_duration(d); }

/// "about 3h", "about 45m": a rough duration for summaries.
inline std::string about(double seconds) {
    if (seconds >= 2 * 86400) return fmt::format("about {:.0f} days", seconds / 86400);
    if (seconds >= 2 * 3600) return fmt::format("about {:.0f} h", seconds / 3600);
    if (seconds >= 3600) return fmt::format("about {:.1f} h", seconds / 3600);
    return fmt::format("about {:.0f} min", std::max(1.0, seconds / 60));
}

}  // namespace noctua::detect
