#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `kind = "webhook"`: its own keys of a `[[receivers]]` entry (docs/receivers.md).
struct WebhookOptions {
    /// The Standard Webhooks signing key (`whsec_<base64>` or raw): `secret`, `_env`, `_file`;
    /// none: requests are not signed.
    std::optional<config::Secret> secret;
    friend bool operator==(const WebhookOptions&, const WebhookOptions&) = default;
};

}  // namespace noctua::alerts
