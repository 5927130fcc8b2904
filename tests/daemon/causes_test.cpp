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

namespace {

const core::TimePoint kDay0{std::chrono::seconds(1704067200)};  // 2024-01-01T00:00:00Z

/// Feeds a per-minute volume for one window series over [from, to) minutes after kDay0.
void volume(daemon::VolumeHistory& h, core::Labels dims, long from, long to, double per_minute) {
    dims.set("metric", "volume");
    for (long m = from; m < to; ++m) {
        h.observe(core::Sample{dims, kDay0 + std::chrono::minutes(m + 1), per_minute});
    }
}

core::Labels dims(std::initializer_list<std::pair<std::string, std::string>> kv,
                  std::string_view set) {
    core::Labels l;
    for (const auto& [k, v] : kv) l.set(k, v);
    l.set("set", set);
    return l;
}

/// A TrafficLoss signal's labels on acme's provider series: dimensions, set, metric and the
/// labels the rule adds.
core::Labels lost_acme() {
    return core::Labels{{"provider", "acme"},
                        {"set", "provider"},
                        {"metric", "volume"},
                        {"severity", "critical"},
                        {"team", "noc"}};
}

constexpr long kDay = 1440;
const auto kWindow = std::chrono::minutes(30);

}  // namespace

TEST_CASE("VolumeHistory: one customer carrying most of the loss is named", "[daemon][unit]") {
    daemon::VolumeHistory h;
    // Two days of traffic on provider acme: cust-1 60/min, cust-2 20/min, cust-3 20/min; on
    // day two from 12:00 cust-1 sends nothing (its wallet ran dry), the others carry on.
    const long cut = kDay + 720;
    volume(h, dims({{"provider", "acme"}}, "provider"), 0, cut, 100);
    volume(h, dims({{"provider", "acme"}}, "provider"), cut, cut + 60, 40);
    volume(h, dims({{"provider", "acme"}, {"customer", "cust-1"}}, "provider_customer"), 0, cut,
           60);
    volume(h, dims({{"provider", "acme"}, {"customer", "cust-1"}}, "provider_customer"), cut,
           cut + 60, 0);
    for (auto c : {"cust-2", "cust-3"}) {
        volume(h, dims({{"provider", "acme"}, {"customer", c}}, "provider_customer"), 0, cut + 60,
               20);
    }
    const auto now = kDay0 + std::chrono::minutes(cut + 60);
    auto cause = h.explain_loss(lost_acme(), now, kWindow);
    REQUIRE(cause);
    CHECK(
        cause->starts_with("one customer carries most of the loss: customer cust-1 accounts "
                           "for 100% of the missing volume"));

    SECTION("a loss spread evenly over customers names none") {
        daemon::VolumeHistory even;
        for (auto c : {"cust-1", "cust-2", "cust-3"}) {
            auto d = dims({{"provider", "acme"}, {"customer", c}}, "provider_customer");
            const double usual = std::string_view(c) == "cust-1" ? 60 : 20;
            volume(even, d, 0, cut, usual);
            volume(even, d, cut, cut + 60, usual / 2);
        }
        CHECK_FALSE(even.explain_loss(lost_acme(), now, kWindow));
    }
}

TEST_CASE("VolumeHistory: traffic moved to another provider is a routing shift", "[daemon][unit]") {
    daemon::VolumeHistory h;
    const long cut = kDay + 900;
    // acme and globex both serve ES; from day two 15:00 most of acme's ES traffic goes to
    // globex, which also serves MX (unchanged).
    auto acme_es = dims({{"provider", "acme"}, {"country", "ES"}}, "provider_country");
    auto globex_es = dims({{"provider", "globex"}, {"country", "ES"}}, "provider_country");
    auto globex_mx = dims({{"provider", "globex"}, {"country", "MX"}}, "provider_country");
    volume(h, acme_es, 0, cut, 80);
    volume(h, acme_es, cut, cut + 60, 16);
    volume(h, globex_es, 0, cut, 10);
    volume(h, globex_es, cut, cut + 60, 74);
    volume(h, globex_mx, 0, cut + 60, 50);
    const auto now = kDay0 + std::chrono::minutes(cut + 60);
    auto cause = h.explain_loss(lost_acme(), now, kWindow);
    REQUIRE(cause);
    CHECK(*cause ==
          "traffic moved to another provider: globex gained 3840/h of the 3840/h acme "
          "lost against the same time yesterday (routing shift)");

    SECTION("without the rise elsewhere it is no routing shift") {
        daemon::VolumeHistory alone;
        volume(alone, acme_es, 0, cut, 80);
        volume(alone, acme_es, cut, cut + 60, 16);
        volume(alone, globex_es, 0, cut + 60, 10);
        CHECK_FALSE(alone.explain_loss(lost_acme(), now, kWindow));
    }
    SECTION("without a day of history there is nothing to compare") {
        daemon::VolumeHistory young;
        volume(young, acme_es, cut - 120, cut, 80);
        volume(young, acme_es, cut, cut + 60, 16);
        volume(young, globex_es, cut - 120, cut + 60, 74);
        CHECK_FALSE(young.explain_loss(lost_acme(), now, kWindow));
    }
}
