#include "noctua/core/clock.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace noctua::core {
namespace {

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's civil_from_days).
struct Civil {
    std::int64_t y;
    unsigned m;
    unsigned d;
};
constexpr Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

// Writes `v` as `n` decimal digits at `p`, zero-padded.
void put_digits(char* p, unsigned v, int n) {
    for (int i = n - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        const char c = s[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

}  // namespace

TimePoint SystemClock::now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

std::string format_rfc3339(TimePoint t) {
    const auto ms_total = t.time_since_epoch().count();
    auto secs = static_cast<std::int64_t>(ms_total / 1000);
    auto ms = ms_total % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    const std::int64_t day_secs = 86400;
    const std::int64_t days = secs >= 0 ? secs / day_secs : (secs - (day_secs - 1)) / day_secs;
    const auto in_day = static_cast<unsigned>(secs - days * day_secs);
    const auto date = civil_from_days(days);
    if (date.y < 0 || date.y > 9999) {
        std::time_t tt = static_cast<std::time_t>(secs);
        std::tm tm{};
        gmtime_r(&tt, &tm);
        return ms == 0
                   ? fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900,
                                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
                   : fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    }
    // "YYYY-MM-DDTHH:MM:SS" then ".mmm" when there are milliseconds, then "Z": digit by digit,
    // since every notification and record carries a few of these.
    char buf[24] = "0000-00-00T00:00:00.000";
    put_digits(buf, static_cast<unsigned>(date.y), 4);
    put_digits(buf + 5, date.m, 2);
    put_digits(buf + 8, date.d, 2);
    put_digits(buf + 11, in_day / 3600, 2);
    put_digits(buf + 14, in_day / 60 % 60, 2);
    put_digits(buf + 17, in_day % 60, 2);
    std::size_t n = 19;
    if (ms != 0) {
        put_digits(buf + 20, static_cast<unsigned>(ms), 3);
        n = 23;
    }
    std::string out(buf, n);
    out += 'Z';
    return out;
}

bool parse_rfc3339_ms(std::string_view s, std::int64_t& out) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
        !digits(s, 17, 2, sec)) {
        return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
    static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > kMonthDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return false;
    std::size_t pos = 19;
    std::int64_t ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 3) ms = ms * 10 + (s[pos] - '0');
            ++n;
            ++pos;
        }
        if (n == 0) return false;
        for (int i = n; i < 3; ++i) ms *= 10;
    }
    std::int64_t offset_min = 0;
    if (pos == s.size()) return false;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0, om = 0;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
            return false;
        }
        offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return false;
    }
    if (pos != s.size()) return false;
    const std::int64_t days =
        days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const std::int64_t secs =
        days * 86400 + h * 3600 + mi * 60 + std::min(sec, 59) - offset_min * 60;
    out = secs * 1000 + ms;
    return true;
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
    std::int64_t ms = 0;
    if (!parse_rfc3339_ms(text, ms)) return std::nullopt;
    return TimePoint{std::chrono::milliseconds{ms}};
}

}  // namespace noctua::core
