#include "noctua/core/cron.hpp"

#include <array>
#include <charconv>
#include <vector>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include "noctua/core/ascii.hpp"

namespace noctua::core {
namespace {

struct Field {
    const char* name;
    int min;
    int max;
    const std::array<std::string_view, 12>* names;  ///< names[i] is value min + i
};

constexpr std::array<std::string_view, 12> kMonthNames = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                             "thu", "fri", "sat"};

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const auto pos = text.find(sep, start);
        out.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

Result<int> parse_value(std::string_view text, const Field& f) {
    if (f.names != nullptr) {
        for (std::size_t i = 0; i < f.names->size(); ++i) {
            if (!(*f.names)[i].empty() && ascii_iequals(text, (*f.names)[i])) return f.min + static_cast<int>(i);
        }
    }
    int v = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return fail(Errc::invalid_argument, fmt::format("{}: \"{}\" is not a number", f.name, text));
    }
    // Weekday 7 is Sunday too.
    const int max = f.names == &kWeekdayNames ? 7 : f.max;
    if (v < f.min || v > max) {
        return fail(Errc::invalid_argument,
                    fmt::format("{}: {} is outside {}-{}", f.name, v, f.min, max));
    }
    return v;
}

/// Sets the values `text` selects; `restricted` tells whether it was more than a bare `*`.
template <std::size_t N>
Result<void> parse_field(std::string_view text, const Field& f, std::bitset<N>& bits, bool& restricted) {
    restricted = text != "*";
    for (const auto item : split(text, ',')) {
        const auto slash = item.find('/');
        const auto range = item.substr(0, slash);
        int step = 1;
        if (slash != std::string_view::npos) {
            const auto s = item.substr(slash + 1);
            const auto* end = s.data() + s.size();
            const auto [ptr, ec] = std::from_chars(s.data(), end, step);
            if (s.empty() || ec != std::errc{} || ptr != end || step < 1) {
                return fail(Errc::invalid_argument, fmt::format("{}: bad step \"{}\"", f.name, s));
            }
        }
        int lo = f.min;
        int hi = f.max;
        if (range != "*") {
            const auto dash = range.find('-');
            auto a = parse_value(range.substr(0, dash), f);
            if (!a) return std::unexpected(a.error());
            lo = *a;
            if (dash != std::string_view::npos) {
                auto b = parse_value(range.substr(dash + 1), f);
                if (!b) return std::unexpected(b.error());
                hi = *b;
                if (hi < lo) {
                    return fail(Errc::invalid_argument,
                                fmt::format("{}: range \"{}\" ends before it starts", f.name, range));
                }
            } else if (slash == std::string_view::npos) {
                hi = lo;  // a single value; "a/n" runs from a to the maximum
            }
        }
        for (int v = lo; v <= hi; v += step) {
            const int bit = f.names == &kWeekdayNames ? v % 7 : v;
            bits.set(static_cast<std::size_t>(bit));
        }
    }
    return {};
}

