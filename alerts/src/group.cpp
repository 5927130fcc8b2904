#include "noctua/alerts/group.hpp"

#include <algorithm>

#include "noctua/alerts/escalation.hpp"

namespace noctua::alerts {
namespace {

bool subset(const FingerprintSet& a, const FingerprintSet& b) {
    return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

bool unacked_firing(const Alert& a) { return a.state == AlertState::firing && !a.ack; }

}  // namespace

AlertGroup::AlertGroup(const Route& route, core::Labels labels, core::TimePoint now,
                       const config::EscalationConfig* escalation)
    : route_(&route),
      labels_(std::move(labels)),
      next_flush_(now + route.options.group_wait),
      escalation_(escalation) {}

std::vector<std::pair<std::uint64_t, Alert>>::iterator AlertGroup::find(std::uint64_t fingerprint) {
    auto it = std::lower_bound(alerts_.begin(), alerts_.end(), fingerprint,
                               [](const auto& kv, std::uint64_t fp) { return kv.first < fp; });
    return it != alerts_.end() && it->first == fingerprint ? it : alerts_.end();
}

void AlertGroup::insert(const Alert& alert, core::TimePoint now) {
    const auto fp = alert.fingerprint();
    auto at = std::lower_bound(alerts_.begin(), alerts_.end(), fp,
                               [](const auto& kv, std::uint64_t f) { return kv.first < f; });
    if (at != alerts_.end() && at->first == fp) {
        at->second = alert;
    } else {
        alerts_.emplace(at, fp, alert);
    }
    if (!next_flush_) next_flush_ = now + route_->options.group_interval;
    // The last firing alert of a group that paged has ended: say so now, not a group interval
    // later (the incident is over; nothing else is coming to be grouped with it).
    if (alert.state == AlertState::resolved && !record_.firing.empty() &&
        std::none_of(alerts_.begin(), alerts_.end(),
                     [](const auto& kv) { return kv.second.state == AlertState::firing; })) {
        next_flush_ = std::min(*next_flush_, now);
    }
    // An alert older than group_wait has waited long enough: speak now (Alertmanager's rule).
    if (!flushed_once_ && alert.state == AlertState::firing &&
        alert.starts_at + route_->options.group_wait < now) {
        next_flush_ = std::min(*next_flush_, now);
    }
    update_escalation_due();
}

bool AlertGroup::acknowledge(std::uint64_t fingerprint, const Ack& ack, core::TimePoint now) {
    auto it = find(fingerprint);
    if (it == alerts_.end() || it->second.state != AlertState::firing) return false;
    it->second.ack = ack;
    // A person took the incident: tell the receivers now, not a group interval later.
    if (!record_.firing.empty() && std::none_of(alerts_.begin(), alerts_.end(), [](const auto& kv) {
            return unacked_firing(kv.second);
        })) {
        next_flush_ = next_flush_ ? std::min(*next_flush_, now) : now;
    }
    update_escalation_due();
    return true;
}

void AlertGroup::restore(NotifyRecord record) {
    record_ = std::move(record);
    update_escalation_due();
}

std::optional<core::TimePoint> AlertGroup::next_flush() const {
    if (!escalation_due_) return next_flush_;
    if (!next_flush_) return escalation_due_;
    return std::min(*next_flush_, *escalation_due_);
}

void AlertGroup::update_escalation_due() {
    escalation_due_.reset();
    if (!escalation_ || std::none_of(alerts_.begin(), alerts_.end(),
                                     [](const auto& kv) { return unacked_firing(kv.second); })) {
        return;
    }
    escalation_due_ = next_step_at(*escalation_, record_);
}

std::vector<std::string> AlertGroup::receivers() const {
    std::vector<std::string> out{route_->options.receiver};
    out.insert(out.end(), record_.escalated_to.begin(), record_.escalated_to.end());
    return out;
}

std::vector<Alert> AlertGroup::alerts() const {
    std::vector<Alert> out;
    out.reserve(alerts_.size());
    for (const auto& [fp, a] : alerts_) out.push_back(a);
    return out;
}

std::optional<GroupFlush> AlertGroup::flush(core::TimePoint now, bool send_resolved,
                                            const std::function<bool(const Alert&)>& muted) {
    flushed_once_ = true;
    std::vector<Alert> firing;
    std::vector<Alert> resolved;
    FingerprintSet firing_fps;
    FingerprintSet resolved_fps;
    FingerprintSet acked_fps;
    FingerprintSet paged_and_muted;  // still owed a resolve once they end
    for (const auto& [fp, a] : alerts_) {
        if (a.state == AlertState::firing) {
            if (muted && muted(a)) {
                if (record_.firing.contains(fp)) paged_and_muted.insert(fp);
                continue;
            }
            firing.push_back(a);
            firing_fps.insert(fp);
            if (a.ack) acked_fps.insert(fp);
        } else if (record_.firing.contains(fp)) {
            resolved.push_back(a);
            resolved_fps.insert(fp);
        }
    }
    const bool all_acked = !firing.empty() && acked_fps.size() == firing_fps.size();
    const bool paged_before = subset(firing_fps, record_.firing);
    // Every alert told so far was acknowledged: a new one re-arms the escalation clock.
    const bool was_acked = !record_.acked.empty() && subset(record_.firing, record_.acked);

    // Alertmanager's "needs update", with resolves limited to pages that went out, muted
    // alerts neither paged nor counted as gone, and an acknowledged group told once and then
    // left alone (no reminders).
    bool needed = false;
    if (firing.empty() && resolved.empty()) {
        needed = false;
    } else if (!paged_before) {
        needed = true;
    } else if (firing.empty()) {
        needed = true;  // only resolves of delivered pages are left
    } else if (send_resolved && !subset(resolved_fps, record_.resolved)) {
        needed = true;
    } else if (all_acked) {
        needed = !subset(firing_fps, record_.acked);
    } else {
        needed = record_.at + route_->options.repeat_interval <= now;
    }

    // Resolved alerts leave the group whether or not this flush speaks of them.
    std::erase_if(alerts_, [](const auto& kv) { return kv.second.state == AlertState::resolved; });
    next_flush_ =
        alerts_.empty() ? std::nullopt : std::optional(now + route_->options.group_interval);

    if (needed) {
        if (!firing.empty() &&
            (record_.since == core::TimePoint{} || (!paged_before && was_acked))) {
            record_.since = now;
        }
        firing_fps.merge(paged_and_muted);
        record_.firing = std::move(firing_fps);
        record_.resolved = std::move(resolved_fps);
        record_.acked = std::move(acked_fps);
        record_.at = now;
    }
    std::vector<std::string> escalated;
    if (escalation_ && !firing.empty() && !all_acked) {
        escalated = take_due_steps(*escalation_, record_, route_->options.receiver, now);
    }
    update_escalation_due();
    // A step that could not be taken (everything firing is muted) is looked at again at the
    // next group interval, not on every tick.
    if (escalation_due_ && *escalation_due_ <= now) escalation_due_ = next_flush_;

    if (!needed) {
        if (escalated.empty()) return std::nullopt;
        // Only a step is due: its receivers get the page the others already have.
        return GroupFlush{std::move(firing), false, std::move(escalated)};
    }
    if (!send_resolved && firing.empty()) return std::nullopt;
    GroupFlush out;
    out.acknowledged = all_acked && paged_before;
    out.alerts = std::move(firing);
    if (send_resolved) out.alerts.insert(out.alerts.end(), resolved.begin(), resolved.end());
    out.receivers = receivers();
    return out;
}

}  // namespace noctua::alerts
