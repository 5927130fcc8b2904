// What the daemon adds to the status report per provider, from each owner's state: the
// stream's last 24 h, traffic against the seasonal baseline, balances and the alert log.
#include <catch2/catch.hpp>

#include <cmath>

#include "noctua/detect/traffic_loss.hpp"
#include "report_facts.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kT0 = *core::parse_rfc3339("2026-12-03T00:00:00Z");

streams::TxEvent tx(std::string id, core::TimePoint ts, streams::TxStatus status, std::optional<double> latency) {
    streams::TxEvent e;
    e.id = std::move(id);
    e.ts = ts;
    e.provider = "acme";
    e.status = status;
    e.has_latency = latency.has_value();
    e.latency_ms = latency.value_or(0);
    return e;
}

}  // namespace

TEST_CASE("report facts: the stream's last 24 h merged from the hourly buckets", "[daemon][unit]") {
    config::WindowsConfig c;
    c.history_bucket = 1h;
    c.retention = 48h;
    c.sets = {{"provider", {"provider"}, 100, false}, {"provider_country", {"provider", "country"}, 100, false}};
    REQUIRE(daemon::provider_set(c) == "provider");
    streams::WindowStore w(c, nullptr, {});
    int n = 0;
    const auto add = [&](core::TimePoint t, streams::TxStatus s, std::optional<double> latency) {
        REQUIRE(w.add(tx("t" + std::to_string(n++), t, s, latency)) == streams::AddOutcome::applied);
    };
    // Older than 24 h: left out.
    for (int i = 0; i < 50; ++i) add(kT0 - 22h + std::chrono::seconds(i), streams::TxStatus::failed, 5000.0);
    // 01:00-02:00: 100 successes at 80 ms. 02:00-03:00: 90 successes and 10 provider faults at
    // 300 ms, 5 pending.
    for (int i = 0; i < 100; ++i) add(kT0 + 1h + std::chrono::seconds(i), streams::TxStatus::success, 80.0);
    for (int i = 0; i < 90; ++i) add(kT0 + 2h + std::chrono::seconds(i), streams::TxStatus::success, 300.0);
    for (int i = 0; i < 10; ++i) add(kT0 + 2h + 2min + std::chrono::seconds(i), streams::TxStatus::failed, 300.0);
    for (int i = 0; i < 5; ++i) add(kT0 + 2h + 3min + std::chrono::seconds(i), streams::TxStatus::pending, std::nullopt);

    const auto now = kT0 + 3h + 30min;
    auto f = daemon::stream_facts(w, "provider", "acme", c.history_bucket, now);
    REQUIRE(f);
    CHECK(f->transactions == 205);
    CHECK(f->judged == 200);
    CHECK(f->success_ratio.value() == Approx(0.95));
    // Histogram quantiles over the merged buckets: half in (50, 100], half in (250, 500].
    CHECK(f->latency_p50_ms.value() == Approx(100));
    CHECK(f->latency_p95_ms.value() == Approx(475));
    CHECK(f->latency_p99_ms.value() == Approx(495));
    // Hourly points from 03:00 yesterday (the bucket the span starts in) to now's bucket.
    REQUIRE(f->volume_points.size() == 25);
    CHECK(f->volume_points[22] == 100);
    CHECK(f->volume_points[23] == 105);
    CHECK(f->volume_points[0] == 0);
    CHECK(f->success_points[22] == 1.0);
    CHECK(f->success_points[23] == Approx(0.9));
    CHECK(std::isnan(f->success_points[24]));

    CHECK_FALSE(daemon::stream_facts(w, "provider", "globaltop", c.history_bucket, now));
    // A day later every event is older than 24 h.
    CHECK_FALSE(daemon::stream_facts(w, "provider", "acme", c.history_bucket, now + 24h));
}

