#include "noctua/core/time_interval.hpp"

#include <array>
#include <charconv>
#include <optional>

#include <date/date.h>
#include <date/tz.h>

namespace noctua::core {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};
constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

// A range whose start is after its end wraps around (weekdays: "saturday:monday").
bool in_any(const std::vector<std::pair<int, int>>& ranges, int v) {
    if (ranges.empty()) return true;
    for (const auto& [lo, hi] : ranges) {
        if (lo <= hi ? (v >= lo && v <= hi) : (v >= lo || v <= hi)) return true;
    }
    return false;
}

std::optional<int> to_int(std::string_view s) {
    int v = 0;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc{} || p != end) return std::nullopt;
    return v;
}

Result<std::pair<int, int>> bad(std::string_view what, std::string_view text) {
    return fail(Errc::invalid_argument,
                "invalid " + std::string(what) + " \"" + std::string(text.substr(0, 64)) + "\"");
}

// Splits "a:b" (or "a" alone) and maps each side with `one`.
template <class F>
Result<std::pair<int, int>> range_of(std::string_view text, std::string_view what, F one,
                                     char sep = ':') {
    const auto colon = text.find(sep, text.starts_with('-') ? 1 : 0);
    const auto lo = one(text.substr(0, colon));
    const auto hi = colon == std::string_view::npos ? lo : one(text.substr(colon + 1));
    if (!lo || !hi) return bad(what, text);
    return std::pair{*lo, *hi};
}

std::optional<int> name_index(std::string_view s, auto const& names, int base) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == s) return static_cast<int>(i) + base;
    }
    return std::nullopt;
}

}  // namespace

bool TimeRange::contains(TimePoint t) const {
    using namespace std::chrono;
    const auto sys = time_point_cast<seconds>(t);
    const auto local =
        location ? location->to_local(sys) : date::local_seconds{sys.time_since_epoch()};
    const auto day = floor<date::days>(local);
    const date::year_month_day ymd{day};
    const auto minute = static_cast<int>(duration_cast<minutes>(local - day).count());
    if (!times.empty()) {
        bool in = false;
        for (const auto& [lo, hi] : times) in = in || (minute >= lo && minute < hi);
        if (!in) return false;
    }
    if (!in_any(weekdays, static_cast<int>(date::weekday{day}.c_encoding()))) return false;
    if (!days_of_month.empty()) {
        const int d = static_cast<int>(static_cast<unsigned>(ymd.day()));
        const int last = static_cast<int>(static_cast<unsigned>(
            date::year_month_day_last{ymd.year(), date::month_day_last{ymd.month()}}.day()));
        bool in = false;
        for (auto [lo, hi] : days_of_month) {
            if (lo < 0) lo = last + 1 + lo;
            if (hi < 0) hi = last + 1 + hi;
            in = in || (d >= lo && d <= hi);
        }
        if (!in) return false;
    }
    if (!in_any(months, static_cast<int>(static_cast<unsigned>(ymd.month())))) return false;
    return in_any(years, static_cast<int>(ymd.year()));
}

bool TimeInterval::contains(TimePoint t) const {
    for (const auto& r : ranges) {
        if (r.contains(t)) return true;
    }
    return false;
}

Result<std::pair<int, int>> parse_time_range(std::string_view text) {
    const auto clock = [](std::string_view s) -> std::optional<int> {
        if (s.size() != 5 || s[2] != ':') return std::nullopt;
        const auto h = to_int(s.substr(0, 2));
        const auto m = to_int(s.substr(3, 2));
        if (!h || !m || *m > 59 || *h > 24 || (*h == 24 && *m != 0)) return std::nullopt;
        return *h * 60 + *m;
    };
    auto r = range_of(text, "time range (want HH:MM-HH:MM)", clock, '-');
    if (r && (text.find('-') == std::string_view::npos || r->first >= r->second)) {
        return bad("time range (want HH:MM-HH:MM with start before end)", text);
    }
    return r;
}

Result<std::pair<int, int>> parse_weekday_range(std::string_view text) {
    return range_of(text, "weekday range",
                    [](std::string_view s) { return name_index(s, kWeekdays, 0); });
}

Result<std::pair<int, int>> parse_day_of_month_range(std::string_view text) {
    auto r = range_of(text, "day-of-month range", [](std::string_view s) -> std::optional<int> {
        auto v = to_int(s);
        if (!v || *v == 0 || *v > 31 || *v < -31) return std::nullopt;
        return v;
    });
    if (r && (r->first < 0) == (r->second < 0) && r->first > r->second) {
        return bad("day-of-month range (start after end)", text);
    }
    return r;
}

Result<std::pair<int, int>> parse_month_range(std::string_view text) {
    auto r = range_of(text, "month range", [](std::string_view s) -> std::optional<int> {
        if (auto v = to_int(s)) return *v >= 1 && *v <= 12 ? v : std::nullopt;
        return name_index(s, kMonths, 1);
    });
    if (r && r->first > r->second) return bad("month range (start after end)", text);
    return r;
}

Result<std::pair<int, int>> parse_year_range(std::string_view text) {
    auto r = range_of(text, "year range", [](std::string_view s) -> std::optional<int> {
        auto v = to_int(s);
        return v && *v >= 1970 && *v <= 9999 ? v : std::nullopt;
    });
    if (r && r->first > r->second) return bad("year range (start after end)", text);
    return r;
}

Result<const date::time_zone*> find_time_zone(std::string_view name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        return fail(Errc::not_found,
                    "unknown time zone \"" + std::string(name.substr(0, 64)) + "\"");
    }
}

}  // namespace noctua::core
