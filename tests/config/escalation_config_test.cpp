#include <catch2/catch.hpp>

#include "noctua/config/config.hpp"
#include "noctua/testing/config_fixtures.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

/// Receivers "noc", "pager" and "manager" (lines 1–9).
const std::string kReceivers = testing::log_receivers({"noc", "pager", "manager"});

config::LoadResult load(std::string_view rest) {
    return config::load_string(kReceivers + std::string(rest), "test.toml");
}

std::string errors(std::string_view rest) {
    auto out = testing::config_errors(kReceivers + std::string(rest));
    REQUIRE_FALSE(out.empty());
    return out;
}

}  // namespace

TEST_CASE("config: escalation chains, named by routes and inherited", "[config][unit]") {
    auto r = load(R"(
[[escalations]]
name = "oncall"
steps = [{ after = "10m", receiver = "pager" }, { after = "30m", receiver = "manager" }]

[[escalations]]
name = "slow"
[[escalations.steps]]
after = "1h"
receiver = "manager"

[route]
receiver = "noc"
escalation = "oncall"
[[route.routes]]
match = { tier = "standard" }
escalation = "slow"
[[route.routes]]
match = { tier = "test" }
escalation = ""
)");
    REQUIRE(r);
    REQUIRE(r->escalations.size() == 2);
    const auto& e = r->escalations[0];
    CHECK(e.name == "oncall");
    REQUIRE(e.steps.size() == 2);
    CHECK(e.steps[0].after == 10min);
    CHECK(e.steps[0].receiver == "pager");
    CHECK(e.steps[1].after == 30min);
    CHECK(r->escalations[1].steps.at(0).after == 1h);
    CHECK(r->route.escalation == "oncall");
    CHECK(r->route.routes.at(0).escalation == "slow");
    CHECK(r->route.routes.at(1).escalation == "");
}

TEST_CASE("config: escalation mistakes are reported where they are", "[config][unit]") {
    SECTION("an unknown receiver in a step, an unknown chain on a route") {
        auto e = errors(R"([[escalations]]
name = "oncall"
steps = [{ after = "10m", receiver = "pagr" }]
[route]
receiver = "noc"
escalation = "on-call"
)");
        CHECK_THAT(e, Contains("test.toml:12:38: escalations[0].steps[0].receiver: unknown "
                               "receiver \"pagr\" (did you mean \"pager\"?)"));
        CHECK_THAT(e, Contains("test.toml:15:14: route.escalation: unknown escalation "
                               "\"on-call\" (did you mean \"oncall\"?)"));
    }
    SECTION("steps out of order, a zero delay, unknown keys, no steps") {
        auto e = errors(R"([[escalations]]
name = "oncall"
steps = [{ after = "30m", receiver = "pager" }, { after = "10m", receiver = "manager" },
         { after = "0s", receiver = "manager", notify = "x" }]
[[escalations]]
name = "empty"
[[escalations]]
name = "oncall"
steps = [{ receiver = "pager" }]
[route]
receiver = "noc"
)");
        CHECK_THAT(e, Contains("escalations[0].steps[1].after: must be later than the step "
                               "before (30m)"));
        CHECK_THAT(e, Contains("escalations[0].steps[2].after: must be positive"));
        CHECK_THAT(e, Contains("escalations[0].steps[2].notify: unknown key"));
        CHECK_THAT(e, Contains("escalations[1]: an escalation needs steps"));
        CHECK_THAT(e, Contains("escalations[2].name: duplicate escalation name \"oncall\" "
                               "(first defined at line 11)"));
        CHECK_THAT(e, Contains("escalations[2].steps[0]: missing required key \"after\""));
    }
}