TEST_CASE("report facts: traffic against the seasonal baseline over the last 24 h", "[daemon][unit]") {
    std::vector<std::unique_ptr<detect::Detector>> rules;
    auto rule = detect::default_rule(detect::Measure::volume);
    rules.push_back(std::make_unique<detect::TrafficLossDetector>(rule));
    auto& d = *rules.back();
    // Three days at 10 a minute, then a day at 5: the daily baseline expects 10.
    const core::Labels series{{"set", "provider"}, {"provider", "acme"}, {"metric", "volume"}};
    std::vector<detect::Signal> out;
    for (int m = 0; m < 4 * 1440; ++m) {
        d.observe(detect::Measure::volume, core::Sample{series, kT0 + std::chrono::minutes(m), m < 3 * 1440 ? 10.0 : 5.0},
                  {}, out);
    }
    const auto now = kT0 + 96h;
    auto t = daemon::traffic_facts(rules, "acme", now);
    REQUIRE(t);
    // The slot still being filled (the last five minutes) has no mean yet.
    CHECK(t->coverage == Approx(287.0 / 288.0));
    CHECK(t->observed == Approx(287 * 25.0));
    CHECK(t->expected == Approx(287 * 50.0));
    CHECK(t->baseline == "daily");
    REQUIRE(t->observed_points.size() == 24);
    CHECK(t->observed_points[0] == Approx(300));
    CHECK(t->expected_points[0] == Approx(600));
    CHECK(t->expected_points[23] == Approx(550));

    CHECK_FALSE(daemon::traffic_facts(rules, "globaltop", now));
    // Two days in, no slot of the last 24 h has two earlier days yet.
    CHECK_FALSE(daemon::traffic_facts(rules, "acme", kT0 + 24h));
}

TEST_CASE("report facts: the alerts of the last 24 h with how long they fired", "[daemon][unit]") {
    const auto now = kT0 + 30h;
    const auto alert = [](std::string provider, std::string name, core::TimePoint starts,
                          std::optional<core::TimePoint> ends) {
        alerts::Alert a;
        a.labels = {{"alertname", std::move(name)}, {"provider", std::move(provider)}, {"severity", "critical"}};
        a.starts_at = starts;
        a.state = ends ? alerts::AlertState::resolved : alerts::AlertState::firing;
        if (ends) a.ends_at = *ends;
        return a;
    };
    const std::vector<alerts::Alert> log{
        alert("acme", "ProviderDown", kT0 + 1h, kT0 + 2h),          // resolved before the span
        alert("acme", "TrafficLoss", kT0 + 28h, std::nullopt),       // still firing
        alert("acme", "ProviderDown", kT0 + 5h, kT0 + 7h + 30min),  // lasted into the span
        alert("zeta", "ProviderDown", kT0 + 10h, kT0 + 11h),        // another provider's
    };
    auto a = daemon::alert_facts(log, "acme", now);
    REQUIRE(a.size() == 2);
    CHECK(a[0].name == "ProviderDown");
    CHECK(a[0].state == "resolved");
    CHECK(a[0].severity == "critical");
    CHECK(a[0].ends == kT0 + 7h + 30min);
    CHECK(a[0].duration == 2h + 30min);
    CHECK(a[1].name == "TrafficLoss");
    CHECK(a[1].state == "firing");
    CHECK_FALSE(a[1].ends);
    CHECK(a[1].duration == 2h);
}

TEST_CASE("report facts: balances as the wall shows them, with the forecast", "[daemon][unit]") {
    daemon::WallSnapshot wall;
    auto& p = wall.providers.emplace_back();
    p.id = "acme";
    p.balances.push_back({"EUR", "acme-balance", 5000, 250, 72000.0, 1000.0});
    wall.providers.emplace_back().id = "zeta";
    auto b = daemon::balance_facts(wall, "acme");
    REQUIRE(b.size() == 1);
    CHECK(b[0].name == "EUR");
    CHECK(b[0].balance == 5000);
    CHECK(b[0].burn_per_hour == 250);
    CHECK(b[0].exhaustion_seconds == 72000.0);
    CHECK(b[0].refill_level == 1000.0);
    CHECK(daemon::balance_facts(wall, "zeta").empty());
}
