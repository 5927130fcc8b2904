#include <catch2/catch.hpp>

#include <date/date.h>

#include "noctua/core/time_interval.hpp"

using namespace noctua;

namespace {
// A UTC instant from a civil date and time.
core::TimePoint utc(int y, unsigned m, unsigned d, int hh, int mm) {
    const auto day = date::sys_days{date::year{y} / date::month{m} / date::day{d}};
    return std::chrono::time_point_cast<std::chrono::milliseconds>(day + std::chrono::hours{hh} +
                                                                   std::chrono::minutes{mm});
}
}  // namespace

TEST_CASE("TimeRange: business hours in Madrid follow daylight saving", "[alerts][unit]") {
    core::TimeRange r;
    r.times = {*core::parse_time_range("09:00-17:00")};
    r.weekdays = {*core::parse_weekday_range("monday:friday")};
    auto tz = core::find_time_zone("Europe/Madrid");
    REQUIRE(tz);
    r.location = *tz;
    // Winter (UTC+1): 08:30 UTC is 09:30 local, inside; 16:30 UTC is 17:30, outside.
    CHECK(r.contains(utc(2026, 1, 14, 8, 30)));
    CHECK_FALSE(r.contains(utc(2026, 1, 14, 16, 30)));
    // Summer (UTC+2): 07:30 UTC is 09:30 local, inside; 15:30 UTC is 17:30, outside.
    CHECK(r.contains(utc(2026, 7, 15, 7, 30)));
    CHECK_FALSE(r.contains(utc(2026, 7, 15, 15, 30)));
    // Saturday.
    CHECK_FALSE(r.contains(utc(2026, 7, 18, 10, 0)));
}

TEST_CASE("TimeRange: last days of the month, months and years", "[alerts][unit]") {
    core::TimeRange r;
    r.days_of_month = {*core::parse_day_of_month_range("-1")};
    CHECK(r.contains(utc(2028, 2, 29, 12, 0)));  // leap year
    CHECK_FALSE(r.contains(utc(2028, 2, 28, 12, 0)));
    CHECK(r.contains(utc(2027, 2, 28, 12, 0)));
    r.months = {*core::parse_month_range("january:march")};
    r.years = {*core::parse_year_range("2027")};
    CHECK(r.contains(utc(2027, 3, 31, 0, 0)));
    CHECK_FALSE(r.contains(utc(2027, 4, 30, 0, 0)));
    CHECK_FALSE(r.contains(utc(2028, 3, 31, 0, 0)));

    core::TimeInterval weekends{"weekends", {}};
    core::TimeRange w;
    w.weekdays = {*core::parse_weekday_range("saturday:sunday")};
    weekends.ranges.push_back(w);
    CHECK(weekends.contains(utc(2026, 12, 5, 3, 0)));
    CHECK_FALSE(weekends.contains(utc(2026, 12, 3, 3, 0)));
}

TEST_CASE("time interval parsers refuse what cannot be meant", "[alerts][unit]") {
    CHECK_FALSE(core::parse_time_range("17:00-09:00"));
    CHECK_FALSE(core::parse_time_range("9:00-17:00"));
    CHECK_FALSE(core::parse_time_range("09:00"));
    CHECK(core::parse_time_range("00:00-24:00"));
    auto wrap = core::parse_weekday_range("friday:monday");
    REQUIRE(wrap);
    core::TimeRange long_weekend;
    long_weekend.weekdays = {*wrap};
    CHECK(long_weekend.contains(utc(2026, 12, 7, 12, 0)));        // monday
    CHECK_FALSE(long_weekend.contains(utc(2026, 12, 8, 12, 0)));  // tuesday
    CHECK_FALSE(core::parse_weekday_range("funday"));
    CHECK_FALSE(core::parse_day_of_month_range("0"));
    CHECK_FALSE(core::parse_day_of_month_range("32"));
    CHECK(core::parse_day_of_month_range("-7:-1"));
    CHECK_FALSE(core::parse_month_range("13"));
    CHECK(core::parse_month_range("may"));
    CHECK_FALSE(core::find_time_zone("Mars/Olympus"));
}
