#include <catch2/catch.hpp>

#include "noctua/detect/downtime.hpp"
#include "noctua/detect/kinds/downtime.hpp"
#include "noctua/testing/rule_options.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using detect::HealthTracker;

namespace {
core::TimePoint at(int seconds) { return core::TimePoint{std::chrono::seconds(seconds)}; }

/// The rule ProviderDown: down after `failures` failed runs in a row, up after `successes`.
config::RuleConfig provider_down(int failures, int successes) {
    config::RuleConfig rc;
    rc.name = "ProviderDown";
    noctua::testing::edit_options<detect::DowntimeOptions>(rc, [&](auto& d) {
        d.failures = failures;
        d.successes = successes;
    });
    return rc;
}
}  // namespace

TEST_CASE("HealthTracker: goes down after N consecutive failures", "[detect][unit]") {
    HealthTracker t{3, 2};
    CHECK(t.observe(false, at(0)) == HealthTracker::Change::none);
    CHECK(t.observe(false, at(10)) == HealthTracker::Change::none);
    CHECK_FALSE(t.down());
    CHECK(t.observe(false, at(20)) == HealthTracker::Change::went_down);
    CHECK(t.down());
    CHECK(t.failing_since() == at(0));
    CHECK(t.since() == at(20));
    // Staying down reports nothing new.
    CHECK(t.observe(false, at(30)) == HealthTracker::Change::none);
}

TEST_CASE("HealthTracker: a success breaks the run of failures", "[detect][unit]") {
    HealthTracker t{3, 2};
    t.observe(false, at(0));
    t.observe(false, at(10));
    CHECK(t.observe(true, at(20)) == HealthTracker::Change::none);
    t.observe(false, at(30));
    t.observe(false, at(40));
    CHECK_FALSE(t.down());
    CHECK(t.observe(false, at(50)) == HealthTracker::Change::went_down);
    CHECK(t.failing_since() == at(30));
}

TEST_CASE("HealthTracker: recovers after M consecutive successes only", "[detect][unit]") {
    HealthTracker t{1, 3};
    CHECK(t.observe(false, at(0)) == HealthTracker::Change::went_down);
    CHECK(t.observe(true, at(10)) == HealthTracker::Change::none);
    CHECK(t.observe(true, at(20)) == HealthTracker::Change::none);
    CHECK(t.observe(false, at(30)) == HealthTracker::Change::none);  // flap: still down
    CHECK(t.down());
    CHECK(t.observe(true, at(40)) == HealthTracker::Change::none);
    CHECK(t.observe(true, at(50)) == HealthTracker::Change::none);
    CHECK(t.observe(true, at(60)) == HealthTracker::Change::went_up);
    CHECK_FALSE(t.down());
    CHECK(t.since() == at(60));
}

TEST_CASE("HealthTracker: successes while up never signal", "[detect][unit]") {
    HealthTracker t{2, 2};
    for (int i = 0; i < 10; ++i) CHECK(t.observe(true, at(i)) == HealthTracker::Change::none);
}

TEST_CASE("DowntimeRule: fires once and resolves once per series", "[detect][unit]") {
    auto rc = provider_down(2, 1);
    rc.severity = "critical";
    rc.annotations["runbook_url"] = "http://runbooks/provider-down";
    detect::DowntimeRule rule{rc};
    core::Labels a{{"probe", "acme-balance"}, {"provider", "acme"}};
    core::Labels b{{"probe", "zeta-balance"}, {"provider", "zeta"}};

    CHECK_FALSE(rule.observe({a, at(0), 0}, "status 503"));
    CHECK_FALSE(rule.observe({b, at(0), 0}, "timeout"));
    auto fired = rule.observe({a, at(10), 0}, "status 503");
    REQUIRE(fired);
    CHECK(fired->active);
    CHECK(fired->rule == "ProviderDown");
    CHECK(fired->labels.get("severity") == "critical");
    CHECK(fired->labels.get("provider") == "acme");
    CHECK(fired->annotations.at("runbook_url") == "http://runbooks/provider-down");
    CHECK(fired->annotations.at("failure") == "status 503");
    CHECK(fired->summary.find("acme is down") != std::string::npos);
    CHECK(fired->at == at(10));
    CHECK_FALSE(rule.observe({a, at(20), 0}, "status 503"));  // no repeat
    CHECK(rule.series_count() == 2);

    auto resolved = rule.observe({a, at(30), 1});
    REQUIRE(resolved);
    CHECK_FALSE(resolved->active);
    CHECK(resolved->labels == fired->labels);  // same identity
    CHECK_FALSE(rule.observe({a, at(40), 1}));
}

TEST_CASE("DowntimeRule: watches listed probes or all", "[detect][unit]") {
    config::RuleConfig rc;
    rc.name = "X";
    detect::DowntimeRule all{rc};
    CHECK(all.watches("anything"));
    rc.probes = {"p1"};
    detect::DowntimeRule some{rc};
    CHECK(some.watches("p1"));
    CHECK_FALSE(some.watches("p2"));
}

TEST_CASE("DowntimeRule: adopt_state keeps a down series down across reload", "[detect][unit]") {
    auto rc = provider_down(1, 2);
    detect::DowntimeRule old{rc};
    core::Labels a{{"probe", "p"}, {"provider", "acme"}};
    REQUIRE(old.observe({a, at(0), 0}, "connect"));
    noctua::testing::edit_options<detect::DowntimeOptions>(
        rc, [](auto& d) { d.successes = 1; });  // resolves faster
    detect::DowntimeRule fresh{rc};
    fresh.adopt_state(old);
    CHECK_FALSE(fresh.observe({a, at(10), 0}, "connect"));  // no second firing
    auto r = fresh.observe({a, at(20), 1});
    REQUIRE(r);
    CHECK_FALSE(r->active);
}

TEST_CASE("DowntimeRule: flap damping holds a firing alert while results flip",
          "[detect][unit]") {
    auto rc = provider_down(2, 1);
    noctua::testing::edit_options<detect::DowntimeOptions>(rc, [](auto& d) {
        d.flap_window = 6;
        d.flap_threshold = 0.5;
    });
    detect::DowntimeRule rule{rc};
    const core::Labels series{{"probe", "p"}, {"provider", "x"}};
    auto obs = [&](bool ok, int t) { return rule.observe({series, at(t), ok ? 1.0 : 0.0}); };
    REQUIRE(obs(false, 0) == std::nullopt);
    auto fired = obs(false, 10);
    REQUIRE(fired);
    CHECK(fired->active);
    // Without damping the first success would resolve; the history is not flapping yet.
    auto up = obs(true, 20);
    REQUIRE(up);
    CHECK_FALSE(up->active);
    // Now flip: fail, fail (fires), pass, fail, pass... the alert stays firing.
    REQUIRE(obs(false, 30) == std::nullopt);
    auto again = obs(false, 40);
    REQUIRE(again);
    CHECK(again->active);
    CHECK(obs(true, 50) == std::nullopt);  // flapping: held
    CHECK(rule.flapping(series));
    CHECK(obs(false, 60) == std::nullopt);
    CHECK(obs(true, 70) == std::nullopt);
    // Settles: enough stable successes end the flapping and resolve.
    std::optional<detect::Signal> resolved;
    for (int t = 80; t < 200 && !resolved; t += 10) resolved = obs(true, t);
    REQUIRE(resolved);
    CHECK_FALSE(resolved->active);
    CHECK_FALSE(rule.flapping(series));
}
