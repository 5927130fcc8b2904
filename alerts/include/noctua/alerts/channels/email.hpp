#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `kind = "email"`: its own keys of a `[[receivers]]` entry (docs/receivers.md).
struct EmailOptions {
    std::vector<std::string> to;             ///< addresses; at least one
    std::string from;                        ///< the sender address
    std::string username;                    ///< SMTP login (empty: no AUTH)
    std::optional<config::Secret> password;  ///< `password`, `_env`, `_file`; with username
    bool starttls = true;                    ///< over smtp://: STARTTLS required before anything
    std::string ca_file;  ///< PEM bundle for the SMTP server; empty: the system one
    friend bool operator==(const EmailOptions&, const EmailOptions&) = default;
};

}  // namespace noctua::alerts
