#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "detect_test_support.hpp"
#include "noctua/detect/balance.hpp"
#include "noctua/detect/kinds/balance.hpp"
#include "noctua/testing/rule_options.hpp"

using namespace noctua;
using detect::Measure;
using testing::feed;
using testing::minute;

namespace {
const core::Labels kFloat{{"provider", "acme"}, {"currency", "USD"}};

/// Feeds `balance(m)` to `d` every minute in [from, to) and returns every signal.
std::vector<detect::Signal> watch(detect::BalanceDetector& d, long from, long to,
                                  const std::function<double(long)>& balance) {
    std::vector<detect::Signal> all;
    for (long m = from; m < to; ++m) {
        for (auto& s : feed(d, Measure::balance, kFloat, minute(m), balance(m))) {
            all.push_back(std::move(s));
        }
    }
    return all;
}

config::RuleConfig thresholds() {
    auto r = detect::default_rule(Measure::balance);
    noctua::testing::edit_options<detect::BalanceOptions>(r, [](auto& b) {
        b.warning = 200;
        b.critical = 100;
        b.exhaustion_warning = core::Duration::zero();
        b.exhaustion_critical = core::Duration::zero();
    });
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
    // A float watched for a day, never refilled: its time to exhaustion speaks.
    for (int m = -24 * 60; m < 0; m += 60) {
        for (auto& s : feed(d, Measure::balance, kFloat, minute(m), 1000)) fired.push_back(s);
    }
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
    CHECK(out.empty());  // quiet for less than the 15-minute hold
    d.advance(minute(15), out);
    CHECK(out.empty());  // the last error came at 0:10, so 14m50s quiet
    d.advance(minute(16), out);
    REQUIRE(out.size() == 1);  // over 15 minutes after the last error
    CHECK_FALSE(out[0].active);
    CHECK(out[0].at == minute(16));
}

TEST_CASE("Balance: a drain that fails in waves is one alert until 15 quiet minutes",
          "[detect][unit]") {
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    const core::Labels provider{{"provider", "giftly"}, {"set", "provider"}};
    std::vector<detect::Signal> all;
    auto errors_at = [&](long m, double n) {
        for (auto& s : feed(d, Measure::insufficient_balance, provider, minute(m), n)) {
            all.push_back(s);
        }
        d.advance(minute(m), all);
    };
    auto quiet_at = [&](long m) { d.advance(minute(m), all); };
    // The float is empty for an hour: the failing traffic comes in waves, with pauses of up to
    // 10 minutes between them (retries back off, the router tries elsewhere first).
    for (long m = 0; m < 60; ++m) {
        const bool pause = (m % 15) >= 5;  // 5 minutes of errors, then 10 quiet
        if (pause) {
            quiet_at(m);
        } else {
            errors_at(m, 8);
        }
    }
    REQUIRE(all.size() == 1);  // fired once, at the first bucket, and stayed firing
    CHECK(all[0].active);
    CHECK(all[0].at == minute(0));
    // Finance tops up: the last errors were at minute 49.
    for (long m = 60; m < 64; ++m) quiet_at(m);
    CHECK(all.size() == 1);
    quiet_at(64);
    REQUIRE(all.size() == 2);
    CHECK_FALSE(all[1].active);
    CHECK(all[1].at == minute(64));
    CHECK(all[1].summary.find("no insufficient-balance errors for 15m") != std::string::npos);

    SECTION("a later drain fires again") {
        errors_at(120, 10);
        REQUIRE(all.size() == 3);
        CHECK(all[2].active);
    }
}

TEST_CASE("Balance: a burst window longer than the hold is the hold", "[detect][unit]") {
    auto r = detect::default_rule(Measure::balance);
    noctua::testing::edit_options<detect::BalanceOptions>(
        r, [](auto& b) { b.burst_window = std::chrono::minutes(30); });
    detect::BalanceDetector d{r};
    const core::Labels wallet{{"customer", "c-7"}};
    REQUIRE(feed(d, Measure::insufficient_balance, wallet, minute(0), 5).size() == 1);
    std::vector<detect::Signal> out;
    d.advance(minute(29), out);
    CHECK(out.empty());
    d.advance(minute(30), out);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].active);
}

