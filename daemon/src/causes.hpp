#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/alerts/alert.hpp"

namespace noctua::daemon {

/// A firing alert together with the kind of rule that raised it ("downtime", "balance", …).
struct FiringAlert {
    const alerts::Alert* alert;
    std::string_view rule_kind;
};

/// The likely cause of a traffic loss on `provider`, when another alert already explains it:
/// the provider is down (a downtime alert), or its balance ran out (a balance alert). The
/// earliest such alert wins; nullopt when none fires. Pure.
[[nodiscard]] std::optional<std::string> likely_cause(std::string_view provider,
                                                      const std::vector<FiringAlert>& firing);

}  // namespace noctua::daemon
