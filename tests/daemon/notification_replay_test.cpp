#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/testing/run_cli.hpp"
#include "notification_replay.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

const core::TimePoint t0 = *core::parse_rfc3339("2026-10-01T00:00:00Z");

constexpr const char* kConfig = R"(
[[receivers]]
name = "pager"
kind = "log"

[[receivers]]
name = "chat"
kind = "log"
send_resolved = false

[route]
receiver = "pager"
group_by = ["provider"]
group_wait = "30s"
group_interval = "5m"
repeat_interval = "1h"

  [[route.routes]]
  match = { team = "night" }
  receiver = "chat"
  mute_time_intervals = ["small-hours"]

[[inhibit]]
source = { alertname = "ProviderDown" }
target_matchers = ['alertname=~"TrafficLoss|BalanceLow"']
equal = ["provider"]

[[time_intervals]]
name = "small-hours"
  [[time_intervals.periods]]
  times = ["00:00-02:00"]
)";

config::Config load_config() {
    auto c = config::load_string(kConfig, "replay.toml", daemon::builtin_kind_parsers());
    REQUIRE(c.has_value());
    return std::move(*c);
}

struct Replay {
    config::Config config = load_config();
    std::vector<std::string> lines;
    daemon::NotificationReplay replay{config,
                                      [this](std::string_view l) { lines.emplace_back(l); }};

    void fire(core::Labels labels, core::Duration at) {
        alerts::Alert a;
        a.labels = std::move(labels);
        a.starts_at = a.updated_at = t0 + at;
        replay.on_transition(a);
        firing_[a.fingerprint()] = a;
    }
    void resolve(const core::Labels& labels, core::Duration at) {
        auto a = firing_.at(labels.fingerprint());
        a.state = alerts::AlertState::resolved;
        a.ends_at = a.updated_at = t0 + at;
        replay.on_transition(a);
    }

private:
    std::map<std::uint64_t, alerts::Alert> firing_;
};

std::string line(std::string_view at, std::string_view receiver, std::string_view provider,
                 std::string_view status, int firing, int resolved, std::string_view names) {
    return fmt::format(
        R"({{"at":"2026-10-01T{}Z","receiver":"{}","group_key":"{}:{{provider=\"{}\"}}",)"
        R"("status":"{}","alerts":{},"firing":{},"resolved":{},)"
        R"("group_labels":{{"provider":"{}"}},"alertnames":[{}]}})",
        at, receiver, receiver == "pager" ? "{}" : "{}/{team=\\\"night\\\"}", provider, status,
        firing + resolved, firing, resolved, provider, names);
}

}  // namespace

TEST_CASE(
    "notification replay: one page per provider group, partial resolves at the group "
    "interval, the last resolve at once, repeats after repeat_interval",
    "[daemon][unit]") {
    Replay r;
    const core::Labels es{{"alertname", "SuccessRateLow"}, {"provider", "acme"}, {"country", "ES"}};
    const core::Labels pt{{"alertname", "SuccessRateLow"}, {"provider", "acme"}, {"country", "PT"}};
    const core::Labels beta{{"alertname", "SuccessRateLow"}, {"provider", "beta"}};
    r.fire(es, 0s);
    r.fire(pt, 10s);               // within acme's group_wait: the same first page
    r.fire(beta, 60s);             // another provider: its own group
    r.resolve(es, 10min);          // one of two: told at the group's next interval, 00:10:30
    r.resolve(pt, 12min);          // the last one: told at once
    r.replay.advance(t0 + 65min);  // beta still fires: reminded 1 h after its page
    const std::vector<std::string> expected{
        line("00:00:30", "pager", "acme", "firing", 2, 0, R"("SuccessRateLow")"),
        line("00:01:30", "pager", "beta", "firing", 1, 0, R"("SuccessRateLow")"),
        line("00:10:30", "pager", "acme", "firing", 1, 1, R"("SuccessRateLow")"),
        line("00:12:00", "pager", "acme", "resolved", 0, 1, R"("SuccessRateLow")"),
        line("01:01:30", "pager", "beta", "firing", 1, 0, R"("SuccessRateLow")"),
    };
    CHECK(r.lines == expected);
    CHECK(r.replay.sent() == 5);
}

