// Rendering rule templates: Prometheus's humanising formats, missing data, hostile input.
#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "noctua/alerts/template.hpp"
#include "noctua/testing/cases.hpp"

using namespace noctua;

namespace {

std::string render(const std::string& text, const alerts::TemplateData& d) {
    auto t = config::expr::parse_template(text);
    REQUIRE(t.has_value());
    return alerts::render(*t, d);
}

}  // namespace

TEST_CASE("template: humanize functions follow Prometheus's formats", "[alerts][unit]") {
    // Each function's numbers and the text it must give for them.
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const std::pair<double, std::string_view> humanize[] = {
        {0, "0"},      {1234567, "1.235M"}, {999, "999"},  {-2500, "-2.5k"},
        {0.002, "2m"}, {1e30, "1e+06Y"},    {kNaN, "NaN"},
    };
    testing::check_each(humanize, alerts::humanize);
    const std::pair<double, std::string_view> humanize_1024[] = {{1048576, "1Mi"}, {0.5, "0.5"}};
    testing::check_each(humanize_1024, alerts::humanize_1024);
    const std::pair<double, std::string_view> humanize_duration[] = {
        {0, "0s"},       {5400, "1h 30m 0s"}, {93784, "1d 2h 3m 4s"},
        {61.5, "1m 1s"}, {12.346, "12.35s"},  {-90, "-1m 30s"},
        {0.25, "250ms"}, {1e300, "1e+300s"},  {-kInf, "-Inf"},
    };
    testing::check_each(humanize_duration, alerts::humanize_duration);
    const std::pair<double, std::string_view> humanize_percentage[] = {{0.4123, "41.23%"},
                                                                       {1, "100%"}};
    testing::check_each(humanize_percentage, alerts::humanize_percentage);
}

TEST_CASE("template: labels, value, values and annotations render; missing ones are empty",
          "[alerts][unit]") {
    const core::Labels labels{{"provider", "acme"}, {"country", "ng"}};
    const std::map<std::string, double> values{{"expected_per_hour", 12500}};
    const alerts::Annotations own{{"summary", "traffic down"}};
    const alerts::TemplateData d{&labels, 0.4123, &values, &own};
    CHECK(
        render("{{ .Labels.provider }} in {{ $labels.country | toUpper }}: "
               "{{ .Value | humanizePercentage }} of {{ .Values.expected_per_hour | humanize }}/h",
               d) == "acme in NG: 41.23% of 12.5k/h");
    CHECK(render("{{ .Annotations.summary | title }} ({{ $value }})", d) ==
          "Traffic Down (0.4123)");
    CHECK(render("[{{ .Labels.missing }}][{{ .Values.missing }}][{{ .Annotations.x }}]", d) ==
          "[][][]");
    CHECK(render("{{ .Labels.provider | humanize }}", d) == "acme");  // text stays text
    CHECK(render("{{ \"3600\" | humanizeDuration }} {{ 0.5 }}", d) == "1h 0m 0s 0.5");
    const alerts::TemplateData empty;
    CHECK(render("{{ .Labels.provider }}/{{ .Value }}", empty) == "/0");
}

TEST_CASE("template: output is bounded, cut at a character boundary", "[alerts][unit]") {
    std::string big;
    for (int i = 0; i < 3000; ++i) big += "é";  // 2 bytes each
    const core::Labels labels{{"x", big}};
    const alerts::TemplateData d{&labels, 0, nullptr, nullptr};
    const auto out = render("{{ .Labels.x }}{{ .Labels.x }}", d);
    CHECK(out.size() <= alerts::kMaxRenderedBytes);
    CHECK(out.ends_with("…"));
    CHECK(out.starts_with("éé"));
    CHECK((out.size() - std::string_view("…").size()) % 2 == 0);
}

TEST_CASE("template: nodes rule templates do not allow render as nothing", "[alerts][unit]") {
    const alerts::TemplateData d;
    CHECK(render("a{{ 1 > 0 }}b{{ [1, 2] }}c{{ len(\"x\") }}", d) == "abc");
}

TEST_CASE("RuleTemplates: renders the rule's labels and annotations into an input",
          "[alerts][unit]") {
    config::RuleConfig rule;
    rule.name = "TrafficLoss";
    rule.labels = {{"page", "{{ .Labels.provider }}-noc"},
                   {"team", "payments"},
                   {"region", "{{ .Labels.nothing }}"}};
    rule.annotations = {{"summary", "{{ .Labels.provider }}: {{ .Annotations.summary }}"},
                        {"runbook_url", "https://runbooks.example/traffic"},
                        {"description", "[{{ .Annotations.description }}]"}};
    const alerts::RuleTemplates t(rule);
    REQUIRE_FALSE(t.empty());

    alerts::AlertInput in;
    // As a detector makes it: series labels, then the rule's labels where the series has none.
    in.labels = {{"alertname", "TrafficLoss"}, {"provider", "acme"}};
    in.labels.merge_missing(rule.labels);
    // As make_signal leaves them: the rule's raw annotations, the detector's summary.
    in.annotations = rule.annotations;
    in.annotations["summary"] = "41% below expected";
    t.apply(in, 0.41, {});
    CHECK(in.annotations.at("description") == "[]");  // its own raw text is not data
    CHECK(in.labels.get("page") == "acme-noc");
    CHECK(in.labels.get("team") == "payments");
    CHECK_FALSE(in.labels.contains("region"));  // rendered empty: no label
    CHECK(in.annotations.at("summary") == "acme: 41% below expected");
    CHECK(in.annotations.at("runbook_url") == "https://runbooks.example/traffic");

    SECTION("a series label of the same name wins over the rule's template") {
        alerts::AlertInput own;
        own.labels = {{"alertname", "TrafficLoss"}, {"provider", "acme"}, {"page", "p1"}};
        own.labels.merge_missing(rule.labels);
        t.apply(own, 0, {});
        CHECK(own.labels.get("page") == "p1");
    }
}
