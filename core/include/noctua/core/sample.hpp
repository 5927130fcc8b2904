#pragma once

#include "noctua/core/clock.hpp"
#include "noctua/core/labels.hpp"

namespace noctua::core {

/// One observation of a series: what probes and stream windows hand to detectors.
struct Sample {
    Labels labels;
    TimePoint time;
    double value = 0;
};

}  // namespace noctua::core
