#include "noctua/core/clock.hpp"

#include <ctime>
#include <sstream>

#include <date/date.h>

#include <fmt/format.h>

namespace noctua::core {

TimePoint SystemClock::now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

std::string format_rfc3339(TimePoint t) {
    const auto ms_total = t.time_since_epoch().count();
    auto secs = static_cast<std::time_t>(ms_total / 1000);
    auto ms = ms_total % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    std::tm tm{};
    gmtime_r(&secs, &tm);
    if (ms == 0) {
        return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900,
                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
    if (text.size() > 64) return std::nullopt;
    std::string s(text);
    // date::parse reads "%Ez" offsets only, and fractions at the precision asked for: "Z"
    // becomes "+00:00" and digits past the millisecond are dropped (Prometheus sends nanos).
    if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) {
        s.pop_back();
        s += "+00:00";
    }
    if (const auto dot = s.find('.'); dot != std::string::npos) {
        const auto end = s.find_first_of("+-", dot);
        if (end == std::string::npos) return std::nullopt;
        if (end - dot - 1 > 3) s.erase(dot + 4, end - dot - 4);
    }
    std::istringstream in(s);
    date::sys_time<std::chrono::milliseconds> tp;
    in >> date::parse("%FT%T%Ez", tp);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    return TimePoint{tp.time_since_epoch()};
}

}  // namespace noctua::core
