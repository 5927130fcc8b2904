// The walking skeleton end to end: the daemon in-process on port 0, a loopback fake provider
// and a loopback webhook receiver; break the provider, see one firing webhook; heal it, see
// one resolved webhook; scrape /metrics.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/daemon.hpp"
#include "noctua/daemon/kinds.hpp"
#include "harness.hpp"

using namespace noctua;
using testing::http_call;
using testing::probe_runs;
using testing::run_probe;
using testing::RunningDaemon;

namespace {

/// A provider whose balance endpoint answers 200 or 503.
struct FakeProvider {
    std::atomic<bool> healthy{true};
    std::atomic<int> hits{0};
    testing::LoopbackHttpServer server;
    FakeProvider() {
        server.router.add("GET", "/acme/accounts/balance",
                          [this](const core::ServerRequest&, const net::PathParams&) {
                              ++hits;
                              return healthy ? core::ServerResponse::json(
                                                   200, R"({"balance":5000.23,"currencyCode":"USD"})")
                                             : core::ServerResponse::json_error(503, "down");
                          });
        server.start();
    }
};


std::string config_text(const FakeProvider& p, testing::WebhookRecorder& r) {
    namespace toml = testing::toml;
    // The probe runs at start, then when the test triggers it through the API: fast and
    // deterministic.
    return toml::server() +
           toml::provider("acme", p.server.url("/acme"), "labels = { country = \"ES\" }\n") +
           toml::probe("acme-balance", "acme", "/accounts/balance") +
           toml::provider_down(2, "severity = \"critical\"\n"
                                  "annotations = { runbook_url = \"http://runbooks/provider-down\" }\n") +
           r.route_toml();
}

}  // namespace

