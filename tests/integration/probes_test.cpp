// Probes through the running daemon: extracted values and phases on /metrics, probe history
// in GET /api/v1/probes/{id}, push heartbeats on POST /api/v1/heartbeats/{id}, the failure
// reason on the alert.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/daemon.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"

#include "harness.hpp"

using namespace noctua;
using testing::http_call;

namespace {

struct Provider {
    std::atomic<double> balance{5000.25};
    testing::LoopbackHttpServer server;
    Provider() {
        server.router.add("GET", "/acme/accounts/balance", [this](const core::ServerRequest& r, const net::PathParams&) {
            if (core::find_header(r.headers, "Authorization") != "Bearer static-1") {
                return core::ServerResponse::json(401, R"({"errorCode":"INVALID_TOKEN"})");
            }
            return core::ServerResponse::json(200, fmt::format(R"({{"balance":{},"currencyCode":"EUR"}})", balance.load()));
        });
        server.start();
    }
};

}  // namespace

TEST_CASE("daemon probes: values, phases, history, heartbeats and failure reasons", "[integration]") {
    Provider provider;
    testing::WebhookRecorder receiver;
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("noctua-hb-{}", ::getpid());
    std::filesystem::create_directories(dir);
    {
        std::ofstream(dir / "hb.token") << "hb-secret\n";
    }
    namespace toml = testing::toml;
    const auto text = toml::server("5s", "\n[probing]\nhistory = 3\n") +
                      toml::provider("acme", provider.server.url("/acme"),
                                     fmt::format("auth = {{ type = \"bearer\", token_file = \"{}\" }}\n",
                                                 (dir / "bearer.token").string())) +
                      toml::probe("acme-balance", "acme", "/accounts/balance",
                                  "expect = [\"body.balance >= 1000\"]\n"
                                  "extract = { balance = \"body.balance\" }\n"
                                  "extract_labels = { currency = { from = \"body.currencyCode\", "
                                  "allow = [\"EUR\"] } }\n") +
                      toml::provider_down(1, "probes = [\"acme-balance\"]\n") +
                      fmt::format(R"(
[[probes]]
id = "nightly-export"
provider = "acme"
kind = "heartbeat"
interval = "1h"
jitter = "0s"
timeout = "1s"
token_file = "{}"
)",
                                  (dir / "hb.token").string()) +
                      receiver.route_toml();
    {
        std::ofstream(dir / "bearer.token") << "static-1\n";
    }
    testing::RunningDaemon d{testing::load_config(text, daemon::builtin_kind_parsers())};
    REQUIRE(testing::wait_for([&] { return testing::probe_runs(d, "acme-balance") >= 1; }));

    auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(metrics.find(R"(noctua_probe_value{currency="EUR",name="balance",probe="acme-balance",provider="acme"} 5000.25)") !=
          std::string::npos);
    CHECK(metrics.find(R"(noctua_probe_phase_seconds_count{phase="connect",provider="acme"} 1)") != std::string::npos);
    CHECK(metrics.find("noctua_probe_schedule_lateness_seconds_count") != std::string::npos);

    // Heartbeats: the probe's own token, not the admin's.
    CHECK(http_call("POST", d.url("/api/v1/heartbeats/nightly-export")).status == 401);
    CHECK(http_call("POST", d.url("/api/v1/heartbeats/nightly-export"), "", {{"Authorization", "Bearer nope"}}).status == 401);
    CHECK(http_call("POST", d.url("/api/v1/heartbeats/unknown"), "", {{"Authorization", "Bearer hb-secret"}}).status == 404);
    CHECK(http_call("POST", d.url("/api/v1/heartbeats/nightly-export"), "", {{"Authorization", "Bearer hb-secret"}}).status == 202);
    CHECK(http_call("POST", d.url("/api/v1/heartbeats/nightly-export?token=hb-secret")).status == 202);
    CHECK(http_call("POST", d.url("/api/v1/heartbeats/nightly-export"), "",
                    {{"Authorization", "bearer hb-secret"}})
              .status == 202);

    // A path parameter is raw bytes after decoding; the JSON answer stays valid UTF-8.
    auto invalid = http_call("GET", d.url("/api/v1/probes/%FF"));
    CHECK(invalid.status == 404);
    simdjson::dom::parser utf8_parser;
    CHECK(utf8_parser.parse(invalid.body).error() == simdjson::SUCCESS);
    // Each refusal is counted (the unknown id without its caller-chosen name).
    metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(testing::metric_value(metrics, R"(noctua_heartbeat_auth_failures_total{probe="nightly-export",reason="missing_token"})") == 1);
    CHECK(testing::metric_value(metrics, R"(noctua_heartbeat_auth_failures_total{probe="nightly-export",reason="bad_token"})") == 1);
    CHECK(testing::metric_value(metrics, R"(noctua_heartbeat_auth_failures_total{probe="",reason="unknown_probe"})") == 1);
    testing::run_probe(d, "nightly-export");

    // A low balance fails the assertion; the alert carries the bounded reason.
    provider.balance = 12.5;
    testing::run_probe(d, "acme-balance");
    REQUIRE(testing::wait_for([&] { return receiver.snapshot().size() == 1; }));
    simdjson::dom::parser parser;
    auto firing = parser.parse(receiver.snapshot()[0]).value();
    CHECK(std::string_view(firing["alerts"].at(0)["annotations"]["failure_reason"]) == "assertion");

    testing::run_probe(d, "acme-balance");
    testing::run_probe(d, "acme-balance");
    auto one = http_call("GET", d.url("/api/v1/probes/acme-balance"));
    REQUIRE(one.status == 200);
    simdjson::dom::parser p2;
    auto doc = p2.parse(one.body).value();
    auto history = doc["data"]["history"].get_array().value();
    CHECK(history.size() == 3);  // [probing] history
    CHECK(std::string_view(doc["data"]["last"]["failure_reason"]) == "assertion");
    CHECK(std::string_view(doc["data"]["last"]["message"]) == "body.balance >= 1000: body.balance is 12.5");
    auto first = history.at(0);
    CHECK(bool(first["success"]) == false);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
}

