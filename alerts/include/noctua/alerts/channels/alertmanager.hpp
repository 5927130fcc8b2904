#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `kind = "alertmanager"`: its own keys of a `[[receivers]]` entry (docs/receivers.md).
struct AlertmanagerOptions {
    /// How long a pushed firing alert stays valid (its endsAt) unless re-sent; keep the
    /// route's repeat_interval below it.
    core::Duration ends_after = std::chrono::hours(5);
    friend bool operator==(const AlertmanagerOptions&, const AlertmanagerOptions&) = default;
};

}  // namespace noctua::alerts
