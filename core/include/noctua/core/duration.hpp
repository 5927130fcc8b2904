#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "noctua/core/result.hpp"

namespace noctua::core {

using Duration = std::chrono::milliseconds;

/// The longest duration parse_duration accepts: the most whole milliseconds that
/// std::chrono::nanoseconds holds (about 292 years), so that converting one to a clock's ticks
/// cannot overflow. Config keys have smaller limits of their own.
inline constexpr Duration kMaxDuration{std::numeric_limits<std::int64_t>::max() / 1'000'000};

/// Parses a duration with units, Prometheus style: "250ms", "30s", "5m", "1h30m", "2d", "1w". A
/// bare number without a unit is an error (docs/contributing.md, "Configuration"), and so is a
/// total above kMaxDuration ("too large", naming the maximum).
[[nodiscard]] Result<Duration> parse_duration(std::string_view text);

/// Formats a duration compactly ("1h30m", "250ms", "0s"); the inverse of parse_duration.
[[nodiscard]] std::string format_duration(Duration d);

}  // namespace noctua::core