TEST_CASE("notification replay: a provider down mutes its traffic loss until it resolves",
          "[daemon][unit]") {
    Replay r;
    const core::Labels down{{"alertname", "ProviderDown"}, {"provider", "acme"}};
    const core::Labels loss{{"alertname", "TrafficLoss"}, {"provider", "acme"}};
    const core::Labels other{{"alertname", "TrafficLoss"}, {"provider", "beta"}};
    r.fire(down, 0s);
    r.fire(loss, 2min);      // inhibited: the 00:05:30 and later flushes say nothing new
    r.fire(other, 3min);     // another provider is not inhibited
    r.resolve(down, 20min);  // the loss is news now: at the next interval, with the resolve
    r.resolve(loss, 30min);
    r.resolve(other, 31min);
    const std::vector<std::string> expected{
        line("00:00:30", "pager", "acme", "firing", 1, 0, R"("ProviderDown")"),
        line("00:03:30", "pager", "beta", "firing", 1, 0, R"("TrafficLoss")"),
        line("00:20:30", "pager", "acme", "firing", 1, 1, R"("ProviderDown","TrafficLoss")"),
        line("00:30:00", "pager", "acme", "resolved", 0, 1, R"("TrafficLoss")"),
        line("00:31:00", "pager", "beta", "resolved", 0, 1, R"("TrafficLoss")"),
    };
    CHECK(r.lines == expected);
}

TEST_CASE(
    "notification replay: a muting time interval holds a route's page until it ends, "
    "and a receiver without send_resolved gets no resolve",
    "[daemon][unit]") {
    Replay r;
    const core::Labels night{{"alertname", "LatencyHigh"}, {"provider", "acme"}, {"team", "night"}};
    r.fire(night, 30min);  // 00:30, inside small-hours (00:00-02:00): held
    r.replay.advance(t0 + 2h + 10min);
    r.resolve(night, 3h);
    // The flushes every 5 min from 00:30:30 (group_wait) are muted; the first at or after
    // 02:00 is 02:00:30. The resolve at 03:00 is not sent: chat has send_resolved = false.
    const std::vector<std::string> expected{
        line("02:00:30", "chat", "acme", "firing", 1, 0, R"("LatencyHigh")"),
    };
    CHECK(r.lines == expected);
}

TEST_CASE(
    "notification replay: time never runs backwards and an alert older than the clock "
    "is grouped at the clock's time",
    "[daemon][unit]") {
    Replay r;
    r.replay.advance(t0 + 10min);
    r.fire({{"alertname", "TrafficLoss"}, {"provider", "acme"}}, 5min);  // reported late
    r.replay.advance(t0 + 1min);                                         // ignored
    r.replay.advance(t0 + 11min);
    // starts_at (00:05) + group_wait is past at 00:10: it speaks at once.
    const std::vector<std::string> expected{
        line("00:10:00", "pager", "acme", "firing", 1, 0, R"("TrafficLoss")"),
    };
    CHECK(r.lines == expected);
}

namespace {

std::filesystem::path temp_dir() {
    auto dir = std::filesystem::temp_directory_path() /
               ("noctua-notify-replay-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    return dir;
}

/// Runs the CLI with `args`, returning its exit code and what it wrote to stdout.
std::pair<int, std::string> run_cli(std::vector<std::string> args,
                                    const std::filesystem::path& dir) {
    return testing::run_cli(std::move(args), dir / "out.ndjson");
}

}  // namespace

TEST_CASE("noctua replay --notifications: a balance series gives one page and its resolve",
          "[daemon][unit]") {
    const auto dir = temp_dir();
    std::ofstream(dir / "rules.toml") << R"(
[[rules]]
name = "BalanceLow"
kind = "balance"
critical = 100
exhaustion_warning = "0s"
exhaustion_critical = "0s"
burst = 0

[[receivers]]
name = "pager"
kind = "log"

[route]
receiver = "pager"
group_by = ["provider"]
)";
    {
        std::ofstream csv(dir / "float.csv");
        csv << "timestamp,value\n";
        const double values[] = {500, 400, 50, 40, 30, 40, 50, 500, 490, 480};
        for (int i = 0; i < 10; ++i) {
            csv << fmt::format("2026-10-01T00:{:02}:00Z,{}\n", i, values[i]);
        }
    }
    const auto [code, out] =
        run_cli({"replay", "--input", (dir / "float.csv").string(), "--as", "balance", "--label",
                 "provider=acme", "--config", (dir / "rules.toml").string(), "--notifications"},
                dir);
    CHECK(code == 0);
    const std::string expected =
        R"({"at":"2026-10-01T00:02:00Z","receiver":"pager","group_key":"{}:{provider=\"acme\"}",)"
        R"("status":"firing","alerts":1,"firing":1,"resolved":0,)"
        R"("group_labels":{"provider":"acme"},"alertnames":["BalanceLow"]})"
        "\n"
        R"({"at":"2026-10-01T00:07:00Z","receiver":"pager","group_key":"{}:{provider=\"acme\"}",)"
        R"("status":"resolved","alerts":1,"firing":0,"resolved":1,)"
        R"("group_labels":{"provider":"acme"},"alertnames":["BalanceLow"]})"
        "\n";
    CHECK(out == expected);

    // Without a config there is no route to replay.
    CHECK(run_cli({"replay", "--input", (dir / "float.csv").string(), "--as", "balance",
                   "--notifications"},
                  dir)
              .first == 2);
    std::filesystem::remove_all(dir);
}
