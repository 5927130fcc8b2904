#include "noctua/core/duration.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace noctua::core {
namespace {

struct Unit {
    std::string_view name;
    std::int64_t ms;
};

// Longest names first so "ms" is not read as "m".
constexpr Unit kUnits[] = {
    {"ms", 1}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000}, {"m", 60LL * 1000}, {"s", 1000},
};

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
    if (text.empty()) return fail(Errc::parse, "empty duration");
    std::int64_t total = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::int64_t n = 0;
        const char* begin = text.data() + pos;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(begin, end, n);
        if (ec != std::errc{} || n < 0) {
            return fail(Errc::parse, "invalid duration \"" + std::string(text) +
                                         "\": expected a number with a unit such as 30s or 5m");
        }
        pos = static_cast<std::size_t>(ptr - text.data());
        const Unit* unit = nullptr;
        for (const auto& u : kUnits) {
            if (text.substr(pos, u.name.size()) == u.name) {
                unit = &u;
                break;
            }
        }
        if (unit == nullptr) {
            return fail(Errc::parse, "invalid duration \"" + std::string(text) +
                                         "\": missing or unknown unit (use ms, s, m, h, d, w)");
        }
        pos += unit->name.size();
        if (n > std::numeric_limits<std::int64_t>::max() / unit->ms - total / unit->ms) {
            return fail(Errc::parse, "duration \"" + std::string(text) + "\" is too large");
        }
        total += n * unit->ms;
    }
    return Duration{total};
}

std::string format_duration(Duration d) {
    std::int64_t ms = d.count();
    if (ms == 0) return "0s";
    std::string out;
    if (ms < 0) {
        out += '-';
        ms = -ms;
    }
    for (const auto& u : kUnits) {
        if (u.name == "ms") continue;
        if (ms >= u.ms) {
            out += std::to_string(ms / u.ms);
            out += u.name;
            ms %= u.ms;
        }
    }
    if (ms > 0) out += std::to_string(ms) + "ms";
    return out;
}

}  // namespace noctua::core