TEST_CASE("daemon: provider down fires one webhook, recovery resolves it once",
          "[integration]") {
    FakeProvider provider;
    testing::WebhookRecorder receiver;
    auto cfg = config::load_string(config_text(provider, receiver), "test.toml", noctua::daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    RunningDaemon d{std::move(*cfg)};

    // The first (un-jittered) run happens at start and passes.
    REQUIRE(testing::wait_for([&] { return probe_runs(d, "acme-balance") >= 1; }));
    CHECK(http_call("GET", d.url("/healthz")).status == 200);
    CHECK(http_call("GET", d.url("/readyz")).status == 200);

    provider.healthy = false;
    run_probe(d, "acme-balance");
    CHECK(receiver.snapshot().empty());  // one failure is not enough
    run_probe(d, "acme-balance");
    REQUIRE(testing::wait_for([&] { return receiver.snapshot().size() == 1; }));
    run_probe(d, "acme-balance");  // still down: no second page

    auto status = http_call("GET", d.url("/api/v1/status"));
    REQUIRE(status.status == 200);
    // The probes' configs live in the scheduler; the summary still counts them.
    CHECK(status.body.find(R"("config":"config OK: 1 provider, 1 probe, 1 rule, 1 receiver")") !=
          std::string::npos);
    CHECK(status.body.find(R"("alertname":"ProviderDown")") != std::string::npos);
    CHECK(status.body.find(R"("failure_reason":"status")") != std::string::npos);

    provider.healthy = true;
    run_probe(d, "acme-balance");
    REQUIRE(testing::wait_for([&] { return receiver.snapshot().size() == 2; }));
    run_probe(d, "acme-balance");

    auto bodies = receiver.snapshot();
    REQUIRE(bodies.size() == 2);
    simdjson::dom::parser parser;
    auto firing = parser.parse(bodies[0]).value();
    CHECK(std::string_view(firing["version"]) == "4");
    CHECK(std::string_view(firing["status"]) == "firing");
    CHECK(std::string_view(firing["receiver"]) == "hook");
    auto fa = firing["alerts"].at(0);
    CHECK(std::string_view(fa["labels"]["alertname"]) == "ProviderDown");
    CHECK(std::string_view(fa["labels"]["provider"]) == "acme");
    CHECK(std::string_view(fa["labels"]["probe"]) == "acme-balance");
    CHECK(std::string_view(fa["labels"]["severity"]) == "critical");
    CHECK(std::string_view(fa["labels"]["country"]) == "ES");
    CHECK(std::string_view(fa["annotations"]["runbook_url"]) == "http://runbooks/provider-down");
    CHECK(std::string_view(fa["annotations"]["failure"]) == "status 503, expected 200-299");
    CHECK(std::string_view(fa["endsAt"]) == "0001-01-01T00:00:00Z");
    const std::string fingerprint{std::string_view(fa["fingerprint"])};

    simdjson::dom::parser parser2;
    auto resolved = parser2.parse(bodies[1]).value();
    CHECK(std::string_view(resolved["status"]) == "resolved");
    auto ra = resolved["alerts"].at(0);
    CHECK(std::string_view(ra["fingerprint"]) == fingerprint);
    CHECK(std::string_view(ra["endsAt"]) != "0001-01-01T00:00:00Z");

    auto metrics = http_call("GET", d.url("/metrics"));
    REQUIRE(metrics.status == 200);
    CHECK(metrics.body.find(R"(noctua_probe_success{probe="acme-balance",provider="acme"} 1)") !=
          std::string::npos);
    CHECK(metrics.body.find(
              R"(noctua_probe_runs_total{probe="acme-balance",provider="acme",result="failure"} 3)") !=
          std::string::npos);
    CHECK(metrics.body.find("noctua_probe_duration_seconds_bucket{") != std::string::npos);
    CHECK(metrics.body.find(R"(noctua_notifications_total{receiver="hook",result="delivered"} 2)") !=
          std::string::npos);
    CHECK(metrics.body.find("noctua_config_last_reload_successful 1") != std::string::npos);
    CHECK(metrics.body.find(R"(noctua_build_info{version=")") != std::string::npos);
}

TEST_CASE("daemon: a receiver outage is retried until the webhook is delivered",
          "[integration]") {
    FakeProvider provider;
    std::atomic<int> attempts{0};
    std::mutex mu;
    std::vector<std::string> delivered;
    testing::LoopbackHttpServer flaky;
    flaky.router.add("POST", "/hook", [&](const core::ServerRequest& r, const net::PathParams&) {
        if (++attempts <= 2) return core::ServerResponse::json_error(503, "receiver down");
        std::lock_guard lock(mu);
        delivered.push_back(r.body);
        return core::ServerResponse::text(200, "");
    });
    flaky.start();
    testing::WebhookRecorder unused;
    auto text = config_text(provider, unused);
    auto pos = text.find(unused.url());
    text.replace(pos, unused.url().size(), flaky.url("/hook"));
    auto cfg = config::load_string(text, "test.toml", noctua::daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    RunningDaemon d{std::move(*cfg)};
    REQUIRE(testing::wait_for([&] { return probe_runs(d, "acme-balance") >= 1; }));
    provider.healthy = false;
    run_probe(d, "acme-balance");
    run_probe(d, "acme-balance");
    REQUIRE(testing::wait_for([&] {
        std::lock_guard lock(mu);
        return delivered.size() == 1;
    }));
    CHECK(attempts == 3);
    auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(metrics.find(R"(noctua_notification_attempts_total{outcome="retry",receiver="hook"} 2)") !=
          std::string::npos);
}

TEST_CASE("daemon: reload keeps unchanged probes and alerts, rejects a bad file",
          "[integration]") {
    FakeProvider provider;
    testing::WebhookRecorder receiver;
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("noctua-reload-{}", std::random_device{}());
    std::filesystem::create_directories(dir);
    const auto path = dir / "noctua.toml";
    const auto text = config_text(provider, receiver);
    std::ofstream(path) << text;
    auto cfg = config::load_file(path, noctua::daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    RunningDaemon d{std::move(*cfg), testing::seeded(path.string())};
    REQUIRE(testing::wait_for([&] { return probe_runs(d, "acme-balance") >= 1; }));
    provider.healthy = false;
    run_probe(d, "acme-balance");
    run_probe(d, "acme-balance");
    REQUIRE(testing::wait_for([&] { return receiver.snapshot().size() == 1; }));
    const auto runs_before = probe_runs(d, "acme-balance");

    // A valid change elsewhere (a second probe): the first keeps its state and its alert.
    std::ofstream(path) << text << R"(
[[probes]]
id = "acme-health"
provider = "acme"
path = "/accounts/balance"
interval = "1h"
jitter = "0s"
)";
    auto r = http_call("POST", d.url("/api/v1/reload"));
    CHECK(r.status == 200);
    CHECK(probe_runs(d, "acme-balance") == runs_before);
    auto status = http_call("GET", d.url("/api/v1/status")).body;
    CHECK(status.find(R"("id":"acme-health")") != std::string::npos);
    CHECK(status.find(R"("alertname":"ProviderDown")") != std::string::npos);
    CHECK(status.find(R"("config":"config OK: 1 provider, 2 probes,)") != std::string::npos);
    run_probe(d, "acme-balance");                 // still failing
    CHECK(receiver.snapshot().size() == 1);       // no second firing after reload

    // An invalid file is rejected; the running config stays.
    std::ofstream(path) << "[[probes]]\nid = 42\n";
    r = http_call("POST", d.url("/api/v1/reload"));
    CHECK(r.status == 400);
    CHECK(r.body.find("noctua.toml:2:") != std::string::npos);
    auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(metrics.find("noctua_config_last_reload_successful 0") != std::string::npos);
    CHECK(metrics.find("noctua_config_reload_failures_total 1") != std::string::npos);
    status = http_call("GET", d.url("/api/v1/status")).body;
    CHECK(status.find(R"("id":"acme-health")") != std::string::npos);
    CHECK(status.find(R"("config":"config OK: 1 provider, 2 probes,)") != std::string::npos);

    provider.healthy = true;
    run_probe(d, "acme-balance");
    REQUIRE(testing::wait_for([&] { return receiver.snapshot().size() == 2; }));
    std::filesystem::remove_all(dir);
}

TEST_CASE("daemon: HTTP errors are JSON and malformed input does not hurt", "[integration]") {
    FakeProvider provider;
    testing::WebhookRecorder receiver;
    auto cfg = config::load_string(config_text(provider, receiver), "test.toml", noctua::daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    RunningDaemon d{std::move(*cfg)};
    auto nf = http_call("GET", d.url("/nope"));
    CHECK(nf.status == 404);
    CHECK(nf.body.find(R"("status":"error")") != std::string::npos);
    auto na = http_call("DELETE", d.url("/metrics"));
    CHECK(na.status == 405);
    auto missing = http_call("POST", d.url("/api/v1/probes/zzz/run"));
    CHECK(missing.status == 404);
    CHECK(http_call("GET", d.url("/healthz")).status == 200);
}

TEST_CASE("daemon: every admin route answers 401 without the admin token", "[integration]") {
    // A token is what a listener beyond loopback requires; the routes must then refuse a
    // request without it before doing anything.
    ::setenv("NOCTUA_TEST_ADMIN_ROUTES_TOKEN", "admin-secret", 1);
    auto cfg = config::load_string(R"(
[server]
listen = "127.0.0.1:0"
admin_token_env = "NOCTUA_TEST_ADMIN_ROUTES_TOKEN"
)",
                                   "admin.toml", noctua::daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    RunningDaemon d{std::move(*cfg)};
    const std::pair<const char*, const char*> admin_routes[] = {
        {"POST", "/api/v1/probes/p/run"},       {"POST", "/api/v1/reload"},
        {"POST", "/api/v2/alerts"},             {"POST", "/api/v1/alerts/00ff/ack"},
        {"POST", "/api/v1/silences"},           {"DELETE", "/api/v1/silences/s"},
        {"POST", "/api/v1/maintenance"},        {"POST", "/api/v1/status-tests/run"},
    };
    const core::Headers wrong{{"Authorization", "Bearer nope"}};
    const core::Headers admin{{"Authorization", "Bearer admin-secret"}};
    for (const auto& [method, path] : admin_routes) {
        INFO(method << " " << path);
        auto denied = http_call(method, d.url(path), "{}");
        CHECK(denied.status == 401);
        CHECK(denied.body.find("admin token required") != std::string::npos);
        CHECK(http_call(method, d.url(path), "{}", wrong).status == 401);
        // With the token the route itself answers (the bodies here are not valid for it).
        CHECK(http_call(method, d.url(path), "{}", admin).status != 401);
    }
}
