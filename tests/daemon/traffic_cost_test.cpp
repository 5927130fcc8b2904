// What a traffic loss costs: amounts from the stream windows reach the traffic_loss rule, and
// the wall exports each series' rates and revenue at risk.

#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include "noctua/detect/traffic_loss.hpp"
#include "noctua/streams/windows.hpp"
#include "stream_samples.hpp"
#include "wall.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kT0{std::chrono::seconds(1704067200)};  // 2024-01-01T00:00:00Z

/// The value of gauge `name` with label `key`=`value`; nullopt when no such series.
std::optional<double> gauge(const prometheus::Registry& r, std::string_view name,
                            std::string_view key, std::string_view value) {
    for (const auto& f : r.Collect()) {
        if (f.name != name) continue;
        for (const auto& m : f.metric) {
            for (const auto& l : m.label) {
                if (l.name == key && l.value == value) return m.gauge.value;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("stream samples: a series' amounts and currency reach traffic_loss", "[daemon][unit]") {
    config::WindowsConfig c;
    c.allowed_lateness = 0s;
    c.sets = {{"provider", {"provider"}, 100, false}};
    std::vector<core::Sample> amounts;
    streams::WindowStore windows(c, nullptr, [&](std::vector<core::Sample>&& ss) {
        for (const auto& s : ss) {
            auto m = daemon::to_detector_sample(s);
            if (m && m->first == detect::Measure::amount) amounts.push_back(m->second);
        }
    });
    for (int i = 0; i < 4; ++i) {
        streams::TxEvent e;
        e.id = "tx" + std::to_string(i);
        e.ts = kT0 + std::chrono::seconds(10 * i);
        e.provider = "giftly";
        e.status = i == 3 ? streams::TxStatus::failed : streams::TxStatus::success;
        e.amount = 25;
        e.has_amount = true;
        e.currency = "USD";
        REQUIRE(windows.add(e) == streams::AddOutcome::applied);
    }
    windows.advance(kT0 + 1min);
    REQUIRE(amounts.size() == 1);
    // Successes only: three of 25 USD.
    CHECK(amounts[0].value == Approx(75));
    CHECK(amounts[0].weight == Approx(3));
    CHECK(amounts[0].labels.get("currency") == "USD");
    CHECK(amounts[0].labels.get("metric") == "amount");
    CHECK(amounts[0].labels.get("provider") == "giftly");
}

TEST_CASE("Wall: a traffic loss's rates and revenue at risk exported per series",
          "[daemon][unit]") {
    prometheus::Registry registry;
    daemon::Wall wall(registry);
    config::Config cfg;
    config::RuleConfig rc = detect::default_rule(detect::Measure::volume);
    std::vector<std::unique_ptr<detect::Detector>> rules;
    rules.push_back(std::make_unique<detect::TrafficLossDetector>(rc));
    const core::Labels volume{{"provider", "giftly"}, {"set", "provider"}, {"metric", "volume"}};
    auto amount = volume;
    amount.set("metric", "amount");
    amount.set("currency", "USD");
    // 5-minute buckets of 100 transactions worth 20 USD each for three days, then 10.
    std::vector<detect::Signal> out;
    const long drop = 3 * 1440 + 600;
    for (long m = 0; m <= drop + 10; m += 5) {
        const double n = m >= drop ? 10 : 100;
        const core::TimePoint t = kT0 + std::chrono::minutes(m);
        rules[0]->observe(detect::Measure::volume, core::Sample{volume, t, n}, {}, out);
        rules[0]->observe(detect::Measure::amount, core::Sample{amount, t, n * 20, n}, {}, out);
    }
    REQUIRE_FALSE(out.empty());
    CHECK(out.back().active);

    wall.refresh({cfg, {}, {}, rules, 0, true, "t"}, kT0 + std::chrono::minutes(drop + 10));
    CHECK(gauge(registry, "noctua_traffic_expected_rate", "provider", "giftly") ==
          Approx(1200).epsilon(0.01));
    CHECK(gauge(registry, "noctua_traffic_observed_rate", "provider", "giftly") ==
          Approx(120).epsilon(0.01));
    // (1,200 - 120) missing an hour × 20 USD, labelled with the currency.
    CHECK(gauge(registry, "noctua_traffic_revenue_at_risk_per_hour", "currency", "USD") ==
          Approx(21600).epsilon(0.01));

    rules.clear();
    wall.refresh({cfg, {}, {}, rules, 0, true, "t"}, kT0 + std::chrono::minutes(drop + 11));
    CHECK_FALSE(gauge(registry, "noctua_traffic_expected_rate", "provider", "giftly"));
    CHECK_FALSE(gauge(registry, "noctua_traffic_revenue_at_risk_per_hour", "currency", "USD"));
}
