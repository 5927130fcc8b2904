// The status-test kinds' own keys, read by each kind's parser (SuiteRegistry::add_parsers): a
// misspelt key, a key of another kind, what a suite needs, errors at their positions.
#include <catch2/catch.hpp>

#include "noctua/config/config.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/probes/status_test.hpp"
#include "noctua/probes/suites/reloadly.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/kind_family.hpp"
#include "noctua/testing/registry_parsers.hpp"
#include "probe_runner.hpp"

using namespace noctua;
using Catch::Matchers::StartsWith;

namespace {

const config::KindParsers& suite_parsers() {
    return testing::kind_parsers_of(probes::register_builtin_suites);
}

/// A provider and one status test "t" with `keys` (from line 7 on).
std::string entry(std::string_view keys) {
    return "[[providers]]\nid = \"a\"\nbase_url = \"http://127.0.0.1:9\"\n"
           "[[status_tests]]\nid = \"t\"\nprovider = \"a\"\n" +
           std::string(keys);
}

/// The errors of `entry(keys)` as `t.toml:L:C: key: message` lines, loaded with `kinds`.
std::vector<std::string> errors_of(std::string_view keys,
                                   const config::KindParsers& kinds = suite_parsers()) {
    return testing::load_errors(entry(keys), "t.toml", kinds);
}

}  // namespace

TEST_CASE("suite kinds: every kind supplies its parser and keys; without them only the common "
          "keys load",
          "[probes][config][unit]") {
    testing::check_every_kind_reads_keys(config::kSuiteKinds, suite_parsers().suites());
    // Config alone knows no kind's own keys: they are unknown keys, never silently dropped.
    const auto bare = errors_of("page_size = 2\n", {});
    REQUIRE(bare.size() == 1);
    CHECK_THAT(bare[0], StartsWith("t.toml:7:1: status_tests[0].page_size: unknown key"));
}

TEST_CASE("suite kinds: the reloadly parser reads its keys and reports a misspelt one",
          "[probes][config][unit]") {
    const auto loaded = config::load_string(
        entry("page_size = 2\nmin_balance = 50\nsteps = [\"balance\", \"catalogue\"]\n"), "t.toml",
        suite_parsers());
    REQUIRE(loaded.has_value());
    const auto& suite = loaded->status_tests.at(0);
    const auto& o = suite.options.get<probes::ReloadlyOptions>();
    CHECK(o.page_size == 2);
    CHECK(o.min_balance == 50);
    CHECK(o.max_pages == 100);
    REQUIRE(suite.steps.size() == 2);
    CHECK(suite.steps[1].name == "catalogue");

    const auto typo = errors_of("page_sise = 2\n");
    REQUIRE(typo.size() == 1);
    CHECK_THAT(typo[0], StartsWith("t.toml:7:1: status_tests[0].page_sise: unknown key "
                                   "\"page_sise\" (did you mean \"page_size\"?)"));
    CHECK(errors_of("max_pages = 0\n") ==
          std::vector<std::string>{"t.toml:7:13: status_tests[0].max_pages: must be at least 1, "
                                   "got 0"});
}

TEST_CASE("suite kinds: a key of another kind names the kind it applies to",
          "[probes][config][unit]") {
    // Another kind beside reloadly, with a key of its own.
    config::KindParsers kinds;
    for (const auto& [name, parser] : suite_parsers().suites()) {
        std::vector<std::string_view> keys(parser.keys.begin(), parser.keys.end());
        kinds.add_suite(name, keys, parser.parse);
    }
    constexpr std::string_view kRegionKeys[] = {"region"};
    kinds.add_suite("regional", kRegionKeys, [](const config::Section&, config::StatusTestConfig&) {
        return config::KindOptions{};
    });
    CHECK(errors_of("region = \"eu\"\n", kinds) ==
          std::vector<std::string>{"t.toml:7:10: status_tests[0].region: region applies to kind "
                                   "\"regional\" status tests, not \"reloadly\""});
}

TEST_CASE("suite kinds: a suite is not made from a configuration read without its parser",
          "[probes][unit]") {
    testing::ProbeRunner<core::ManualClock> runner;
    probes::SuiteRegistry kinds;
    probes::register_builtin_suites(kinds);
    kinds.freeze();
    config::StatusTestConfig bare;
    bare.id = "t";
    // The parser gives every suite its steps; without them there is nothing to run.
    auto made = kinds.create(bare, runner.ctx);
    REQUIRE_FALSE(made.has_value());
    CHECK(made.error().message == "reloadly status test \"t\" needs its steps");
}
