#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace noctua::core {

/// The length of the well-formed UTF-8 sequence at the start of non-empty `s` (Unicode 15,
/// table 3-7: no overlong forms, surrogates or code points past U+10FFFF), or 0 when it is not
/// one; `bad` is then the length of its maximal ill-formed prefix (at least 1), which a
/// decoder replaces by one U+FFFD, as the WHATWG decoder does.
[[nodiscard]] std::size_t utf8_sequence(std::string_view s, std::size_t& bad);

/// The byte offset of the first byte that does not begin a well-formed UTF-8 sequence (an
/// overlong form, a surrogate, a code point past U+10FFFF, a stray or missing continuation
/// byte), or nullopt when all of `text` is UTF-8.
[[nodiscard]] std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace noctua::core
