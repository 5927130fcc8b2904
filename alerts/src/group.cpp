#include "noctua/alerts/group.hpp"

#include <algorithm>

namespace noctua::alerts {
namespace {

bool subset(const std::set<std::uint64_t>& a, const std::set<std::uint64_t>& b) {
    return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

}  // namespace

AlertGroup::AlertGroup(const Route& route, core::Labels labels, core::TimePoint now)
    : route_(&route),
      labels_(std::move(labels)),
      key_(group_key(route, labels_)),
      next_flush_(now + route.options.group_wait) {}

void AlertGroup::insert(const Alert& alert, core::TimePoint now) {
    alerts_[alert.fingerprint()] = alert;
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
}

std::vector<Alert> AlertGroup::alerts() const {
    std::vector<Alert> out;
    out.reserve(alerts_.size());
    for (const auto& [fp, a] : alerts_) out.push_back(a);
    return out;
}

std::optional<std::vector<Alert>> AlertGroup::flush(
    core::TimePoint now, bool send_resolved, const std::function<bool(const Alert&)>& muted) {
    flushed_once_ = true;
    std::vector<Alert> firing;
    std::vector<Alert> resolved;
    std::set<std::uint64_t> firing_fps;
    std::set<std::uint64_t> resolved_fps;
    std::set<std::uint64_t> paged_and_muted;  // still owed a resolve once they end
    for (const auto& [fp, a] : alerts_) {
        if (a.state == AlertState::firing) {
            if (muted && muted(a)) {
                if (record_.firing.contains(fp)) paged_and_muted.insert(fp);
                continue;
            }
            firing.push_back(a);
            firing_fps.insert(fp);
        } else if (record_.firing.contains(fp)) {
            resolved.push_back(a);
            resolved_fps.insert(fp);
        }
    }

    // Alertmanager's "needs update", with resolves limited to pages that went out and muted
    // alerts neither paged nor counted as gone.
    bool needed = false;
    if (firing.empty() && resolved.empty()) {
        needed = false;
    } else if (!subset(firing_fps, record_.firing)) {
        needed = true;
    } else if (firing.empty()) {
        needed = true;  // only resolves of delivered pages are left
    } else if (send_resolved && !subset(resolved_fps, record_.resolved)) {
        needed = true;
    } else {
        needed = record_.at + route_->options.repeat_interval <= now;
    }

    // Resolved alerts leave the group whether or not this flush speaks of them.
    std::erase_if(alerts_, [](const auto& kv) { return kv.second.state == AlertState::resolved; });
    next_flush_ =
        alerts_.empty() ? std::nullopt : std::optional(now + route_->options.group_interval);
    if (!needed) return std::nullopt;

    firing_fps.merge(paged_and_muted);
    record_.firing = std::move(firing_fps);
    record_.resolved = std::move(resolved_fps);
    record_.at = now;
    if (!send_resolved && firing.empty()) return std::nullopt;
    std::vector<Alert> out = std::move(firing);
    if (send_resolved) out.insert(out.end(), resolved.begin(), resolved.end());
    return out;
}

}  // namespace noctua::alerts
