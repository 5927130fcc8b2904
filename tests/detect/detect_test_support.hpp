#pragma once

#include <chrono>
#include <vector>

#include "noctua/core/sample.hpp"
#include "noctua/detect/detector.hpp"

namespace noctua::testing {

/// Event time `minutes` after a fixed Monday 00:00 UTC (2024-01-01).
inline core::TimePoint minute(long minutes) {
    return core::TimePoint{std::chrono::seconds(1704067200) + std::chrono::minutes(minutes)};
}

/// Feeds one sample and returns the signals it caused.
inline std::vector<detect::Signal> feed(detect::Detector& d, detect::Measure m,
                                        const core::Labels& labels, core::TimePoint t, double v) {
    std::vector<detect::Signal> out;
    d.observe(m, core::Sample{labels, t, v}, {}, out);
    return out;
}

}  // namespace noctua::testing
