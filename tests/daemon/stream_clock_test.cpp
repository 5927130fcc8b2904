#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "noctua/detect/traffic_loss.hpp"
#include "noctua/streams/windows.hpp"
#include "stream_clock.hpp"
#include "stream_samples.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using daemon::StreamClock;

namespace {

const core::TimePoint kWall{std::chrono::seconds(1735689600)};  // 2025-01-01T00:00:00Z
constexpr core::Duration kLateness = 2min;
constexpr core::Duration kIdle = 4min;  // allowed_lateness + 2 buckets, as the daemon sets it

/// Stream windows (set `provider`, 1m buckets, 2m lateness) feeding one traffic_loss rule the
/// way the daemon does: events are applied in "HTTP batches", the windows' watermark follows
/// the newest event (as the ingest pipeline moves it while events flow), and after every
/// batch a rule tick advances the rule — to the StreamClock, or (`wall_ticks`) to the wall
/// clock as the daemon did before.
struct Backfill {
    explicit Backfill(bool wall_ticks_) : wall_ticks(wall_ticks_), clock(kLateness, kIdle, wall) {
        config::WindowsConfig c;
        c.allowed_lateness = kLateness;
        c.sets = {{"provider", {"provider"}, 100, false}};
        windows = std::make_unique<streams::WindowStore>(
            c, nullptr, [this](std::vector<core::Sample>&& batch) { on_samples(batch); });
    }

    void on_samples(const std::vector<core::Sample>& batch) {
        if (batch.empty()) return;
        core::TimePoint latest = batch.front().time;
        for (const auto& s : batch) latest = std::max(latest, s.time);
        clock.on_samples(latest, wall);
        for (const auto& s : batch) {
            auto m = daemon::to_detector_sample(s);
            if (m && rule.consumes(m->first)) rule.observe(m->first, m->second, {}, signals);
        }
    }