TEST_CASE("Balance: burst_hold sets how long a burst needs without errors to resolve",
          "[detect][unit]") {
    auto r = detect::default_rule(Measure::balance);
    noctua::testing::edit_options<detect::BalanceOptions>(r, [](auto& b) {
        b.burst_window = std::chrono::minutes(1);
        b.burst_hold = std::chrono::minutes(2);
    });
    detect::BalanceDetector d{r};
    const core::Labels wallet{{"customer", "c-7"}};
    REQUIRE(feed(d, Measure::insufficient_balance, wallet, minute(0), 5).size() == 1);
    std::vector<detect::Signal> out;
    d.advance(minute(1), out);
    CHECK(out.empty());  // the burst window has passed, the hold has not
    d.advance(minute(2), out);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].active);
    CHECK(out[0].summary.find("no insufficient-balance errors for 2m") != std::string::npos);
}

TEST_CASE("Balance: a float refilled on a cycle pages when its refill does not come",
          "[detect][unit]") {
    // Spending 50,000 an hour from 30,000, sampled every minute; finance deposits 25,000
    // whenever it falls under 6,000: under an hour is always left, and that is normal.
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    std::vector<detect::Signal> all;
    double balance = 30000;
    long m = 0;
    auto spend_until = [&](long end, bool refills) {
        for (; m < end; ++m) {
            balance -= 50000.0 / 60;
            if (refills && balance < 6000) balance += 25000;
            for (auto& s : feed(d, Measure::balance, kFloat, minute(m), std::max(balance, 0.0))) {
                all.push_back(std::move(s));
            }
            if (balance <= 0) return;
        }
    };
    spend_until(2 * 1440, true);
    CHECK(all.empty());
    auto st = d.status(kFloat);
    REQUIRE(st);
    REQUIRE(st->refill_level);
    CHECK(*st->refill_level > 5000);
    CHECK(*st->refill_level < 7000);  // the sample before the deposit: 6,000 + a minute of spend
    REQUIRE(st->exhaustion_seconds);
    CHECK(*st->exhaustion_seconds < 3600);

    // The refills stop: the float pages critical before it is empty, not after.
    spend_until(3 * 1440, false);
    const long empty_at = m;
    REQUIRE(balance <= 0);
    REQUIRE_FALSE(all.empty());
    CHECK(all[0].active);
    CHECK(all[0].labels.get("severity") == "critical");
    CHECK(all[0].at < minute(empty_at - 3));
    CHECK(all[0].annotations.count("refill_level") == 1);
    CHECK(all[0].summary.find("usually refilled at about") != std::string::npos);

    // Finance restores the float from empty: that deposit teaches no refill level of zero,
    // so the next missed refill pages again.
    balance = 30000;
    all.clear();
    spend_until(m + 1440, true);
    REQUIRE_FALSE(all.empty());
    CHECK_FALSE(all[0].active);  // the restored float resolves the alert
    const auto resolved = all.size();
    st = d.status(kFloat);
    REQUIRE(st);
    REQUIRE(st->refill_level);
    CHECK(*st->refill_level > 5000);
    spend_until(m + 1440, false);
    REQUIRE(all.size() > resolved);
    CHECK(all[resolved].active);
}

TEST_CASE("Balance: a steady drain pages with time still left", "[detect][unit]") {
    // A float watched for two days without spending, then spending 10,000 an hour from
    // 50,000: empty five hours into the drain.
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    const long start = 2 * 1440;
    auto level = [&](long m) {
        return m < start ? 50000.0 : 50000.0 - 10000.0 * static_cast<double>(m - start) / 60;
    };
    const auto all = watch(d, 0, start + 5 * 60, level);
    REQUIRE(all.size() >= 2);
    // Warning while more than 4 hours are left, critical with about an hour left.
    CHECK(all[0].active);
    CHECK(all[0].labels.get("severity") == "warning");
    CHECK(all[0].at <= minute(start + 60));
    CHECK(all[0].annotations.count("time_to_exhaustion") == 1);
    const auto critical = std::find_if(all.begin(), all.end(), [](const detect::Signal& s) {
        return s.active && s.labels.get("severity") == "critical";
    });
    REQUIRE(critical != all.end());
    CHECK(critical->at >= minute(start + 4 * 60 - 5));
    CHECK(critical->at <= minute(start + 4 * 60));
    CHECK(critical->value > 9000);  // the float still holds an hour of spend
    CHECK(critical->summary.find("lasts about 1.0 h at the current spend") != std::string::npos);
}

