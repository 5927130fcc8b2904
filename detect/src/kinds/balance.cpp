#include "noctua/detect/kinds/balance.hpp"

#include <fmt/format.h>

#include "kinds.hpp"

namespace noctua::detect::detail {
namespace {

constexpr std::string_view kKeys[] = {
    "burn_window",        "burst", "burst_hold", "burst_window", "critical", "exhaustion_critical",
    "exhaustion_warning", "for",   "probes",     "warning"};

config::KindOptions parse(const config::Section& s, config::RuleConfig&) {
    BalanceOptions b;
    double v = 0;
    if (s.read_number("warning", v, -kHuge, kHuge)) b.warning = v;
    if (s.read_number("critical", v, -kHuge, kHuge)) b.critical = v;
    if (b.warning && b.critical && *b.critical > *b.warning) {
        s.error("critical", fmt::format("critical ({}) must not be above warning ({})", *b.critical,
                                        *b.warning));
    }
    s.read_non_negative_duration("exhaustion_warning", b.exhaustion_warning);
    s.read_non_negative_duration("exhaustion_critical", b.exhaustion_critical);
    s.read_positive_duration("burn_window", b.burn_window);
    s.read_int("burst", b.burst, 0, kIntMax);
    s.read_positive_duration("burst_window", b.burst_window);
    s.read_positive_duration("burst_hold", b.burst_hold);
    s.read_non_negative_duration("for", b.for_);
    return config::KindOptions::of(std::move(b));
}

}  // namespace

RuleKindSpec balance_kind() { return {kKeys, &parse}; }

}  // namespace noctua::detect::detail
