#include "noctua/detect/kinds/latency.hpp"

#include "kinds.hpp"

namespace noctua::detect::detail {
namespace {

constexpr std::string_view kKeys[] = {"baseline_factor", "baseline_window", "for",
                                      "min_samples",     "probes",          "quantile",
                                      "severity",        "threshold",       "window"};

config::KindOptions parse(const config::Section& s, config::RuleConfig&) {
    LatencyOptions l;
    if (s.read_number("quantile", l.quantile, 0.0, 1.0) && (l.quantile <= 0 || l.quantile >= 1)) {
        s.error("quantile", "must be between 0 and 1 exclusive (e.g. 0.95 or 0.99)");
        l.quantile = 0.95;
    }
    s.read_positive_duration("window", l.window);
    s.read_non_negative_duration("threshold", l.threshold);
    s.read_number("baseline_factor", l.baseline_factor, 0.0, kHuge);
    s.read_positive_duration("baseline_window", l.baseline_window);
    s.read_non_negative_duration("for", l.for_);
    s.read_number("min_samples", l.min_samples, 0.0, kHuge);
    return config::KindOptions::of(std::move(l));
}

}  // namespace

RuleKindSpec latency_kind() { return {kKeys, &parse}; }

}  // namespace noctua::detect::detail
