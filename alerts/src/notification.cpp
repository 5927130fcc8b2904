#include "noctua/alerts/notification.hpp"

#include <algorithm>

#include "noctua/core/json.hpp"

namespace noctua::alerts {
namespace {

void write_map(core::JsonWriter& w, const core::Labels& labels) {
    w.begin_object();
    for (const auto& [k, v] : labels.pairs()) w.field(k, v);
    w.end_object();
}

void write_map(core::JsonWriter& w, const Annotations& annotations) {
    w.begin_object();
    for (const auto& [k, v] : annotations) w.field(k, v);
    w.end_object();
}

std::string rfc3339_or_zero(core::TimePoint t) {
    // Alertmanager shows unreached end times as the zero time.
    return t == core::TimePoint{} ? "0001-01-01T00:00:00Z" : core::format_rfc3339(t);
}

}  // namespace

AlertState Notification::status() const {
    return std::any_of(alerts.begin(), alerts.end(),
                       [](const Alert& a) { return a.state == AlertState::firing; })
               ? AlertState::firing
               : AlertState::resolved;
}

std::string_view Notification::status_name() const {
    if (acknowledged && status() == AlertState::firing) return "acknowledged";
    return to_string(status());
}

core::Labels Notification::common_labels() const {
    if (alerts.empty()) return {};
    core::Labels common = alerts.front().labels;
    for (const auto& a : alerts) {
        for (const auto& [k, v] : alerts.front().labels.pairs()) {
            if (a.labels.get(k) != std::string_view{v}) common.erase(k);
        }
    }
    return common;
}

Annotations Notification::common_annotations() const {
    if (alerts.empty()) return {};
    Annotations common = alerts.front().annotations;
    for (const auto& a : alerts) {
        common.erase_if([&](const auto& kv) {
            auto it = a.annotations.find(kv.first);
            return it == a.annotations.end() || it->second != kv.second;
        });
    }
    return common;
}

Notification make_notification(std::uint64_t id, std::string receiver, const Alert& alert,
                                core::TimePoint now) {
    Notification n;
    n.id = id;
    n.receiver = std::move(receiver);
    n.group_labels = alert.labels;
    n.group_key = "{}:" + alert.labels.to_string();
    n.alerts.push_back(alert);
    n.created = now;
    return n;
}

std::string to_alertmanager_webhook_json(const Notification& n, std::string_view external_url) {
    core::JsonWriter w;
    w.begin_object();
    w.field("version", "4");
    w.field("groupKey", n.group_key);
    w.field("truncatedAlerts", 0);
    w.field("status", to_string(n.status()));
    w.field("receiver", n.receiver);
    w.key("groupLabels");
    write_map(w, n.group_labels);
    w.key("commonLabels");
    write_map(w, n.common_labels());
    w.key("commonAnnotations");
    write_map(w, n.common_annotations());
    w.field("externalURL", external_url);
    w.key("alerts").begin_array();
    for (const auto& a : n.alerts) {
        w.begin_object();
        w.field("status", to_string(a.state));
        w.key("labels");
        write_map(w, a.labels);
        w.key("annotations");
        write_map(w, a.annotations);
        w.field("startsAt", rfc3339_or_zero(a.starts_at));
        w.field("endsAt", a.state == AlertState::firing ? std::string("0001-01-01T00:00:00Z")
                                                         : rfc3339_or_zero(a.ends_at));
        w.field("generatorURL", std::string(external_url) + "/api/v1/alerts");
        w.field("fingerprint", a.labels.fingerprint_hex());
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return std::move(w).str();
}

}  // namespace noctua::alerts
