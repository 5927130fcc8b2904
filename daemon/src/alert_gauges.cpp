#include "alert_gauges.hpp"

#include <map>
#include <string_view>

namespace noctua::daemon {

void AlertGauges::refresh(alerts::AlertsView firing,
                          const std::vector<std::unique_ptr<detect::Detector>>& rules) {
    // Counted by a view of each alert's severity first: a storm leaves thousands firing, and
    // few severities.
    std::map<std::string_view, double> by_severity;
    for (const auto& a : firing) by_severity[a.labels.get("severity").value_or("")] += 1;
    std::map<std::pair<std::string, std::string>, double> counts;
    for (const auto& [state, severity] : seen_) counts[{state, severity}] = 0;
    for (const auto& [severity, n] : by_severity) counts[{"firing", std::string(severity)}] += n;
    for (const auto& r : rules) {
        const auto n = r->pending_series();
        if (n > 0) counts[{"pending", r->config().severity}] += static_cast<double>(n);
    }
    for (const auto& [key, n] : counts) {
        family_.Add({{"state", key.first}, {"severity", key.second}}).Set(n);
        seen_.insert(key);
    }
}

}  // namespace noctua::daemon
