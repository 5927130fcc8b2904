#include <catch2/catch.hpp>

#include "noctua/streams/event.hpp"
#include "noctua/streams/ownership.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;

namespace {
const core::TimePoint kT = *parse_rfc3339("2024-05-01T10:00:30Z");
}

TEST_CASE("SeriesOwnership: a claimed key is owned one lateness and bucket after its first event",
          "[streams][unit]") {
    SeriesOwnership o(3min);
    CHECK_FALSE(o.owned_from("acme"));
    o.claim("kafka", "tx", 0, "acme", kT);
    o.claim("kafka", "tx", 0, "acme", kT + 1h);  // later messages do not move it
    REQUIRE(o.owned_from("acme"));
    CHECK(*o.owned_from("acme") == kT + 3min);
    CHECK(o.owned() == 1);
    CHECK(o.snapshot().at("acme") == kT + 3min);
    CHECK(o.take_released().empty());
}

TEST_CASE("SeriesOwnership: a revoked partition releases its keys unless another carries them",
          "[streams][unit]") {
    SeriesOwnership o(1min);
    o.claim("kafka", "tx", 0, "acme", kT);
    o.claim("kafka", "tx", 1, "beta", kT);
    o.claim("kafka", "tx", 2, "beta", kT + 10min);
    o.revoked("kafka", "tx", 1);
    o.assignment_done("kafka");
    // Still carried by partition 2, from its own first event.
    CHECK(o.take_released().empty());
    REQUIRE(o.owned_from("beta"));
    CHECK(*o.owned_from("beta") == kT + 11min);
    o.revoked("kafka", "tx", 0);
    o.revoked("kafka", "tx", 7);  // never claimed: nothing
    o.assignment_done("kafka");
    CHECK_FALSE(o.owned_from("acme"));
    CHECK(o.take_released() == std::vector<std::string>{"acme"});
    CHECK(o.take_released().empty());
    // Claimed again after a rebalance: from the new first event.
    o.claim("kafka", "tx", 0, "acme", kT + 2h);
    CHECK(*o.owned_from("acme") == kT + 2h + 1min);
    CHECK(o.owned() == 2);
}

TEST_CASE("SeriesOwnership: a partition revoked and assigned again keeps its keys",
          "[streams][unit]") {
    SeriesOwnership o(1min);
    const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
    o.claim("kafka", "tx", 0, "acme", kT);
    o.claim("kafka", "tx", 1, "beta", kT);
    // An eager rebalance: everything is revoked, partition 0 comes back, 1 moves.
    o.revoked("kafka", "tx", 0, t0);
    o.revoked("kafka", "tx", 1, t0);
    CHECK_FALSE(o.owned_from("acme"));  // not judged while the rebalance runs
    CHECK(o.take_released(t0).empty());
    o.assigned("kafka", "tx", 0);
    o.assignment_done("kafka");
    REQUIRE(o.owned_from("acme"));
    CHECK(*o.owned_from("acme") == kT + 1min);  // its state and its start are kept
    CHECK(o.take_released(t0) == std::vector<std::string>{"beta"});
    // No assignment follows a revocation: released after kPendingLimit.
    o.revoked("kafka", "tx", 0, t0);
    CHECK(o.take_released(t0 + SeriesOwnership::kPendingLimit - 1s).empty());
    CHECK(o.take_released(t0 + SeriesOwnership::kPendingLimit) == std::vector<std::string>{"acme"});
}
