#include <catch2/catch.hpp>

#include <string>

#include "noctua/config/config.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/detect/kinds/balance.hpp"
#include "noctua/detect/kinds/downtime.hpp"
#include "noctua/detect/kinds/latency.hpp"
#include "noctua/detect/kinds/traffic_loss.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/registry_parsers.hpp"

using namespace noctua;

namespace {
const config::KindParsers& rule_kinds() {
    return testing::kind_parsers_of(&detect::register_builtin_detectors);
}
std::string errors(std::string_view toml) {
    return testing::config_errors(toml, "rules.toml", rule_kinds());
}
}  // namespace

TEST_CASE("Rule config: each kind reads its own keys", "[detect][config][unit]") {
    auto r = config::load_string(R"(
[[rules]]
name = "Float"
kind = "balance"
warning = 500
critical = 100.5
exhaustion_warning = "4h"
exhaustion_critical = "30m"
burn_window = "2h"
burst = 3
burst_window = "1m"
burst_hold = "3m"
match = { provider = "acme", currency = "USD" }

[[rules]]
name = "Slow"
kind = "latency"
quantile = 0.99
threshold = "1500ms"
baseline_factor = 3
for = "10m"

[[rules]]
name = "SuccessLow"
kind = "downtime"
source = "stream"
min_ratio = 0.8
window = "10m"
min_transactions = 50
slo = 0.995
)",
                                 "<string>", rule_kinds());
    REQUIRE(r);
    REQUIRE(r->rules.size() == 3);
    const auto& b = r->rules[0].options.get<detect::BalanceOptions>();
    CHECK(b.warning == 500);
    CHECK(b.critical == 100.5);
    CHECK(b.exhaustion_warning == std::chrono::hours(4));
    CHECK(b.burst == 3);
    CHECK(b.burst_hold == std::chrono::minutes(3));
    CHECK(r->rules[0].match.get("currency") == "USD");
    const auto& l = r->rules[1].options.get<detect::LatencyOptions>();
    CHECK(l.quantile == 0.99);
    CHECK(l.threshold == std::chrono::milliseconds(1500));
    CHECK(l.for_ == std::chrono::minutes(10));
    const auto& d = r->rules[2].options.get<detect::DowntimeOptions>();
    CHECK(d.source == "stream");
    CHECK(d.min_transactions == 50);
    CHECK(d.slo == 0.995);
}

TEST_CASE("Rule config: another kind's key, bad values and contradictions are positioned",
          "[detect][config][unit]") {
    const auto e = errors(R"([[rules]]
name = "T"
kind = "traffic_loss"
failures = 3
ratio = 0.6
resolve_ratio = 0.4
weeks = -1

[[rules]]
name = "B"
kind = "balance"
warning = 100
critical = 200
burn_window = "0s"
)");
    CHECK(e.find("rules.toml:4:12: rules[0].failures: failures applies to kind \"downtime\" "
                 "rules, not \"traffic_loss\"") != std::string::npos);
    CHECK(e.find("rules.toml:6:17: rules[0].resolve_ratio: resolve_ratio (0.4) must not be "
                 "less than ratio (0.6)") != std::string::npos);
    CHECK(e.find("rules[0].weeks: must be at least 0") != std::string::npos);
    CHECK(e.find("rules.toml:13:12: rules[1].critical: critical (200) must not be above "
                 "warning (100)") != std::string::npos);
    CHECK(e.find("rules[1].burn_window: must be greater than 0") != std::string::npos);
}

TEST_CASE("Rule config: stream-only keys need source = \"stream\"", "[detect][config][unit]") {
    const auto e = errors(R"([[rules]]
name = "D"
kind = "downtime"
min_ratio = 0.9
)");
    CHECK(e.find("rules[0].min_ratio: only for source = \"stream\"") != std::string::npos);
}

TEST_CASE("Rule config: traffic_loss tiers, amount and currency", "[detect][config][unit]") {
    auto r = config::load_string(R"(
[[rules]]
name = "Loss"
kind = "traffic_loss"
amount = 12.5
currency = "EUR"
tiers = [{ window = "10m", ratio = 0.1, for = "1m" }, { window = "1h", ratio = 0.7 }]

[[rules]]
name = "Plain"
kind = "traffic_loss"
tiers = []

[[rules]]
name = "Default"
kind = "traffic_loss"
)",
                                 "<string>", rule_kinds());
    REQUIRE(r);
    const auto& t = r->rules[0].options.get<detect::TrafficLossOptions>();
    REQUIRE(t.tiers.size() == 2);
    CHECK(t.tiers[0].window == std::chrono::minutes(10));
    CHECK(t.tiers[0].ratio == 0.1);
    CHECK(t.tiers[0].for_ == std::chrono::minutes(1));
    CHECK(t.tiers[1].window == std::chrono::hours(1));
    CHECK(t.tiers[1].for_ == core::Duration::zero());
    CHECK(t.amount == 12.5);
    CHECK(t.currency == "EUR");
    CHECK(r->rules[1].options.get<detect::TrafficLossOptions>().tiers.empty());
    const auto& shipped = r->rules[2].options.get<detect::TrafficLossOptions>();
    CHECK(shipped.tiers == detect::TrafficLossOptions{}.tiers);
    CHECK(shipped.tiers.size() == 2);

    const auto e = errors(R"([[rules]]
name = "T"
kind = "traffic_loss"
tiers = [{ window = "1m", ratio = 1.5, depth = 2 }, { ratio = 0.2 }]
)");
    CHECK(e.find("rules[0].tiers[0].depth: unknown key") != std::string::npos);
    CHECK(e.find("rules[0].tiers[0].ratio") != std::string::npos);
    CHECK(e.find("rules[0].tiers[0].window: window (1m) must not be shorter than resolution "
                 "(5m)") != std::string::npos);
    CHECK(e.find("rules[0].tiers[1]") != std::string::npos);
}
