#include "noctua/alerts/escalation.hpp"

#include <algorithm>

namespace noctua::alerts {

std::optional<core::TimePoint> next_step_at(const EscalationPolicy& policy,
                                            const NotifyRecord& record) {
    if (record.firing.empty() || record.since == core::TimePoint{} ||
        record.steps >= policy.steps.size()) {
        return std::nullopt;
    }
    return record.since + policy.steps[record.steps].after;
}

std::vector<std::string> take_due_steps(const EscalationPolicy& policy, NotifyRecord& record,
                                        const std::string& primary, core::TimePoint now) {
    std::vector<std::string> told;
    for (auto at = next_step_at(policy, record); at && *at <= now;
         at = next_step_at(policy, record)) {
        const auto& receiver = policy.steps[record.steps++].receiver;
        const auto& already = record.escalated_to;
        if (receiver == primary ||
            std::find(already.begin(), already.end(), receiver) != already.end()) {
            continue;
        }
        record.escalated_to.push_back(receiver);
        told.push_back(receiver);
    }
    return told;
}

}  // namespace noctua::alerts
