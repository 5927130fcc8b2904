#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>
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

config::RuleConfig rule() {
    auto r = detect::default_rule(Measure::volume);
    return r;
}

/// A daily cycle per 5 minutes: 200 at noon, 40 at midnight.
double daily(long m) {
    const double h = static_cast<double>(m % 1440) / 60.0;
    return 120 - 80 * std::cos(h / 24 * 2 * M_PI);
}

struct Run {
    std::optional<core::TimePoint> fired, resolved;
    int firings = 0;
    std::vector<detect::Signal> all;
};

/// Feeds 5-minute samples from minute `from` to `to` through `d`, value from `f`.
void drive(detect::Detector& d, const core::Labels& labels, long from, long to,
           const std::function<double(long)>& f, Run& run) {
    for (long m = from; m < to; m += 5) {
        for (auto& s : testing::feed(d, Measure::volume, labels, minute(m), f(m))) {
            if (s.active) {
                ++run.firings;
                if (!run.fired) run.fired = s.at;
            } else if (!run.resolved) {
                run.resolved = s.at;
            }
            run.all.push_back(std::move(s));
        }
    }
}

}  // namespace

TEST_CASE("TrafficLoss: a sustained drop fires after `for`, explained, and resolves",
          "[detect][unit]") {
    detect::TrafficLossDetector d{rule()};
    const core::Labels labels{{"provider", "acme"}};
    Run run;
    const long drop = 3 * 1440 + 12 * 60;  // day 3, noon
    drive(
        d, labels, 0, drop + 24 * 60,
        [&](long m) { return m >= drop && m < drop + 120 ? 0.3 * daily(m) : daily(m); }, run);
    REQUIRE(run.fired);
    // Window 30m: the ratio crosses 0.5 within ~15 min, then `for` is 15 min.
    CHECK(*run.fired >= minute(drop + 15));
    CHECK(*run.fired <= minute(drop + 35));
    CHECK(run.firings == 1);
    const auto& f = run.all.front();
    CHECK(f.rule == "TrafficLoss");
    CHECK(f.value == Approx(0.3).margin(0.05));
    CHECK(f.annotations.at("baseline") == "daily");
    CHECK(f.annotations.at("since") > core::format_rfc3339(minute(drop)));
    CHECK(f.annotations.at("since") < core::format_rfc3339(minute(drop + 30)));
    CHECK(f.summary.find("provider=acme") != std::string::npos);
    CHECK(f.summary.find("% of expected") != std::string::npos);
    REQUIRE(run.resolved);
    CHECK(*run.resolved > minute(drop + 120));
    CHECK(*run.resolved <= minute(drop + 120 + 45));
}

TEST_CASE("TrafficLoss: normal seasonal traffic never fires", "[detect][unit]") {
    detect::TrafficLossDetector d{rule()};
    Run run;
    drive(d, {{"series", "a"}}, 0, 10 * 1440, daily, run);
    CHECK(run.firings == 0);
    auto st = d.status({{"series", "a"}});
    REQUIRE(st);
    CHECK(st->ratio == Approx(1.0).margin(0.05));
    CHECK(st->baseline != "recent");
}

TEST_CASE("TrafficLoss: quiet hours under min_expected give no verdict", "[detect][unit]") {
    detect::TrafficLossDetector d{rule()};
    Run run;
    // Two events per 5 minutes: 12 expected per 30 minutes, under the default 20.
    drive(
        d, {{"series", "quiet"}}, 0, 4 * 1440, [](long m) { return m > 3 * 1440 ? 0.0 : 2.0; },
        run);
    CHECK(run.firings == 0);
}

TEST_CASE("TrafficLoss: a full stop fires and says so", "[detect][unit]") {
    detect::TrafficLossDetector d{rule()};
    Run run;
    const long stop = 2 * 1440 + 9 * 60;
    drive(
        d, {{"series", "s"}}, 0, stop + 120, [&](long m) { return m >= stop ? 0.0 : daily(m); },
        run);
    REQUIRE(run.fired);
    CHECK(run.all.front().annotations.at("full_stop") == "true");
    CHECK(run.all.front().summary.find("no traffic at all") != std::string::npos);
}

TEST_CASE("TrafficLoss: absence of samples counts as no traffic (advance)", "[detect][unit]") {
    detect::TrafficLossDetector d{rule()};
    Run run;
    const core::Labels labels{{"series", "gone"}};
    const long stop = 2 * 1440 + 9 * 60;
    drive(d, labels, 0, stop, daily, run);
    std::vector<detect::Signal> out;
    for (long m = stop; m < stop + 120 && out.empty(); m += 5) d.advance(minute(m), out);
    REQUIRE(out.size() == 1);
    CHECK(out.front().active);
}

