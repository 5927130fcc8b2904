#pragma once

// ASCII helpers, independent of the locale: HTTP header names, media types, error codes.

#include <algorithm>
#include <string_view>

namespace noctua::core {

[[nodiscard]] constexpr char ascii_upper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

[[nodiscard]] constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Equal ignoring ASCII case (HTTP header names, error codes, statuses).
[[nodiscard]] constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_upper(x) == ascii_upper(y);
           });
}

/// `text` starts with `prefix`, ignoring ASCII case.
[[nodiscard]] constexpr bool ascii_istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && ascii_iequals(text.substr(0, prefix.size()), prefix);
}

}  // namespace noctua::core
