#include "noctua/detect/kinds/downtime.hpp"

#include "kinds.hpp"

namespace noctua::detect::detail {
namespace {

constexpr std::string_view kKeys[] = {"failures",  "flap_threshold",   "flap_window", "for",
                                      "min_ratio", "min_transactions", "probes",      "severity",
                                      "slo",       "source",           "successes",   "window"};
constexpr std::string_view kSources[] = {"probe", "stream"};

config::KindOptions parse(const config::Section& s, config::RuleConfig&) {
    DowntimeOptions d;
    s.read_int("failures", d.failures, 1, kIntMax);
    s.read_int("successes", d.successes, 1, kIntMax);
    s.read_choice("source", "downtime source", "sources", kSources, d.source);
    s.read_number("min_ratio", d.min_ratio, 0.0, 1.0);
    s.read_positive_duration("window", d.window);
    s.read_int("min_transactions", d.min_transactions, 0, kIntMax);
    s.read_non_negative_duration("for", d.for_);
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
    return config::KindOptions::of(std::move(d));
}

}  // namespace

RuleKindSpec downtime_kind() { return {kKeys, &parse}; }

}  // namespace noctua::detect::detail
