// Templated rule labels and annotations: what load accepts, and every mistake reported at the
// character it is about.
#include <catch2/catch.hpp>

#include <string>

#include "noctua/config/config.hpp"
#include "noctua/config/expr.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua::config;

namespace {

/// The single error of a config whose one rule has `line` as its third line.
std::string error_of(const std::string& line) {
    auto c = load_string("[[rules]]\nname = \"R\"\n" + line + "\n", "t.toml",
                         noctua::testing::builtin_kind_parsers());
    REQUIRE_FALSE(c.has_value());
    for (const auto& e : c.error()) UNSCOPED_INFO(e.to_string());
    REQUIRE(c.error().size() == 1);
    return c.error()[0].to_string();
}

}  // namespace

TEST_CASE("config: rule templates over labels, value and values load", "[config][unit]") {
    auto c = load_string(R"([[rules]]
name = "TrafficLoss"
kind = "traffic_loss"
keep_firing_for = "10m"
labels = { page = "{{ .Labels.provider | toUpper }}-noc", team = "payments" }
annotations = { summary = "{{ $labels.provider }} lost {{ .Value | humanizePercentage }}", description = "{{ .Values.expected_per_hour | humanize }}/h expected; {{ .Annotations.summary }}", runbook_url = "https://runbooks.example/traffic", dashboard_url = "https://grafana.example/d/noc?var-provider={{ .Labels.provider }}" }
)",
                         "t.toml", noctua::testing::builtin_kind_parsers());
    REQUIRE(c.has_value());
    const auto& r = c->rules.at(0);
    CHECK(r.keep_firing_for == std::chrono::minutes(10));
    CHECK(r.labels.get("page") == "{{ .Labels.provider | toUpper }}-noc");
    CHECK(r.annotations.at("runbook_url") == "https://runbooks.example/traffic");
}

TEST_CASE("config: rule template mistakes are positioned errors", "[config][unit]") {
    CHECK(error_of(R"(annotations = { summary = "{{ .Labels.provider }" })") ==
          "t.toml:3:28: rules[0].annotations.summary: unclosed {{: expected }}");
    CHECK(error_of(R"(annotations = { summary = "down: {{ .Lables.provider }}" })") ==
          "t.toml:3:37: rules[0].annotations.summary: unknown name \".Lables\" (did you mean "
          "\".Labels\"?); known names: $labels, $value, .Annotations, .Labels, .Value, .Values");
    CHECK(error_of(R"(annotations = { summary = "{{ .Value | humanise }}" })") ==
          "t.toml:3:40: rules[0].annotations.summary: unknown function \"humanise\"; known "
          "functions: exists, humanize, humanize1024, humanizeDuration, humanizePercentage, len, "
          "lower, title, toLower, toUpper");
    CHECK(error_of(R"(annotations = { summary = "{{ len(.Labels.provider) }}" })") ==
          "t.toml:3:31: rules[0].annotations.summary: len() is not available here; functions: "
          "humanize, humanize1024, humanizeDuration, humanizePercentage, lower, title, toLower, "
          "toUpper");
    CHECK(error_of(R"(annotations = { summary = "{{ .Value > 0.5 }}" })") ==
          "t.toml:3:38: rules[0].annotations.summary: a template shows one value: a path such "
          "as .Labels.provider or .Value, a quoted string or a number, optionally piped to a "
          "function (| humanize)");
    CHECK(error_of(R"(annotations = { summary = "{{ .Labels }}" })") ==
          "t.toml:3:31: rules[0].annotations.summary: .Labels needs one name, such as "
          ".Labels.provider");
    CHECK(error_of(R"(annotations = { summary = "{{ .Value.x }}" })") ==
          "t.toml:3:31: rules[0].annotations.summary: .Value takes no field: write .Value");
    // A label is identity: the value would make the resolve a different alert.
    CHECK(error_of(R"(labels = { level = "{{ .Value }}" })") ==
          "t.toml:3:24: rules[0].labels.level: unknown name \".Value\"; known names: $labels, "
          ".Labels (a label is part of the alert's identity, so it may use only the other "
          "labels; show values in an annotation)");
    CHECK(error_of(R"(keep_firing_for = "-1m")") ==
          "t.toml:3:19: rules[0].keep_firing_for: invalid duration \"-1m\": expected a number "
          "with a unit such as 30s or 5m");
}

TEST_CASE("config: alert template functions are not probe functions", "[config][unit]") {
    auto c = load_string(R"([[providers]]
id = "acme"
base_url = "http://127.0.0.1:1/acme"
[[probes]]
id = "p"
provider = "acme"
path = "/b"
expect = ['humanize(body.x) == "1"']
)",
                         "t.toml", noctua::testing::builtin_kind_parsers());
    REQUIRE_FALSE(c.has_value());
    REQUIRE(c.error().size() == 1);
    CHECK(c.error()[0].to_string() ==
          "t.toml:8:12: probes[0].expect[0]: humanize() is not available here; functions: "
          "exists, len, lower");
}

TEST_CASE("expr: pipes are calls and count as nesting", "[config][unit]") {
    auto e = expr::parse(".Value | humanize | toUpper");
    REQUIRE(e.has_value());
    CHECK(e->root().kind == expr::Node::Kind::call);
    CHECK(e->root().text == "toUpper");
    CHECK(e->root().children[0]->text == "humanize");
    CHECK(e->roots() == std::vector<std::string>{".Value"});
    CHECK(expr::parse("a || b").has_value());  // || is still or
    std::string deep = "$value";
    for (std::size_t i = 0; i < expr::kMaxDepth + 1; ++i) deep += " | humanize";
    auto bad = expr::parse(deep);
    REQUIRE_FALSE(bad.has_value());
    CHECK_THAT(bad.error().message, Catch::StartsWith("nested too deeply"));
    CHECK_FALSE(expr::parse(".Value |").has_value());
}
