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

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
    if (text.empty()) return fail(Errc::parse, "empty duration");
    const auto too_large = [&] {
        return fail(Errc::parse, "duration \"" + std::string(text) + "\" is too large: at most " +
                                     format_duration(kMaxDuration) + " (about 292 years)");
    };
    const std::int64_t max = kMaxDuration.count();
    std::int64_t total = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (!is_digit(text[pos])) {
            return fail(Errc::parse, "invalid duration \"" + std::string(text) +
                                         "\": expected a number with a unit such as 30s or 5m");
        }
        std::int64_t n = 0;
        const char* begin = text.data() + pos;
        auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), n);
        // Digits that do not fit in 64 bits are a number, only too large for one.
        const bool out_of_range = ec == std::errc::result_out_of_range;
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
        if (out_of_range || n > (max - total) / unit->ms) return too_large();
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
