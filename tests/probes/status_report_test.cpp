// The daily report's daemon sections (stream, traffic, balances, alerts) in every format, and
// the note that a report made without a daemon carries instead.
#include <catch2/catch.hpp>

#include <cmath>

#include <simdjson.h>

#include "noctua/probes/status_report.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

core::TimePoint at(std::string_view rfc3339) { return *core::parse_rfc3339(rfc3339); }

probes::StatusReport report(bool from_daemon) {
    probes::SuiteResult acme;
    acme.suite = "acme-daily";
    acme.provider = "acme";
    acme.provider_name = "Acme Topups";
    acme.success = true;
    acme.started = at("2026-12-03T06:00:00Z");
    acme.steps.push_back({});
    acme.steps.back().name = "authenticate";
    acme.steps.back().success = true;
    probes::StatusReport r;
    r.date = "2026-12-03";
    r.generated = at("2026-12-03T10:00:00Z");
    r.results = {acme};
    r.from_daemon = from_daemon;
    if (!from_daemon) return r;
    probes::ProviderFacts f;
    f.availability = 0.75;
    f.availability_points = {1, 1, 0, 1};
    probes::StreamFacts s;
    s.transactions = 1200;
    s.judged = 1000;
    s.success_ratio = 0.987;
    s.latency_p50_ms = 120;
    s.latency_p95_ms = 480;
    s.latency_p99_ms = 900;
    s.success_points = {1.0, std::nan(""), 0.9};
    s.volume_points = {600, 0, 600};
    f.stream = s;
    probes::TrafficFacts t;
    t.observed = 900;
    t.expected = 1200;
    t.coverage = 0.75;
    t.baseline = "daily";
    t.observed_points = {500, 400};
    t.expected_points = {600, 600};
    f.traffic = t;
    f.balances.push_back({"EUR", 5000, 250, 72000.0, 1000.0});
    f.alerts.push_back({"ProviderDown", "critical", "resolved", at("2026-12-03T08:00:00Z"),
                        at("2026-12-03T08:15:00Z"), 15min});
    f.alerts.push_back({"TrafficLoss", "warning", "firing", at("2026-12-03T08:00:00Z"), std::nullopt, 2h});
    r.facts.emplace("acme", f);
    return r;
}

