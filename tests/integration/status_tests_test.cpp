// Status tests inside the daemon, against noctua-sim: POST /api/v1/status-tests/run answers
// with the run's report (with what the daemon knows: probe availability), the day's report
// is kept and served at /api/v1/reports[/{date}], and the status-test metrics are scraped.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/core/http.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/sim/fleet.hpp"
#include "noctua/sim/server.hpp"
#include "noctua/sim/service.hpp"
#include "noctua/testing/temp_dir.hpp"
#include "harness.hpp"
#include "noctua/testing/running_sim.hpp"

using namespace noctua;
using testing::http_call;

namespace {

sim::FleetSpec acme_fleet() {
    sim::ProviderSpec acme;
    acme.id = "acme";
    acme.countries = {"ES", "PT"};
    acme.currency = "EUR";
    acme.static_token = "demo-token";
    sim::complete_defaults(acme);
    sim::FleetSpec fleet;
    fleet.providers.push_back(acme);
    return fleet;
}

/// Acme's simulated API on 127.0.0.1:0, on the system clock.
struct Sim : testing::BasicRunningSim<core::SystemClock> {
    Sim() : BasicRunningSim(acme_fleet()) {}
};

}  // namespace

TEST_CASE("daemon: status tests run on demand, their report is kept and served, metrics scraped",
          "[integration]") {
    ::setenv("NOCTUA_TEST_ADMIN_TOKEN", "admin-secret", 1);
    Sim sim;
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("noctua-status-{}", ::getpid());
    std::filesystem::remove_all(dir);
    namespace toml = testing::toml;
    testing::RunningDaemon d{testing::load_config(
        fmt::format(R"(
[server]
listen = "127.0.0.1:0"
admin_token_env = "NOCTUA_TEST_ADMIN_TOKEN"

[status_reports]
dir = "{}"
)",
                    dir.string()) +
        toml::sim_provider(sim.host()) +
        R"(
[[probes]]
id = "acme-balance"
provider = "acme"
path = "/accounts/balance"
headers = { Accept = "application/com.reloadly.topups-v1+json" }
interval = "1h"
jitter = "0s"
)" + toml::daily_status_test(), daemon::builtin_kind_parsers())};
    REQUIRE(testing::wait_for([&] { return testing::probe_runs(d, "acme-balance") == 1; }));

    // Admin only.
    CHECK(http_call("POST", d.url("/api/v1/status-tests/run")).status == 401);
    const core::Headers admin{{"Authorization", "Bearer admin-secret"}};
    CHECK(http_call("POST", d.url("/api/v1/status-tests/run?provider=nobody"), "", admin).status == 404);

    auto run = http_call("POST", d.url("/api/v1/status-tests/run?provider=acme"), "", admin);
    REQUIRE(run.status == 200);
    INFO(run.body);
    simdjson::dom::parser parser;
    auto doc = parser.parse(run.body);
    REQUIRE_FALSE(doc.error());
    auto acme = doc.value()["providers"].at(0);
    CHECK(acme["success"].get_bool().value());
    CHECK(acme["steps"].get_array().value().size() == 5);
    CHECK(acme["catalogue_baseline"].get_bool().value());
    // What the daemon knows: the balance probe's one successful run.
    CHECK(acme["daemon"]["availability"].get_double().value() == 1.0);
    const std::string date(doc.value()["date"].get_string().value());

    // The day's report, kept and served in each format.
    auto list = http_call("GET", d.url("/api/v1/reports"));
    CHECK(list.status == 200);
    CHECK(list.body.find(date) != std::string::npos);
    auto html = http_call("GET", d.url("/api/v1/reports/" + date + "?format=html"));
    CHECK(html.status == 200);
    CHECK(html.body.find(R"(data-provider="acme")") != std::string::npos);
    CHECK(http_call("GET", d.url("/api/v1/reports/" + date + "?format=junit")).body.find("<testsuites") !=
          std::string::npos);
    CHECK(http_call("GET", d.url("/api/v1/reports/1999-01-01")).status == 404);
    CHECK(http_call("GET", d.url("/api/v1/reports/" + date + "?format=pdf")).status == 400);

    const auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(metrics.find(R"(noctua_status_test_success{provider="acme",step="catalogue",suite="acme-daily"} 1)") !=
          std::string::npos);
    CHECK(metrics.find(R"(noctua_status_test_duration_seconds{provider="acme",step="all",suite="acme-daily"})") !=
          std::string::npos);
    CHECK(metrics.find(R"(noctua_status_test_last_run_timestamp_seconds{provider="acme",suite="acme-daily"})") !=
          std::string::npos);
    CHECK(metrics.find(R"(noctua_catalogue_changes_total{change="renamed",provider="acme"} 0)") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("daemon: a scheduled run on a manual clock keeps the report and posts its summary",
          "[integration]") {
    ::setenv("NOCTUA_TEST_PUSH_TOKEN", "push-secret", 1);
    Sim sim;
    testing::WebhookRecorder hook;
    testing::TempDir state;  // outlives the daemon
    const auto at = [](std::string_view t) { return *core::parse_rfc3339(t); };
    // 05:00 in Madrid: the 06:00 schedule is an hour away.
    core::ManualClock clock{at("2026-12-03T04:00:00Z")};
    namespace toml = testing::toml;
    const auto text = toml::server("2s") + fmt::format(R"(
[storage]
path = "{}/noctua.db"

[status_reports]
receivers = ["hook"]
link_base = "https://noc.example.com/"
)",
                                                       state.path.string()) +
                      toml::push_stream("push", "NOCTUA_TEST_PUSH_TOKEN") +
                      toml::sim_provider(sim.host()) +
                      toml::daily_status_test("status_poll_interval = \"20ms\"\n") +
                      hook.route_toml();
    auto cfg = testing::load_config(text, daemon::builtin_kind_parsers());
    auto options = testing::seeded();
    options.clock = &clock;
    testing::RunningDaemon d{cfg, options};

    // Half an hour before now (events ahead of the clock are refused): 8 successes and 2
    // provider faults.
    std::string events;
    for (int i = 0; i < 10; ++i) {
        events += fmt::format(R"({{"id":"tx{}","ts":"{}","provider":"acme","status":"{}","latency_ms":80}})"
                              "\n",
                              i, core::format_rfc3339(at("2026-12-03T03:30:00Z") + std::chrono::minutes(i)),
                              i < 8 ? "success" : "failed");
    }
    auto pushed = http_call("POST", d.url("/api/v1/events"), events,
                            {{"Authorization", "Bearer push-secret"}, {"Content-Type", "application/x-ndjson"}});
    REQUIRE(pushed.status == 200);
    INFO(pushed.body);
    CHECK(pushed.body.find(R"("accepted":10)") != std::string::npos);

    // Just before 06:00 in Madrid: the schedule is armed again from the new time on reload
    // and fires within a fifth of a second.
    clock.set(at("2026-12-03T04:59:59.800Z"));
    REQUIRE(d.daemon().reload(cfg).has_value());
    REQUIRE(testing::wait_for([&] { return hook.count() >= 1; }));

    // The summary, through the outbox, at the receiver.
    const auto bodies = hook.snapshot();
    REQUIRE(bodies.size() == 1);
    int summaries = 0;
    testing::for_each_delivered_alert(bodies, [&](simdjson::dom::element a) {
        ++summaries;
        CHECK(testing::json_text(a["labels"]["alertname"]) == "StatusReport");
        CHECK(testing::json_text(a["labels"]["severity"]) == "info");
        CHECK(testing::json_text(a["annotations"]["summary"]) == "Provider status 2026-12-03: all 1 provider(s) passed");
        CHECK(testing::json_text(a["annotations"]["report_url"]) ==
              "https://noc.example.com/api/v1/reports/2026-12-03?format=html");
        CHECK(testing::json_text(a["annotations"]["description"]).starts_with("acme: passed"));
        return true;
    });
    CHECK(summaries == 1);

    // The schedule moved on to tomorrow's 06:00 in Madrid, not the 06:00 it just ran for.
    const auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(metrics.find(fmt::format(R"(noctua_status_test_next_run_timestamp_seconds{{provider="acme",suite="acme-daily"}} {})",
                                   at("2026-12-04T05:00:00Z").time_since_epoch().count() / 1000)) != std::string::npos);

    // The report the link names is kept, with the stream's last 24 h.
    auto html = http_call("GET", d.url("/api/v1/reports/2026-12-03?format=html"));
    CHECK(html.status == 200);
    CHECK(html.body.find(R"(data-provider="acme")") != std::string::npos);
    auto json = http_call("GET", d.url("/api/v1/reports/2026-12-03"));
    REQUIRE(json.status == 200);
    INFO(json.body);
    simdjson::dom::parser parser;
    auto doc = parser.parse(json.body);
    REQUIRE_FALSE(doc.error());
    CHECK(doc["from_daemon"].get_bool().value());
    auto acme = doc["providers"].at(0);
    CHECK(acme["success"].get_bool().value());
    CHECK(acme["daemon"]["stream"]["transactions"].get_uint64().value() == 10);
    CHECK(acme["daemon"]["stream"]["success_ratio"].get_double().value() == Approx(0.8));
    CHECK(acme["daemon"]["alerts"].get_array().value().size() == 0);
}
