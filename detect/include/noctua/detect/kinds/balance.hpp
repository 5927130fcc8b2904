#pragma once

#include <chrono>
#include <optional>

#include "noctua/core/duration.hpp"

namespace noctua::detect {

/// `kind = "balance"`: its own keys of a `[[rules]]` entry, thresholds and time to exhaustion
/// on balance samples (docs/configuration.md, "Balance").
struct BalanceOptions {
    std::optional<double> warning;   ///< fire (severity warning) at or below this balance
    std::optional<double> critical;  ///< fire (severity critical) at or below this balance
    /// Time to exhaustion (balance / burn rate) at or below which the rule fires; zero: off.
    core::Duration exhaustion_warning = std::chrono::hours(6);
    core::Duration exhaustion_critical = std::chrono::hours(1);
    core::Duration burn_window = std::chrono::hours(1);  ///< spending is measured over this
    /// Insufficient-balance errors within `burst_window` that fire at once; 0: off.
    int burst = 5;
    core::Duration burst_window = std::chrono::minutes(2);
    /// A firing burst resolves after this long without insufficient-balance errors (or
    /// `burst_window`, if longer). A drained float fails in bursts (traffic pauses, retries come
    /// in waves); the default rides out those pauses.
    core::Duration burst_hold = std::chrono::minutes(15);
    core::Duration for_ = std::chrono::seconds(0);  ///< `for`
    friend bool operator==(const BalanceOptions&, const BalanceOptions&) = default;
};

}  // namespace noctua::detect