TEST_CASE("daemon probes: a run asked for while one is in flight is answered 409 with its start",
          "[integration]") {
    // A listener that never accepts: the kernel completes the handshake, nobody answers, and
    // the probe's first run stays in flight.
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(::listen(listener, 8) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    namespace toml = testing::toml;
    auto cfg = testing::load_config(
        toml::server() + toml::provider("slow", fmt::format("http://127.0.0.1:{}", ntohs(addr.sin_port))) +
        toml::probe("slow-health", "slow", "/health", {}, "1m"), daemon::builtin_kind_parsers());
    testing::RunningDaemon d{std::move(cfg)};
    REQUIRE(testing::wait_for([&] {
        return http_call("GET", d.url("/api/v1/probes/slow-health")).body.find(R"("running":true)") !=
               std::string::npos;
    }));

    std::set<std::string> since;
    int conflicts = 0;
    for (int i = 0; i < 200; ++i) {
        auto r = http_call("POST", d.url("/api/v1/probes/slow-health/run"));
        if (r.status != 409) continue;
        ++conflicts;
        simdjson::dom::parser parser;
        auto doc = parser.parse(r.body);
        REQUIRE_FALSE(doc.error());
        std::string_view started;
        if (!doc.value()["running_since"].get(started)) since.emplace(started);
    }
    CHECK(conflicts == 200);
    REQUIRE(since.size() == 1);  // every answer names the same run
    CHECK(since.begin()->ends_with("Z"));  // RFC 3339, UTC
    const auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(testing::metric_value(metrics, R"(noctua_probe_skipped_total{probe="slow-health",provider="slow"})") == 200);
    ::close(listener);
}
