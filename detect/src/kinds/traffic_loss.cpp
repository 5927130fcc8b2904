#include "noctua/detect/kinds/traffic_loss.hpp"

#include <fmt/format.h>

#include "kinds.hpp"

namespace noctua::detect::detail {
namespace {

constexpr std::string_view kKeys[] = {
    "amount",   "currency", "days",       "for",         "learn_half_life", "min_expected",
    "ratio",    "recent",   "resolution", "resolve_for", "resolve_ratio",   "sensitivity",
    "severity", "tiers",    "weeks",      "window"};
constexpr std::string_view kTierKeys[] = {"for", "ratio", "window"};

/// Reports `window` of `s` when `window` is shorter than the profile's `resolution`.
void check_resolution(const config::Section& s, std::string_view key, core::Duration window,
                      core::Duration resolution) {
    if (window >= resolution) return;
    s.error(key, fmt::format("window ({}) must not be shorter than resolution ({})",
                             core::format_duration(window), core::format_duration(resolution)));
}

void parse_tiers(const config::Section& s, TrafficLossOptions& t) {
    t.tiers.clear();
    for (const auto& ts : s.table_array("tiers")) {
        ts.check_keys(kTierKeys);
        TrafficLossTier tier;
        ts.require("window");
        ts.require("ratio");
        ts.read_positive_duration("window", tier.window);
        ts.read_number("ratio", tier.ratio, 0.0, 1.0);
        ts.read_non_negative_duration("for", tier.for_);
        check_resolution(ts, "window", tier.window, t.resolution);
        t.tiers.push_back(tier);
    }
}

config::KindOptions parse(const config::Section& s, config::RuleConfig&) {
    TrafficLossOptions t;
    s.read_positive_duration("window", t.window);
    s.read_non_negative_duration("for", t.for_);
    s.read_non_negative_duration("resolve_for", t.resolve_for);
    s.read_number("ratio", t.ratio, 0.0, 1.0);
    s.read_number("resolve_ratio", t.resolve_ratio, 0.0, kHuge);
    s.read_number("min_expected", t.min_expected, 0.0, kHuge);
    s.read_number("sensitivity", t.sensitivity, 0.0, 100.0);
    s.read_positive_duration("resolution", t.resolution);
    s.read_int("weeks", t.weeks, 0, 52);
    s.read_int("days", t.days, 0, 28);
    s.read_non_negative_duration("recent", t.recent);
    s.read_positive_duration("learn_half_life", t.learn_half_life);
    s.read_number("amount", t.amount, 0.0, kHuge);
    s.read_string("currency", t.currency);
    if (s.contains("tiers")) parse_tiers(s, t);
    if (t.resolve_ratio < t.ratio) {
        s.error(s.contains("resolve_ratio") ? "resolve_ratio" : "ratio",
                fmt::format("resolve_ratio ({}) must not be less than ratio ({})", t.resolve_ratio,
                            t.ratio));
    }
    check_resolution(s, s.contains("window") ? "window" : "resolution", t.window, t.resolution);
    const auto day = std::chrono::duration_cast<core::Duration>(std::chrono::hours(24));
    if (day % t.resolution != core::Duration::zero()) {
        s.error("resolution", "must divide a day evenly (e.g. 1m, 5m, 15m, 1h)");
    }
    return config::KindOptions::of(std::move(t));
}

}  // namespace

RuleKindSpec traffic_loss_kind() { return {kKeys, &parse}; }

}  // namespace noctua::detect::detail
