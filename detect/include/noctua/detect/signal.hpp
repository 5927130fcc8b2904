#pragma once

#include <map>
#include <string>

#include "noctua/core/clock.hpp"
#include "noctua/core/labels.hpp"

namespace noctua::detect {

/// A detector's verdict for one series at one moment: the alert engine turns changes of `active`
/// into firing and resolved alerts. Detectors know nothing of alerts (docs/architecture.md).
struct Signal {
    std::string rule;     ///< the rule's name, used as alertname
    core::Labels labels;  ///< series labels plus the rule's labels (severity, …)
    core::TimePoint at;   ///< event time of the sample that changed the verdict
    bool active = false;
    double value = 0;                                 ///< the measured value behind the verdict
    std::string summary;                              ///< one human sentence
    std::map<std::string, std::string> annotations;  ///< extra values for the alert
    /// The numbers behind some annotations (e.g. "expected_per_hour"), unformatted.
    std::map<std::string, double> values;
};

}  // namespace noctua::detect
