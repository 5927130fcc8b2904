#include <catch2/catch.hpp>

#include "noctua/alerts/rate_limiter.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {
const core::TimePoint kT0 = core::TimePoint{} + 1'000'000s;
}

TEST_CASE("RateLimiter: a burst of `limit`, then one slot per period / limit", "[alerts][unit]") {
    alerts::RateLimiter limiter(2, 1s);
    CHECK(limiter.acquire(1, kT0) == 0ms);
    CHECK(limiter.acquire(2, kT0) == 0ms);
    CHECK(limiter.acquire(3, kT0) == 500ms);
    CHECK(limiter.acquire(4, kT0) == 1000ms);
    // Back at its slot, a held notification goes without taking another.
    CHECK(limiter.acquire(3, kT0 + 499ms) == 1ms);
    CHECK(limiter.acquire(3, kT0 + 500ms) == 0ms);
    CHECK(limiter.acquire(4, kT0 + 1000ms) == 0ms);
    CHECK(limiter.acquire(5, kT0 + 1000ms) == 500ms);
}

TEST_CASE("RateLimiter: one per second means one per second", "[alerts][unit]") {
    alerts::RateLimiter limiter(1, 1s);
    CHECK(limiter.acquire(1, kT0) == 0ms);
    CHECK(limiter.acquire(2, kT0 + 10ms) == 990ms);
    CHECK(limiter.acquire(3, kT0 + 2s) == 0ms);
}

TEST_CASE("RateLimiter: a service's wait holds every later send", "[alerts][unit]") {
    alerts::RateLimiter limiter(10, 1s);
    CHECK(limiter.acquire(1, kT0) == 0ms);
    limiter.hold(kT0 + 30s);
    CHECK(limiter.acquire(2, kT0 + 1s) == 29s);
    CHECK(limiter.acquire(2, kT0 + 30s) == 0ms);
    // After the wait, sends resume one interval apart, without a burst.
    CHECK(limiter.acquire(3, kT0 + 30s) == 100ms);
}

TEST_CASE("RateLimiter: slots reserved before a service's wait are spaced after it, not bunched",
          "[alerts][unit]") {
    alerts::RateLimiter limiter(1, 1s);
    CHECK(limiter.acquire(1, kT0) == 0ms);
    CHECK(limiter.acquire(2, kT0) == 1s);
    CHECK(limiter.acquire(3, kT0) == 2s);
    limiter.hold(kT0 + 10s);
    // Both come back at their old slots and each is given its own, one second apart.
    CHECK(limiter.acquire(2, kT0 + 1s) == 9s);
    CHECK(limiter.acquire(3, kT0 + 2s) == 9s);
    CHECK(limiter.acquire(2, kT0 + 10s) == 0ms);
    CHECK(limiter.acquire(3, kT0 + 10s) == 1s);
    CHECK(limiter.acquire(3, kT0 + 11s) == 0ms);
}
