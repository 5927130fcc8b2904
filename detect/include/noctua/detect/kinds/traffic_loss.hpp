#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "noctua/core/duration.hpp"

namespace noctua::detect {

/// One faster, deeper check of a `traffic_loss` rule (`tiers`): fire when observed/expected
/// over `window` stays below `ratio` for `for`. The deeper the drop, the shorter the window
/// and the sooner the page, as in multi-window burn-rate alerting.
struct TrafficLossTier {
    core::Duration window = std::chrono::minutes(5);
    double ratio = 0.2;
    core::Duration for_ = std::chrono::minutes(0);  ///< `for`
    friend bool operator==(const TrafficLossTier&, const TrafficLossTier&) = default;
};

/// `kind = "traffic_loss"`: its own keys of a `[[rules]]` entry, observed volume against a
/// learned seasonal expectation (docs/configuration.md, "Traffic loss"). The defaults are
/// what `bench/detect` scores.
struct TrafficLossOptions {
    core::Duration window = std::chrono::minutes(30);       ///< observed vs expected over this
    core::Duration for_ = std::chrono::minutes(15);         ///< `for`: low this long to fire
    core::Duration resolve_for = std::chrono::minutes(15);  ///< recovered this long to resolve
    double ratio = 0.5;           ///< fire below observed/expected = ratio (at most)
    double resolve_ratio = 0.75;  ///< hysteresis: resolve at or above this ratio
    double min_expected = 20;     ///< no verdict while the expected volume in `window` is lower
    double sensitivity = 3.5;     ///< noisy series: threshold = min(ratio, e^(-sensitivity·dev))
    core::Duration resolution = std::chrono::minutes(5);  ///< slot of the learned profile
    int weeks = 4;  ///< weekly seasonality: median of the same slot over this many weeks
    int days = 7;   ///< daily seasonality: median of the same slot over this many days
    core::Duration recent = std::chrono::hours(2);  ///< level fallback while history is short
    core::Duration learn_half_life = std::chrono::hours(72);  ///< of the typical deviation
    /// Faster checks for deeper drops, each with its own window, ratio and `for`, each under
    /// the same `min_expected`, noise (`sensitivity`) and counting-noise guards as `window`
    /// (docs/detection.md, "Tuning"): a collapse under 25% pages in about 5 minutes, and a
    /// series too small for 5 minutes to say anything in about 20.
    std::vector<TrafficLossTier> tiers{
        TrafficLossTier{std::chrono::minutes(5), 0.25, std::chrono::minutes(2)},
        TrafficLossTier{std::chrono::minutes(15), 0.25, std::chrono::minutes(10)},
    };
    /// Revenue at risk for series without amounts (replay of a CSV, a probe-less volume):
    /// the value of one transaction and its currency; 0 / empty: only from the stream.
    double amount = 0;
    std::string currency;
    friend bool operator==(const TrafficLossOptions&, const TrafficLossOptions&) = default;
};

}  // namespace noctua::detect
