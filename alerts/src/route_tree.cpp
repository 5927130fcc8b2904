#include "noctua/alerts/route_tree.hpp"

#include <algorithm>
#include <set>

namespace noctua::alerts {
namespace {

Route build(const config::RouteConfig& spec, const RouteOptions& parent, std::string key) {
    Route r;
    r.matchers = spec.matchers;
    r.continue_matching = spec.continue_matching;
    r.key = std::move(key);
    r.options = parent;
    if (!spec.receiver.empty()) r.options.receiver = spec.receiver;
    if (spec.group_by) {
        const auto& g = *spec.group_by;
        r.options.group_by_all = std::find(g.begin(), g.end(), "...") != g.end();
        r.options.group_by = r.options.group_by_all ? std::vector<std::string>{} : g;
        std::sort(r.options.group_by.begin(), r.options.group_by.end());
    }
    if (spec.group_wait) r.options.group_wait = *spec.group_wait;
    if (spec.group_interval) r.options.group_interval = *spec.group_interval;
    if (spec.repeat_interval) r.options.repeat_interval = *spec.repeat_interval;
    if (spec.mute_time_intervals) r.options.mute_time_intervals = *spec.mute_time_intervals;
    if (spec.active_time_intervals) r.options.active_time_intervals = *spec.active_time_intervals;
    if (spec.escalation) r.options.escalation = *spec.escalation;

    std::set<std::string> seen;
    for (std::size_t i = 0; i < spec.routes.size(); ++i) {
        std::string child_key = r.key + "/" + core::to_string(spec.routes[i].matchers);
        // Siblings with equal matchers would share groups; keep them apart by position.
        if (!seen.insert(child_key).second) child_key += "#" + std::to_string(i);
        r.routes.push_back(build(spec.routes[i], r.options, std::move(child_key)));
    }
    return r;
}

void match_into(const Route& r, const core::Labels& labels, std::vector<const Route*>& out) {
    const auto before = out.size();
    for (const auto& child : r.routes) {
        if (!core::matches_all(child.matchers, labels)) continue;
        match_into(child, labels, out);
        if (!child.continue_matching) break;
    }
    if (out.size() == before) out.push_back(&r);
}

void collect(const Route& r, std::set<std::string>& out) {
    if (!r.options.receiver.empty()) out.insert(r.options.receiver);
    for (const auto& c : r.routes) collect(c, out);
}

}  // namespace

RouteTree::RouteTree(const config::RouteConfig& root) : root_(build(root, RouteOptions{}, "{}")) {}

std::vector<const Route*> RouteTree::match(const core::Labels& labels) const {
    std::vector<const Route*> out;
    match_into(root_, labels, out);
    return out;
}

std::vector<std::string> RouteTree::receivers() const {
    std::set<std::string> names;
    collect(root_, names);
    return {names.begin(), names.end()};
}

core::Labels group_labels(const RouteOptions& options, const core::Labels& alert_labels) {
    if (options.group_by_all) return alert_labels;
    core::Labels out;
    for (const auto& name : options.group_by) {
        if (auto v = alert_labels.get(name)) out.set(name, *v);
    }
    return out;
}

std::string group_key(const Route& route, const core::Labels& group_labels) {
    return route.key + ":" + group_labels.to_string();
}

}  // namespace noctua::alerts