    /// `per_minute` events of `provider` in [from, to).
    void events(std::string_view provider, int per_minute, core::TimePoint from,
                core::TimePoint to) {
        for (auto t = from; t < to; t += core::Duration(60'000 / per_minute)) {
            streams::TxEvent e;
            e.id = std::string(provider) + std::to_string(t.time_since_epoch().count());
            e.ts = t;
            e.provider = std::string(provider);
            e.status = streams::TxStatus::success;
            REQUIRE(windows->add(e) == streams::AddOutcome::applied);
            newest = std::max(newest, t);
        }
    }

    /// The end of one HTTP batch: the windows close up to the newest event, then a rule tick
    /// runs a little later on the wall clock.
    void batch_done() {
        windows->advance(newest);
        wall += 50ms;
        ++ticks;
        if (wall_ticks) {
            rule.advance(wall, signals);
        } else if (auto t = clock.now(wall)) {
            rule.advance(*t, signals);
        }
    }

    [[nodiscard]] const detect::Signal* fired(std::string_view provider) const {
        for (const auto& s : signals) {
            if (s.active && s.labels.get("provider") == provider) return &s;
        }
        return nullptr;
    }

    bool wall_ticks;
    core::TimePoint wall = kWall;
    core::TimePoint newest{};
    StreamClock clock;
    detect::TrafficLossDetector rule{detect::default_rule(detect::Measure::volume)};
    std::unique_ptr<streams::WindowStore> windows;
    std::vector<detect::Signal> signals;
    int ticks = 0;
};

}  // namespace

TEST_CASE("StreamClock: follows the windows' watermark however far behind the wall clock",
          "[daemon][unit]") {
    StreamClock c(kLateness, kIdle, kWall);
    // Before any window sample, within the start grace: not yet.
    CHECK_FALSE(c.now(kWall + 1min).has_value());
    // A backfill: batches of samples hours old keep arriving.
    c.on_samples(kWall - 26h, kWall + 1min);
    CHECK(c.now(kWall + 1min) == kWall - 26h);
    c.on_samples(kWall - 20h, kWall + 2min);
    c.on_samples(kWall - 21h, kWall + 2min);  // never backwards while batches flow
    CHECK(c.now(kWall + 2min) == kWall - 20h);
    // A pause shorter than idle_after (a paused backfill) keeps the watermark.
    CHECK(c.now(kWall + 2min + kIdle - 1ms) == kWall - 20h);
    // Live: the watermark sits allowed_lateness behind, and never ahead of the wall clock.
    c.on_samples(kWall + 10min - kLateness, kWall + 10min);
    CHECK(c.now(kWall + 10min) == kWall + 10min - kLateness);
    c.on_samples(kWall + 20min, kWall + 11min);
    CHECK(c.now(kWall + 11min) == kWall + 11min);
}

TEST_CASE("StreamClock: with no window samples the wall clock takes over", "[daemon][unit]") {
    StreamClock c(kLateness, kIdle, kWall);
    // Nothing ever ingested: after the start grace, time passes as on an idle stream.
    CHECK_FALSE(c.now(kWall + kIdle - 1ms).has_value());
    CHECK(c.now(kWall + kIdle) == kWall + kIdle - kLateness);
    // Windows that stop emitting (no series left) give way to the wall clock after idle_after.
    c.on_samples(kWall + 5min, kWall + 7min);
    CHECK(c.now(kWall + 7min + kIdle - 1ms) == kWall + 5min);
    CHECK(c.now(kWall + 1h) == kWall + 1h - kLateness);
    // A backfill into the emptied windows: its own watermark again, even though older.
    c.on_samples(kWall - 3h, kWall + 1h + 1s);
    CHECK(c.now(kWall + 1h + 2s) == kWall - 3h);
}

TEST_CASE("stream_fed: stream-window rules keep stream time, probe rules the wall clock",
          "[daemon][unit]") {
    detect::DetectorRegistry registry;
    detect::register_builtin_detectors(registry);
    const auto fed = [&](detect::Measure m) {
        auto d = registry.create(detect::default_rule(m));
        REQUIRE(d.has_value());
        return daemon::stream_fed(**d);
    };
    CHECK(fed(detect::Measure::volume));         // traffic_loss
    CHECK(fed(detect::Measure::success_ratio));  // downtime, source = "stream"
    CHECK(fed(detect::Measure::latency));        // latency
    CHECK(fed(detect::Measure::balance));        // balance: its advance ends stream-fed bursts
    CHECK_FALSE(fed(detect::Measure::probe));    // downtime over probe failures

    // Every measure the windows feed to rules is a stream measure.
    const std::vector<std::string> metrics = {"volume", "success_ratio", "latency_p95",
                                              "insufficient_balance"};
    for (const auto& metric : metrics) {
        core::Labels l{{"provider", "acme"}, {"set", "provider"}, {"metric", metric}};
        auto m = daemon::to_detector_sample(core::Sample{l, kWall, 1.0, 100});
        REQUIRE(m.has_value());
        CHECK(std::find(daemon::kStreamMeasures.begin(), daemon::kStreamMeasures.end(), m->first) !=
              daemon::kStreamMeasures.end());
    }
}

TEST_CASE("StreamClock: rule ticks during a backfill keep its history and find the real loss",
          "[daemon][unit]") {
    // 26 hours of steady traffic for acme and beta pushed an hour per batch, ending 10
    // minutes before the wall clock; acme stops for the last hour of event time.
    const core::TimePoint end = kWall - 10min;
    const core::TimePoint stop = end - 1h;
    const auto run = [](Backfill& b, core::TimePoint from, core::TimePoint to,
                        core::TimePoint acme_until) {
        for (auto t = from; t < to; t += 1h) {
            b.events("acme", 4, t, std::min(t + 1h, acme_until));
            b.events("beta", 4, t, t + 1h);
            b.batch_done();
        }
    };

    SECTION("ticks to the stream clock") {
        Backfill b(false);
        run(b, end - 26h, end, stop);
        CHECK(b.ticks == 26);
        // The history is whole: beta's last window holds 30 buckets of 4 against 120 expected.
        auto beta =
            b.rule.status({{"metric", "volume"}, {"provider", "beta"}, {"set", "provider"}});
        REQUIRE(beta.has_value());
        CHECK(beta->observed == Approx(120));
        CHECK(beta->expected == Approx(120));
        CHECK_FALSE(b.fired("beta"));
        // acme's real stop is found, in event time.
        const auto* acme = b.fired("acme");
        REQUIRE(acme != nullptr);
        CHECK(acme->annotations.at("full_stop") == "true");
        CHECK(acme->at > stop);
        CHECK(acme->at <= end);
        CHECK(std::count_if(b.signals.begin(), b.signals.end(),
                            [](const auto& s) { return s.active; }) == 1);
    }
    SECTION("ticks to the wall clock (the old daemon) lose the backfill") {
        // Recorded so that this scenario is known to expose the bug: the first tick feeds
        // "no traffic" at wall time and every older sample after it is late.
        Backfill b(true);
        run(b, end - 26h, end, stop);
        CHECK_FALSE(b.fired("acme"));
    }
}

TEST_CASE("StreamClock: a series the windows no longer feed still sees time pass",
          "[daemon][unit]") {
    // A traffic_loss series learned 3 hours of 40/min, then its samples stop altogether and
    // the windows emit nothing (no series left): the wall clock fallback must still let the
    // rule notice that the traffic is gone.
    detect::TrafficLossDetector rule{detect::default_rule(detect::Measure::volume)};
    StreamClock clock(kLateness, kIdle, kWall - 3h);
    std::vector<detect::Signal> out;
    const core::Labels series{{"metric", "volume"}, {"provider", "acme"}, {"set", "provider"}};
    for (auto t = kWall - 3h; t < kWall; t += 1min) {
        rule.observe(detect::Measure::volume, core::Sample{series, t + 1min, 40.0}, {}, out);
        clock.on_samples(t + 1min, t + 1min + kLateness);
    }
    REQUIRE(out.empty());
    std::optional<core::TimePoint> fired;
    for (auto wall = kWall + kLateness; wall < kWall + 2h && !fired; wall += 10s) {
        if (auto t = clock.now(wall)) rule.advance(*t, out);
        for (const auto& s : out) {
            if (s.active) fired = s.at;
        }
    }
    REQUIRE(fired.has_value());
    CHECK(*fired <= kWall + 90min);
}
