#pragma once

// Shared pieces of the in-process integration tests: a running daemon, a webhook receiver
// that records payloads, and probe helpers over the daemon's HTTP API.

#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/daemon/daemon.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"
#include "noctua/testing/toml_pieces.hpp"

namespace noctua::testing {

/// A webhook receiver on loopback that records every payload POSTed to /hook.
class WebhookRecorder {
public:
    WebhookRecorder() {
        server_.router.add("POST", "/hook",
                           [this](const core::ServerRequest& r, const net::PathParams&) {
                               std::lock_guard lock(mu_);
                               bodies_.push_back(r.body);
                               return core::ServerResponse::text(200, "");
                           });
        server_.start();
    }
    [[nodiscard]] std::string url() const { return server_.url("/hook"); }
    /// A `[[receivers]]` entry named "hook" for this recorder and the `[route]` to it, to
    /// append to a test's config.
    [[nodiscard]] std::string route_toml() const {
        return fmt::format(R"(
[[receivers]]
name = "hook"
kind = "webhook"
url = "{}"
initial_backoff = "10ms"

[route]
receiver = "hook"
)",
                           url());
    }
    [[nodiscard]] std::vector<std::string> snapshot() {
        std::lock_guard lock(mu_);
        return bodies_;
    }
    [[nodiscard]] std::size_t count() {
        std::lock_guard lock(mu_);
        return bodies_.size();
    }

private:
    std::mutex mu_;
    std::vector<std::string> bodies_;  // guarded by mu_
    LoopbackHttpServer server_;
};

/// A provider API on loopback whose `/ok` answers 200 and `/down` 503.
struct Upstream {
    testing::LoopbackHttpServer server;
    Upstream() {
        server.router.add("GET", "/ok", [](const core::ServerRequest&, const net::PathParams&) {
            return core::ServerResponse::text(200, "ok");
        });
        server.router.add("GET", "/down", [](const core::ServerRequest&, const net::PathParams&) {
            return core::ServerResponse::text(503, "down");
        });
        server.start();
    }
};

/// Options for a test daemon: a fixed seed, and the file reloads read (if any).
inline daemon::DaemonOptions seeded(std::string config_path = {}) {
    daemon::DaemonOptions o;
    o.config_path = std::move(config_path);
    o.seed = 7;
    return o;
}

/// The daemon in-process on its own thread; stops gracefully when destroyed.
class RunningDaemon {
public:
    explicit RunningDaemon(config::Config c, daemon::DaemonOptions options = seeded())
        : d_(std::move(c), std::move(options)) {
        REQUIRE(d_.start().has_value());
        thread_ = std::thread([this] { d_.run(); });
    }
    ~RunningDaemon() {
        d_.request_stop();
        thread_.join();
    }
    RunningDaemon(const RunningDaemon&) = delete;
    RunningDaemon& operator=(const RunningDaemon&) = delete;

    [[nodiscard]] std::string url(std::string_view path) const {
        return fmt::format("http://127.0.0.1:{}{}", d_.port(), path);
    }
    [[nodiscard]] daemon::Daemon& daemon() { return d_; }


private:
    daemon::Daemon d_;
    std::thread thread_;
};

/// How many times probe `id` has run, from GET /api/v1/probes/{id} (0 if unknown).
inline std::uint64_t probe_runs(const RunningDaemon& d, std::string_view id) {
    auto r = http_call("GET", d.url("/api/v1/probes/" + std::string(id)));
    if (r.status != 200) return 0;
    simdjson::dom::parser parser;
    auto doc = parser.parse(r.body);
    if (doc.error()) return 0;
    std::uint64_t runs = 0;
    if (doc.value()["data"]["runs"].get(runs)) return 0;
    return runs;
}

/// Triggers one run through POST /api/v1/probes/{id}/run and waits until it has completed
/// (or, when one was in flight already and this one was skipped (409), until that one has).
inline void run_probe(const RunningDaemon& d, std::string_view id) {
    const auto before = probe_runs(d, id);
    auto r = http_call("POST", d.url(fmt::format("/api/v1/probes/{}/run", id)));
    REQUIRE((r.status == 202 || r.status == 409));
    REQUIRE(wait_for([&] { return probe_runs(d, id) > before; }));
}

/// A daemon config with one `kind = "http"` push stream (its bearer token in env var
/// `token_env`), `windows_keys` under `[windows]`, a `["provider"]` window set, then `more`
/// (e.g. another set), and a TrafficLoss rule on the provider set that pages `receiver`.
inline std::string traffic_loss_push_toml(std::string_view token_env,
                                          std::string_view windows_keys,
                                          const WebhookRecorder& receiver,
                                          std::string_view more = {}) {
    return toml::server("2s") + toml::push_stream("push", token_env) + fmt::format(R"(
[windows]
{}

[[windows.sets]]
by = ["provider"]
{}
[[rules]]
name = "TrafficLoss"
kind = "traffic_loss"
match = {{ set = "provider" }}
)",
                                                                                  windows_keys, more) +
           receiver.route_toml();
}

