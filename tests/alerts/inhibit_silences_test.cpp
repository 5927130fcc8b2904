#include <catch2/catch.hpp>

#include "noctua/alerts/inhibit.hpp"
#include "noctua/alerts/silences.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {
core::TimePoint at(std::chrono::seconds s) { return core::TimePoint{s}; }
alerts::Alert firing(core::Labels l) {
    alerts::Alert a;
    a.labels = std::move(l);
    return a;
}
}  // namespace

TEST_CASE("Inhibitor: a provider down mutes that provider's traffic and balance alerts",
          "[alerts][unit]") {
    alerts::Inhibitor inh{
        {alerts::InhibitRule{*core::parse_matchers(R"(alertname="ProviderDown")"),
                             *core::parse_matchers(R"(alertname=~"TrafficLoss|BalanceLow")"),
                             {"provider"}}}};
    const std::vector<alerts::Alert> now{
        firing({{"alertname", "ProviderDown"}, {"provider", "acme"}})};

    CHECK(inh.inhibited_by({{"alertname", "TrafficLoss"}, {"provider", "acme"}, {"country", "MX"}},
                           now) != nullptr);
    CHECK(inh.inhibited_by({{"alertname", "BalanceLow"}, {"provider", "acme"}}, now) != nullptr);
    CHECK(inh.inhibited_by({{"alertname", "TrafficLoss"}, {"provider", "zeta"}}, now) == nullptr);
    CHECK(inh.inhibited_by({{"alertname", "LatencyHigh"}, {"provider", "acme"}}, now) == nullptr);
    // The source never inhibits itself, and a resolved source inhibits nothing.
    CHECK(inh.inhibited_by(now[0].labels, now) == nullptr);
    auto resolved = now;
    resolved[0].state = alerts::AlertState::resolved;
    CHECK(inh.inhibited_by({{"alertname", "TrafficLoss"}, {"provider", "acme"}}, resolved) ==
          nullptr);
}

TEST_CASE("Silences: add, mute while active, expire, gc; bad silences refused", "[alerts][unit]") {
    alerts::Silences s;
    alerts::Silence in;
    in.matchers = *core::parse_matchers(R"(provider="acme")");
    in.starts_at = at(100s);
    in.ends_at = at(200s);
    in.created_by = "noc";
    in.comment = "maintenance";
    auto added = s.add(in, at(50s), 0xabc);
    REQUIRE(added);
    CHECK(added->id == "0000000000000abc");
    const core::Labels acme{{"alertname", "X"}, {"provider", "acme"}};
    CHECK(s.muting(acme, at(99s)) == nullptr);  // pending
    CHECK(s.muting(acme, at(150s)) != nullptr);
    CHECK(s.muting({{"provider", "zeta"}}, at(150s)) == nullptr);

    auto ex = s.expire(added->id, at(160s));
    REQUIRE(ex);
    CHECK(ex->state(at(160s)) == alerts::Silence::State::expired);
    CHECK(s.muting(acme, at(170s)) == nullptr);
    CHECK_FALSE(s.expire("nope", at(170s)));
    CHECK(s.list().size() == 1);
    CHECK(s.gc(at(160s) + 24h, 24h) == std::vector<std::string>{added->id});
    CHECK(s.list().empty());

    alerts::Silence everything;
    everything.matchers = *core::parse_matchers(R"(provider=~".*")");
    everything.ends_at = at(500s);
    CHECK_FALSE(s.add(everything, at(0s), 1));
    alerts::Silence none;
    none.ends_at = at(500s);
    CHECK_FALSE(s.add(none, at(0s), 1));
    alerts::Silence past = in;
    CHECK_FALSE(s.add(past, at(300s), 1));  // ends before now
}
