// Transaction streams end to end: the daemon in-process on port 0 takes transaction events on
// POST /api/v1/events and exports what its windows counted on /metrics.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include <stdlib.h>

#include <fmt/format.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/daemon/daemon.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"
#include "harness.hpp"

using namespace noctua;
using testing::http_call;
using testing::probe_runs;

TEST_CASE("daemon: pushed transactions are authenticated, applied and exported",
          "[integration]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("noctua-streams-{}", ::getpid());
    std::filesystem::create_directories(dir);
    const auto token_file = dir / "ingest.token";
    std::ofstream(token_file) << "tok-123\n";

    auto cfg = config::load_string(testing::toml::server("2s") + fmt::format(R"(
[[streams]]
id = "push"
kind = "http"
token_file = "{}"

[windows]
labels = ["channel"]

[[windows.sets]]
by = ["provider"]

[[windows.sets]]
by = ["provider", "channel"]
metrics = true
)",
                                                                            token_file.string()),
                                   "streams.toml", daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    std::optional<testing::RunningDaemon> d{std::in_place, std::move(*cfg)};
    const auto url = [&](std::string_view path) { return d->url(path); };

    const auto now = core::format_rfc3339(core::SystemClock{}.now());
    std::string body;
    for (int i = 0; i < 3; ++i) {
        body += fmt::format(R"({{"id":"tx-{}","ts":"{}","provider":"acme","status":"{}",)"
                            R"("labels":{{"channel":"app"}}}})"
                            "\n",
                            i, now, i == 2 ? "failed" : "success");
    }
    body += "{\"id\":\"broken\"\n";
    const core::Headers auth{{"Authorization", "Bearer tok-123"},
                             {"Content-Type", "application/x-ndjson"}};
    auto r = http_call("POST", url("/api/v1/events"), body, auth);
    CHECK(r.status == 200);
    CHECK(r.body == R"({"status":"success","accepted":3,"rejected":1,"duplicates":0,"late":0,)"
                    R"("errors":[{"line":4,"reason":"invalid_json"}]})");

    auto denied = http_call("POST", url("/api/v1/events"), body,
                            {{"Authorization", "Bearer nope"}});
    CHECK(denied.status == 401);

    auto metrics = http_call("GET", url("/metrics"));
    REQUIRE(metrics.status == 200);
    for (const char* line :
         {R"(noctua_ingest_events_total{source="push"} 3)",
          R"(noctua_ingest_rejected_total{reason="invalid_json",source="push"} 1)",
          R"(noctua_transactions_total{provider="acme",status="success"} 2)",
          R"(noctua_transactions_total{provider="acme",status="failed"} 1)",
          R"(noctua_window_transactions_total{channel="app",provider="acme",set="provider_channel",status="success"} 2)",
          R"(noctua_ingest_auth_failures_total{reason="bad_token",source="push"} 1)",
          R"(noctua_window_series{set="provider"} 1)"}) {
        INFO(line);
        CHECK(metrics.body.find(line) != std::string::npos);
    }

    d.reset();
    std::filesystem::remove_all(dir);
}

TEST_CASE("daemon: a file stream is tailed, and offsets and windows survive a restart",
          "[integration]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("noctua-file-stream-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto log = dir / "tx.jsonl";
    const auto toml = fmt::format(R"(
[server]
listen = "127.0.0.1:0"
shutdown_timeout = "2s"

[[streams]]
id = "tail"
kind = "file"
paths = ["{}"]
poll_interval = "20ms"

[[windows.sets]]
by = ["provider"]

[storage]
path = "{}"
)",
                                  (dir / "*.jsonl").string(), (dir / "state.db").string());
    const auto now = core::format_rfc3339(core::SystemClock{}.now());
    const auto append = [&](int from, int to) {
        std::ofstream out(log, std::ios::app);
        for (int i = from; i < to; ++i) {
            out << fmt::format(R"({{"id":"f-{}","ts":"{}","provider":"acme","status":"success"}})"
                               "\n",
                               i, now);
        }
    };
    const auto run_daemon = [&](const std::function<void(const std::function<std::string()>&)>& body) {
        const testing::RunningDaemon d{
            testing::load_config(toml, daemon::builtin_kind_parsers())};
        body([&] { return http_call("GET", d.url("/metrics")).body; });
    };
    const auto has = [](const std::string& text, std::string_view line) {
        return text.find(line) != std::string::npos;
    };

    append(0, 3);
    run_daemon([&](const auto& metrics) {
        CHECK(testing::wait_for(
            [&] { return has(metrics(), R"(noctua_ingest_events_total{source="tail"} 3)"); }));
    });
    // Restarted: the 3 events are in the restored windows and are not read again.
    run_daemon([&](const auto& metrics) {
        CHECK(has(metrics(), R"(noctua_window_series{set="provider"} 1)"));  // restored
        append(3, 5);
        CHECK(testing::wait_for(
            [&] { return has(metrics(), R"(noctua_ingest_events_total{source="tail"} 2)"); }));
        CHECK(has(metrics(), R"(noctua_ingest_duplicate_events_total{source="tail"} 0)"));
    });
    std::filesystem::remove_all(dir);
}

