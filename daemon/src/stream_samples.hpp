#pragma once

#include <optional>
#include <utility>

#include "noctua/core/sample.hpp"
#include "noctua/detect/detector.hpp"

namespace noctua::daemon {

/// What a stream-window sample means to the detectors: `metric=volume|success_ratio` as they
/// are, `latency_p95` converted from ms to seconds, `errors` with
/// error_code=INSUFFICIENT_BALANCE as insufficient-balance bursts; nullopt for the rest.
/// Shared by the daemon and `noctua replay --events`.
[[nodiscard]] inline std::optional<std::pair<detect::Measure, core::Sample>> to_detector_sample(
    const core::Sample& s) {
    const auto metric = s.labels.get("metric").value_or("");
    if (metric == "volume") return std::pair{detect::Measure::volume, s};
    if (metric == "success_ratio") return std::pair{detect::Measure::success_ratio, s};
    if (metric == "latency_p95") {
        core::Sample seconds = s;
        seconds.value /= 1000.0;
        return std::pair{detect::Measure::latency, seconds};
    }
    if (metric == "errors" && s.labels.get("error_code") == "INSUFFICIENT_BALANCE") {
        return std::pair{detect::Measure::insufficient_balance, s};
    }
    return std::nullopt;
}

}  // namespace noctua::daemon
