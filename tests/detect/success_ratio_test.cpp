#include <catch2/catch.hpp>

#include "detect_test_support.hpp"
#include "noctua/detect/kinds/downtime.hpp"
#include "noctua/detect/success_ratio.hpp"
#include "noctua/testing/rule_options.hpp"

using namespace noctua;
using detect::Measure;
using testing::minute;

namespace {
const core::Labels kProvider{{"provider", "acme"}};

/// Feeds `n` transactions spread over minute `m`, `failed` of them provider faults.
std::vector<detect::Signal> minute_of_traffic(detect::Detector& d, long m, int n, int failed) {
    std::vector<detect::Signal> out;
    for (int i = 0; i < n; ++i) {
        const auto t = minute(m) + std::chrono::milliseconds(i * 60000 / n);
        // Failures spread evenly over the minute.
        const bool fail = (i * failed) % n < failed;
        d.observe(Measure::outcome, core::Sample{kProvider, t, fail ? 0.0 : 1.0}, {}, out);
    }
    return out;
}

/// Minutes [from, to) of `n` transactions with `failed` faults each, until one gives signals:
/// those signals, and the last minute fed.
struct FirstSignals {
    std::vector<detect::Signal> signals;
    long at = -1;

    /// The one signal, which must be one that fires.
    const detect::Signal& firing() const {
        REQUIRE(signals.size() == 1);
        CHECK(signals[0].active);
        return signals[0];
    }
};
FirstSignals until_signal(detect::Detector& d, long from, long to, int n, int failed) {
    FirstSignals r;
    for (long m = from; m < to && r.signals.empty(); ++m) {
        r.signals = minute_of_traffic(d, m, n, failed);
        r.at = m;
    }
    return r;
}
}  // namespace

TEST_CASE("SuccessRatio: a low ratio with enough volume fires after `for`", "[detect][unit]") {
    detect::SuccessRatioDetector d{detect::default_rule(Measure::outcome)};
    for (long m = 0; m < 10; ++m) CHECK(minute_of_traffic(d, m, 60, 1).empty());
    const auto first = until_signal(d, 10, 20, 60, 40);
    const auto& fired = first.firing();
    CHECK(first.at >= 12);  // `for` = 2m after the ratio first dropped under 90%
    CHECK(first.at <= 14);
    CHECK(fired.summary.find("success ratio for provider=acme") != std::string::npos);
    std::vector<detect::Signal> resolved;
    for (long m = 20; m < 40 && resolved.empty(); ++m) resolved = minute_of_traffic(d, m, 60, 0);
    REQUIRE(resolved.size() == 1);
    CHECK_FALSE(resolved[0].active);
}

TEST_CASE("SuccessRatio: too few transactions give no verdict", "[detect][unit]") {
    detect::SuccessRatioDetector d{detect::default_rule(Measure::outcome)};
    // Three failures every ten minutes: 9 in the widest window (6 x 5m), under 20.
    for (long m = 0; m < 120; ++m) {
        if (m % 10 == 0) CHECK(minute_of_traffic(d, m, 3, 3).empty());
    }
    std::vector<detect::Signal> out;
    d.advance(minute(120), out);
    CHECK(out.empty());
}

TEST_CASE("SuccessRatio: a thin series is judged over a wider window", "[detect][unit]") {
    detect::SuccessRatioDetector d{detect::default_rule(Measure::outcome)};
    // Three transactions a minute (15 in 5m, under min_transactions = 20): the window widens
    // to 10m and an outage still pages.
    for (long m = 0; m < 30; ++m) CHECK(minute_of_traffic(d, m, 3, 0).empty());
    const auto first = until_signal(d, 30, 60, 3, 3);
    CHECK(first.firing().summary.find("over 10m") != std::string::npos);
    const long at = first.at;
    CHECK(at <= 40);
    // Then traffic all but stops: one transaction is no evidence of recovery, so it holds.
    std::vector<detect::Signal> out;
    d.observe(Measure::outcome, core::Sample{kProvider, minute(at + 1), 1.0}, {}, out);
    CHECK(out.empty());
    // Enough successes resolve it.
    for (long m = at + 2; m < at + 30 && out.empty(); ++m) out = minute_of_traffic(d, m, 10, 0);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].active);
}

TEST_CASE("SuccessRatio: a few faults among few transactions are chance, not an outage",
          "[detect][unit]") {
    detect::SuccessRatioDetector d{detect::default_rule(Measure::outcome)};
    // 5 transactions a minute, 3 faults in a 5m window of 25: 88% < 90%, but within what a
    // 1% fault rate gives by chance (Wilson upper bound ~98%).
    for (long m = 0; m < 60; ++m) {
        const int failed = m % 5 == 0 ? 3 : 0;
        CHECK(minute_of_traffic(d, m, 5, failed).empty());
    }
}

TEST_CASE("SuccessRatio: multi-window burn rate pages on a fast budget burn", "[detect][unit]") {
    auto r = detect::default_rule(Measure::outcome);
    noctua::testing::edit_options<detect::DowntimeOptions>(r, [](auto& d) {
        d.min_ratio = 0;  // only the burn-rate condition
        d.slo = 0.99;
    });
    detect::SuccessRatioDetector d{r};
    // Six clean hours, so every window is full.
    for (long m = 0; m < 360; ++m) CHECK(minute_of_traffic(d, m, 100, 0).empty());
    // 30% errors: burn rate 30x of a 1% budget. The 1h window needs ~29 min to pass 14.4x
    // (the 6h one would need ~72 min to pass 6x).
    auto [fired, at] = until_signal(d, 360, 480, 100, 30);
    REQUIRE(fired.size() == 1);
    CHECK(fired[0].summary.find("burning the 99% SLO error budget") != std::string::npos);
    CHECK(at >= 360 + 25);
    CHECK(at <= 360 + 35);
    CHECK(d.burn_rate(kProvider, std::chrono::minutes(5), minute(at)) == Approx(30).epsilon(0.05));
    // Errors stop: the 5m window resets the page quickly.
    std::vector<detect::Signal> resolved;
    long end = at;
    for (long m = at + 1; m < at + 30 && resolved.empty(); ++m) {
        resolved = minute_of_traffic(d, m, 100, 0);
        end = m;
    }
    REQUIRE(resolved.size() == 1);
    CHECK(end - at <= 6);
}

TEST_CASE("SuccessRatio: window ratios count their transactions, not themselves",
          "[detect][unit]") {
    // One bucket ratio per minute, as stream windows emit them; the weight is the number of
    // completed transactions behind it.
    auto feed = [](detect::Detector& d, double ratio, double weight) {
        std::vector<detect::Signal> fired;
        for (long m = 0; m < 30 && fired.empty(); ++m) {
            d.observe(Measure::success_ratio,
                      core::Sample{kProvider, minute(m), m < 5 ? 1.0 : ratio, weight}, {}, fired);
        }
        return fired;
    };
    detect::SuccessRatioDetector quiet{detect::default_rule(Measure::success_ratio)};
    // 0% success, but one transaction every two minutes: under min_transactions even over
    // the widest window (6 x 5m).
    CHECK(feed(quiet, 0.0, 0.5).empty());
    detect::SuccessRatioDetector busy{detect::default_rule(Measure::success_ratio)};
    auto fired = feed(busy, 0.0, 50.0);
    REQUIRE(fired.size() == 1);
    CHECK(fired[0].active);
}
