// Probes through the running daemon: extracted values and phases on /metrics, probe history
// in GET /api/v1/probes/{id}, push heartbeats on POST /api/v1/heartbeats/{id}, the failure
// reason on the alert.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/daemon.hpp"
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
    const auto text = fmt::format(R"(
[server]
listen = "127.0.0.1:0"
shutdown_timeout = "5s"

[probing]
history = 3

[[providers]]
id = "acme"
base_url = "{}"
auth = {{ type = "bearer", token_file = "{}" }}

[[probes]]
id = "acme-balance"
provider = "acme"
path = "/accounts/balance"
interval = "1h"
jitter = "0s"
timeout = "5s"
expect = ["body.balance >= 1000"]
extract = {{ balance = "body.balance" }}
extract_labels = {{ currency = {{ from = "body.currencyCode", allow = ["EUR"] }} }}

[[probes]]
id = "nightly-export"
provider = "acme"
kind = "heartbeat"
interval = "1h"
jitter = "0s"
timeout = "1s"
token_file = "{}"

[[rules]]
name = "ProviderDown"
kind = "downtime"
probes = ["acme-balance"]
failures = 1
successes = 1
)",
                                  provider.server.url("/acme"), (dir / "bearer.token").string(),
                                  (dir / "hb.token").string()) +
                      receiver.route_toml();
    {
        std::ofstream(dir / "bearer.token") << "static-1\n";
    }
    auto cfg = config::load_string(text, "probes.toml");
    if (!cfg) {
        for (const auto& e : cfg.error()) UNSCOPED_INFO(e.to_string());
    }
    REQUIRE(cfg.has_value());
    testing::RunningDaemon d{std::move(*cfg)};
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
