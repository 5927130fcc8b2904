#include "noctua/alerts/codec.hpp"

#include <simdjson.h>

#include "noctua/core/json.hpp"

namespace noctua::alerts {

void write_labels_and_annotations(core::JsonWriter& w, const Alert& a) {
    w.key("labels").begin_object();
    for (const auto& [k, v] : a.labels.pairs()) w.field(k, v);
    w.end_object();
    w.key("annotations").begin_object();
    for (const auto& [k, v] : a.annotations) w.field(k, v);
    w.end_object();
}

namespace {

std::int64_t ms(core::TimePoint t) { return t.time_since_epoch().count(); }
core::TimePoint at(std::int64_t v) { return core::TimePoint{std::chrono::milliseconds{v}}; }

void write_alert(core::JsonWriter& w, const Alert& a) {
    w.begin_object();
    write_labels_and_annotations(w, a);
    w.field("state", to_string(a.state));
    w.field("starts", ms(a.starts_at));
    w.field("ends", ms(a.ends_at));
    w.field("updated", ms(a.updated_at));
    if (a.ack) {
        w.key("ack").begin_object();
        w.field("by", a.ack->by).field("comment", a.ack->comment).field("at", ms(a.ack->at));
        w.end_object();
    }
    w.end_object();
}

core::Result<Alert> read_alert(simdjson::dom::object o) {
    Alert a;
    simdjson::dom::object labels;
    simdjson::dom::object annotations;
    std::string_view state;
    std::int64_t starts = 0;
    std::int64_t ends = 0;
    std::int64_t updated = 0;
    if (o["labels"].get(labels) || o["annotations"].get(annotations) || o["state"].get(state) ||
        o["starts"].get(starts) || o["ends"].get(ends) || o["updated"].get(updated)) {
        return core::fail(core::Errc::parse, "malformed alert record");
    }
    for (auto [k, v] : labels) {
        std::string_view value;
        if (v.get(value)) return core::fail(core::Errc::parse, "malformed alert label");
        a.labels.set(k, value);
    }
    for (auto [k, v] : annotations) {
        std::string_view value;
        if (v.get(value)) return core::fail(core::Errc::parse, "malformed alert annotation");
        a.annotations.emplace(std::string(k), std::string(value));
    }
    a.state = state == "firing" ? AlertState::firing : AlertState::resolved;
    a.starts_at = at(starts);
    a.ends_at = at(ends);
    a.updated_at = at(updated);
    simdjson::dom::object ack;
    if (!o["ack"].get(ack)) {
        std::string_view by;
        std::string_view comment;
        std::int64_t t = 0;
        if (ack["by"].get(by) || ack["comment"].get(comment) || ack["at"].get(t)) {
            return core::fail(core::Errc::parse, "malformed alert ack");
        }
        a.ack = Ack{std::string(by), std::string(comment), at(t)};
    }
    return a;
}

template <class F>
auto parse(std::string_view json, F&& read) -> decltype(read(simdjson::dom::element{})) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    simdjson::dom::element root;
    if (parser.parse(padded).get(root)) return core::fail(core::Errc::parse, "not JSON");
    return read(root);
}

}  // namespace

std::string encode(const Alert& a) {
    core::JsonWriter w;
    write_alert(w, a);
    return std::move(w).str();
}

core::Result<Alert> decode_alert(std::string_view json) {
    return parse(json, [](simdjson::dom::element root) -> core::Result<Alert> {
        simdjson::dom::object o;
        if (root.get(o)) return core::fail(core::Errc::parse, "malformed alert record");
        return read_alert(o);
    });
}

std::string encode(const Notification& n) {
    core::JsonWriter w;
    w.begin_object();
    w.field("id", n.id);
    w.field("receiver", n.receiver);
    w.field("group_key", n.group_key);
    w.key("group_labels").begin_object();
    for (const auto& [k, v] : n.group_labels.pairs()) w.field(k, v);
    w.end_object();
    w.field("created", ms(n.created));
    if (n.acknowledged) w.field("acknowledged", true);
    w.key("alerts").begin_array();
    for (const auto& a : n.alerts) write_alert(w, a);
    w.end_array();
    w.end_object();
    return std::move(w).str();
}

core::Result<Notification> decode_notification(std::string_view json) {
    return parse(json, [](simdjson::dom::element root) -> core::Result<Notification> {
        Notification n;
        std::string_view receiver;
        std::string_view key;
        simdjson::dom::object labels;
        simdjson::dom::array alerts;
        std::int64_t created = 0;
        if (root["id"].get(n.id) || root["receiver"].get(receiver) || root["group_key"].get(key) ||
            root["group_labels"].get(labels) || root["created"].get(created) ||
            root["alerts"].get(alerts)) {
            return core::fail(core::Errc::parse, "malformed notification record");
        }
        n.receiver = receiver;
        n.group_key = key;
        n.created = at(created);
        bool acknowledged = false;
        if (!root["acknowledged"].get(acknowledged)) n.acknowledged = acknowledged;
        for (auto [k, v] : labels) {
            std::string_view value;
            if (v.get(value)) return core::fail(core::Errc::parse, "malformed group label");
            n.group_labels.set(k, value);
        }
        for (auto e : alerts) {
            simdjson::dom::object o;
            if (e.get(o)) return core::fail(core::Errc::parse, "malformed alert record");
            auto a = read_alert(o);
            if (!a) return std::unexpected(a.error());
            n.alerts.push_back(std::move(*a));
        }
        return n;
    });
}

