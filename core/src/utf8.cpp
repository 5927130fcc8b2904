#include "noctua/core/utf8.hpp"

namespace noctua::core {

std::size_t utf8_sequence(std::string_view s, std::size_t& bad) {
    const auto b0 = static_cast<unsigned char>(s[0]);
    std::size_t need = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0) {
            lo = 0xA0;  // overlong
        } else if (b0 == 0xED) {
            hi = 0x9F;  // surrogates
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0) {
            lo = 0x90;  // overlong
        } else if (b0 == 0xF4) {
            hi = 0x8F;  // past U+10FFFF
        }
    } else {
        bad = 1;
        return 0;
    }
    std::size_t i = 1;
    for (; i <= need && i < s.size(); ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) break;
    }
    if (i == need + 1) return i;
    bad = i;
    return 0;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t bad = 0;
        const auto n = utf8_sequence(text.substr(i), bad);
        if (n == 0) return i;
        i += n;
    }
    return std::nullopt;
}

}  // namespace noctua::core
