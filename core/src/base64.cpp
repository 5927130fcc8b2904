#include "noctua/core/base64.hpp"

#include <array>
#include <cstdint>

namespace noctua::core {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view data, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::uint32_t buf = 0;
    int bits = 0;
    for (const char ch : data) {
        buf = (buf << 8) | static_cast<unsigned char>(ch);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += alphabet[(buf >> bits) & 0x3F];
        }
    }
    if (bits > 0) out += alphabet[(buf << (6 - bits)) & 0x3F];
    while (pad && out.size() % 4 != 0) out += '=';
    return out;
}

/// The value of each standard-alphabet character, -1 for others.
constexpr std::array<std::int8_t, 256> decode_table() {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (std::size_t i = 0; i < kStandard.size(); ++i) {
        t[static_cast<unsigned char>(kStandard[i])] = static_cast<std::int8_t>(i);
    }
    return t;
}

}  // namespace

std::string base64_encode(std::string_view data) { return encode(data, kStandard, true); }

std::string base64url_encode(std::string_view data) { return encode(data, kUrl, false); }

std::optional<std::string> base64_decode(std::string_view text) {
    static constexpr auto kValues = decode_table();
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    if (text.ends_with("==")) {
        padding = 2;
    } else if (text.ends_with('=')) {
        padding = 1;
    }
    const auto body = text.substr(0, text.size() - padding);
    std::string out;
    out.reserve(text.size() / 4 * 3);
    std::uint32_t buf = 0;
    int bits = 0;
    for (const char ch : body) {
        const auto v = kValues[static_cast<unsigned char>(ch)];
        if (v < 0) return std::nullopt;  // outside the alphabet, or '=' before the end
        buf = (buf << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buf >> bits) & 0xFF);
        }
    }
    return out;
}

}  // namespace noctua::core
