#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `kind = "whatsapp"`: its own keys of a `[[receivers]]` entry (docs/receivers.md).
struct WhatsAppOptions {
    std::string provider = "meta";  ///< "meta" (Cloud API) | "twilio"
    /// meta `access_token`, twilio `auth_token` (each with `_env`, `_file`); required.
    std::optional<config::Secret> token;
    std::vector<std::string> to;  ///< E.164 numbers; at least one
    std::string from;             ///< twilio: the sender number
    std::string account_sid;      ///< twilio
    std::string phone_number_id;  ///< meta
    /// The approved template (meta: its name; twilio: its Content SID, `HX…`); key `template`.
    std::string template_name;
    std::string language = "en_US";  ///< meta: the template's language code
    friend bool operator==(const WhatsAppOptions&, const WhatsAppOptions&) = default;
};

}  // namespace noctua::alerts
