// Issue 6 end to end: the daemon in-process on port 0 takes transaction events on
// POST /api/v1/events and exports what its windows counted on /metrics.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/daemon/daemon.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;
using testing::http_call;

TEST_CASE("daemon: pushed transactions are authenticated, applied and exported",
          "[integration]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("noctua-streams-{}", ::getpid());
    std::filesystem::create_directories(dir);
    const auto token_file = dir / "ingest.token";
    std::ofstream(token_file) << "tok-123\n";

    auto cfg = config::load_string(fmt::format(R"(
[server]
listen = "127.0.0.1:0"
shutdown_timeout = "2s"

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
                                   "streams.toml");
    REQUIRE(cfg.has_value());
    daemon::Daemon d(std::move(*cfg), daemon::DaemonOptions{});
    REQUIRE(d.start().has_value());
    std::thread runner([&] { d.run(); });
    const auto url = [&](std::string_view path) {
        return fmt::format("http://127.0.0.1:{}{}", d.port(), path);
    };

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

    d.request_stop();
    runner.join();
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
        auto cfg = config::load_string(toml, "file.toml");
        REQUIRE(cfg.has_value());
        daemon::Daemon d(std::move(*cfg), daemon::DaemonOptions{});
        REQUIRE(d.start().has_value());
        std::thread runner([&] { d.run(); });
        const auto metrics = [&] {
            return http_call("GET", fmt::format("http://127.0.0.1:{}/metrics", d.port())).body;
        };
        body(metrics);
        d.request_stop();
        runner.join();
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