TEST_CASE("Balance: a flat or slowly refilled float does not page", "[detect][unit]") {
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    SECTION("flat for three days") {
        CHECK(watch(d, 0, 3 * 1440, [](long) { return 20000.0; }).empty());
    }
    SECTION("spending 6,000 an hour, swept back up by 500 every 5 minutes") {
        // Each sweep is 2.5% of the float (not a deposit that teaches a refill level): the
        // spend between sweeps is real, the float goes nowhere.
        const auto all = watch(d, 0, 3 * 1440,
                               [](long m) { return 20000.0 - 100.0 * static_cast<double>(m % 5); });
        CHECK(all.empty());
        auto st = d.status(kFloat);
        REQUIRE(st);
        CHECK(st->burn_per_hour < 100);
    }
    SECTION("refilled a little faster than it spends") {
        double balance = 20000;
        const auto all = watch(d, 0, 3 * 1440, [&](long m) {
            balance += m % 2 == 0 ? 150.0 : -100.0;
            return balance;
        });
        CHECK(all.empty());
    }
}

TEST_CASE("Balance: a noisy balance does not page", "[detect][unit]") {
    // A float whose readings wander by up to ±150 around 10,000 (holds placed and released,
    // readings taken mid-transaction), for three days: nothing is spent.
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> noise(-150, 150);
    CHECK(watch(d, 0, 3 * 1440, [&](long) { return 10000.0 + noise(rng); }).empty());
    auto st = d.status(kFloat);
    REQUIRE(st);
    CHECK(st->burn_per_hour < 1000);

    SECTION("the same noise on a real drain still pages before it is empty") {
        // From 10,000 at 2,000 an hour: empty five hours in.
        const long start = 3 * 1440;
        const auto all = watch(d, start, start + 5 * 60, [&](long m) {
            return std::max(0.0,
                            10000.0 - 2000.0 * static_cast<double>(m - start) / 60 + noise(rng));
        });
        const auto critical = std::find_if(all.begin(), all.end(), [](const detect::Signal& s) {
            return s.active && s.labels.get("severity") == "critical";
        });
        REQUIRE(critical != all.end());
        CHECK(critical->at <= minute(start + 4 * 60));
    }
}

namespace {

/// The value of a provider's successful transactions in one stream bucket, as the windows'
/// ["provider"] set reports it.
void spend(detect::BalanceDetector& d, long m, double value, std::vector<detect::Signal>& out,
           std::string_view set = "provider", std::string_view currency = "USD") {
    core::Labels labels{{"provider", "acme"},
                        {"set", std::string(set)},
                        {"metric", "amount"},
                        {"currency", std::string(currency)}};
    if (set == "provider_country") labels.set("country", "ES");
    d.observe(Measure::amount, core::Sample{labels, minute(m), value, 1}, {}, out);
}

/// A float read by a probe every hour, never refilled, spending 100 a minute for a day; from
/// minute `surge` it spends 1,000 a minute (empty 56 minutes later). `stream` feeds the
/// stream's spend of every minute as well; returns the signals from the surge on.
std::vector<detect::Signal> probe_read_float(bool stream, long surge, std::string_view set,
                                             std::string_view currency) {
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    const core::Labels probe{{"probe", "acme-balance"}, {"provider", "acme"}, {"currency", "USD"}};
    std::vector<detect::Signal> out;
    double balance = 200000;
    for (long m = 0; m <= surge + 60; ++m) {
        if (m == surge) out.clear();
        if (m % 60 == 0)
            d.observe(Measure::balance, core::Sample{probe, minute(m), balance}, {}, out);
        const double spent = std::min(balance, m >= surge ? 1000.0 : 100.0);
        balance -= spent;
        if (stream) spend(d, m + 1, spent, out, set, currency);
    }
    return out;
}

}  // namespace

TEST_CASE("Balance: the stream's spend since the last reading pages before the next reading",
          "[detect][unit]") {
    const long surge = 24 * 60;  // 56,000 left when the surge starts
    auto critical = [](const std::vector<detect::Signal>& all) {
        return std::find_if(all.begin(), all.end(), [](const detect::Signal& s) {
            return s.active && s.labels.get("severity") == "critical";
        });
    };
    SECTION("with the stream: critical half an hour before it is empty") {
        const auto all = probe_read_float(true, surge, "provider", "USD");
        const auto c = critical(all);
        REQUIRE(c != all.end());
        CHECK(c->at <= minute(surge + 30));
        CHECK(c->value > 20000);  // the estimate: 56,000 read less the spend since
        CHECK(c->labels.get("probe") == "acme-balance");
        CHECK(c->summary.find("estimated: read 56k") != std::string::npos);
        CHECK(c->annotations.at("balance_read") == "56k");
    }
    SECTION("without it: nothing until the next reading finds the float empty") {
        const auto all = probe_read_float(false, surge, "provider", "USD");
        const auto c = critical(all);
        REQUIRE(c != all.end());
        CHECK(c->at == minute(surge + 60));
        CHECK(c->value == 0);
    }
    SECTION("a country's spend, or spend in another currency, is not the float's") {
        CHECK(critical(probe_read_float(true, surge, "provider_country", "USD"))->at ==
              minute(surge + 60));
        CHECK(critical(probe_read_float(true, surge, "provider", "EUR"))->at == minute(surge + 60));
    }
}

