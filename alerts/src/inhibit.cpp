#include "noctua/alerts/inhibit.hpp"

namespace noctua::alerts {

const Alert* Inhibitor::inhibited_by(const core::Labels& target,
                                     const std::vector<Alert>& firing) const {
    for (const auto& rule : rules_) {
        if (!core::matches_all(rule.target, target)) continue;
        for (const auto& source : firing) {
            if (source.state != AlertState::firing) continue;
            if (source.labels == target) continue;
            if (!core::matches_all(rule.source, source.labels)) continue;
            bool same = true;
            for (const auto& name : rule.equal) {
                if (source.labels.get(name) != target.get(name)) {
                    same = false;
                    break;
                }
            }
            if (same) return &source;
        }
    }
    return nullptr;
}

}  // namespace noctua::alerts
