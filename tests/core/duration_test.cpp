#include <catch2/catch.hpp>

#include <ctime>
#include <string>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"

using namespace noctua::core;
using namespace std::chrono_literals;

TEST_CASE("parse_duration: units and compounds", "[core][unit]") {
    CHECK(parse_duration("250ms").value() == 250ms);
    CHECK(parse_duration("30s").value() == 30s);
    CHECK(parse_duration("5m").value() == 5min);
    CHECK(parse_duration("1h30m").value() == 90min);
    CHECK(parse_duration("2d").value() == 48h);
    CHECK(parse_duration("1w").value() == 168h);
    CHECK(parse_duration("0s").value() == 0ms);
}

TEST_CASE("parse_duration: rejects bare numbers, unknown units and junk", "[core][unit]") {
    for (const char* bad : {"", "30", "5x", "-5s", "s", "1h30", "1.5s", "99999999999999999w"}) {
        INFO(bad);
        auto r = parse_duration(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == Errc::parse);
    }
}

TEST_CASE("parse_duration: anything a nanosecond clock cannot hold is too large, with the maximum",
          "[core][unit]") {
    const std::string max = format_duration(kMaxDuration);
    CHECK(max == "15250w1d23h47m16s854ms");
    CHECK(parse_duration(max).value() == kMaxDuration);
    // The largest accepted value converts to nanoseconds without overflow.
    CHECK(std::chrono::duration_cast<std::chrono::nanoseconds>(kMaxDuration).count() > 0);
    for (const char* big : {"15250w1d23h47m16s855ms", "106752d", "9223372036854776s",
                            "999999999999999999999999h", "1ms99999999999999999999w"}) {
        INFO(big);
        auto r = parse_duration(big);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == Errc::parse);
        CHECK(r.error().message == "duration \"" + std::string(big) +
                                       "\" is too large: at most 15250w1d23h47m16s854ms (about "
                                       "292 years)");
    }
}

TEST_CASE("format_duration: round-trips", "[core][unit]") {
    for (const char* s : {"250ms", "30s", "5m", "1h30m", "2d", "1w1d", "1m5s250ms"}) {
        CHECK(format_duration(parse_duration(s).value()) == s);
    }
    CHECK(format_duration(0ms) == "0s");
}

TEST_CASE("format_rfc3339: UTC with optional milliseconds", "[core][unit]") {
    CHECK(format_rfc3339(TimePoint{0ms}) == "1970-01-01T00:00:00Z");
    CHECK(format_rfc3339(TimePoint{1714557600000ms}) == "2024-05-01T10:00:00Z");
    CHECK(format_rfc3339(TimePoint{1714557600250ms}) == "2024-05-01T10:00:00.250Z");
}

TEST_CASE("format_rfc3339: agrees with the C library's calendar across eras", "[core][unit]") {
    // Before 1970, leap days, the turn of centuries, the last and first millisecond of a day.
    std::vector<std::int64_t> times = {-1, -86400000, -86399999, 951782400000, 951868799999,
                                       4107542400000, 253402300799999};
    for (std::int64_t t = -2208988800000; t < 4102444800000; t += 7777777777) times.push_back(t);
    for (const auto t : times) {
        const auto secs = static_cast<std::time_t>(t >= 0 ? t / 1000 : (t - 999) / 1000);
        const auto ms = t - static_cast<std::int64_t>(secs) * 1000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char expected[40];
        const auto n = std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%S", &tm);
        std::string want(expected, n);
        if (ms != 0) want += "." + std::to_string(1000 + ms).substr(1);
        want += "Z";
        INFO("ms since epoch " << t);
        CHECK(format_rfc3339(TimePoint{std::chrono::milliseconds{t}}) == want);
    }
}

TEST_CASE("ManualClock: moves only when told", "[core][unit]") {
    ManualClock clock{TimePoint{1000ms}};
    CHECK(clock.now() == TimePoint{1000ms});
    clock.advance(5s);
    CHECK(clock.now() == TimePoint{6000ms});
    clock.set(TimePoint{42ms});
    CHECK(clock.now() == TimePoint{42ms});
}
