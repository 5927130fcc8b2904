// The daemon and `noctua replay` evaluate rules alike: the same transactions, pushed to a
// running daemon and replayed from a file with the same configuration, give the same alert
// transitions, likely causes included.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "harness.hpp"
#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/detect/replay.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_cli.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;
using testing::http_call;

namespace {

/// One firing transition: alertname, provider, starts at (RFC 3339), likely cause.
using Firing = std::tuple<std::string, std::string, std::string, std::string>;

/// The firing alerts in the webhook payloads the daemon delivered.
std::set<Firing> delivered(const std::vector<std::string>& bodies) {
    std::set<Firing> out;
    testing::for_each_delivered_alert(bodies, [&](simdjson::dom::element a) {
        if (testing::json_text(a["status"]) == "firing") {
            out.emplace(testing::json_text(a["labels"]["alertname"]),
                        testing::json_text(a["labels"]["provider"]),
                        testing::json_text(a["startsAt"]),
                        testing::json_text(a["annotations"]["likely_cause"]));
        }
        return true;
    });
    return out;
}

/// The firing transitions `noctua replay` printed up to `until` (event time).
std::set<Firing> replayed(const std::string& lines, core::TimePoint until) {
    std::set<Firing> out;
    simdjson::dom::parser parser;
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);) {
        simdjson::dom::element doc;
        REQUIRE_FALSE(parser.parse(line).get(doc));
        if (testing::json_text(doc["state"]) != "firing") continue;
        const auto at = testing::json_text(doc["at"]);
        const auto when = detect::parse_timestamp(at);
        REQUIRE(when);
        if (*when > until) continue;
        out.emplace(testing::json_text(doc["alertname"]),
                    testing::json_text(doc["labels"]["provider"]), at,
                    testing::json_text(doc["likely_cause"]));
    }
    return out;
}

/// Runs the CLI with `args`, returning what it wrote to stdout.
std::string run_cli_output(std::vector<std::string> args, const std::filesystem::path& dir) {
    auto [code, out] = testing::run_cli(std::move(args), dir / "replay.out");
    REQUIRE(code == 0);
    return out;
}

}  // namespace

TEST_CASE("replay: the same events give the same transitions as the running daemon",
          "[integration]") {
    testing::WebhookRecorder receiver;
    ::setenv("NOCTUA_TEST_PARITY_TOKEN", "parity", 1);  // read when the config loads
    const std::string toml = testing::routing_shift_toml("NOCTUA_TEST_PARITY_TOKEN", receiver);
    const auto dir = std::filesystem::temp_directory_path() /
                     ("noctua-parity-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "parity.toml") << toml;
    auto cfg = config::load_string(toml, "parity.toml", daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    testing::RunningDaemon d{std::move(*cfg), testing::seeded()};

    // A day of steady traffic for acme and beta, then acme's traffic moves to beta (the
    // scenario of causes_test.cpp).
    const auto scenario = testing::routing_shift();
    const auto& history = scenario.history;
    const auto& moved = scenario.moved;
    {
        std::ofstream events(dir / "events.ndjson");
        for (const auto& l : history) events << l;
        for (const auto& l : moved) events << l;
    }

    testing::push_events(d, history, "parity");
    const double closed =
        std::chrono::duration<double>((scenario.shift - std::chrono::minutes(3)).time_since_epoch())
            .count();
    REQUIRE(testing::wait_for(
        [&] {
            return testing::metric_value(http_call("GET", d.url("/metrics")).body,
                                         "noctua_window_watermark_seconds") >= closed;
        },
        std::chrono::seconds(30)));
    testing::push_events(d, moved, "parity");
    // The daemon's rules have seen everything up to its watermark once the loss has paged.
    std::set<Firing> live;
    REQUIRE(testing::wait_for(
        [&] {
            live = delivered(receiver.snapshot());
            return std::any_of(live.begin(), live.end(),
                               [](const Firing& f) { return std::get<1>(f) == "acme"; });
        },
        std::chrono::seconds(30)));
    const auto watermark = testing::metric_value(http_call("GET", d.url("/metrics")).body,
                                                 "noctua_window_watermark_seconds");
    const core::TimePoint until{std::chrono::milliseconds{std::llround(watermark * 1000)}};

    const auto printed = run_cli_output(
        {"replay", "--events", (dir / "events.ndjson").string(), "--config",
         (dir / "parity.toml").string()},
        dir);
    const auto offline = replayed(printed, until);
    for (const auto& [name, provider, at, cause] : live) {
        UNSCOPED_INFO("daemon: " << name << " " << provider << " " << at << " " << cause);
    }
    for (const auto& [name, provider, at, cause] : offline) {
        UNSCOPED_INFO("replay: " << name << " " << provider << " " << at << " " << cause);
    }
    CHECK(offline == live);
    // The comparison covers a likely cause: the routing shift to beta.
    CHECK(std::any_of(live.begin(), live.end(), [](const Firing& f) {
        return std::get<1>(f) == "acme" &&
               std::get<3>(f).starts_with("traffic moved to another provider: beta");
    }));
    std::filesystem::remove_all(dir);
}
