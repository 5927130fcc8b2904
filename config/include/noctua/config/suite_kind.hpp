#pragma once

// What a status-test kind's parser (config::SuiteParser, beside the kind) reads a
// `[[status_tests]]` entry with: the steps a suite runs, in the order the entry gives.

#include <span>
#include <string_view>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/config/section.hpp"

namespace noctua::config {

/// The keys of every `[[status_tests]]` entry, which config reads into StatusTestConfig.
inline constexpr std::string_view kSuiteCommonKeys[] = {"id",       "kind",     "notify",
                                                        "provider", "schedule", "timezone"};

/// The keys read_suite_steps() reads; a kind that runs steps publishes them among its own.
inline constexpr std::string_view kSuiteStepKeys[] = {"retries", "step", "steps", "timeout"};

/// The steps of the entry `s` of a kind whose steps are `known`, in their default order:
/// `steps` (the order; default: every known step), `retries` and `timeout` (what every step
/// inherits) and `[step.<name>]` (one step's own). Reports an unknown or repeated step, an
/// empty list, and a `[step.<name>]` of a step the entry does not run, at their positions.
[[nodiscard]] std::vector<StatusTestStepConfig> read_suite_steps(
    const Section& s, std::span<const std::string_view> known);

}  // namespace noctua::config
