#pragma once

#include <utility>

#include "noctua/core/clock.hpp"
#include "noctua/core/labels.hpp"

namespace noctua::core {

/// One observation of a series: what probes and stream windows hand to detectors.
struct Sample {
    Sample() = default;
    Sample(Labels l, TimePoint t, double v, double w = 1.0)
        : labels(std::move(l)), time(t), value(v), weight(w) {}

    Labels labels;
    TimePoint time;
    double value = 0;
    /// How many observations `value` summarizes: 1 for a probe result, the number of completed
    /// transactions for a window bucket's success ratio. Detectors that need a minimum volume
    /// count weights, not samples.
    double weight = 1.0;
};

}  // namespace noctua::core
