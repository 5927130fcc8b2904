#include <catch2/catch.hpp>

#include <cmath>

#include "status_page.hpp"

using namespace noctua;
using daemon::ProviderState;

namespace {

core::TimePoint at(int seconds) {
    return core::TimePoint{std::chrono::seconds{1'800'000'000 + seconds}};
}

std::size_t count(const std::string& haystack, std::string_view needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos;
         pos = haystack.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

daemon::WallSnapshot fleet() {
    daemon::WallSnapshot snap;
    snap.at = at(3600);
    snap.version = "1.2.3";
    snap.ready = true;
    auto& acme = snap.providers.emplace_back();
    acme.id = "acme";
    acme.name = "ACME Topups";
    acme.state = ProviderState::down;
    acme.state_reason = "ProviderDown firing";
    acme.probes.push_back(
        {"acme-balance", "http", true, false, "status", "status 503", 0.01, at(3590)});
    acme.alerts.push_back(
        {"ProviderDown", "critical", "acme", "acme-balance failed 3 times", "", at(3600 - 720)});
    acme.balances.push_back({"EUR", "acme-balance", 1234567.5, 1000, 3 * 3600.0 - 60, std::nullopt});
    for (int i = 0; i < 5; ++i) {
        daemon::WallPoint p;
        p.at = at(3600 - (4 - i) * 60);
        p.success_ratio = i < 3 ? 1.0 : 0.0;
        p.traffic = 100 - i * 20;
        p.expected = 100;
        p.expected_low = 60;
        acme.history.push_back(p);
    }
    auto& glob = snap.providers.emplace_back();
    glob.id = "globaltop";
    glob.name = "GlobalTop";
    glob.state = ProviderState::up;
    glob.probes.push_back({"globaltop-balance", "http", true, true, "", "", 0.004, at(3598)});
    glob.history.emplace_back().at = at(3600);
    glob.history.back().success_ratio = 1.0;
    return snap;
}

}  // namespace

TEST_CASE("html_escape: markup characters become references", "[daemon][unit]") {
    CHECK(daemon::html_escape(R"(<a href="x" title='y'>&</a>)") ==
          "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    CHECK(daemon::html_escape("plain") == "plain");
}

TEST_CASE("format_age: seconds, minutes, hours, days", "[daemon][unit]") {
    CHECK(daemon::format_age(42) == "42s");
    CHECK(daemon::format_age(12 * 60 + 5) == "12m");
    CHECK(daemon::format_age(3 * 3600) == "3h");
    CHECK(daemon::format_age(3 * 3600 + 5 * 60) == "3h 5m");
    CHECK(daemon::format_age(2 * 86400 + 4 * 3600) == "2d 4h");
    CHECK(daemon::format_age(-5) == "0s");
    CHECK(daemon::format_age(std::nan("")) == "0s");
}

TEST_CASE("status page: self-contained, refreshes itself, no script", "[daemon][unit]") {
    const auto html = daemon::render_status_page(fleet(), {.refresh_seconds = 7});
    CHECK(html.starts_with("<!doctype html>"));
    CHECK(html.find(R"(<meta http-equiv="refresh" content="7">)") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    // Nothing is fetched: no external stylesheets, images or scripts, and no favicon request.
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("<link rel=\"stylesheet\"") == std::string::npos);
    CHECK(html.find(R"(<link rel="icon" href="data:,">)") != std::string::npos);
    CHECK(count(html, "<svg") == 3);  // acme: success and traffic; globaltop: success only
    CHECK(html.ends_with("</html>\n"));
}

TEST_CASE("status page: states in words and icons, not only colour; down first", "[daemon][unit]") {
    const auto html = daemon::render_status_page(fleet());
    CHECK(html.find("<title>Noctua: 1 down, 0 degraded, 1 up</title>") != std::string::npos);
    const auto down = html.find(R"(data-provider="acme" data-state="down")");
    const auto up = html.find(R"(data-provider="globaltop" data-state="up")");
    REQUIRE(down != std::string::npos);
    REQUIRE(up != std::string::npos);
    CHECK(down < up);
    CHECK(html.find("✖ DOWN") != std::string::npos);
    CHECK(html.find("✔ UP") != std::string::npos);
    CHECK(html.find("✖ acme-balance FAILED: status — status 503") != std::string::npos);
    CHECK(html.find("✔ globaltop-balance") != std::string::npos);
}

TEST_CASE("status page: alerts with severity, likely cause and age; balances with exhaustion",
          "[daemon][unit]") {
    auto snap = fleet();
    snap.other_alerts.push_back(
        {"TrafficLoss", "warning", "", "traffic low", "acme down", at(3000)});
    const auto html = daemon::render_status_page(snap);
    CHECK(html.find("<h2>Firing alerts (2)</h2>") != std::string::npos);
    // Critical before warning; ages from the snapshot time.
    const auto critical = html.find("✖ CRITICAL");
    const auto warning = html.find("▲ WARNING");
    REQUIRE(critical != std::string::npos);
    REQUIRE(warning != std::string::npos);
    CHECK(critical < warning);
    CHECK(html.find("<td>acme-balance failed 3 times</td><td>—</td><td>12m</td>") !=
          std::string::npos);
    CHECK(html.find("<td>traffic low</td><td>acme down</td><td>10m</td>") != std::string::npos);
    CHECK(html.find("Balance EUR: <b>1\u2009234\u2009567.50</b>") != std::string::npos);
    CHECK(html.find("✖ runs out in 2h 59m") != std::string::npos);
    CHECK(html.find("▼ LOW: 20% of expected (20 vs 100)") != std::string::npos);
    snap.providers[0].balances[0].exhaustion_seconds = 0.0;
    CHECK(daemon::render_status_page(snap).find("✖ exhausted") != std::string::npos);

    snap.providers[0].alerts.clear();
    snap.other_alerts.clear();
    CHECK(daemon::render_status_page(snap).find("✔ Nothing is firing.") != std::string::npos);
}

TEST_CASE("status page: provider names, probe messages and alert texts are escaped",
          "[daemon][unit]") {
    auto snap = fleet();
    const std::string evil = R"(<script>alert("x")</script><img src=x onerror='y'>)";
    snap.providers[0].name = evil;
    snap.providers[0].id = evil;
    snap.providers[0].state_reason = evil;
    snap.providers[0].probes[0].id = evil;
    snap.providers[0].probes[0].message = evil;
    snap.providers[0].alerts[0].summary = evil;
    snap.providers[0].alerts[0].name = evil;
    snap.providers[0].alerts[0].likely_cause = evil;
    snap.providers[0].balances[0].name = evil;
    snap.version = evil;
    const auto html = daemon::render_status_page(snap);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("onerror='") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") != std::string::npos);
}

TEST_CASE("render_sparkline: line over time, gaps, a band and an accessible name",
          "[daemon][unit]") {
    daemon::Sparkline c;
    c.end = at(600);
    c.span = std::chrono::seconds(600);
    c.at = {at(0), at(300), at(450), at(600)};
    c.values = {0.0, 1.0, std::nan(""), 0.5};
    c.band_lo = {0.2, 0.2, 0.2, 0.2};
    c.band_hi = {0.8, 0.8, 0.8, 0.8};
    c.label = "ratio <now>";
    const auto svg = daemon::render_sparkline(c);
    CHECK(svg.find(R"(aria-label="ratio &lt;now&gt;")") != std::string::npos);
    // x from 0 to 300 over the span; y top (value hi) near 2, bottom (value lo) near 58.
    CHECK(svg.find(R"(<polyline points="0.0,58.0 150.0,2.0 ")") != std::string::npos);
    // The value after the gap stands alone: a dot at the right edge (inside it), mid-height.
    CHECK(svg.find(R"(<circle cx="297.0" cy="30.0")") != std::string::npos);
    CHECK(count(svg, "<polygon") == 1);
    CHECK(svg.find("NaN") == std::string::npos);
    CHECK(svg.find("nan") == std::string::npos);
}

TEST_CASE("status page: charts span the ring's points, 15 minutes to 3 hours", "[daemon][unit]") {
    auto snap = fleet();  // four minutes of points
    CHECK(count(daemon::render_status_page(snap), "(last 15m)") == 2);
    // An hour and a half of points: that is the window; a point older than 3 h is off the left.
    snap.providers[1].history.front().at = at(3600 - 90 * 60);
    snap.providers[0].history.front().at = at(3600 - 5 * 3600);
    const auto html = daemon::render_status_page(snap);
    CHECK(html.find("Probe success: <b>100.0%</b> <span class=\"meta\">(last 1h 30m)</span>") !=
          std::string::npos);
    CHECK(html.find("Probe success: <b>0.0%</b> <span class=\"meta\">(last 3h)</span>") !=
          std::string::npos);
}
