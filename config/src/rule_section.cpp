// `[[rules]]`: the keys common to every rule kind plus each kind's own keys.
// A key that belongs to another kind is reported as unknown for this one.

#include <algorithm>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

constexpr int kIntMax = std::numeric_limits<int>::max();
constexpr double kHuge = 1e300;

constexpr std::string_view kCommonKeys[] = {"annotations",     "keep_firing_for", "kind",
                                            "labels",          "match",           "name"};
constexpr std::string_view kDowntimeKeys[] = {
    "failures", "flap_threshold",   "flap_window", "for",    "min_ratio", "min_transactions",
    "probes",   "severity",         "slo",         "source", "successes", "window"};
constexpr std::string_view kTrafficLossKeys[] = {
    "amount",     "currency",    "days",          "for",         "learn_half_life",
    "min_expected", "ratio",     "recent",        "resolution",  "resolve_for",
    "resolve_ratio", "sensitivity", "severity",   "tiers",       "weeks",
    "window"};
constexpr std::string_view kTierKeys[] = {"for", "ratio", "window"};
constexpr std::string_view kBalanceKeys[] = {
    "burn_window",        "burst", "burst_hold", "burst_window", "critical", "exhaustion_critical",
    "exhaustion_warning", "for",   "probes",     "warning"};
constexpr std::string_view kLatencyKeys[] = {"baseline_factor", "baseline_window", "for",
                                             "min_samples",     "probes",          "quantile",
                                             "severity",        "threshold",       "window"};
constexpr std::string_view kSeverities[] = {"critical", "info", "warning"};
constexpr std::string_view kSources[] = {"probe", "stream"};

std::span<const std::string_view> kind_keys(std::string_view kind) {
    if (kind == "traffic_loss") return kTrafficLossKeys;
    if (kind == "balance") return kBalanceKeys;
    if (kind == "latency") return kLatencyKeys;
    return kDowntimeKeys;
}

/// A duration that must be > 0 (or >= 0 when `zero_ok`).
void read_span(const Section& s, std::string_view key, core::Duration& out, bool zero_ok) {
    core::Duration v{};
    if (!s.read_duration(key, v)) return;
    if (v < core::Duration::zero() || (!zero_ok && v == core::Duration::zero())) {
        s.error(key, zero_ok ? "must not be negative" : "must be greater than 0");
        return;
    }
    out = v;
}

void parse_traffic_loss(const Section& s, TrafficLossConfig& t) {
    read_span(s, "window", t.window, false);
    read_span(s, "for", t.for_, true);
    read_span(s, "resolve_for", t.resolve_for, true);
    s.read_number("ratio", t.ratio, 0.0, 1.0);
    s.read_number("resolve_ratio", t.resolve_ratio, 0.0, kHuge);
    s.read_number("min_expected", t.min_expected, 0.0, kHuge);
    s.read_number("sensitivity", t.sensitivity, 0.0, 100.0);
    read_span(s, "resolution", t.resolution, false);
    s.read_int("weeks", t.weeks, 0, 52);
    s.read_int("days", t.days, 0, 28);
    read_span(s, "recent", t.recent, true);
    read_span(s, "learn_half_life", t.learn_half_life, false);
    s.read_number("amount", t.amount, 0.0, kHuge);
    s.read_string("currency", t.currency);
    if (s.contains("tiers")) {
        t.tiers.clear();
        for (const auto& ts : s.table_array("tiers")) {
            ts.check_keys(kTierKeys);
            TrafficLossTier tier;
            ts.require("window");
            ts.require("ratio");
            read_span(ts, "window", tier.window, false);
            ts.read_number("ratio", tier.ratio, 0.0, 1.0);
            read_span(ts, "for", tier.for_, true);
            if (tier.window < t.resolution) {
                ts.error("window", fmt::format("window ({}) must not be shorter than resolution "
                                               "({})",
                                               core::format_duration(tier.window),
                                               core::format_duration(t.resolution)));
            }
            t.tiers.push_back(tier);
        }
    }
    if (t.resolve_ratio < t.ratio) {
        s.error(s.contains("resolve_ratio") ? "resolve_ratio" : "ratio",
                fmt::format("resolve_ratio ({}) must not be less than ratio ({})",
                            t.resolve_ratio, t.ratio));
    }
    if (t.window < t.resolution) {
        s.error(s.contains("window") ? "window" : "resolution",
                fmt::format("window ({}) must not be shorter than resolution ({})",
                            core::format_duration(t.window), core::format_duration(t.resolution)));
    }
    const auto day = std::chrono::duration_cast<core::Duration>(std::chrono::hours(24));
    if (day % t.resolution != core::Duration::zero()) {
        s.error("resolution", "must divide a day evenly (e.g. 1m, 5m, 15m, 1h)");
    }
}

