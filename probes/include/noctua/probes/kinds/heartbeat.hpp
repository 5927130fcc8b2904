#pragma once

#include <chrono>
#include <optional>

#include "noctua/config/config.hpp"

namespace noctua::probes {

/// `kind = "heartbeat"`: its own keys of a `[[probes]]` entry: the token callers send with
/// their beats, and how late a beat may be (docs/configuration.md).
struct HeartbeatOptions {
    std::optional<config::Secret> token;             ///< `token_env` or `token_file`
    core::Duration grace = std::chrono::seconds(0);  ///< allowed lateness beyond the interval
    friend bool operator==(const HeartbeatOptions&, const HeartbeatOptions&) = default;
};

}  // namespace noctua::probes