TEST_CASE("Balance: spend the reading already holds is not subtracted again", "[detect][unit]") {
    // The stream's own balance: each bucket reports its balance and its spend at the same time.
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    const core::Labels stream{{"provider", "acme"}, {"set", "provider"}, {"metric", "balance"}};
    std::vector<detect::Signal> out;
    for (long m = 0; m < 120; ++m) {
        d.observe(Measure::balance,
                  core::Sample{stream, minute(m), 50000.0 - 10.0 * static_cast<double>(m)}, {},
                  out);
        spend(d, m, 10, out);
    }
    auto st = d.status(stream);
    REQUIRE(st);
    CHECK(st->balance == 50000.0 - 10.0 * 119);
    CHECK(st->burn_per_hour == Approx(600).epsilon(0.01));
    // A bucket with spend but no reading: the last reading less that spend.
    spend(d, 120, 25, out);
    st = d.status(stream);
    REQUIRE(st);
    CHECK(st->balance == 50000.0 - 10.0 * 119 - 25);
    CHECK(out.empty());
}

TEST_CASE("Balance: a remainder too small for any transaction is exhausted in effect",
          "[detect][unit]") {
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    const core::Labels stream{{"provider", "acme"}, {"set", "provider"}};
    // Drained from 1,000 to 9.59 in ten minutes, then stuck there for two hours: nothing the
    // float can pay for any more.
    auto balance = [](long m) { return m < 10 ? 1000.0 - 99.041 * static_cast<double>(m) : 9.59; };
    std::vector<detect::Signal> all;
    const bool failing = GENERATE(true, false);
    for (long m = 0; m < 130; ++m) {
        for (auto& s : feed(d, Measure::balance, kFloat, minute(m), balance(m))) {
            all.push_back(std::move(s));
        }
        if (failing && m >= 10) {
            for (auto& s : feed(d, Measure::insufficient_balance, stream, minute(m), 6)) {
                if (!s.labels.contains("reason")) all.push_back(std::move(s));
            }
        }
    }
    auto st = d.status(kFloat);
    REQUIRE(st);
    CHECK(st->burn_per_hour == 0);
    if (!failing) {
        // Standing still without failures is a float nobody spends from.
        CHECK_FALSE(st->exhaustion_seconds);
        CHECK(all.empty());
        return;
    }
    REQUIRE(st->exhaustion_seconds);
    CHECK(*st->exhaustion_seconds == 0);
    CHECK(st->level == "critical");
    REQUIRE(all.size() == 1);
    CHECK(all[0].active);
    CHECK(all[0].labels.get("severity") == "critical");
    CHECK(all[0].summary.find("exhausted in effect") != std::string::npos);

    // A deposit ends it, though the errors of the last minutes are still being counted.
    auto after = feed(d, Measure::balance, kFloat, minute(130), 5000);
    REQUIRE(after.size() == 1);
    CHECK_FALSE(after[0].active);
    (void)feed(d, Measure::insufficient_balance, stream, minute(129), 6);
    (void)feed(d, Measure::balance, kFloat, minute(131), 5000);
    st = d.status(kFloat);
    REQUIRE(st);
    CHECK_FALSE(st->exhaustion_seconds);
    CHECK(st->level.empty());
}

TEST_CASE("Balance: a customer's empty wallet does not exhaust the provider's float",
          "[detect][unit]") {
    detect::BalanceDetector d{detect::default_rule(Measure::balance)};
    const core::Labels stream{{"provider", "acme"}, {"set", "provider"}};
    // The float keeps paying for everyone else while one customer's transactions fail.
    for (long m = 0; m < 130; ++m) {
        (void)feed(d, Measure::balance, kFloat, minute(m), 50000.0 - 10.0 * static_cast<double>(m));
        (void)feed(d, Measure::insufficient_balance, stream, minute(m), 6);
    }
    auto st = d.status(kFloat);
    REQUIRE(st);
    REQUIRE(st->exhaustion_seconds);
    CHECK(*st->exhaustion_seconds == Approx(3600.0 * st->balance / 600).epsilon(0.01));
    CHECK(st->level.empty());
}