void parse_balance(const Section& s, BalanceRuleConfig& b) {
    double v = 0;
    if (s.read_number("warning", v, -kHuge, kHuge)) b.warning = v;
    if (s.read_number("critical", v, -kHuge, kHuge)) b.critical = v;
    if (b.warning && b.critical && *b.critical > *b.warning) {
        s.error("critical", fmt::format("critical ({}) must not be above warning ({})",
                                        *b.critical, *b.warning));
    }
    read_span(s, "exhaustion_warning", b.exhaustion_warning, true);
    read_span(s, "exhaustion_critical", b.exhaustion_critical, true);
    read_span(s, "burn_window", b.burn_window, false);
    s.read_int("burst", b.burst, 0, kIntMax);
    read_span(s, "burst_window", b.burst_window, false);
    read_span(s, "burst_hold", b.burst_hold, false);
    read_span(s, "for", b.for_, true);
}

void parse_downtime(const Section& s, RuleConfig& out) {
    auto& d = out.downtime;
    s.read_string_list("probes", out.probes);
    s.read_int("failures", out.failures, 1, kIntMax);
    s.read_int("successes", out.successes, 1, kIntMax);
    read_choice(s, "source", "downtime source", "sources", kSources, d.source);
    s.read_number("min_ratio", d.min_ratio, 0.0, 1.0);
    read_span(s, "window", d.window, false);
    s.read_int("min_transactions", d.min_transactions, 0, kIntMax);
    read_span(s, "for", d.for_, true);
    if (s.read_number("slo", d.slo, 0.0, 1.0) && d.slo >= 1.0) {
        s.error("slo", "must be below 1 (e.g. 0.99): a 100% objective has no error budget");
        d.slo = 0;
    }
    s.read_int("flap_window", d.flap_window, 0, 1000);
    s.read_number("flap_threshold", d.flap_threshold, 0.0, 1.0);
    if (d.source == "stream") {
        for (std::string_view key : {"failures", "successes", "probes"}) {
            if (s.contains(key)) s.error(key, "only for source = \"probe\"");
        }
    } else {
        for (std::string_view key : {"min_ratio", "window", "min_transactions", "slo"}) {
            if (s.contains(key)) s.error(key, "only for source = \"stream\"");
        }
    }
}

void parse_latency(const Section& s, RuleConfig& out) {
    auto& l = out.latency;
    s.read_string_list("probes", out.probes);
    if (s.read_number("quantile", l.quantile, 0.0, 1.0) && (l.quantile <= 0 || l.quantile >= 1)) {
        s.error("quantile", "must be between 0 and 1 exclusive (e.g. 0.95 or 0.99)");
        l.quantile = 0.95;
    }
    read_span(s, "window", l.window, false);
    read_span(s, "threshold", l.threshold, true);
    s.read_number("baseline_factor", l.baseline_factor, 0.0, kHuge);
    read_span(s, "baseline_window", l.baseline_window, false);
    read_span(s, "for", l.for_, true);
    s.read_number("min_samples", l.min_samples, 0.0, kHuge);
}

}  // namespace

RuleConfig parse_rule(const Section& s) {
    RuleConfig out;
    if (s.require("name") && s.read_string("name", out.name)) check_id(s, "name", out.name);
    read_kind(s, kRuleKinds, out.kind);
    std::vector<std::string_view> known(std::begin(kCommonKeys), std::end(kCommonKeys));
    const auto own = kind_keys(out.kind);
    known.insert(known.end(), own.begin(), own.end());
    s.check_keys(known);
    if (out.kind != "balance") {
        read_choice(s, "severity", "severity", "values", kSeverities, out.severity);
    }
    s.read_labels("labels", out.labels);
    s.read_labels("match", out.match);
    s.read_string_map("annotations", out.annotations, &is_label_name, "[a-zA-Z_][a-zA-Z0-9_]*");
    check_rule_templates(s);
    read_span(s, "keep_firing_for", out.keep_firing_for, true);
    if (out.kind == "traffic_loss") {
        parse_traffic_loss(s, out.traffic_loss);
    } else if (out.kind == "balance") {
        s.read_string_list("probes", out.probes);
        parse_balance(s, out.balance);
    } else if (out.kind == "latency") {
        parse_latency(s, out);
    } else {
        parse_downtime(s, out);
    }
    return out;
}

}  // namespace noctua::config::detail
