#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `kind = "telegram"`: its own keys of a `[[receivers]]` entry (docs/receivers.md).
struct TelegramOptions {
    std::optional<config::Secret> bot_token;  ///< `bot_token`, `_env`, `_file`; required
    std::string chat_id;                      ///< numeric id or `@channel`; required
    friend bool operator==(const TelegramOptions&, const TelegramOptions&) = default;
};

}  // namespace noctua::alerts