TEST_CASE("TrafficLoss: one bad week in the history neither hides nor fakes a loss",
          "[detect][unit]") {
    detect::TrafficLossDetector d{rule()};
    // Weekends carry half the weekday traffic; week 1's Monday was a holiday at 30%.
    auto weekly = [](long m) {
        const long day = (m / 1440) % 7;
        const double f = day >= 5 ? 0.5 : 1.0;
        const bool holiday = m / 1440 == 7;
        return daily(m) * f * (holiday ? 0.3 : 1.0);
    };
    Run history;
    drive(d, {{"series", "w"}}, 0, 4 * 7 * 1440, weekly, history);
    Run normal;
    // Week 4 Monday is normal: no alert although week 1's Monday was low.
    drive(d, {{"series", "w"}}, 4 * 7 * 1440, 4 * 7 * 1440 + 1440, weekly, normal);
    CHECK(normal.firings == 0);
    // Week 4 Tuesday noon loses 60%: fires.
    Run loss;
    const long start = 4 * 7 * 1440 + 1440;
    const long drop = start + 12 * 60;
    drive(
        d, {{"series", "w"}}, start, start + 1440,
        [&](long m) { return m >= drop && m < drop + 180 ? 0.4 * weekly(m) : weekly(m); }, loss);
    REQUIRE(loss.fired);
    CHECK(*loss.fired <= minute(drop + 40));
    CHECK(loss.all.front().annotations.at("baseline") == "weekly");
}

TEST_CASE("TrafficLoss: a bursty series learns a wider band and pages far less", "[detect][unit]") {
    auto bursty_run = [](double sensitivity, Run& run) {
        auto r = rule();
        noctua::testing::edit_options<detect::TrafficLossOptions>(
            r, [&](auto& t) { t.sensitivity = sensitivity; });
        auto d = std::make_unique<detect::TrafficLossDetector>(r);
        std::mt19937 rng(42);  // seeded: deterministic
        std::lognormal_distribution<double> noise(0.0, 0.5);
        double factor = 1;
        drive(
            *d, {{"series", "b"}}, 0, 21 * 1440,
            [&](long m) {
                if (m % 60 == 0) factor = noise(rng);  // hourly swings of about ±60%
                return daily(m) * factor;
            },
            run);
        return d;
    };
    Run fixed, learned;
    (void)bursty_run(0.0, fixed);  // sensitivity 0: the threshold stays at ratio = 0.5
    auto d = bursty_run(3.5, learned);
    CHECK(fixed.firings >= 20);
    CHECK(learned.firings * 3 <= fixed.firings);
    auto st = d->status({{"series", "b"}});
    REQUIRE(st);
    CHECK(st->threshold < 0.3);  // tightened from the default ratio 0.5
    CHECK(st->deviation > 0.3);
    // A real collapse still fires.
    Run drop;
    drive(
        *d, {{"series", "b"}}, 21 * 1440, 22 * 1440, [&](long m) { return 0.02 * daily(m); }, drop);
    CHECK(drop.firings >= 1);
}

TEST_CASE("TrafficLoss: falls back to the recent level while history is short", "[detect][unit]") {
    detect::TrafficLossDetector d{rule()};
    Run run;
    // Flat traffic for 10 hours, then a 90% drop: no daily history yet.
    drive(
        d, {{"series", "new"}}, 0, 14 * 60, [](long m) { return m >= 10 * 60 ? 10.0 : 100.0; },
        run);
    REQUIRE(run.fired);
    CHECK(run.all.front().annotations.at("baseline") == "recent");
}

TEST_CASE("TrafficLoss: reload keeps the learned profile", "[detect][unit]") {
    auto r = rule();
    detect::TrafficLossDetector old{r};
    Run run;
    drive(old, {{"series", "k"}}, 0, 3 * 1440, daily, run);
    noctua::testing::edit_options<detect::TrafficLossOptions>(r, [](auto& t) { t.ratio = 0.4; });
    detect::TrafficLossDetector next{r};
    next.adopt_state(old);
    Run after;
    const long drop = 3 * 1440 + 12 * 60;
    drive(
        next, {{"series", "k"}}, 3 * 1440, 4 * 1440,
        [&](long m) { return m >= drop ? 0.1 * daily(m) : daily(m); }, after);
    REQUIRE(after.fired);
    CHECK(*after.fired <= minute(drop + 35));
}

TEST_CASE("TrafficLoss: a shortfall within counting noise does not page", "[detect][unit]") {
    // A small series: 4 transactions per 5 minutes (24 expected in the 30m window). Halving it
    // (ratio 0.42) is 14 short, under 4 standard deviations of a Poisson count of 24 (19.6);
    // losing it all is not.
    auto run_with = [](double during) {
        detect::TrafficLossDetector d{rule()};
        Run run;
        drive(
            d, {{"series", "small"}}, 0, 9 * 1440,
            [&](long m) { return m >= 8 * 1440 + 600 && m < 8 * 1440 + 720 ? during : 4.0; }, run);
        return run;
    };
    CHECK_FALSE(run_with(10.0 / 6).fired);
    CHECK(run_with(0.0).fired);
}

TEST_CASE("TrafficLoss: the recent-level fallback needs a deeper drop than a daily ramp",
          "[detect][unit]") {
    detect::TrafficLossDetector d{rule()};
    Run run;
    // No daily history yet; the evening halves traffic within two hours: not a loss.
    drive(
        d, {{"series", "ramp"}}, 0, 14 * 60,
        [](long m) {
            return m < 10 * 60 ? 100.0 : std::max(40.0, 100.0 - static_cast<double>(m - 600) * 0.5);
        },
        run);
    CHECK_FALSE(run.fired);
}
