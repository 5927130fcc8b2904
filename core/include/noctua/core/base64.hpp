#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace noctua::core {

/// Standard base64 (RFC 4648 §4) with `=` padding: HTTP Basic credentials, HMAC signatures.
[[nodiscard]] std::string base64_encode(std::string_view data);

/// base64url (RFC 4648 §5) without padding: JWT segments.
[[nodiscard]] std::string base64url_encode(std::string_view data);

/// Decodes standard, padded base64; nullopt for empty input, a length that is not a multiple of
/// four, a character outside the alphabet or misplaced padding. Pure and thread-safe.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace noctua::core
