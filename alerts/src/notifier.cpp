#include "noctua/alerts/notifier.hpp"

#include <algorithm>

namespace noctua::alerts {
namespace {

bool in_any(const std::map<std::string, core::TimeInterval, std::less<>>& intervals,
            const std::vector<std::string>& names, core::TimePoint now, std::string* which) {
    for (const auto& n : names) {
        auto it = intervals.find(n);
        if (it != intervals.end() && it->second.contains(now)) {
            if (which) *which = n;
            return true;
        }
    }
    return false;
}

}  // namespace

Notifier::Notifier() : tree_(std::make_unique<RouteTree>(config::RouteConfig{})) {}

std::string Notifier::record_key(const std::string& receiver, const std::string& group_key) {
    return receiver + '\x1f' + group_key;
}

void Notifier::configure(const config::Config& config) {
    tree_ = std::make_unique<RouteTree>(config.route);
    inhibitor_ = Inhibitor{config.inhibit};
    intervals_.clear();
    for (const auto& ti : config.time_intervals) intervals_.emplace(ti.name, ti);
    maintenance_.clear();
    for (const auto& p : config.providers) {
        if (!p.maintenance.empty()) maintenance_.emplace(p.id, p.maintenance);
    }
    send_resolved_.clear();
    for (const auto& r : config.receivers) send_resolved_[r.name] = r.send_resolved;
    escalations_.clear();
    for (const auto& e : config.escalations) escalations_.emplace(e.name, e);

    // Groups point into the old tree: rebuild them, keeping records of unchanged keys.
    std::vector<Alert> alerts;
    for (auto& [key, h] : groups_) {
        restored_.insert_or_assign(key, h.group.record());
        for (auto& a : h.group.alerts()) alerts.push_back(std::move(a));
    }
    due_.clear();
    groups_.clear();
    const core::TimePoint now = alerts.empty() ? core::TimePoint{} : alerts.front().updated_at;
    for (const auto& a : alerts) insert(a, std::max(now, a.updated_at));
}

void Notifier::restore(std::map<std::string, NotifyRecord> records) {
    for (auto& [k, r] : records) restored_.insert_or_assign(k, std::move(r));
}

void Notifier::update(const Alert& alert, core::TimePoint now) {
    if (alert.state == AlertState::firing) {
        auto& held = firing_[alert.fingerprint()];
        auto ack = alert.ack ? alert.ack : held.ack;
        held = alert;
        held.ack = std::move(ack);
        insert(held, now);
        return;
    }
    firing_.erase(alert.fingerprint());
    insert(alert, now);
}

core::Result<Alert> Notifier::acknowledge(std::uint64_t fingerprint, Ack ack,
                                          core::TimePoint now) {
    auto it = firing_.find(fingerprint);
    if (it == firing_.end()) {
        return core::fail(core::Errc::not_found, "no firing alert has this fingerprint");
    }
    it->second.ack = ack;
    for (auto& [key, h] : groups_) {
        if (h.group.acknowledge(fingerprint, ack, now)) reindex(key, h);
    }
    return it->second;
}

void Notifier::insert(const Alert& alert, core::TimePoint now) {
    for (const Route* route : tree_->match(alert.labels)) {
        if (route->options.receiver.empty()) continue;
        auto labels = group_labels(route->options, alert.labels);
        auto key = record_key(route->options.receiver, group_key(*route, labels));
        auto it = groups_.find(key);
        if (it == groups_.end()) {
            // A resolve for a group that no longer exists has nobody to tell, unless a record
            // from before a restart or reload says its firing went out.
            auto rec = restored_.find(key);
            if (alert.state == AlertState::resolved &&
                (rec == restored_.end() || !rec->second.firing.contains(alert.fingerprint()))) {
                continue;
            }
            const auto esc = escalations_.find(route->options.escalation);
            it = groups_
                     .emplace(key,
                              Held{AlertGroup{*route, std::move(labels), now,
                                              esc == escalations_.end() ? nullptr : &esc->second},
                                   kNotDue})
                     .first;
            if (rec != restored_.end()) {
                it->second.group.restore(rec->second);
                restored_.erase(rec);
            }
        }
        it->second.group.insert(alert, now);
        reindex(it->first, it->second);
    }
}

void Notifier::reindex(std::string_view key, Held& held, bool gone) {
    const std::optional<core::TimePoint> due = gone ? std::nullopt : held.group.next_flush();
    if (held.indexed != kNotDue) {
        if (due && *due == held.indexed) return;
        due_.erase({held.indexed, key});
        held.indexed = kNotDue;
    }
    if (due) {
        due_.emplace(*due, key);
        held.indexed = *due;
    }
}

std::optional<core::TimePoint> Notifier::next_due() const {
    if (due_.empty()) return std::nullopt;
    return due_.begin()->first;
}

MuteReason Notifier::mute_reason(const core::Labels& labels, const Route* route,
                                 core::TimePoint now) const {
    return mute_reason(labels, route, now, firing_);
}

MuteReason Notifier::mute_reason(const core::Labels& labels, const Route* route,
                                 core::TimePoint now,
                                 const std::unordered_map<std::uint64_t, Alert>& firing) const {
    if (const auto* s = silences_.muting(labels, now)) {
        return {MuteReason::Kind::silenced, s->id};
    }
    if (in_maintenance(labels, now)) {
        return {MuteReason::Kind::maintenance, std::string(labels.get("provider").value_or(""))};
    }
    if (const auto* src = inhibitor_.inhibited_by(labels, firing)) {
        return {MuteReason::Kind::inhibited, src->labels.to_string()};
    }
    if (route) {
        std::string which;
        if (in_any(intervals_, route->options.mute_time_intervals, now, &which)) {
            return {MuteReason::Kind::time_interval, which};
        }
        const auto& active = route->options.active_time_intervals;
        if (!active.empty() && !in_any(intervals_, active, now, nullptr)) {
            return {MuteReason::Kind::time_interval, "outside " + active.front()};
        }
    }
    return {};
}

bool Notifier::in_maintenance(const core::Labels& labels, core::TimePoint now) const {
    const auto provider = labels.get("provider");
    if (!provider) return false;
    auto it = maintenance_.find(*provider);
    if (it == maintenance_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](const auto& w) {
        return (w.period && w.period->contains(now)) ||
               in_any(intervals_, w.time_intervals, now, nullptr);
    });
}

