#include "noctua/alerts/inhibit.hpp"

namespace noctua::alerts {
namespace {

const Alert* as_alert(const Alert& a) { return &a; }
const Alert* as_alert(const std::pair<const std::uint64_t, Alert>& kv) { return &kv.second; }

template <class Firing>
const Alert* find_inhibitor(const std::vector<InhibitRule>& rules, const core::Labels& target,
                            const Firing& firing) {
    for (const auto& rule : rules) {
        if (!core::matches_all(rule.target, target)) continue;
        for (const auto& element : firing) {
            const Alert& source = *as_alert(element);
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

}  // namespace

const Alert* Inhibitor::inhibited_by(const core::Labels& target,
                                     const std::vector<Alert>& firing) const {
    return find_inhibitor(rules_, target, firing);
}

const Alert* Inhibitor::inhibited_by(const core::Labels& target,
                                     const std::unordered_map<std::uint64_t, Alert>& firing) const {
    return find_inhibitor(rules_, target, firing);
}

}  // namespace noctua::alerts
