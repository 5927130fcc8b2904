#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "noctua/sim/generator.hpp"
#include "noctua/sim/scenario.hpp"
#include "noctua/sim/service.hpp"
#include "sim_test_util.hpp"

using namespace noctua;
using namespace noctua::sim;
using namespace noctua::sim::test;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kScenario = R"(
name = "acme outage, giftly traffic drop"

[[step]]
at = "1h"
provider = "giftly"
kind = "traffic_drop"
factor = 0.1

[[step]]
at = "30m"
provider = "acme"
kind = "outage"
mode = "5xx"
for = "20m"

[[step]]
at = "90m"
provider = "giftly"
kind = "heal"
)";

}  // namespace

TEST_CASE("parse_scenario: steps sorted by time, fault keys validated", "[sim][unit]") {
    auto sc = parse_scenario(kScenario, "inline.toml");
    REQUIRE(sc);
    CHECK(sc->name == "acme outage, giftly traffic drop");
    REQUIRE(sc->steps.size() == 3);
    CHECK(sc->steps[0].at == 30min);
    CHECK(sc->steps[0].fault.kind == FaultKind::outage);
    CHECK(sc->steps[0].fault.lasts == 20min);
    CHECK(sc->steps[1].fault.kind == FaultKind::traffic_drop);
    CHECK(sc->steps[1].fault.factor == 0.1);
    CHECK(sc->steps[2].action == TimelineStep::Action::heal);

    auto bad = parse_scenario(R"(
[[step]]
at = "5m"
provider = "acme"
kind = "latency"
)", "bad.toml");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("bad.toml:2:1: step[0]") != std::string::npos);
    CHECK(bad.error().message.find("\"ms\"") != std::string::npos);

    auto unknown = parse_scenario("[[step]]\nat = 5\nprovider = \"a\"\nkind = \"meteor\"\nextra = 1\n", "u.toml");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message.find("u.toml:2:6: step[0].at") != std::string::npos);
    CHECK(unknown.error().message.find("unknown kind \"meteor\"") != std::string::npos);

    CHECK_FALSE(parse_scenario("[[step]\n", "broken.toml"));
}

TEST_CASE("Timeline: steps apply at their event times, for = … expires them", "[sim][unit]") {
    auto sc = parse_scenario(kScenario, "inline.toml");
    REQUIRE(sc);
    auto fleet = test_fleet();
    fleet.traffic.peak_per_minute = 600;
    for (auto& p : fleet.providers) {
        p.balance = 1e9;
        p.utc_offset_minutes = 0;
    }
    const auto start = t0() + 2h;  // 12:00 UTC, a flat part of the daily curve
    core::ManualClock clock{start};
    SimService svc{fleet, clock};
    Generator gen{svc, fleet.traffic, 5, start};
    gen.set_timeline(Timeline{*sc, start});

    std::size_t acme_before = 0, acme_before_failed = 0, acme_during = 0, acme_during_failed = 0;
    std::size_t acme_after = 0, acme_after_failed = 0;
    std::size_t giftly_normal = 0, giftly_dropped = 0, giftly_healed = 0;
    // acme's last success before the outage and first one after it.
    core::TimePoint last_ok_before{};
    core::TimePoint first_ok_after = core::TimePoint::max();
    while (auto e = gen.next(start + 2h)) {
        const auto at = e->ts - start;
        const bool busy = e->error_code == "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT";
        if (e->provider == "acme") {
            auto& n = at < 30min ? acme_before : at < 50min ? acme_during : acme_after;
            auto& f = at < 30min ? acme_before_failed : at < 50min ? acme_during_failed : acme_after_failed;
            ++n;
            if (busy) ++f;
            if (e->status == "success" && at < 30min) last_ok_before = e->ts;
            if (e->status == "success" && at >= 30min) first_ok_after = std::min(first_ok_after, e->ts);
        } else {
            if (at >= 30min && at < 60min) ++giftly_normal;
            if (at >= 60min && at < 90min) ++giftly_dropped;
            if (at >= 90min) ++giftly_healed;
        }
    }
    CHECK(acme_during_failed == acme_during);  // everything fails during the outage
    CHECK(acme_before_failed < acme_before / 50);
    CHECK(acme_after_failed < acme_after / 50);
    CHECK(last_ok_before > start + 30min - 10s);
    CHECK(first_ok_after >= start + 50min);
    CHECK(first_ok_after < start + 50min + 10s);
    const double ratio = static_cast<double>(giftly_dropped) / static_cast<double>(giftly_normal);
    INFO("giftly normal=" << giftly_normal << " dropped=" << giftly_dropped);
    CHECK(ratio == Approx(0.1).margin(0.03));
    CHECK(static_cast<double>(giftly_healed) > 0.8 * static_cast<double>(giftly_normal));
    CHECK(svc.find("acme")->faults().empty());
    CHECK(svc.find("giftly")->faults().empty());
}