bool has(const std::string& text, std::string_view part) {
    INFO(text);
    INFO(part);
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("status report: the daemon's facts in JSON, with their values", "[probes][unit]") {
    const auto json = probes::render_report(report(true), probes::ReportFormat::json);
    simdjson::dom::parser parser;
    auto doc = parser.parse(json);
    REQUIRE_FALSE(doc.error());
    CHECK(doc["from_daemon"].get_bool().value());
    auto d = doc["providers"].at(0)["daemon"];
    CHECK(d["availability"].get_double().value() == 0.75);
    CHECK(d["stream"]["transactions"].get_uint64().value() == 1200);
    CHECK(d["stream"]["judged"].get_uint64().value() == 1000);
    CHECK(d["stream"]["success_ratio"].get_double().value() == 0.987);
    CHECK(d["stream"]["latency_p95_ms"].get_double().value() == 480);
    CHECK(d["stream"]["success_points"].at(1).is_null());
    CHECK(d["traffic"]["observed"].get_double().value() == 900);
    CHECK(d["traffic"]["expected"].get_double().value() == 1200);
    CHECK(d["traffic"]["ratio"].get_double().value() == 0.75);
    CHECK(d["traffic"]["baseline"].get_string().value() == "daily");
    CHECK(d["balances"].at(0)["exhaustion_seconds"].get_double().value() == 72000);
    CHECK(d["balances"].at(0)["refill_level"].get_double().value() == 1000);
    CHECK(d["alerts"].at(0)["ends"].get_string().value() == "2026-12-03T08:15:00Z");
    CHECK(d["alerts"].at(0)["duration_seconds"].get_int64().value() == 900);
    CHECK(d["alerts"].at(1)["ends"].is_null());
    CHECK(d["alerts"].at(1)["duration_seconds"].get_int64().value() == 7200);
}

TEST_CASE("status report: the daemon's facts in text, Markdown, HTML and JUnit", "[probes][unit]") {
    const auto r = report(true);
    const auto text = probes::render_report(r, probes::ReportFormat::text);
    CHECK(has(text, "stream: 1200 transactions in the last 24 h, success ratio 98.70% (1000 judged), "
                    "latency p50 120 ms p95 480 ms p99 900 ms"));
    CHECK(has(text, "traffic: 900 of 1200 expected (75%, daily baseline, 75% of the 24 h covered)"));
    CHECK(has(text, "balance forecast: EUR 5000.00, spending 250.00/h, lasts 20h 0m (usually refilled near "
                    "1000.00)"));
    CHECK(has(text, "alert: ProviderDown (critical) resolved after 15m, 08:00-08:15 UTC"));
    CHECK(has(text, "alert: TrafficLoss (warning) firing for 2h 0m, since 08:00 UTC"));
    CHECK_FALSE(has(text, "without a daemon"));

    const auto md = probes::render_report(r, probes::ReportFormat::markdown);
    CHECK(has(md, "- Stream: 1200 transactions in the last 24 h, success ratio 98.70%"));
    CHECK(has(md, "- Alert: ProviderDown (critical) resolved after 15m"));

    const auto junit = probes::render_report(r, probes::ReportFormat::junit);
    CHECK(has(junit, R"(<property name="stream.success_ratio" value="0.987"/>)"));
    CHECK(has(junit, R"(<property name="stream.latency_p99_ms" value="900"/>)"));
    CHECK(has(junit, R"(<property name="traffic.ratio" value="0.75"/>)"));
    CHECK(has(junit, R"(<property name="balance.EUR.exhaustion_seconds" value="72000"/>)"));
    CHECK(has(junit, R"(<property name="alerts" value="2"/>)"));
    CHECK(has(junit, R"(<property name="alerts.firing" value="1"/>)"));
    // JUnit wants properties before the test cases.
    CHECK(junit.find("<properties>") < junit.find("<testcase"));

    const auto html = probes::render_report(r, probes::ReportFormat::html);
    CHECK(has(html, "<title>success ratio per hour</title>"));
    CHECK(has(html, "<title>observed transactions per hour (bars) against expected (line)</title>"));
    // The expected line: one point per hour, at 600 of a 600-high scale (the top, y = 1).
    CHECK(has(html, R"(<polyline points="3,1.0 11,1.0")"));
    // Success ratio bars: two of three hours judged, the 0.9 hour in red.
    const auto chart = html.substr(html.find("<title>success ratio per hour"));
    const auto svg = chart.substr(0, chart.find("</svg>"));
    CHECK(std::count(svg.begin(), svg.end(), '<') == 4);  // <title>, </title>, two rects
    CHECK(has(svg, "#d64545"));
    CHECK(has(html, "ProviderDown (critical) resolved after 15m, 08:00-08:15 UTC"));
    CHECK(has(html, "lasts 20h 0m"));
}

TEST_CASE("status report: probe runs as a share, or that there were none", "[probes][unit]") {
    auto r = report(true);
    CHECK(has(probes::render_report(r, probes::ReportFormat::text), "probes: 75.00% of runs passed"));
    CHECK(has(probes::render_report(r, probes::ReportFormat::markdown), "- Probes: 75.00% of runs passed"));
    CHECK(has(probes::render_report(r, probes::ReportFormat::html), "<td>75.00% of runs passed</td>"));
    r.facts.at("acme").availability.reset();  // a provider watched by its stream only
    r.facts.at("acme").availability_points.clear();
    for (auto format : {probes::ReportFormat::text, probes::ReportFormat::markdown,
                        probes::ReportFormat::html}) {
        const auto out = probes::render_report(r, format);
        CHECK(has(out, "no probe runs"));
        CHECK_FALSE(has(out, "n/a of runs"));
    }
}

TEST_CASE("status report: without a daemon the history sections are left out, and it says so",
          "[probes][unit]") {
    const auto r = report(false);
    for (const auto format : {probes::ReportFormat::text, probes::ReportFormat::markdown, probes::ReportFormat::html}) {
        const auto out = probes::render_report(r, format);
        CHECK(has(out, "runs without a daemon"));
        CHECK_FALSE(has(out, "Last 24 h"));
        CHECK_FALSE(has(out, "stream:"));
    }
    const auto json = probes::render_report(r, probes::ReportFormat::json);
    CHECK(has(json, R"("from_daemon":false)"));
    CHECK_FALSE(has(json, R"("daemon":)"));
    CHECK_FALSE(has(probes::render_report(r, probes::ReportFormat::junit), "<properties>"));
}
