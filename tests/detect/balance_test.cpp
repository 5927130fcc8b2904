#include <catch2/catch.hpp>

#include "detect_test_support.hpp"
#include "noctua/detect/balance.hpp"

using namespace noctua;
using detect::Measure;
using testing::feed;
using testing::minute;

namespace {
const core::Labels kFloat{{"provider", "acme"}, {"currency", "USD"}};

config::RuleConfig thresholds() {
    auto r = detect::default_rule(Measure::balance);
    r.balance.warning = 200;
    r.balance.critical = 100;
    r.balance.exhaustion_warning = core::Duration::zero();
    r.balance.exhaustion_critical = core::Duration::zero();
    return r;
}
}  // namespace

TEST_CASE("Balance: warning and critical thresholds, one alert per level", "[detect][unit]") {
    detect::BalanceDetector d{thresholds()};
    CHECK(feed(d, Measure::balance, kFloat, minute(0), 500).empty());
    auto w = feed(d, Measure::balance, kFloat, minute(1), 150);
    REQUIRE(w.size() == 1);
    CHECK(w[0].active);
    CHECK(w[0].labels.get("severity") == "warning");
    CHECK(w[0].summary.find("warning threshold 200") != std::string::npos);
    auto c = feed(d, Measure::balance, kFloat, minute(2), 50);
    REQUIRE(c.size() == 2);  // the warning resolves, the critical fires
    CHECK_FALSE(c[0].active);
    CHECK(c[0].labels.get("severity") == "warning");
    CHECK(c[1].active);
    CHECK(c[1].labels.get("severity") == "critical");
    // Hysteresis: 105 is above critical but within 20% of it.
    CHECK(feed(d, Measure::balance, kFloat, minute(3), 105).empty());
    auto top = feed(d, Measure::balance, kFloat, minute(4), 1000);
    REQUIRE(top.size() == 1);
    CHECK_FALSE(top[0].active);
}

TEST_CASE("Balance: time to exhaustion from the burn rate fires before the money runs out",
          "[detect][unit]") {
    auto r = detect::default_rule(Measure::balance);  // warn at 6 h, critical at 1 h
    detect::BalanceDetector d{r};
    std::vector<detect::Signal> fired;
    // Spending 100 per hour, sampled every 5 minutes, from 1000.
    for (int m = 0; m <= 8 * 60; m += 5) {
        for (auto& s : feed(d, Measure::balance, kFloat, minute(m), 1000 - 100.0 * m / 60)) {
            fired.push_back(s);
        }
    }
    REQUIRE_FALSE(fired.empty());
    CHECK(fired[0].active);
    CHECK(fired[0].labels.get("severity") == "warning");
    // Warning when about 6 h are left: balance ~600 at t = 4 h.
    CHECK(fired[0].at >= minute(235));
    CHECK(fired[0].at <= minute(245));
    CHECK(fired[0].summary.find("lasts about 6 h at the current spend") != std::string::npos);
    auto st = d.status(kFloat);
    REQUIRE(st);
    CHECK(st->burn_per_hour == Approx(100).epsilon(0.01));
}

TEST_CASE("Balance: a top-up is not negative spending", "[detect][unit]") {
    auto r = detect::default_rule(Measure::balance);
    detect::BalanceDetector d{r};
    double balance = 700;
    for (int m = 0; m <= 60; m += 5) {
        if (m == 30) balance += 5000;  // deposit in the middle of the burn window
        (void)feed(d, Measure::balance, kFloat, minute(m), balance);
        balance -= 100.0 * 5 / 60;
    }
    auto st = d.status(kFloat);
    REQUIRE(st);
    CHECK(st->burn_per_hour == Approx(100).epsilon(0.01));  // not (100 - 5000/h)
    REQUIRE(st->exhaustion_seconds);
    CHECK(*st->exhaustion_seconds == Approx(3600.0 * st->balance / 100).epsilon(0.01));
}

TEST_CASE("Balance: a burst of insufficient-balance errors fires at once", "[detect][unit]") {
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    const core::Labels wallet{{"customer", "c-42"}};
    for (int i = 0; i < 4; ++i) {
        CHECK(feed(d, Measure::insufficient_balance, wallet, minute(0) + std::chrono::seconds(i),
                   1)
                  .empty());
    }
    auto f = feed(d, Measure::insufficient_balance, wallet,
                  minute(0) + std::chrono::seconds(10), 1);
    REQUIRE(f.size() == 1);
    CHECK(f[0].active);
    CHECK(f[0].labels.get("reason") == "insufficient_balance_errors");
    CHECK(f[0].labels.get("severity") == "critical");
    std::vector<detect::Signal> out;
    d.advance(minute(1), out);
    CHECK(out.empty());  // still within the burst window
    d.advance(minute(3), out);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].active);
}
