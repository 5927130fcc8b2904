#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/labels.hpp"
#include "noctua/core/matcher.hpp"

namespace noctua::alerts {

/// What a route does with the alerts it takes; a child route inherits every option it does not
/// set from its parent (Alertmanager's rule).
struct RouteOptions {
    std::string receiver;
    /// Labels that split alerts into groups; empty: one group for the route. By default one
    /// group per alert name and provider: an incident is one notification, two providers two.
    std::vector<std::string> group_by{"alertname", "provider"};
    /// `group_by = ["..."]`: every label, so each alert is its own group.
    bool group_by_all = false;
    /// Noctua's rules confirm before they fire (consecutive failures, windows), so by default
    /// a new group speaks at once; set it (e.g. "30s") to let related alerts gather first.
    core::Duration group_wait{0};
    core::Duration group_interval = std::chrono::minutes(5);
    core::Duration repeat_interval = std::chrono::hours(4);
    /// Names of time intervals during which the route sends nothing / only sends.
    std::vector<std::string> mute_time_intervals;
    std::vector<std::string> active_time_intervals;
    /// The `[[escalations]]` chain of the route's groups; empty: none.
    std::string escalation;
};

/// One node of a built tree, with its options resolved.
struct Route {
    core::Matchers matchers;
    bool continue_matching = false;
    RouteOptions options;
    /// Stable identity of the node: `{}` for the root, then `/` and the node's matchers per
    /// level, plus its index among siblings when two siblings share matchers. The same on every
    /// instance given the same config, so group keys agree across an HA pair.
    std::string key;
    std::vector<Route> routes;
};

/// The routing tree: an alert goes down the first child that matches (depth first), on to the
/// next sibling too when that child has `continue = true`, and stays at a node when no child
/// matches. Immutable after construction; thread-safe for reads.
class RouteTree {
public:
    /// `root.matchers` must be empty (the root takes every alert); `root.receiver` must be set.
    explicit RouteTree(const config::RouteConfig& root);

    /// The routes that take an alert with `labels`, in tree order; never empty.
    [[nodiscard]] std::vector<const Route*> match(const core::Labels& labels) const;

    [[nodiscard]] const Route& root() const { return root_; }

    /// Every receiver named anywhere in the tree, sorted and unique.
    [[nodiscard]] std::vector<std::string> receivers() const;

private:
    Route root_;
};

/// The labels of `alert_labels` a route groups by (all of them for `group_by_all`).
[[nodiscard]] core::Labels group_labels(const RouteOptions& options,
                                        const core::Labels& alert_labels);

/// Alertmanager's group key, `<route key>:<group labels>`, e.g.
/// `{}/{severity="page"}:{provider="acme"}`: the dedup key receivers and HA peers share.
[[nodiscard]] std::string group_key(const Route& route, const core::Labels& group_labels);

}  // namespace noctua::alerts
