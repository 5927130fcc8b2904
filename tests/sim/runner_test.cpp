#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "noctua/sim/generator.hpp"
#include "noctua/sim/runner.hpp"
#include "noctua/sim/service.hpp"
#include "noctua/testing/fake_http_client.hpp"
#include "noctua/testing/run_until.hpp"
#include "sim_test_util.hpp"

using namespace noctua;
using namespace noctua::sim;
using namespace noctua::sim::test;
using namespace std::chrono_literals;

namespace {

/// Counts events and remembers the newest event time.
class CountingSink final : public EventSink {
public:
    void push(const TxEvent& e) override {
        ++count;
        last = e.ts;
    }
    std::size_t count = 0;
    core::TimePoint last{};
};

/// The test fleet with `peak_per_minute` transactions a minute at the weekly peak.
FleetSpec test_fleet_at(double peak_per_minute) {
    auto f = test_fleet();
    f.traffic.peak_per_minute = peak_per_minute;
    return f;
}

/// A fleet served on a manual wall clock at t0(), and the io_context its traffic runs on.
struct Traffic {
    boost::asio::io_context ioc;
    core::ManualClock wall{t0()};
    FleetSpec fleet;
    SimService svc{fleet, wall};

    explicit Traffic(FleetSpec spec = test_fleet()) : fleet(std::move(spec)) {}
};

}  // namespace

TEST_CASE("HttpPushSink: NDJSON batches with a bearer token, retried on 5xx", "[sim][unit]") {
    Traffic traffic{test_fleet_at(120)};
    auto& [ioc, wall, fleet, svc] = traffic;
    const auto start = t0() - 1h;
    Generator gen{svc, fleet.traffic, 11, start};
    testing::FakeHttpClient client{ioc};
    client.push_status(503);  // the first batch fails once
    HttpPushSink sink{client, {"http://noctua/api/v1/events", "s3cret", 50, 2, 1s}};
    TrafficRunner::Options ro;
    ro.end = start + 1h;
    bool finished = false;
    TrafficRunner runner{ioc, gen, sink, wall, ro, [&] { finished = true; }};
    runner.start();
    REQUIRE(testing::run_until(ioc, [&] { return finished; }));
    REQUIRE(runner.emitted() > 100);
    const auto reqs = client.requests();
    const auto batches = (runner.emitted() + 49) / 50;
    CHECK(reqs.size() == batches + 1);  // one retry
    CHECK(std::count_if(reqs.begin(), reqs.end(), [&](const auto& r) { return r.body == reqs[0].body; }) == 2);
    CHECK(reqs[0].method == "POST");
    CHECK(core::find_header(reqs[0].headers, "Content-Type") == "application/x-ndjson");
    CHECK(core::find_header(reqs[0].headers, "Authorization") == "Bearer s3cret");
    CHECK(std::count(reqs[0].body.begin(), reqs[0].body.end(), '\n') == 50);
    CHECK(sink.stats().sent_events == runner.emitted());
    CHECK(sink.stats().dropped_events == 0);
}

TEST_CASE("TrafficRunner: history at once, then paced by speed", "[sim][unit]") {
    Traffic traffic{test_fleet_at(600)};
    auto& [ioc, wall, fleet, svc] = traffic;
    const auto start = t0() - 10min;  // a 10-minute backfill
    Generator gen{svc, fleet.traffic, 4, start};
    CountingSink sink;
    TrafficRunner::Options ro;
    ro.speed = 60;
    ro.end = t0() + 10min;
    ro.tick = 1ms;
    bool finished = false;
    TrafficRunner runner{ioc, gen, sink, wall, ro, [&] { finished = true; }};
    runner.start();
    // The backfill is produced without the wall clock moving.
    REQUIRE(testing::run_until(ioc, [&] { return gen.now() >= t0(); }));
    const auto backfilled = sink.count;
    CHECK(backfilled > 1000);
    CHECK(sink.last <= t0());
    CHECK_FALSE(finished);
    // 5 wall seconds at 60x are 5 event minutes.
    wall.advance(5s);
    REQUIRE(testing::run_until(ioc, [&] { return gen.now() >= t0() + 5min; }));
    CHECK(sink.last <= t0() + 5min);
    CHECK(sink.count > backfilled + 500);
    CHECK_FALSE(finished);
    wall.advance(5s);
    REQUIRE(testing::run_until(ioc, [&] { return finished; }));
    CHECK(sink.last <= t0() + 10min);
    CHECK(sink.last > t0() + 9min);
}

TEST_CASE("TrafficRunner: speed max with a count", "[sim][unit]") {
    Traffic traffic;
    auto& [ioc, wall, fleet, svc] = traffic;
    Generator gen{svc, fleet.traffic, 4, t0()};
    CountingSink sink;
    TrafficRunner::Options ro;
    ro.speed = 0;
    ro.max_events = 25'000;
    bool finished = false;
    TrafficRunner runner{ioc, gen, sink, wall, ro, [&] { finished = true; }};
    runner.start();
    REQUIRE(testing::run_until(ioc, [&] { return finished; }));
    CHECK(sink.count == 25'000);
    CHECK(sink.last > t0() + 30min);  // event time ran far ahead of the (frozen) wall clock
}
