#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `kind = "pagerduty"`: its own keys of a `[[receivers]]` entry (docs/receivers.md).
struct PagerDutyOptions {
    /// The Events API v2 integration key: `routing_key`, `_env`, `_file`; required.
    std::optional<config::Secret> routing_key;
    friend bool operator==(const PagerDutyOptions&, const PagerDutyOptions&) = default;
};

}  // namespace noctua::alerts
