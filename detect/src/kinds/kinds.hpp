#pragma once

// The built-in rule kinds, one file each under kinds/: the keys each reads of a `[[rules]]`
// entry beyond the ones every rule shares, and its parser.

#include <limits>
#include <span>
#include <string_view>

#include "noctua/config/config.hpp"
#include "noctua/config/section.hpp"

namespace noctua::detect::detail {

inline constexpr int kIntMax = std::numeric_limits<int>::max();
inline constexpr double kHuge = 1e300;

/// A rule kind as its file under kinds/ describes it: the keys its parser reads beyond the
/// common ones (config reads `probes` and `severity` for the kinds that list them) and its
/// config::RuleParser.
struct RuleKindSpec {
    std::span<const std::string_view> keys;
    config::KindOptions (*parse)(const config::Section& s, config::RuleConfig& common);
};

[[nodiscard]] RuleKindSpec balance_kind();
[[nodiscard]] RuleKindSpec downtime_kind();
[[nodiscard]] RuleKindSpec latency_kind();
[[nodiscard]] RuleKindSpec traffic_loss_kind();

}  // namespace noctua::detect::detail
