#pragma once

#include <chrono>
#include <string>

#include "noctua/core/duration.hpp"

namespace noctua::detect {

/// `kind = "downtime"`: its own keys of a `[[rules]]` entry. From probes (`source = "probe"`):
/// consecutive failures, with flap damping; from a stream success ratio (`source = "stream"`):
/// a ratio under a threshold with a minimum volume, and multi-window burn-rate alerts when
/// `slo` is set.
struct DowntimeOptions {
    std::string source = "probe";  ///< "probe" (N failures) or "stream" (success ratio)
    int failures = 3;              ///< probe: consecutive failures to fire
    int successes = 2;             ///< probe: consecutive successes to resolve
    double min_ratio = 0.9;        ///< fire below this success ratio over `window`
    core::Duration window = std::chrono::minutes(5);
    int min_transactions = 20;  ///< no verdict on fewer transactions in `window`
    core::Duration for_ = std::chrono::minutes(2);  ///< `for`
    double slo = 0;  ///< e.g. 0.99: burn-rate alerts (1h/5m at 14.4x, 6h/30m at 6x); 0 = off
    /// Consecutive-failure flap damping for probes: state changes among the last
    /// `flap_window` results above `flap_threshold` hold the alert firing; 0 = off.
    int flap_window = 20;
    double flap_threshold = 0.5;
    friend bool operator==(const DowntimeOptions&, const DowntimeOptions&) = default;
};

}  // namespace noctua::detect