std::string_view expand_macro(std::string_view e) {
    if (e == "@yearly" || e == "@annually") return "0 0 1 1 *";
    if (e == "@monthly") return "0 0 1 * *";
    if (e == "@weekly") return "0 0 * * 0";
    if (e == "@daily" || e == "@midnight") return "0 0 * * *";
    if (e == "@hourly") return "0 * * * *";
    return e;
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view expression, std::string_view time_zone) {
    CronSchedule s;
    s.expression_ = std::string(expression);
    s.zone_name_ = std::string(time_zone);
    try {
        s.zone_ = date::locate_zone(time_zone);
    } catch (const std::exception&) {
        return fail(Errc::invalid_argument, fmt::format("unknown time zone \"{}\"", time_zone));
    }
    std::vector<std::string_view> fields;
    for (const auto part : split(expand_macro(expression), ' ')) {
        if (!part.empty()) fields.push_back(part);
    }
    if (fields.size() != 5) {
        return fail(Errc::invalid_argument,
                    fmt::format("cron expression \"{}\" needs 5 fields (minute hour day-of-month "
                                "month day-of-week), not {}",
                                expression, fields.size()));
    }
    static const Field kMinute{"minute", 0, 59, nullptr};
    static const Field kHour{"hour", 0, 23, nullptr};
    static const Field kDay{"day-of-month", 1, 31, nullptr};
    static const Field kMonth{"month", 1, 12, &kMonthNames};
    static const Field kWeekday{"day-of-week", 0, 6, &kWeekdayNames};
    bool ignored = false;
    if (auto r = parse_field(fields[0], kMinute, s.minutes_, ignored); !r) return std::unexpected(r.error());
    if (auto r = parse_field(fields[1], kHour, s.hours_, ignored); !r) return std::unexpected(r.error());
    if (auto r = parse_field(fields[2], kDay, s.days_, s.days_restricted_); !r) return std::unexpected(r.error());
    if (auto r = parse_field(fields[3], kMonth, s.months_, ignored); !r) return std::unexpected(r.error());
    if (auto r = parse_field(fields[4], kWeekday, s.weekdays_, s.weekdays_restricted_); !r) {
        return std::unexpected(r.error());
    }
    // "0 0 30 2 *" names no real day: refuse it instead of never firing.
    if (s.days_restricted_ && !s.weekdays_restricted_) {
        static constexpr std::array<int, 13> kLongest = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool any = false;
        for (int m = 1; m <= 12 && !any; ++m) {
            if (!s.months_.test(static_cast<std::size_t>(m))) continue;
            for (int d = 1; d <= kLongest[static_cast<std::size_t>(m)] && !any; ++d) {
                any = s.days_.test(static_cast<std::size_t>(d));
            }
        }
        if (!any) {
            return fail(Errc::invalid_argument,
                        fmt::format("cron expression \"{}\" names no day that exists", expression));
        }
    }
    return s;
}

bool CronSchedule::day_matches(int month, int day, int weekday) const {
    if (!months_.test(static_cast<std::size_t>(month))) return false;
    const bool dom = days_.test(static_cast<std::size_t>(day));
    const bool dow = weekdays_.test(static_cast<std::size_t>(weekday));
    if (days_restricted_ && weekdays_restricted_) return dom || dow;
    return dom && dow;
}

std::optional<TimePoint> CronSchedule::next_after(TimePoint after) const {
    using namespace std::chrono;
    const auto after_s = time_point_cast<seconds>(after);
    const auto local_after = zone_->to_local(after_s);
    const auto start = floor<minutes>(local_after) + minutes{1};
    auto day = floor<date::days>(start);
    const auto first_minute = duration_cast<minutes>(start - day).count();
    const auto last_day = day + date::days{366 * 28 + 7};
    for (bool first = true; day < last_day; day += date::days{1}, first = false) {
        const date::year_month_day ymd{day};
        const date::weekday wd{day};
        if (!day_matches(static_cast<int>(static_cast<unsigned>(ymd.month())),
                         static_cast<int>(static_cast<unsigned>(ymd.day())),
                         static_cast<int>(wd.c_encoding()))) {
            continue;
        }
        for (int h = 0; h < 24; ++h) {
            if (!hours_.test(static_cast<std::size_t>(h))) continue;
            for (int m = 0; m < 60; ++m) {
                if (!minutes_.test(static_cast<std::size_t>(m))) continue;
                if (first && h * 60 + m < first_minute) continue;
                const date::local_seconds local = day + hours{h} + minutes{m};
                const auto info = zone_->get_info(local);
                date::sys_seconds instant;
                switch (info.result) {
                    case date::local_info::unique:
                    case date::local_info::ambiguous:
                        // Ambiguous: the first occurrence only, so a repeated time fires once.
                        instant = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
                        break;
                    case date::local_info::nonexistent:
                        // Skipped by a spring-forward change: the first valid instant after.
                        instant = info.first.end;
                        break;
                }
                if (instant > after) return time_point_cast<milliseconds>(instant);
            }
        }
    }
    return std::nullopt;
}

}  // namespace noctua::core