std::string encode(const NotifyRecord& r) {
    core::JsonWriter w;
    w.begin_object();
    w.key("firing").begin_array();
    for (auto fp : r.firing) w.value(fp);
    w.end_array();
    w.key("resolved").begin_array();
    for (auto fp : r.resolved) w.value(fp);
    w.end_array();
    w.field("at", ms(r.at));
    if (!r.acked.empty()) {
        w.key("acked").begin_array();
        for (auto fp : r.acked) w.value(fp);
        w.end_array();
    }
    if (r.steps > 0) {
        w.field("steps", static_cast<std::uint64_t>(r.steps));
        w.key("escalated_to").begin_array();
        for (const auto& name : r.escalated_to) w.value(name);
        w.end_array();
    }
    if (r.since != core::TimePoint{}) w.field("since", ms(r.since));
    w.end_object();
    return std::move(w).str();
}

core::Result<NotifyRecord> decode_record(std::string_view json) {
    return parse(json, [](simdjson::dom::element root) -> core::Result<NotifyRecord> {
        NotifyRecord r;
        simdjson::dom::array firing;
        simdjson::dom::array resolved;
        std::int64_t t = 0;
        if (root["firing"].get(firing) || root["resolved"].get(resolved) || root["at"].get(t)) {
            return core::fail(core::Errc::parse, "malformed notification log record");
        }
        for (auto [arr, out] : {std::pair{firing, &r.firing}, std::pair{resolved, &r.resolved}}) {
            for (auto e : arr) {
                std::uint64_t fp = 0;
                if (e.get(fp)) return core::fail(core::Errc::parse, "malformed fingerprint");
                out->insert(fp);
            }
        }
        r.at = at(t);
        simdjson::dom::array acked;
        if (!root["acked"].get(acked)) {
            for (auto e : acked) {
                std::uint64_t fp = 0;
                if (e.get(fp)) return core::fail(core::Errc::parse, "malformed fingerprint");
                r.acked.insert(fp);
            }
        }
        std::uint64_t steps = 0;
        if (!root["steps"].get(steps)) {
            simdjson::dom::array to;
            if (root["escalated_to"].get(to)) {
                return core::fail(core::Errc::parse, "malformed escalation record");
            }
            r.steps = static_cast<std::size_t>(steps);
            for (auto e : to) {
                std::string_view name;
                if (e.get(name)) return core::fail(core::Errc::parse, "malformed escalation");
                r.escalated_to.emplace_back(name);
            }
        }
        std::int64_t since = 0;
        if (!root["since"].get(since)) r.since = at(since);
        return r;
    });
}

std::string encode(const Silence& s) {
    core::JsonWriter w;
    w.begin_object();
    w.field("id", s.id);
    w.field("matchers", core::to_string(s.matchers));
    w.field("starts", ms(s.starts_at));
    w.field("ends", ms(s.ends_at));
    w.field("created_by", s.created_by);
    w.field("comment", s.comment);
    w.field("updated", ms(s.updated_at));
    if (s.maintenance) w.field("maintenance", true);
    w.end_object();
    return std::move(w).str();
}

core::Result<Silence> decode_silence(std::string_view json) {
    return parse(json, [](simdjson::dom::element root) -> core::Result<Silence> {
        Silence s;
        std::string_view id;
        std::string_view matchers;
        std::string_view by;
        std::string_view comment;
        std::int64_t starts = 0;
        std::int64_t ends = 0;
        std::int64_t updated = 0;
        if (root["id"].get(id) || root["matchers"].get(matchers) || root["starts"].get(starts) ||
            root["ends"].get(ends) || root["created_by"].get(by) || root["comment"].get(comment) ||
            root["updated"].get(updated)) {
            return core::fail(core::Errc::parse, "malformed silence record");
        }
        auto m = core::parse_matchers(matchers);
        if (!m) return core::fail(core::Errc::parse, "silence matchers: " + m.error().message);
        s.id = id;
        s.matchers = std::move(*m);
        s.starts_at = at(starts);
        s.ends_at = at(ends);
        s.created_by = by;
        s.comment = comment;
        s.updated_at = at(updated);
        // Optional: only maintenance windows carry it.
        bool maintenance = false;
        if (!root["maintenance"].get(maintenance)) s.maintenance = maintenance;
        return s;
    });
}

}  // namespace noctua::alerts