/// traffic_loss_push_toml() for a RoutingShift pushed in one go: `recent` holds its whole
/// backfill (one watermark step then emits every bucket of it) and a second set is by provider
/// and country.
inline std::string routing_shift_toml(std::string_view token_env, const WebhookRecorder& receiver) {
    return traffic_loss_push_toml(token_env, R"(recent = "27h")", receiver,
                                  "\n[[windows.sets]]\nby = [\"provider\", \"country\"]\n");
}

/// NDJSON lines for `per_minute` successful transactions of `provider` in [from, to), ids
/// unique per provider and time; `extra` is appended to each object (e.g. `,"country":"ES"`).
inline void transactions(std::vector<std::string>& lines, std::string_view provider,
                         int per_minute, core::TimePoint from, core::TimePoint to,
                         std::string_view extra = {}) {
    const auto step = core::Duration(60'000 / per_minute);
    for (auto t = from; t < to; t += step) {
        lines.push_back(
            fmt::format(R"({{"id":"{}-{}","ts":"{}","provider":"{}","status":"success"{}}})"
                        "\n",
                        provider, t.time_since_epoch().count(), core::format_rfc3339(t),
                        provider, extra));
    }
}

/// Calls `fn(alert)` for every alert (a simdjson element: labels, annotations, status,
/// startsAt) in the Alertmanager webhook payloads `bodies`, in order; `fn` returns false to stop.
template <class Fn>
void for_each_delivered_alert(const std::vector<std::string>& bodies, Fn fn) {
    simdjson::dom::parser parser;
    for (const auto& body : bodies) {
        simdjson::dom::element doc;
        if (parser.parse(body).get(doc)) continue;
        simdjson::dom::array alerts;
        if (doc["alerts"].get(alerts)) continue;
        for (auto a : alerts) {
            if (!fn(a)) return;
        }
    }
}

/// The string at `r` in a parsed JSON document, or "" when absent or not a string.
inline std::string_view json_text(simdjson::simdjson_result<simdjson::dom::element> r) {
    std::string_view v;
    return r.get(v) == simdjson::SUCCESS ? v : std::string_view{};
}

/// A routing shift in event time, aligned to the 5-minute slots of the volume history: a day
/// and a half hour of steady traffic (2/min each for acme and beta, country ES) up to `shift`,
/// then `moved`: from `shift` on acme gets none and beta all of it (4/min). `end` stays a few
/// minutes behind the wall clock (the watermark follows event time only while it is within
/// allowed lateness of it).
struct RoutingShift {
    core::TimePoint shift;
    core::TimePoint end;
    std::vector<std::string> history;  ///< before the shift, in event-time order
    std::vector<std::string> moved;    ///< after it
};

inline RoutingShift routing_shift() {
    using std::chrono::hours;
    using std::chrono::minutes;
    const auto five = minutes(5);
    RoutingShift r;
    r.end = core::TimePoint{(core::SystemClock{}.now().time_since_epoch() / five) * five} - five;
    r.shift = r.end - hours(1);
    const core::TimePoint begin = r.shift - hours(25) - minutes(30);
    constexpr std::string_view kSpain = R"(,"country":"ES")";
    for (auto t = begin; t < r.shift; t += minutes(1)) {  // interleaved: event-time order
        transactions(r.history, "acme", 2, t, t + minutes(1), kSpain);
        transactions(r.history, "beta", 2, t, t + minutes(1), kSpain);
    }
    transactions(r.moved, "beta", 4, r.shift, r.end, kSpain);
    return r;
}

/// Pushes `lines` to POST /api/v1/events with bearer `token`, in bodies under the 1 MiB
/// limit, in order; each body must be accepted whole.
inline void push_events(const RunningDaemon& d, const std::vector<std::string>& lines,
                        std::string_view token) {
    const core::Headers auth{{"Authorization", fmt::format("Bearer {}", token)},
                             {"Content-Type", "application/x-ndjson"}};
    constexpr std::size_t kPerBody = 4000;
    for (std::size_t i = 0; i < lines.size(); i += kPerBody) {
        std::string body;
        for (std::size_t j = i; j < std::min(lines.size(), i + kPerBody); ++j) body += lines[j];
        const auto r = http_call("POST", d.url("/api/v1/events"), body, auth);
        REQUIRE(r.status == 200);
        INFO(r.body);
        CHECK(r.body.find(fmt::format(R"("accepted":{},)", std::min(kPerBody, lines.size() - i))) !=
              std::string::npos);
    }
}

/// The value of the unlabelled Prometheus sample `name` in a /metrics body (-1 if absent).
inline double metric_value(const std::string& text, std::string_view name) {
    const auto at = text.find(fmt::format("\n{} ", name));
    if (at == std::string::npos) return -1;
    const auto value = at + name.size() + 2;
    return std::stod(text.substr(value, text.find('\n', value) - value));
}

}  // namespace noctua::testing
