// Failed name lookups through the running daemon: a probe whose host does not resolve leaves
// its neighbours and the webhook deliveries alone, and no curl message carries a host name
// (which may hold a secret) into logs, metrics or API answers.
//
// Hosts with a 64-character label fail inside getaddrinfo (too long for a DNS query), so
// these tests look up nothing outside the machine.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"

#include "harness.hpp"

using namespace noctua;
using testing::http_call;

namespace {

/// A host name that never resolves, starting with `marker`.
std::string unresolvable_host(std::string_view marker) {
    return std::string(marker) + std::string(64 - marker.size(), 'x') + ".invalid";
}

/// Every log line of every library while it lives (the daemon's loggers are clones of the
/// default logger, made on first use). Install it once the daemon has started: the daemon sets
/// up its own default logger then.
class LogCapture {
public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto logger = std::make_shared<spdlog::logger>("noctua", sink_);
        logger->set_level(spdlog::level::debug);
        spdlog::drop_all();
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() {
        spdlog::drop_all();
        spdlog::set_default_logger(previous_);
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    [[nodiscard]] std::string text() const {
        std::string out;
        for (const auto& line : sink_->last_formatted()) out += line;
        return out;
    }

private:
    std::shared_ptr<spdlog::logger> previous_;
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
        std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);
};


}  // namespace

TEST_CASE("daemon probes: a probe whose host does not resolve never fails its neighbours",
          "[integration]") {
    testing::Upstream provider;
    testing::WebhookRecorder receiver;
    namespace toml = testing::toml;
    const auto text = toml::server() + toml::provider("good", provider.server.url()) +
                      toml::provider("gone", "http://" + unresolvable_host("gone")) +
                      toml::probe("healthy", "good", "/ok") +
                      toml::probe("unresolvable", "gone", "/") +
                      toml::provider_down(1, "probes = [\"healthy\", \"unresolvable\"]\n") +
                      receiver.route_toml();
    testing::RunningDaemon d{testing::load_config(text, daemon::builtin_kind_parsers())};
    REQUIRE(testing::wait_for([&] {
        return testing::probe_runs(d, "healthy") >= 1 &&
               testing::probe_runs(d, "unresolvable") >= 1;
    }));

    // Each failed lookup is followed at once by the neighbour's run, on the handle it freed.
    constexpr int kRounds = 30;
    for (int i = 0; i < kRounds; ++i) {
        testing::run_probe(d, "unresolvable");
        testing::run_probe(d, "healthy");
    }

    const auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(metrics.find(
              R"(noctua_probe_runs_total{probe="healthy",provider="good",result="failure"} 0)") !=
          std::string::npos);
    CHECK(metrics.find(fmt::format(
              R"(noctua_probe_runs_total{{probe="healthy",provider="good",result="success"}} {})",
              kRounds + 1)) != std::string::npos);
    CHECK(
        metrics.find(fmt::format(
            R"(noctua_probe_runs_total{{probe="unresolvable",provider="gone",result="failure"}} {})",
            kRounds + 1)) != std::string::npos);

    // The webhook goes out through the same client: the failing probe's alert arrives, and it
    // is the only one.
    REQUIRE(testing::wait_for([&] { return receiver.count() >= 1; }));
    simdjson::dom::parser parser;
    for (const auto& body : receiver.snapshot()) {
        INFO(body);
        auto doc = parser.parse(body).value();
        // A named array: a range-for over .value() of a temporary result would dangle.
        const simdjson::dom::array alerts = doc["alerts"].get_array().value();
        for (auto alert : alerts) {
            CHECK(std::string_view(alert["labels"]["probe"]) == "unresolvable");
            CHECK(std::string_view(alert["annotations"]["failure_reason"]) == "dns");
        }
    }
}

TEST_CASE("daemon alerts: a secret in a webhook host never reaches logs, metrics or the API",
          "[integration]") {
    const auto hook_host = unresolvable_host("hooksecret");
    const auto probe_host = unresolvable_host("probehost");
    namespace toml = testing::toml;
    const auto text = toml::server("2s") + toml::provider("gone", "http://" + probe_host) +
                      toml::probe("unresolvable", "gone", "/") +
                      toml::provider_down(2, "probes = [\"unresolvable\"]\n") +
                      fmt::format(R"(
[[receivers]]
name = "hook"
kind = "webhook"
url = "http://{}/pathsecret?token=querysecret"
initial_backoff = "10ms"

[route]
receiver = "hook"
)",
                                  hook_host);
    testing::RunningDaemon d{testing::load_config(text, daemon::builtin_kind_parsers())};
    LogCapture logs;
    // The first run may have logged before the capture; the second fires the alert.
    REQUIRE(testing::wait_for([&] { return testing::probe_runs(d, "unresolvable") >= 1; }));
    testing::run_probe(d, "unresolvable");
    // The delivery fails on the name lookup and is retried.
    REQUIRE(testing::wait_for(
        [&] { return logs.text().find("delivery failed") != std::string::npos; }));

    const std::vector<std::pair<std::string, std::string>> outputs{
        {"log", logs.text()},
        {"/metrics", http_call("GET", d.url("/metrics")).body},
        {"/api/v1/status", http_call("GET", d.url("/api/v1/status")).body},
        {"/api/v1/alerts", http_call("GET", d.url("/api/v1/alerts")).body},
        {"/api/v1/probes/unresolvable",
         http_call("GET", d.url("/api/v1/probes/unresolvable")).body},
    };
    for (const auto& [where, output] : outputs) {
        INFO(where << ": " << output);
        CHECK_FALSE(output.empty());
        for (const auto* secret : {"hooksecret", "pathsecret", "querysecret", "probehost"}) {
            CHECK(output.find(secret) == std::string::npos);
        }
    }
    // What is logged instead: the bounded reason and the receiver's name.
    CHECK(logs.text().find("receiver=hook") != std::string::npos);
    CHECK(logs.text().find("dns: ") != std::string::npos);
}
