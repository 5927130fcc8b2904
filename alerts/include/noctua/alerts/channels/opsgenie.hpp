#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `kind = "opsgenie"`: its own keys of a `[[receivers]]` entry (docs/receivers.md).
struct OpsgenieOptions {
    std::optional<config::Secret> api_key;  ///< `api_key`, `_env`, `_file`; required
    friend bool operator==(const OpsgenieOptions&, const OpsgenieOptions&) = default;
};

}  // namespace noctua::alerts
