// `[route]` (a tree of `[[route.routes]]`), `[[inhibit]]` and `[[time_intervals]]`: how alerts
// reach receivers. Names they refer to (receivers, time intervals) are checked in config.cpp.

#include <algorithm>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

constexpr std::string_view kRouteKeys[] = {"active_time_intervals",
                                           "continue",
                                           "escalation",
                                           "group_by",
                                           "group_interval",
                                           "group_wait",
                                           "match",
                                           "matchers",
                                           "mute_time_intervals",
                                           "receiver",
                                           "repeat_interval",
                                           "routes"};
constexpr std::string_view kInhibitKeys[] = {"equal", "source", "source_matchers", "target",
                                             "target_matchers"};
constexpr std::string_view kIntervalKeys[] = {"name", "periods"};
constexpr std::string_view kPeriodKeys[] = {"days_of_month", "location", "months",
                                            "times",         "weekdays", "years"};
// Deeper trees are a mistake, and the parser recurses once per level.
constexpr int kMaxRouteDepth = 16;

// `<list_key> = ['a="1"', 'b=~"x"']` and/or `<table_key> = { a = "1" }` (equality).
core::Matchers read_matchers(const Section& s, std::string_view list_key,
                             std::string_view table_key) {
    core::Matchers out;
    std::vector<std::string> texts;
    if (s.read_string_list(list_key, texts)) {
        for (const auto& t : texts) {
            auto m = core::Matcher::parse(t);
            if (!m) {
                s.error(list_key, m.error().message);
                continue;
            }
            out.push_back(std::move(*m));
        }
    }
    core::Labels eq;
    if (s.read_labels(table_key, eq)) {
        for (const auto& [k, v] : eq.pairs()) {
            auto m = core::Matcher::make(k, core::MatchOp::equal, v);
            if (m) out.push_back(std::move(*m));
        }
    }
    return out;
}

void read_label_names(const Section& s, std::string_view key, std::vector<std::string>& out) {
    std::vector<std::string> names;
    if (!s.read_string_list(key, names)) return;
    for (const auto& n : names) {
        if (n != "..." && !is_label_name(n)) {
            s.error(key, fmt::format("\"{}\" is not a label name", n.substr(0, 64)));
            return;
        }
    }
    out = std::move(names);
}

// Names a route may refer to, known before the route is parsed.
struct RouteNames {
    const std::vector<std::string>& receivers;
    const std::vector<std::string>& intervals;
    const std::vector<std::string>& escalations;
};

void check_name(const Section& s, std::string_view key, const std::string& name,
                std::string_view noun, std::string_view section,
                const std::vector<std::string>& known) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
        s.error(key, unknown_message(noun, section, name, known, true));
    }
}

void parse_route_node(const Section& s, RouteConfig& out, int depth, const RouteNames& names) {
    s.check_keys(kRouteKeys);
    if (depth > 0) {
        out.matchers = read_matchers(s, "matchers", "match");
    } else if (s.contains("matchers") || s.contains("match")) {
        s.error(s.contains("matchers") ? "matchers" : "match",
                "the root route takes every alert: put matchers on [[route.routes]]");
    }
    s.read_bool("continue", out.continue_matching);
    if (s.read_string("receiver", out.receiver) && !out.receiver.empty()) {
        check_name(s, "receiver", out.receiver, "receiver", "receivers", names.receivers);
    }
    std::string escalation;
    if (s.read_string("escalation", escalation)) {
        if (!escalation.empty()) {
            check_name(s, "escalation", escalation, "escalation", "escalations",
                       names.escalations);
        }
        out.escalation = std::move(escalation);
    }
    std::vector<std::string> group_by;
    read_label_names(s, "group_by", group_by);
    if (s.contains("group_by")) out.group_by = group_by;
    for (auto [key, field] : {std::pair{"group_wait", &out.group_wait},
                              std::pair{"group_interval", &out.group_interval},
                              std::pair{"repeat_interval", &out.repeat_interval}}) {
        core::Duration d{};
        if (s.read_duration(key, d)) {
            if (d.count() < 0 || (d.count() == 0 && std::string_view(key) != "group_wait")) {
                s.error(key, "must be positive");
            } else {
                *field = d;
            }
        }
    }
    for (auto [key, field] : {std::pair{"mute_time_intervals", &out.mute_time_intervals},
                              std::pair{"active_time_intervals", &out.active_time_intervals}}) {
        std::vector<std::string> list;
        if (!s.read_string_list(key, list)) continue;
        for (const auto& n : list) {
            check_name(s, key, n, "time interval", "time_intervals", names.intervals);
        }
        *field = std::move(list);
    }
    auto children = s.table_array("routes");
    if (!children.empty() && depth + 1 > kMaxRouteDepth) {
        s.error("routes", fmt::format("routes nest deeper than {} levels", kMaxRouteDepth));
        return;
    }
    for (const auto& c : children) {
        RouteConfig child;
        parse_route_node(c, child, depth + 1, names);
        out.routes.push_back(std::move(child));
    }
}

template <class Parse>
void read_ranges(const Section& s, std::string_view key, std::vector<std::pair<int, int>>& out,
                 Parse parse) {
    std::vector<std::string> items;
    if (!s.read_string_list(key, items)) return;
    for (const auto& it : items) {
        auto r = parse(it);
        if (!r) {
            s.error(key, r.error().message);
            continue;
        }
        out.push_back(*r);
    }
}

}  // namespace

void parse_route(const Section& s, RouteConfig& out, const std::vector<std::string>& receivers,
                 const std::vector<std::string>& intervals,
                 const std::vector<std::string>& escalations) {
    s.require("receiver");
    parse_route_node(s, out, 0, RouteNames{receivers, intervals, escalations});
    if (s.contains("receiver") && out.receiver.empty()) {
        s.error("receiver", "must not be empty: name one of the [[receivers]]");
    }
}

InhibitConfig parse_inhibit(const Section& s) {
    s.check_keys(kInhibitKeys);
    InhibitConfig out;
    out.source = read_matchers(s, "source_matchers", "source");
    out.target = read_matchers(s, "target_matchers", "target");
    if (out.source.empty()) s.error("an inhibit rule needs source or source_matchers");
    if (out.target.empty()) s.error("an inhibit rule needs target or target_matchers");
    read_label_names(s, "equal", out.equal);
    return out;
}

core::TimeRange parse_period(const Section& p) {
    core::TimeRange r;
    read_ranges(p, "times", r.times, core::parse_time_range);
    read_ranges(p, "weekdays", r.weekdays, core::parse_weekday_range);
    read_ranges(p, "days_of_month", r.days_of_month, core::parse_day_of_month_range);
    read_ranges(p, "months", r.months, core::parse_month_range);
    read_ranges(p, "years", r.years, core::parse_year_range);
    std::string location;
    if (p.read_string("location", location)) {
        auto tz = core::find_time_zone(location);
        if (tz) {
            r.location = *tz;
        } else {
            p.error("location", tz.error().message);
        }
    }
    return r;
}

core::TimeInterval parse_time_interval(const Section& s) {
    s.check_keys(kIntervalKeys);
    core::TimeInterval out;
    if (s.require("name")) {
        s.read_string("name", out.name);
        check_id(s, "name", out.name);
    }
    const auto periods = s.table_array("periods");
    if (periods.empty()) s.error("a time interval needs at least one [[time_intervals.periods]]");
    for (const auto& p : periods) {
        p.check_keys(kPeriodKeys);
        out.ranges.push_back(parse_period(p));
    }
    return out;
}

}  // namespace noctua::config::detail
