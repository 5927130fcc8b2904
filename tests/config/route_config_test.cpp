#include <catch2/catch.hpp>

#include "noctua/config/config.hpp"
#include "noctua/testing/config_fixtures.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

config::LoadResult load(std::string_view rest) {
    return config::load_string(testing::noc_and_pager() + std::string(rest), "test.toml");
}

std::string errors(std::string_view rest) {
    auto out = testing::config_errors(testing::noc_and_pager() + std::string(rest));
    REQUIRE_FALSE(out.empty());
    return out;
}

}  // namespace

TEST_CASE("config: a routing tree with matchers, continue, grouping and time intervals",
          "[config][unit]") {
    auto r = load(std::string(testing::kInhibitOnProviderDown) + R"(
[[time_intervals]]
name = "business-hours"
[[time_intervals.periods]]
times = ["09:00-18:00"]
weekdays = ["monday:friday"]
location = "Europe/Madrid"

[route]
receiver = "noc"
group_by = ["provider"]
group_wait = "0s"
[[route.routes]]
matchers = ['tier="premium"', 'severity=~"page|critical"']
receiver = "pager"
continue = true
repeat_interval = "1h"
active_time_intervals = ["business-hours"]
  [[route.routes.routes]]
  match = { provider = "acme" }
)");
    REQUIRE(r);
    const auto& route = r->route;
    CHECK(route.receiver == "noc");
    CHECK(route.group_by == std::vector<std::string>{"provider"});
    CHECK(route.group_wait == 0s);
    REQUIRE(route.routes.size() == 1);
    const auto& child = route.routes[0];
    CHECK(child.continue_matching);
    CHECK(child.repeat_interval == 1h);
    CHECK(core::to_string(child.matchers) == R"({tier="premium", severity=~"page|critical"})");
    CHECK(child.active_time_intervals == std::vector<std::string>{"business-hours"});
    REQUIRE(child.routes.size() == 1);
    CHECK(child.routes[0].receiver.empty());  // inherited when the tree is built
    REQUIRE(r->inhibit.size() == 1);
    CHECK(r->inhibit[0].equal == std::vector<std::string>{"provider"});
    CHECK(core::to_string(r->inhibit[0].target) == R"({alertname=~"TrafficLoss|BalanceLow"})");
    REQUIRE(r->time_intervals.size() == 1);
    CHECK(r->time_intervals[0].ranges.at(0).location != nullptr);
}

TEST_CASE("config: routing mistakes are positioned errors", "[config][unit]") {
    // A document after the two receivers, and what its errors contain.
    struct Case {
        std::string_view toml;
        std::vector<std::string_view> errors;
    };
    const Case cases[] = {
        {R"(
[route]
receiver = "noc"
[[route.routes]]
matchers = ['provider=~"(unclosed"']
receiver = "nobody"
mute_time_intervals = ["weekends"]
)",
         {"test.toml:12:12: route.routes[0].matchers: invalid regex",
          "route.routes[0].receiver: unknown receiver \"nobody\"",
          "route.routes[0].mute_time_intervals: unknown time interval \"weekends\""}},
        {R"(
[route]
receiver = "noc"
matchers = ['a="b"']
group_by = ["not-a-label"]
group_interval = "0s"
)",
         {"route.matchers: the root route takes every alert",
          "route.group_by: \"not-a-label\" is not a label name",
          "route.group_interval: must be positive"}},
        {R"(
[route]
receiver = "noc"
[[inhibit]]
equal = ["provider"]
[[time_intervals]]
name = "x"
[[time_intervals.periods]]
times = ["18:00-09:00"]
location = "Mars/Olympus"
)",
         {"inhibit[0]: an inhibit rule needs source",
          "time_intervals[0].periods[0].times: invalid time range",
          "unknown time zone \"Mars/Olympus\""}},
    };
    for (const auto& c : cases) {
        const auto e = errors(c.toml);
        for (const auto part : c.errors) CHECK_THAT(e, Contains(std::string(part)));
    }
}

TEST_CASE("config: a routing tree nested too deep is refused, not recursed into",
          "[config][unit]") {
    std::string toml = "[route]\nreceiver = \"noc\"\n";
    std::string path = "route";
    for (int i = 0; i < 40; ++i) {
        path += ".routes";
        toml += "[[" + path + "]]\nmatch = { a = \"" + std::to_string(i) + "\" }\n";
    }
    CHECK_THAT(errors(toml), Contains("routes nest deeper than 16 levels"));
}
