#include <prometheus/registry.h>
#include <catch2/catch.hpp>

#include "noctua/streams/event.hpp"
#include "noctua/streams/partition_progress.hpp"
#include "noctua/streams/pipeline.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;

namespace {
const core::TimePoint kNow = *parse_rfc3339("2024-05-01T10:00:00Z");

std::string event(const std::string& id, core::TimePoint ts) {
    return R"({"id":")" + id + R"(","ts":")" + core::format_rfc3339(ts) +
           R"(","provider":"p","status":"success"})" + "\n";
}
}  // namespace

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

TEST_CASE("IngestPipeline: the watermark does not pass the partition furthest behind",
          "[streams][unit]") {
    core::ManualClock clock{kNow};
    prometheus::Registry registry;
    StreamMetrics metrics(registry);
    config::WindowsConfig w;
    w.allowed_lateness = 30s;
    // Not started: this thread is the ingest thread.
    IngestPipeline pipeline(w, clock, &metrics, nullptr);
    SourceCounters counters(metrics, "kafka");
    auto held = [&] { return metrics.watermark_held.Add({}).Value(); };
    auto& progress = pipeline.partitions();
    progress.assigned("kafka", "tx:0", kNow);
    progress.assigned("kafka", "tx:1", kNow);

    std::string lines = event("a", kNow - 1h) + event("b", kNow - 10min);
    const BatchResult r = pipeline.apply_lines(counters, lines);
    CHECK(r.newest == kNow - 10min);
    progress.read("kafka", "tx:0", r.newest, false, kNow);
    pipeline.advance();
    // tx:1 has not delivered: its events may be as old as any, so no bucket closes.
    CHECK(pipeline.windows().watermark() == core::TimePoint{});

    progress.read("kafka", "tx:1", kNow - 50min, false, kNow);
    pipeline.advance();
    CHECK(pipeline.windows().watermark() == kNow - 51min);  // tx:1's time less the lateness
    CHECK(held() == 40 * 60);                               // behind tx:0's newest event
    lines = event("c", kNow - 50min + 10s);
    CHECK(pipeline.apply_lines(counters, lines).late == 0);

    // tx:1 at its end: the newest event leads again.
    progress.read("kafka", "tx:1", std::nullopt, true, kNow);
    pipeline.advance();
    CHECK(pipeline.windows().watermark() == kNow - 11min);
    CHECK(held() == 0);

    // tx:2 assigned but never delivering stops holding after 4 x allowed_lateness.
    progress.read("kafka", "tx:0", std::nullopt, true, kNow);
    progress.assigned("kafka", "tx:2", kNow);
    clock.advance(4 * 30s - 1s);
    pipeline.advance();
    CHECK(pipeline.windows().watermark() == kNow - 11min);
    CHECK(held() == 10 * 60 + 119);  // the clock's lead over the watermark target it stays at
    CHECK(metrics.stalled_partitions.Add({{"source", "kafka"}}).Value() == 0);
    clock.advance(1s);
    pipeline.advance();
    CHECK(metrics.stalled_partitions.Add({{"source", "kafka"}}).Value() == 1);
    // Idle for longer than the lateness: the watermark follows the clock.
    CHECK(pipeline.windows().watermark() == kNow + 1min);
}
