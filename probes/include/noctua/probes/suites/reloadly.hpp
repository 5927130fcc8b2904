#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "noctua/core/duration.hpp"

namespace noctua::probes {

/// The steps of a `kind = "reloadly"` suite, in the order it runs them by default.
inline constexpr std::string_view kReloadlySteps[] = {"authenticate", "balance", "catalogue",
                                                      "transaction", "status"};

/// `kind = "reloadly"`: its own keys of a `[[status_tests]]` entry (docs/status-tests.md),
/// beside the steps (config::read_suite_steps()).
struct ReloadlyOptions {
    std::string phone = "34600000001";  ///< transaction: the sandbox recipient
    double min_balance = 0;             ///< balance: the step fails at or below it
    int page_size = 100;                ///< catalogue: items per page
    int max_pages = 100;                ///< catalogue: the walk fails beyond this many pages
    int status_attempts = 10;           ///< status: polls until SUCCESSFUL
    core::Duration status_poll_interval = std::chrono::seconds(1);
    friend bool operator==(const ReloadlyOptions&, const ReloadlyOptions&) = default;
};

}  // namespace noctua::probes
