#include <catch2/catch.hpp>

#include "detect_test_support.hpp"
#include "noctua/detect/kinds/latency.hpp"
#include "noctua/detect/latency.hpp"
#include "noctua/testing/rule_options.hpp"

using namespace noctua;
using detect::Measure;
using testing::feed;
using testing::minute;

namespace {
/// One sample a minute, each one observation: min_samples off, as for a probe's latency.
config::RuleConfig probe_rule() {
    auto rule = detect::default_rule(Measure::latency);
    noctua::testing::edit_options<detect::LatencyOptions>(rule, [](auto& l) { l.min_samples = 0; });
    return rule;
}
}  // namespace

TEST_CASE("Latency: p95 above threshold and above its baseline fires after `for`",
          "[detect][unit]") {
    detect::LatencyDetector d{probe_rule()};
    const core::Labels s{{"provider", "acme"}};
    for (long m = 0; m < 120; ++m) CHECK(feed(d, Measure::latency, s, minute(m), 0.4).empty());
    std::vector<detect::Signal> fired;
    long at = 0;
    for (long m = 120; m < 140 && fired.empty(); ++m) {
        fired = feed(d, Measure::latency, s, minute(m), 3.0);
        at = m;
    }
    REQUIRE(fired.size() == 1);
    CHECK(fired[0].rule == "LatencyHigh");
    CHECK(fired[0].value == Approx(3.0));
    CHECK(at >= 125);
    CHECK(at <= 128);
    CHECK(fired[0].summary.find("p95") != std::string::npos);
    std::vector<detect::Signal> resolved;
    for (long m = 140; m < 160 && resolved.empty(); ++m) {
        resolved = feed(d, Measure::latency, s, minute(m), 0.4);
    }
    REQUIRE(resolved.size() == 1);
    CHECK_FALSE(resolved[0].active);
}

TEST_CASE("Latency: an always-slow series is judged against its own baseline", "[detect][unit]") {
    detect::LatencyDetector d{probe_rule()};
    const core::Labels s{{"provider", "slow"}};
    // Always around 2.5 s: above the 2 s threshold but not above 2x its baseline.
    for (long m = 0; m < 300; ++m) {
        CHECK(feed(d, Measure::latency, s, minute(m), m % 2 == 0 ? 2.4 : 2.6).empty());
    }
    auto st = d.status(s);
    REQUIRE(st);
    CHECK(st->baseline == Approx(2.5).margin(0.15));
}

TEST_CASE("Latency: quantiles of a few transactions give no verdict", "[detect][unit]") {
    // Window buckets' p95, weighted by the transactions behind them.
    auto run = [](double weight) {
        detect::LatencyDetector d{detect::default_rule(Measure::latency)};
        const core::Labels s{{"provider", "acme"}};
        std::vector<detect::Signal> fired;
        for (long m = 0; m < 180 && fired.empty(); ++m) {
            d.observe(Measure::latency, core::Sample{s, minute(m), m < 120 ? 0.4 : 3.0, weight}, {},
                      fired);
        }
        return fired;
    };
    CHECK(run(1.0).empty());  // 5 transactions in the 5m window: under min_samples
    auto fired = run(30.0);
    REQUIRE(fired.size() == 1);
    CHECK(fired[0].active);
}

TEST_CASE("Latency: stream p95s are combined by their weighted median", "[detect][unit]") {
    // Per-minute p95s of 30 transactions each, as the stream windows emit them.
    detect::LatencyDetector d{detect::default_rule(Measure::latency)};
    const core::Labels s{{"provider", "acme"}};
    std::vector<detect::Signal> out;
    for (long m = 0; m < 120; ++m) {
        d.observe(Measure::latency, core::Sample{s, minute(m), 0.4, 30}, {}, out);
    }
    // One noisy minute in three: the window's worst minute is 3 s, its median is not.
    for (long m = 120; m < 180; ++m) {
        d.observe(Measure::latency, core::Sample{s, minute(m), m % 3 == 0 ? 3.0 : 0.4, 30}, {},
                  out);
    }
    CHECK(out.empty());
    // Every minute slow: pages.
    for (long m = 180; m < 200 && out.empty(); ++m) {
        d.observe(Measure::latency, core::Sample{s, minute(m), 3.0, 30}, {}, out);
    }
    REQUIRE(out.size() == 1);
    CHECK(out[0].active);
}

TEST_CASE("Latency: a young baseline is the mean of what it saw, not its first value",
          "[detect][unit]") {
    detect::LatencyDetector d{probe_rule()};
    const core::Labels s{{"provider", "acme"}};
    // A quiet start at 0.2 s, then the usual 1.2 s for an hour.
    for (long m = 0; m < 10; ++m) CHECK(feed(d, Measure::latency, s, minute(m), 0.2).empty());
    for (long m = 10; m < 70; ++m) CHECK(feed(d, Measure::latency, s, minute(m), 1.2).empty());
    auto st = d.status(s);
    REQUIRE(st);
    CHECK(st->baseline > 0.9);
}
