#pragma once

#include <string>
#include <string_view>

namespace noctua::core {

/// HMAC-SHA256 (RFC 2104) of `data` under `key`: the 32 raw bytes. Pure and thread-safe.
[[nodiscard]] std::string hmac_sha256(std::string_view key, std::string_view data);

/// The Standard Webhooks signature of one message: base64 of the HMAC-SHA256 of
/// "<id>.<timestamp>.<body>" under `key`. Senders put it in `webhook-signature` as
/// "v1,<signature>"; receivers compute it from the bytes they received and compare.
[[nodiscard]] std::string webhook_signature(std::string_view key, std::string_view id,
                                            std::string_view timestamp, std::string_view body);

}  // namespace noctua::core