namespace {

/// The value of the Prometheus sample line starting with `series` (-1 if absent).
double scrape(const std::string& metrics, std::string_view series) {
    for (std::size_t at = metrics.find(series); at != std::string::npos;
         at = metrics.find(series, at + 1)) {
        if (at != 0 && metrics[at - 1] != '\n') continue;
        const auto value = at + series.size();
        if (value >= metrics.size() || metrics[value] != ' ') continue;
        return std::stod(metrics.substr(value + 1, metrics.find('\n', value) - value - 1));
    }
    return -1;
}

}  // namespace

TEST_CASE("daemon: under an ingest flood (429s) probes stay on time and alerts are delivered",
          "[integration]") {
    // A provider that is down from the start, and a receiver for the page it causes.
    testing::LoopbackHttpServer provider;
    provider.router.add("GET", "/acme/accounts/balance",
                        [](const core::ServerRequest&, const net::PathParams&) {
                            return core::ServerResponse::json_error(503, "down");
                        });
    provider.start();
    testing::WebhookRecorder receiver;
    ::setenv("NOCTUA_TEST_FLOOD_TOKEN", "flood", 1);  // read when the config loads
    namespace toml = testing::toml;
    testing::RunningDaemon d{testing::load_config(
        toml::server() + toml::provider("acme", provider.url("/acme")) + R"(
[[probes]]
id = "acme-balance"
provider = "acme"
path = "/accounts/balance"
interval = "1s"
jitter = "0s"
timeout = "1s"
)" + toml::provider_down(2, "severity = \"critical\"\n") +
        toml::push_stream("push", "NOCTUA_TEST_FLOOD_TOKEN", "queue_limit = 1\n") +
        receiver.route_toml(), daemon::builtin_kind_parsers())};

    // Batches big enough that the ingest thread always has one in hand and one queued.
    const auto now = core::format_rfc3339(core::SystemClock{}.now());
    std::string batch;
    for (int i = 0; i < 2000; ++i) {
        batch += fmt::format(R"({{"id":"tx-{}","ts":"{}","provider":"acme","status":"success",)"
                             R"("country":"ES","operator":"ES-op1","latency_ms":120}})"
                             "\n",
                             i, now);
    }
    const core::Headers auth{{"Authorization", "Bearer flood"},
                             {"Content-Type", "application/x-ndjson"}};
    std::atomic<bool> stop{false};
    std::atomic<int> applied{0}, refused{0}, refused_without_retry_after{0}, other{0};
    std::vector<std::thread> flood;
    for (int t = 0; t < 3; ++t) {
        flood.emplace_back([&] {
            while (!stop) {
                const auto r = http_call("POST", d.url("/api/v1/events"), batch, auth);
                if (r.status == 200) {
                    ++applied;
                } else if (r.status == 429) {
                    ++refused;
                    bool retry_after = false;
                    for (const auto& [k, v] : r.headers) retry_after |= k == "Retry-After";
                    if (!retry_after) ++refused_without_retry_after;
                } else {
                    ++other;
                }
            }
        });
    }
    struct Join {
        std::atomic<bool>& stop;
        std::vector<std::thread>& threads;
        ~Join() {
            stop = true;
            for (auto& t : threads) t.join();
        }
    } join{stop, flood};

    // Saturated: pushes are refused instead of queued without bound.
    REQUIRE(testing::wait_for([&] { return refused > 0; }, std::chrono::seconds(30)));
    const auto runs_at_saturation = probe_runs(d, "acme-balance");
    // Probes keep running (every second) and the page goes out while the flood goes on.
    REQUIRE(testing::wait_for(
        [&] {
            return receiver.count() >= 1 && probe_runs(d, "acme-balance") >= runs_at_saturation + 3;
        },
        std::chrono::seconds(30)));
    const int refused_at_alert = refused;
    REQUIRE(testing::wait_for([&] { return refused > refused_at_alert; }, std::chrono::seconds(30)));
    stop = true;

    CHECK(receiver.snapshot()[0].find(R"("alertname":"ProviderDown")") != std::string::npos);
    CHECK(applied > 0);
    CHECK(refused_without_retry_after == 0);
    CHECK(other == 0);
    // Every probe run started within a second of when it was due, flood or not.
    const auto metrics = http_call("GET", d.url("/metrics")).body;
    const double runs = scrape(metrics, "noctua_probe_schedule_lateness_seconds_count");
    REQUIRE(runs >= 3);
    CHECK(scrape(metrics, R"(noctua_probe_schedule_lateness_seconds_bucket{le="1"})") == runs);
    CHECK(scrape(metrics, R"(noctua_ingest_saturated_total{source="push"})") >= 1);
}
