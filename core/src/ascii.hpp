#pragma once

// Private to noctua::core: ASCII helpers shared by its sources (locale-independent).

#include <algorithm>
#include <string_view>

namespace noctua::core::detail {

[[nodiscard]] inline char ascii_upper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

/// Equal ignoring ASCII case (HTTP header names, error codes, statuses).
[[nodiscard]] inline bool ascii_iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_upper(x) == ascii_upper(y);
           });
}

}  // namespace noctua::core::detail
