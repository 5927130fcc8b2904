#include "noctua/alerts/external.hpp"

#include <simdjson.h>

#include "noctua/core/clock.hpp"
#include "noctua/core/labels.hpp"

namespace noctua::alerts {

core::Result<std::vector<AlertInput>> ExternalAlerts::receive(std::string_view body,
                                                              core::TimePoint now) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::array list;
    if (parser.parse(padded).get(list)) {
        return core::fail(core::Errc::invalid_argument, "body must be a JSON array of alerts");
    }
    if (list.size() > kMaxAlertsPerRequest) {
        return core::fail(
            core::Errc::invalid_argument,
            "more than " + std::to_string(kMaxAlertsPerRequest) + " alerts in one request");
    }
    std::vector<AlertInput> out;
    std::vector<std::pair<std::uint64_t, Entry>> seen;
    out.reserve(list.size());
    seen.reserve(list.size());
    std::size_t index = 0;
    for (auto element : list) {
        // The error's text, built only when there is one.
        const auto bad = [i = index++](std::string_view what) {
            return core::fail(core::Errc::invalid_argument,
                              "alert " + std::to_string(i) + ": " + std::string(what));
        };
        simdjson::dom::object o;
        simdjson::dom::object labels;
        if (element.get(o) || o["labels"].get(labels)) {
            return bad("labels must be an object");
        }
        AlertInput in;
        for (auto [k, v] : labels) {
            std::string_view value;
            if (v.get(value) || !core::is_label_name(k)) {
                return bad("labels must be label names with string values");
            }
            in.labels.set(k, value);
        }
        if (in.labels.empty()) {
            return bad("at least one label");
        }
        if (!in.labels.contains("alertname")) in.labels.set("alertname", "unnamed");
        simdjson::dom::object annotations;
        if (!o["annotations"].get(annotations)) {
            for (auto [k, v] : annotations) {
                std::string_view value;
                if (v.get(value)) {
                    return bad("annotations must be strings");
                }
                in.annotations.emplace(std::string(k), std::string(value));
            }
        }
        std::string_view text;
        core::TimePoint ends = now + resolve_timeout_;
        if (!o["endsAt"].get(text) && !text.empty() && !text.starts_with("0001-")) {
            auto t = core::parse_rfc3339(text);
            if (!t) return bad("endsAt: not RFC 3339");
            ends = *t;
        }
        if (!o["startsAt"].get(text) && !text.empty() && !text.starts_with("0001-")) {
            auto t = core::parse_rfc3339(text);
            if (!t) {
                return bad("startsAt: not RFC 3339");
            }
            if (*t < now) in.at = *t;
        }
        if (in.at == core::TimePoint{}) in.at = now;
        in.active = ends > now;
        if (!in.active) in.at = std::min(ends, now);
        seen.emplace_back(in.labels.fingerprint(), Entry{in.labels, ends});
        out.push_back(std::move(in));
    }
    for (auto& [fp, e] : seen) {
        if (e.ends > now) {
            ends_.insert_or_assign(fp, std::move(e));
        } else {
            ends_.erase(fp);
        }
    }
    return out;
}

std::vector<AlertInput> ExternalAlerts::expire(core::TimePoint now) {
    std::vector<AlertInput> out;
    for (auto it = ends_.begin(); it != ends_.end();) {
        if (it->second.ends <= now) {
            AlertInput in;
            in.labels = std::move(it->second.labels);
            in.active = false;
            in.at = it->second.ends;
            out.push_back(std::move(in));
            it = ends_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

}  // namespace noctua::alerts
