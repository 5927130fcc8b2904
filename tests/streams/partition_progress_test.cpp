#include <catch2/catch.hpp>

#include "noctua/streams/event.hpp"
#include "noctua/streams/partition_progress.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;

namespace {
const core::TimePoint kNow = *parse_rfc3339("2024-05-01T10:00:00Z");
}

TEST_CASE("PartitionProgress: the watermark waits for the partition furthest behind",
          "[streams][unit]") {
    PartitionProgress p(2min);
    CHECK_FALSE(p.hold(kNow).has_value());  // nothing assigned: no bound

    p.assigned("kafka", "tx:0", kNow);
    p.assigned("kafka", "tx:1", kNow);
    // Neither has delivered: where they are is not known yet, so nothing may advance.
    CHECK(p.hold(kNow) == core::TimePoint::min());
    CHECK(p.holding() == 2);

    p.read("kafka", "tx:0", kNow - 10min, false, kNow);
    CHECK(p.hold(kNow) == core::TimePoint::min());  // tx:1 still unknown
    p.read("kafka", "tx:1", kNow - 2h, false, kNow);
    CHECK(p.hold(kNow) == kNow - 2h);
    p.read("kafka", "tx:1", kNow - 90min, false, kNow);
    CHECK(p.hold(kNow) == kNow - 90min);
    // Messages without a parsed event keep the newest time read before.
    p.read("kafka", "tx:1", std::nullopt, false, kNow);
    CHECK(p.hold(kNow) == kNow - 90min);

    SECTION("a partition at its end holds nothing") {
        p.read("kafka", "tx:1", std::nullopt, true, kNow);
        CHECK(p.hold(kNow) == kNow - 10min);
        p.read("kafka", "tx:0", kNow - 9min, true, kNow);
        CHECK_FALSE(p.hold(kNow).has_value());
        CHECK(p.holding() == 0);
        // New messages behind the head make it hold again.
        p.read("kafka", "tx:0", kNow - 8min, false, kNow);
        CHECK(p.hold(kNow) == kNow - 8min);
    }
    SECTION("a revoked partition holds nothing; assigned again, it is unknown again") {
        p.revoked("kafka", "tx:1");
        CHECK(p.hold(kNow) == kNow - 10min);
        p.assigned("kafka", "tx:1", kNow);
        CHECK(p.hold(kNow) == core::TimePoint::min());
        p.revoked("kafka", "tx:1");
        p.revoked("kafka", "tx:7");  // never assigned: nothing happens
        CHECK(p.hold(kNow) == kNow - 10min);
    }
    SECTION("sources are apart") {
        p.read("other", "tx:1", kNow - 5h, false, kNow);
        CHECK(p.hold(kNow) == kNow - 5h);
        p.revoked("kafka", "tx:1");
        p.revoked("kafka", "tx:0");
        CHECK(p.hold(kNow) == kNow - 5h);
    }
}

TEST_CASE("PartitionProgress: a partition behind that delivers nothing stops holding",
          "[streams][unit]") {
    PartitionProgress p(2min);
    p.assigned("kafka", "tx:0", kNow);
    p.assigned("kafka", "tx:1", kNow);
    p.read("kafka", "tx:0", kNow - 2h, false, kNow);
    CHECK(p.hold(kNow + 119s) == core::TimePoint::min());
    CHECK(p.take_stalled().empty());

    p.read("kafka", "tx:0", kNow - 1h, false, kNow + 119s);
    // tx:1 has delivered nothing for 2 minutes: the others go on without it, and it is
    // reported once.
    CHECK(p.hold(kNow + 2min) == kNow - 1h);
    CHECK(p.holding() == 1);
    CHECK(p.take_stalled() == std::vector<PartitionProgress::Key>{{"kafka", "tx:1"}});
    CHECK(p.hold(kNow + 3min) == kNow - 1h);
    CHECK(p.take_stalled().empty());

    // It delivers again: it is behind, so it holds again.
    p.read("kafka", "tx:1", kNow - 100min, false, kNow + 3min);
    CHECK(p.hold(kNow + 3min) == kNow - 100min);

    // Nothing delivered by anyone for long enough: nothing holds.
    CHECK_FALSE(p.hold(kNow + 10min).has_value());
    CHECK(p.take_stalled().size() == 2);
}
