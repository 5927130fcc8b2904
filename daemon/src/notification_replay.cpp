#include "notification_replay.hpp"

#include <algorithm>
#include <set>

#include "noctua/core/json.hpp"

namespace noctua::daemon {

NotificationReplay::NotificationReplay(const config::Config& config, Sink sink)
    : sink_(std::move(sink)) {
    notifier_.configure(config);
}

void NotificationReplay::on_transition(const alerts::Alert& alert) {
    const auto at = now_ ? std::max(*now_, alert.updated_at) : alert.updated_at;
    advance(at);
    notifier_.update(alert, at);
    flush(at);
}

void NotificationReplay::advance(core::TimePoint now) {
    if (now_ && now < *now_) return;
    // Each flush moves a due group at least group_interval ahead; a group that does not move
    // (a zero interval) is left for the next call rather than looping here.
    for (auto due = notifier_.next_due(); due && *due <= now;) {
        flush(*due);
        const auto next = notifier_.next_due();
        if (next && *next <= *due) break;
        due = next;
    }
    now_ = now;
}

void NotificationReplay::flush(core::TimePoint now) {
    now_ = std::max(now_.value_or(now), now);
    for (auto& d : notifier_.flush_due(now, next_id_)) {
        for (const auto& n : d.notifications) sink_(to_json(n));
    }
}

std::string NotificationReplay::to_json(const alerts::Notification& n) {
    std::int64_t firing = 0;
    std::set<std::string_view> names;
    for (const auto& a : n.alerts) {
        if (a.state == alerts::AlertState::firing) ++firing;
        names.insert(a.alertname());
    }
    core::JsonWriter w;
    w.begin_object();
    w.field("at", core::format_rfc3339(n.created));
    w.field("receiver", n.receiver);
    w.field("group_key", n.group_key);
    w.field("status", alerts::to_string(n.status()));
    w.field("alerts", static_cast<std::int64_t>(n.alerts.size()));
    w.field("firing", firing);
    w.field("resolved", static_cast<std::int64_t>(n.alerts.size()) - firing);
    w.key("group_labels").begin_object();
    for (const auto& [k, v] : n.group_labels.pairs()) w.field(k, v);
    w.end_object();
    w.key("alertnames").begin_array();
    for (auto name : names) w.value(name);
    w.end_array();
    w.end_object();
    return std::move(w).str();
}

}  // namespace noctua::daemon
