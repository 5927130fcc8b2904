#pragma once

// Private to noctua::daemon: the noctua_alerts{state,severity} gauge.

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include "noctua/alerts/engine.hpp"
#include "noctua/detect/detector.hpp"

namespace noctua::daemon {

/// Sets noctua_alerts{state="pending"|"firing",severity} from the firing alerts (by their
/// severity label) and the rules' pending series (by the rule's severity). A label pair seen
/// once stays exported, at 0 when nothing is in it. Not thread-safe: the pipeline strand.
class AlertGauges {
public:
    explicit AlertGauges(prometheus::Family<prometheus::Gauge>& family) : family_(family) {}

    void refresh(alerts::AlertsView firing,
                 const std::vector<std::unique_ptr<detect::Detector>>& rules);

private:
    prometheus::Family<prometheus::Gauge>& family_;
    std::set<std::pair<std::string, std::string>> seen_;  // (state, severity)
};

}  // namespace noctua::daemon
