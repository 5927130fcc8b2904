#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <date/date.h>

#include "noctua/core/cron.hpp"
#include "noctua/testing/cases.hpp"

using noctua::core::CronSchedule;
using noctua::core::TimePoint;

namespace {

/// "2026-03-29T01:00:00Z" as a TimePoint.
TimePoint utc(const char* text) {
    std::istringstream in(text);
    date::sys_seconds t;
    in >> date::parse("%FT%TZ", t);
    REQUIRE(!in.fail());
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

std::string fmt_utc(std::optional<TimePoint> t) {
    if (!t) return "never";
    return date::format("%FT%TZ", std::chrono::time_point_cast<std::chrono::seconds>(*t));
}

CronSchedule cron(const char* e, const char* tz = "UTC") {
    auto s = CronSchedule::parse(e, tz);
    INFO(e << ": " << (s ? "" : s.error().message));
    REQUIRE(s);
    return *s;
}

/// The next `n` firings after `from`.
std::vector<std::string> fires(const CronSchedule& s, const char* from, int n) {
    std::vector<std::string> out;
    std::optional<TimePoint> t = utc(from);
    for (int i = 0; i < n && t; ++i) {
        t = s.next_after(*t);
        out.push_back(fmt_utc(t));
    }
    return out;
}

}  // namespace

TEST_CASE("CronSchedule: fields with ranges, steps, lists and names", "[core][unit]") {
    // An expression, a start, and the firings that follow it.
    struct Case {
        const char* expression;
        const char* from;
        std::vector<std::string> next;
    };
    const Case cases[] = {
        {"*/20 6-7 * * mon-fri",
         "2026-12-04T06:50:00Z",
         {"2026-12-04T07:00:00Z", "2026-12-04T07:20:00Z", "2026-12-04T07:40:00Z",
          "2026-12-07T06:00:00Z"}},
        {"0 6 1,15 jan,JUL *",
         "2026-06-30T00:00:00Z",
         {"2026-07-01T06:00:00Z", "2026-07-15T06:00:00Z", "2027-01-01T06:00:00Z"}},
        // 7 is Sunday too; "5/20" runs from 5 to the end of the field.
        {"5/20 0 * * 7",
         "2026-12-05T12:00:00Z",
         {"2026-12-06T00:05:00Z", "2026-12-06T00:25:00Z", "2026-12-06T00:45:00Z",
          "2026-12-13T00:05:00Z"}},
        // Both day fields restricted: either matches (the 13th, or any Friday).
        {"0 0 13 * fri",
         "2026-11-12T00:00:00Z",
         {"2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z"}},
        {"@daily", "2026-12-03T10:00:00Z", {"2026-12-04T00:00:00Z"}},
        // Strictly after: a time on the minute does not fire again.
        {"0 6 * * *", "2026-12-03T06:00:00Z", {"2026-12-04T06:00:00Z"}},
    };
    for (const auto& c : cases) {
        INFO(c.expression << " after " << c.from);
        CHECK(fires(cron(c.expression), c.from, static_cast<int>(c.next.size())) == c.next);
    }
}

TEST_CASE("CronSchedule: bad expressions say what is wrong", "[core][unit]") {
    const auto error = [](const char* e, const char* tz = "UTC") {
        auto s = CronSchedule::parse(e, tz);
        REQUIRE_FALSE(s);
        return s.error().message;
    };
    CHECK(error("0 6 * *") ==
          "cron expression \"0 6 * *\" needs 5 fields (minute hour "
          "day-of-month month day-of-week), not 4");
    const std::pair<const char*, std::string_view> cases[] = {
        {"60 6 * * *", "minute: 60 is outside 0-59"},
        {"0 6 * foo *", "month: \"foo\" is not a number"},
        {"0 6 * * 1-", "day-of-week: \"\" is not a number"},
        {"*/0 6 * * *", "minute: bad step \"0\""},
        {"0 9-6 * * *", "hour: range \"9-6\" ends before it starts"},
        {"0 0 30 2 *", "cron expression \"0 0 30 2 *\" names no day that exists"},
    };
    noctua::testing::check_each(cases, [&](const char* expression) { return error(expression); });
    CHECK(error("0 6 * * *", "Mars/Olympus") == "unknown time zone \"Mars/Olympus\"");
}

TEST_CASE("CronSchedule: Europe/Madrid across both daylight saving changes", "[core][unit]") {
    // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 does not exist that day and
    // fires once at 03:00 CEST.
    CHECK(fires(cron("30 2 * * *", "Europe/Madrid"), "2026-03-28T12:00:00Z", 3) ==
          std::vector<std::string>{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z",
                                   "2026-03-31T00:30:00Z"});
    // Every quarter of the skipped hour collapses into one firing at 03:00 CEST.
    CHECK(fires(cron("*/15 2 * * *", "Europe/Madrid"), "2026-03-28T12:00:00Z", 2) ==
          std::vector<std::string>{"2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"});
    // 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z); 02:30 happens twice and fires once.
    CHECK(fires(cron("30 2 * * *", "Europe/Madrid"), "2026-10-24T12:00:00Z", 3) ==
          std::vector<std::string>{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z",
                                   "2026-10-27T01:30:00Z"});
    // The daily 06:00 report follows local time: 05:00Z in summer, 06:00Z in winter.
    CHECK(fires(cron("0 6 * * *", "Europe/Madrid"), "2026-10-24T12:00:00Z", 2) ==
          std::vector<std::string>{"2026-10-25T05:00:00Z", "2026-10-26T05:00:00Z"});
}

TEST_CASE("CronSchedule: America/New_York across both daylight saving changes", "[core][unit]") {
    // 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00Z).
    CHECK(fires(cron("30 2 * * *", "America/New_York"), "2026-03-07T12:00:00Z", 2) ==
          std::vector<std::string>{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"});
    // 2026-11-01: 02:00 EDT becomes 01:00 EST (06:00Z); 01:30 happens twice and fires once.
    CHECK(fires(cron("30 1 * * *", "America/New_York"), "2026-10-31T12:00:00Z", 2) ==
          std::vector<std::string>{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"});
    // Asked from inside the repeated hour (01:10 EST, after 01:30 EDT fired): the next day.
    CHECK(fires(cron("30 1 * * *", "America/New_York"), "2026-11-01T06:10:00Z", 1) ==
          std::vector<std::string>{"2026-11-02T06:30:00Z"});
}

TEST_CASE("CronSchedule: 29 February", "[core][unit]") {
    CHECK(fires(cron("0 12 29 2 *"), "2026-01-01T00:00:00Z", 2) ==
          std::vector<std::string>{"2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"});
    // Every day at 23:30 Madrid steps from 28 February through the 29th into March.
    CHECK(fires(cron("30 23 * * *", "Europe/Madrid"), "2028-02-28T12:00:00Z", 3) ==
          std::vector<std::string>{"2028-02-28T22:30:00Z", "2028-02-29T22:30:00Z",
                                   "2028-03-01T22:30:00Z"});
    // The last day of February only in leap years when asked for day 29 in any month.
    CHECK(fires(cron("0 0 29 * *"), "2027-02-01T00:00:00Z", 1) ==
          std::vector<std::string>{"2027-03-29T00:00:00Z"});
}
