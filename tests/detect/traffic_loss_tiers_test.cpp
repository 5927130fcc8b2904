// TrafficLoss: the faster, deeper checks (`tiers`) and what an alert says it costs.

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <optional>
#include <random>

#include "detect_test_support.hpp"
#include "noctua/detect/kinds/traffic_loss.hpp"
#include "noctua/detect/traffic_loss.hpp"
#include "noctua/testing/rule_options.hpp"

using namespace noctua;
using detect::Measure;
using testing::minute;

namespace {

/// A daily cycle per minute of the day: 200 per 5 minutes at noon, 40 at midnight.
double daily(long m) {
    const double h = static_cast<double>(m % 1440) / 60.0;
    return 120 - 80 * std::cos(h / 24 * 2 * M_PI);
}

struct Run {
    std::optional<core::TimePoint> fired;
    std::vector<detect::Signal> all;
    int firings = 0;
};

/// Feeds samples every `step` minutes from minute `from` to `to`; `amount`, when set, also
/// feeds the value of the successes (volume × amount) in USD as the stream windows do. Returns
/// the signals that came of it.
Run drive(detect::Detector& d, const core::Labels& labels, long from, long to, long step,
          const std::function<double(long)>& f, std::optional<double> amount = {}) {
    Run run;
    for (long m = from; m < to; m += step) {
        const double v = f(m);
        for (auto& s : testing::feed(d, Measure::volume, labels, minute(m), v)) {
            if (s.active) {
                ++run.firings;
                if (!run.fired) run.fired = s.at;
            }
            run.all.push_back(std::move(s));
        }
        if (amount && v > 0) {
            auto a = labels;
            a.set("metric", "amount");
            a.set("currency", "USD");
            std::vector<detect::Signal> out;
            d.observe(Measure::amount, core::Sample{a, minute(m), v * *amount, v}, {}, out);
        }
    }
    return run;
}

const long kDrop = 3 * 1440 + 12 * 60;     // day 3, noon: three days of history before it
const long kWeekOld = 8 * 1440 + 12 * 60;  // day 8, noon: the daily baseline spans a week

Run drop_to(double factor, long step = 5) {
    detect::TrafficLossDetector d{detect::default_rule(Measure::volume)};
    return drive(d, {{"series", "s"}}, 0, kDrop + 180, step, [&](long m) {
        return (m >= kDrop ? factor : 1.0) * daily(m) * static_cast<double>(step) / 5;
    });
}

}  // namespace

TEST_CASE("TrafficLoss tiers: a collapse pages within its short window", "[detect][unit]") {
    SECTION("5-minute samples") {
        const auto run = drop_to(0.05);
        REQUIRE(run.fired);
        CHECK(*run.fired <= minute(kDrop + 5));
        CHECK(run.all.front().annotations.at("window") == "5m");
    }
    SECTION("1-minute samples: confirmed once the 5-minute window is past the drop") {
        const auto run = drop_to(0.05, 1);
        REQUIRE(run.fired);
        CHECK(*run.fired >= minute(kDrop + 3));
        CHECK(*run.fired <= minute(kDrop + 6));
        CHECK(run.all.front().annotations.at("window") == "5m");
    }
    SECTION("without tiers only the base window pages, after its `for`") {
        auto r = detect::default_rule(Measure::volume);
        noctua::testing::edit_options<detect::TrafficLossOptions>(r,
                                                                  [](auto& t) { t.tiers.clear(); });
        detect::TrafficLossDetector d{r};
        const Run run = drive(d, {{"series", "s"}}, 0, kDrop + 180, 5,
                              [&](long m) { return (m >= kDrop ? 0.05 : 1.0) * daily(m); });
        REQUIRE(run.fired);
        CHECK(*run.fired >= minute(kDrop + 15));
    }
}

