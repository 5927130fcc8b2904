#include <catch2/catch.hpp>

#include "causes.hpp"

using namespace noctua;

namespace {
alerts::Alert alert(std::string name, std::string provider, int starts) {
    alerts::Alert a;
    a.labels = core::Labels{{"alertname", name}, {"provider", provider}};
    a.starts_at = core::TimePoint{std::chrono::seconds(starts)};
    return a;
}
}  // namespace

TEST_CASE("likely_cause: a down provider or a short balance explains a traffic loss",
          "[daemon][unit]") {
    auto down = alert("ProviderDown", "acme", 100);
    auto balance = alert("BalanceLow", "acme", 50);
    auto other = alert("ProviderDown", "zeta", 10);
    auto latency = alert("LatencyHigh", "acme", 5);

    CHECK_FALSE(daemon::likely_cause("acme", {}).has_value());
    CHECK_FALSE(daemon::likely_cause("acme", {{&other, "downtime"}, {&latency, "latency"}}));

    auto c = daemon::likely_cause("acme", {{&down, "downtime"}, {&other, "downtime"}});
    REQUIRE(c);
    CHECK(*c == "provider acme is down (ProviderDown firing since 1970-01-01T00:01:40Z)");

    // The earliest explanation wins.
    c = daemon::likely_cause("acme", {{&down, "downtime"}, {&balance, "balance"}});
    REQUIRE(c);
    CHECK(c->starts_with("provider acme balance is short (BalanceLow"));
}
