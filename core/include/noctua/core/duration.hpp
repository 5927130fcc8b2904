#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "noctua/core/result.hpp"

namespace noctua::core {

using Duration = std::chrono::milliseconds;

/// Parses a duration with units, Prometheus style: "250ms", "30s", "5m", "1h30m", "2d", "1w".
/// A bare number without a unit is an error (STYLE.md §10).
[[nodiscard]] Result<Duration> parse_duration(std::string_view text);

/// Formats a duration compactly ("1h30m", "250ms", "0s"); the inverse of parse_duration.
[[nodiscard]] std::string format_duration(Duration d);

}  // namespace noctua::core