TEST_CASE("Timeline: traffic shift moves volume from one provider to another", "[sim][unit]") {
    auto sc = parse_scenario(R"(
[[step]]
at = "10m"
provider = "acme"
kind = "traffic_shift"
to = "giftly"
)", "shift.toml");
    REQUIRE(sc);
    auto fleet = test_fleet();
    fleet.traffic.peak_per_minute = 600;
    for (auto& p : fleet.providers) p.utc_offset_minutes = 0;
    const auto start = t0() + 2h;
    core::ManualClock clock{start};
    SimService svc{fleet, clock};
    REQUIRE(unknown_providers(*sc, svc).empty());
    Generator gen{svc, fleet.traffic, 5, start};
    gen.set_timeline(Timeline{*sc, start});
    std::size_t acme_before = 0, acme_after = 0, giftly_before = 0, giftly_after = 0;
    while (auto e = gen.next(start + 20min)) {
        const bool before = e->ts < start + 10min;
        auto& n = e->provider == "acme" ? (before ? acme_before : acme_after)
                                        : (before ? giftly_before : giftly_after);
        ++n;
    }
    CHECK(acme_after == 0);
    CHECK(static_cast<double>(giftly_after) ==
          Approx(static_cast<double>(acme_before + giftly_before)).epsilon(0.1));
}

TEST_CASE("unknown_providers: names providers the fleet lacks", "[sim][unit]") {
    auto sc = parse_scenario(R"(
[[step]]
at = "1m"
provider = "nobody"
kind = "heal"
[[step]]
at = "1m"
provider = "*"
kind = "traffic_shift"
to = "ghost"
)", "x.toml");
    REQUIRE(sc);
    core::ManualClock clock{t0()};
    SimService svc{test_fleet(), clock};
    CHECK(unknown_providers(*sc, svc) == std::vector<std::string>{"ghost", "nobody"});
}

TEST_CASE("config/examples: fleet.toml and scenario-*.toml load and agree", "[sim][unit]") {
    const std::filesystem::path dir = NOCTUA_SOURCE_DIR "/config/examples";
    auto fleet = load_fleet(dir / "fleet.toml");
    REQUIRE(fleet);
    CHECK(fleet->providers.size() >= 4);
    std::set<std::string> currencies;
    for (const auto& p : fleet->providers) currencies.insert(p.currency);
    CHECK(currencies.size() >= 4);
    CHECK(fleet->providers.front().id == "acme");
    CHECK(fleet->providers.front().static_token == "demo-token");
    core::ManualClock clock{t0()};
    SimService svc{*fleet, clock};
    std::size_t scenarios = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (!name.starts_with("scenario")) continue;
        INFO(name);
        auto sc = load_scenario(entry.path());
        REQUIRE(sc);
        CHECK(unknown_providers(*sc, svc).empty());
        ++scenarios;
    }
    CHECK(scenarios >= 1);
}

TEST_CASE("parse_fleet: defaults, and every error with its position", "[sim][unit]") {
    auto ok = parse_fleet("[[providers]]\nid = \"x\"\ncountry = \"MX\"\n", "f.toml");
    REQUIRE(ok);
    CHECK(ok->providers[0].currency == "MXN");
    CHECK(ok->providers[0].client_id == "x-client");
    CHECK(ok->providers[0].amounts.size() == 6);
    auto bad = parse_fleet(R"(
[[providers]]
id = "a"
colour = "red"
balance = -1
[[providers]]
id = "a"
utc_offset = "noon"
)", "f.toml");
    REQUIRE_FALSE(bad);
    const auto& msg = bad.error().message;
    CHECK(msg.find("f.toml:4:1: providers[0].colour: unknown key") != std::string::npos);
    CHECK(msg.find("providers[0].balance: must be >= 0") != std::string::npos);
    CHECK(msg.find("providers[1].id: duplicate provider id") != std::string::npos);
    CHECK(msg.find("providers[1].utc_offset") != std::string::npos);
    CHECK_FALSE(parse_fleet("seed = 1\n", "empty.toml"));
}

TEST_CASE("parse_fleet: numbers may be integers; a bad list element is named with its position",
          "[sim][unit]") {
    auto ok = parse_fleet("[[providers]]\nid = \"x\"\namounts = [5, 7.5]\nbalance = 100\n", "f.toml");
    REQUIRE(ok);
    CHECK(ok->providers[0].amounts == std::vector<double>{5, 7.5});
    CHECK(ok->providers[0].balance == 100);
    auto bad = parse_fleet("[[providers]]\nid = \"x\"\namounts = [5, \"ten\"]\n", "f.toml");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("f.toml:3:15: providers[0].amounts[1]: expected a number, got string") !=
          std::string::npos);
}
