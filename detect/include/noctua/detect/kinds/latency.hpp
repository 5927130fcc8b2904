#pragma once

#include <chrono>

#include "noctua/core/duration.hpp"

namespace noctua::detect {

/// `kind = "latency"`: its own keys of a `[[rules]]` entry, a quantile over a window above a
/// threshold and above its baseline.
struct LatencyOptions {
    double quantile = 0.95;
    core::Duration window = std::chrono::minutes(5);
    core::Duration threshold = std::chrono::seconds(2);  ///< absolute floor to fire
    double baseline_factor = 2;  ///< and above this multiple of its own baseline
    core::Duration baseline_window = std::chrono::hours(24);
    core::Duration for_ = std::chrono::minutes(5);  ///< `for`
    /// No verdict while fewer observations (Sample::weight: transactions behind a window's
    /// quantile) are in `window`: a p95 of three transactions says nothing.
    double min_samples = 20;
    friend bool operator==(const LatencyOptions&, const LatencyOptions&) = default;
};

}  // namespace noctua::detect