TEST_CASE("TrafficLoss tiers: a small series pages through the 15-minute check", "[detect][unit]") {
    // 8 per 5 minutes: a 5-minute window expects under min_expected (20) and says nothing;
    // 15 minutes expect 24, enough to see a fall to 15% beyond counting noise once the
    // baseline spans a week.
    detect::TrafficLossDetector d{detect::default_rule(Measure::volume)};
    const Run run = drive(d, {{"series", "small"}}, 0, kWeekOld + 180, 5,
                          [&](long m) { return m >= kWeekOld ? 1.2 : 8.0; });
    REQUIRE(run.fired);
    // The window is all low 10 minutes in; then its `for` (10 minutes), before the base
    // check (30 minutes, for 15) would.
    CHECK(*run.fired >= minute(kWeekOld + 20));
    CHECK(*run.fired < minute(kWeekOld + 30));
    CHECK(run.all.front().annotations.at("window") == "15m");
    CHECK(run.firings == 1);
}

TEST_CASE("TrafficLoss: a baseline younger than a week needs a shortfall beyond its own noise",
          "[detect][unit]") {
    // 5.5 transactions a minute, sampled every minute; for seven minutes only 1 a minute: 5
    // where 27.5 were expected over 5 minutes, a fall to 18% just beyond counting noise (4.3 σ).
    auto dip = [](long at, long len) {
        return [=](long m) { return m >= at && m < at + len ? 1.0 : 5.5; };
    };
    SECTION("four days of history: the median of four days is too noisy to call it a loss") {
        detect::TrafficLossDetector d{detect::default_rule(Measure::volume)};
        const long at = 4 * 1440 + 10 * 60 + 53;
        const Run run = drive(d, {{"series", "young"}}, 0, at + 120, 1, dip(at, 7));
        CHECK(run.firings == 0);
    }
    SECTION("a week of history: the same dip pages through the 5-minute check") {
        detect::TrafficLossDetector d{detect::default_rule(Measure::volume)};
        const long at = 8 * 1440 + 10 * 60 + 53;
        const Run run = drive(d, {{"series", "old"}}, 0, at + 120, 1, dip(at, 7));
        REQUIRE(run.fired);
        CHECK(run.all.front().annotations.at("window") == "5m");
    }
    SECTION("four days of history: a stop still pages within minutes") {
        detect::TrafficLossDetector d{detect::default_rule(Measure::volume)};
        const long at = 4 * 1440 + 10 * 60 + 53;
        const Run run = drive(d, {{"series", "young"}}, 0, at + 120, 1,
                              [=](long m) { return m >= at ? 0.0 : 5.5; });
        REQUIRE(run.fired);
        CHECK(*run.fired <= minute(at + 6));
    }
}

TEST_CASE("TrafficLoss tiers: a shallow dip does not page early", "[detect][unit]") {
    const auto run = drop_to(0.45);
    REQUIRE(run.fired);
    // Only the base check (50% over 30 minutes, for 15 minutes) sees a dip to 45%.
    CHECK(*run.fired >= minute(kDrop + 15));
    CHECK(run.all.front().annotations.at("window") == "30m");
    CHECK_FALSE(drop_to(0.7).fired);
}

TEST_CASE("TrafficLoss tiers: noise at night does not page", "[detect][unit]") {
    detect::TrafficLossDetector d{detect::default_rule(Measure::volume)};
    std::mt19937 rng(7);  // seeded: deterministic
    // Per-minute counts: about 45 a minute in the afternoon, under one a minute at night, so
    // night windows hold many empty minutes and short windows swing widely.
    auto noisy = [&](long m) {
        const double h = static_cast<double>(m % 1440) / 60.0;
        const double mean = std::max(0.3, 20 - 25 * std::cos(h / 24 * 2 * M_PI));
        return static_cast<double>(std::poisson_distribution<int>(mean)(rng));
    };
    // Two days to learn a daily profile (before it the recent-level fallback judges alone).
    drive(d, {{"series", "night"}}, 0, 2 * 1440, 1, noisy);  // warm-up
    const Run run = drive(d, {{"series", "night"}}, 2 * 1440, 21 * 1440, 1, noisy);
    CHECK(run.firings == 0);
    // The same series still pages, within minutes, when its morning traffic collapses.
    const long at = 21 * 1440 + 10 * 60;
    const Run collapse = drive(d, {{"series", "night"}}, 21 * 1440, at + 60, 1,
                               [&](long m) { return m >= at ? 0.0 : noisy(m); });
    REQUIRE(collapse.fired);
    CHECK(*collapse.fired <= minute(at + 6));
}

