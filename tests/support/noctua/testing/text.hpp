#pragma once

// Text builders for tests that need long or deeply nested inputs.

#include <cstddef>
#include <string>
#include <string_view>

namespace noctua::testing {

/// `s` written `n` times.
inline std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace noctua::testing
