#include "alert_gauges.hpp"

#include <map>

namespace noctua::daemon {

void AlertGauges::refresh(const std::vector<alerts::Alert>& firing,
                          const std::vector<std::unique_ptr<detect::Detector>>& rules) {
    std::map<std::pair<std::string, std::string>, double> counts;
    for (const auto& [state, severity] : seen_) counts[{state, severity}] = 0;
    for (const auto& a : firing) {
        counts[{"firing", std::string(a.labels.get("severity").value_or(""))}] += 1;
    }
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