TEST_CASE("TrafficLoss: an alert carries rates, shortfall and revenue at risk", "[detect][unit]") {
    detect::TrafficLossDetector d{detect::default_rule(Measure::volume)};
    const core::Labels labels{{"provider", "acme"}, {"set", "provider"}, {"metric", "volume"}};
    // 5-minute samples at a flat 100 (1,200 an hour), worth 20 USD each, then a 90% drop.
    const long drop = 3 * 1440 + 600;
    const Run run = drive(
        d, labels, 0, drop + 60, 5, [&](long m) { return m >= drop ? 10.0 : 100.0; }, 20.0);
    REQUIRE(run.fired);
    const auto& sig = run.all.front();
    CHECK(sig.values.at("expected_per_hour") == Approx(1200).epsilon(0.01));
    CHECK(sig.values.at("observed_per_hour") == Approx(120).epsilon(0.01));
    CHECK(sig.values.at("shortfall_percent") == Approx(90).epsilon(0.01));
    // (1,200 - 120) missing an hour × 20 USD.
    CHECK(sig.values.at("revenue_at_risk_per_hour") == Approx(21600).epsilon(0.01));
    CHECK(sig.annotations.at("revenue_at_risk_per_hour") == "21600.00 USD");
    CHECK(sig.annotations.at("currency") == "USD");
    CHECK(sig.annotations.at("expected_per_hour") == "1200");
    CHECK(sig.annotations.at("shortfall_percent") == "90");
    CHECK(sig.summary.find("21.6k USD/h at risk") != std::string::npos);
    auto st = d.status(labels);
    REQUIRE(st);
    REQUIRE(st->typical_amount);
    CHECK(*st->typical_amount == Approx(20));
    CHECK(st->currency == "USD");
}

TEST_CASE("TrafficLoss: the rule's amount prices a series without amounts", "[detect][unit]") {
    auto r = detect::default_rule(Measure::volume);
    noctua::testing::edit_options<detect::TrafficLossOptions>(r, [](auto& t) {
        t.amount = 2.5;
        t.currency = "EUR";
    });
    detect::TrafficLossDetector d{r};
    const long drop = 3 * 1440 + 600;
    const Run run = drive(d, {{"series", "csv"}}, 0, drop + 60, 5,
                          [&](long m) { return m >= drop ? 0.0 : 100.0; });
    REQUIRE(run.fired);
    CHECK(run.all.front().values.at("revenue_at_risk_per_hour") == Approx(3000));
    CHECK(run.all.front().annotations.at("revenue_at_risk_per_hour") == "3000.00 EUR");
    SECTION("and without one, no revenue is claimed") {
        detect::TrafficLossDetector plain{detect::default_rule(Measure::volume)};
        const Run none = drive(plain, {{"series", "csv"}}, 0, drop + 60, 5,
                               [&](long m) { return m >= drop ? 0.0 : 100.0; });
        REQUIRE(none.fired);
        CHECK(none.all.front().values.count("revenue_at_risk_per_hour") == 0);
        CHECK(none.all.front().values.at("expected_per_hour") == Approx(1200).epsilon(0.01));
    }
}

TEST_CASE("TrafficLoss: the per-hour rate follows the series' cadence", "[detect][unit]") {
    // 30-minute samples of 600 (1,200 an hour): a 5-minute check holds one sample standing
    // for 30 minutes, not for 5.
    detect::TrafficLossDetector d{detect::default_rule(Measure::volume)};
    const long drop = 3 * 1440 + 600;
    const Run run = drive(d, {{"series", "slow"}}, 0, drop + 120, 30,
                          [&](long m) { return m >= drop ? 0.0 : 600.0; });
    REQUIRE(run.fired);
    CHECK(run.all.front().values.at("expected_per_hour") == Approx(1200).epsilon(0.01));
}
