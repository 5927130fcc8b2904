#include "causes.hpp"

#include <fmt/format.h>

namespace noctua::daemon {

std::optional<std::string> likely_cause(std::string_view provider,
                                        const std::vector<FiringAlert>& firing) {
    const FiringAlert* best = nullptr;
    for (const auto& f : firing) {
        if (f.alert->labels.get("provider") != provider) continue;
        if (f.rule_kind != "downtime" && f.rule_kind != "balance") continue;
        if (best == nullptr || f.alert->starts_at < best->alert->starts_at) best = &f;
    }
    if (best == nullptr) return std::nullopt;
    const auto& a = *best->alert;
    const auto what = best->rule_kind == "downtime" ? "provider {} is down" : "provider {} balance is short";
    return fmt::format(fmt::runtime(what), provider) +
           fmt::format(" ({} firing since {})", a.alertname(), core::format_rfc3339(a.starts_at));
}

}  // namespace noctua::daemon
