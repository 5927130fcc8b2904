// The rule kinds' own keys, read by each kind's parser (DetectorRegistry::add_parsers): a
// misspelt key, a key of another kind, a rule read without the parsers, errors at their
// positions.
#include <catch2/catch.hpp>

#include <string>

#include "noctua/config/config.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/detect/kinds/balance.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/kind_family.hpp"
#include "noctua/testing/registry_parsers.hpp"

using namespace noctua;
using Catch::Matchers::StartsWith;

namespace {

const config::KindParsers& rule_parsers() {
    return testing::kind_parsers_of(detect::register_builtin_detectors);
}

/// One rule "R" of `kind` with `keys` (from line 4 on).
std::string rule(std::string_view kind, std::string_view keys) {
    return testing::kind_entry(config::kRuleKinds, "name = \"R\"", kind, keys);
}

/// The errors of `rule(kind, keys)` read with `parsers`, one `t.toml:L:C: key: message` line
/// each; "" when it loads.
std::string errors_of(std::string_view kind, std::string_view keys,
                      const config::KindParsers& parsers = rule_parsers()) {
    return testing::config_errors(rule(kind, keys), "t.toml", parsers);
}

}  // namespace

TEST_CASE("rule kinds: every kind supplies its parser and keys; without them its keys are refused",
          "[detect][config][unit]") {
    testing::check_every_kind_reads_keys(config::kRuleKinds, rule_parsers().rules());
    // Config alone knows no kind's own keys: they are unknown keys, never silently dropped.
    const config::KindParsers none;
    CHECK_THAT(errors_of("latency", "quantile = 0.99\n", none),
               StartsWith("t.toml:4:1: rules[0].quantile: unknown key \"quantile\""));
    // The keys every rule shares load without any kind's parser.
    CHECK(errors_of("latency", "labels = { team = \"noc\" }\nkeep_firing_for = \"5m\"\n", none)
              .empty());
}

TEST_CASE(
    "rule kinds: each parser reads its own keys and reports a misspelt one at "
    "FILE:LINE:COL",
    "[detect][config][unit]") {
    const auto loaded =
        config::load_string(rule("balance", "warning = 50\nburst = 2\n"), "t.toml", rule_parsers());
    REQUIRE(loaded);
    CHECK(loaded->rules[0].options.get<detect::BalanceOptions>().warning == 50);
    CHECK(loaded->rules[0].options.get<detect::BalanceOptions>().burst == 2);
    CHECK_THAT(errors_of("traffic_loss", "ratio = 0.3\nsensitivty = 2\n"),
               StartsWith("t.toml:5:1: rules[0].sensitivty: unknown key \"sensitivty\" (did you "
                          "mean \"sensitivity\"?)"));
    // A bad value of an own key, at the value.
    CHECK(errors_of("latency", "window = \"0s\"\n") ==
          "t.toml:4:10: rules[0].window: must be greater than 0\n");
}

TEST_CASE("rule kinds: a key of another kind names the kinds it applies to",
          "[detect][config][unit]") {
    CHECK(errors_of("latency", "tiers = []\n") ==
          "t.toml:4:9: rules[0].tiers: tiers applies to kind \"traffic_loss\" rules, not "
          "\"latency\"\n");
    CHECK(errors_of("traffic_loss", "probes = [\"p\"]\n") ==
          "t.toml:4:10: rules[0].probes: probes applies to kinds \"balance\", \"downtime\", "
          "\"latency\" rules, not \"traffic_loss\"\n");
    CHECK(errors_of("balance", "quantile = 0.9\n") ==
          "t.toml:4:12: rules[0].quantile: quantile applies to kind \"latency\" rules, not "
          "\"balance\"\n");
}