std::vector<Notifier::Due> Notifier::flush_due(core::TimePoint now, std::uint64_t& next_id) {
    std::vector<Due> out;
    // The due groups, in key order (the order notifications are numbered in).
    std::vector<std::string_view> keys;
    for (auto d = due_.begin(); d != due_.end() && d->first <= now; ++d) keys.push_back(d->second);
    std::sort(keys.begin(), keys.end());
    for (const auto key : keys) {
        auto it = groups_.find(key);
        if (it == groups_.end()) continue;
        auto& g = it->second.group;
        const Route& route = g.route();
        // Resolves are worked out for the group when anyone hearing of it wants them; the
        // dispatcher leaves them out for receivers that do not.
        bool send_resolved = false;
        for (const auto& r : g.receivers()) {
            const auto sr = send_resolved_.find(r);
            send_resolved = send_resolved || sr == send_resolved_.end() || sr->second;
        }
        const auto told_before = g.record().escalated_to.size();
        auto flushed = g.flush(now, send_resolved, [&](const Alert& a) {
            return mute_reason(a.labels, &route, now, firing_).kind != MuteReason::Kind::none;
        });
        reindex(it->first, it->second, g.empty());
        Due due;
        due.record_key = it->first;
        const auto& told = g.record().escalated_to;
        if (told.size() > told_before) {
            due.escalated.assign(told.begin() + static_cast<std::ptrdiff_t>(told_before),
                                 told.end());
        }
        if (flushed) {
            for (const auto& receiver : flushed->receivers) {
                Notification n;
                n.id = next_id++;
                n.receiver = receiver;
                // The record key is "<receiver>\x1f<group key>".
                n.group_key = it->first.substr(route.options.receiver.size() + 1);
                n.group_labels = g.labels();
                n.alerts = flushed->alerts;
                n.created = now;
                n.acknowledged = flushed->acknowledged;
                due.notifications.push_back(std::move(n));
            }
        }
        if (g.empty()) {
            out.push_back(std::move(due));  // record nullopt: forget the group
            groups_.erase(it);
            continue;
        }
        if (!due.notifications.empty()) {
            due.record = g.record();
            out.push_back(std::move(due));
        }
    }
    return out;
}

}  // namespace noctua::alerts
