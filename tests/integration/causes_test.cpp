// Issue 4 end to end: a traffic loss whose traffic moved to another provider pages with a
// `likely_cause` annotation naming the routing shift. Transactions are pushed on
// POST /api/v1/events with event timestamps (a backfill: the windows' watermark follows event
// time while events flow), so a day of history reaches the detectors, the volume history and
// daemon.cpp's annotate step in a couple of seconds, without a manual clock or sleeps.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "harness.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;
using testing::http_call;

namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

/// NDJSON lines for `per_minute` successful transactions of `provider` in [from, to).
void transactions(std::vector<std::string>& lines, std::string_view provider, int per_minute,
                  core::TimePoint from, core::TimePoint to) {
    const auto step = core::Duration(60'000 / per_minute);
    for (auto t = from; t < to; t += step) {
        lines.push_back(fmt::format(
            R"({{"id":"{}-{}","ts":"{}","provider":"{}","status":"success","country":"ES"}})"
            "\n",
            provider, t.time_since_epoch().count(), core::format_rfc3339(t), provider));
    }
}

/// The value of the unlabelled Prometheus sample `name` (-1 if absent).
double gauge(const std::string& metrics, std::string_view name) {
    const auto at = metrics.find(fmt::format("\n{} ", name));
    if (at == std::string::npos) return -1;
    const auto value = at + name.size() + 2;
    return std::stod(metrics.substr(value, metrics.find('\n', value) - value));
}

/// The `likely_cause` of the firing TrafficLoss alert for `provider` among the recorded
/// webhook payloads: nullopt while there is no such alert, empty when it carries none.
std::optional<std::string> traffic_loss_cause(const std::vector<std::string>& bodies,
                                              std::string_view provider) {
    simdjson::dom::parser parser;
    for (const auto& body : bodies) {
        simdjson::dom::element doc;
        if (parser.parse(body).get(doc)) continue;
        simdjson::dom::array alerts;
        if (doc["alerts"].get(alerts)) continue;
        for (auto a : alerts) {
            std::string_view name, prov, status;
            if (a["labels"]["alertname"].get(name) || name != "TrafficLoss") continue;
            if (a["labels"]["provider"].get(prov) || prov != provider) continue;
            if (a["status"].get(status) || status != "firing") continue;
            std::string_view cause;
            if (a["annotations"]["likely_cause"].get(cause)) return std::string{};
            return std::string(cause);
        }
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("daemon: a traffic loss that moved to another provider names the routing shift",
          "[integration]") {
    testing::WebhookRecorder receiver;
    ::setenv("NOCTUA_TEST_CAUSES_TOKEN", "causes", 1);  // read when the config loads
    // `recent` holds the whole backfill, so one watermark step emits every bucket of it.
    auto cfg = config::load_string(fmt::format(R"(
[server]
listen = "127.0.0.1:0"
shutdown_timeout = "2s"

[[streams]]
id = "push"
kind = "http"
token_env = "NOCTUA_TEST_CAUSES_TOKEN"

[windows]
recent = "27h"

[[windows.sets]]
by = ["provider"]

[[windows.sets]]
by = ["provider", "country"]

[[rules]]
name = "TrafficLoss"
kind = "traffic_loss"
match = {{ set = "provider" }}
)") + receiver.route_toml(),
                                   "causes.toml");
    REQUIRE(cfg.has_value());
    // No advance to the wall clock in the middle of the backfill (it would make the older
    // samples late); the samples themselves drive the rules here.
    auto options = testing::seeded();
    options.rule_tick = std::chrono::hours(1);
    testing::RunningDaemon d{std::move(*cfg), std::move(options)};

    // Event time, aligned to the 5-minute slots of the volume history: a day and a half hour
    // of steady traffic (2/min each for acme and beta), then from `shift` on acme gets none
    // and beta all of it. The end stays a few minutes behind the wall clock (the watermark
    // follows event time only while it is within allowed lateness of it).
    const auto five = minutes(5);
    const core::TimePoint end =
        core::TimePoint{(core::SystemClock{}.now().time_since_epoch() / five) * five} - five;
    const core::TimePoint shift = end - hours(1);
    const core::TimePoint begin = shift - hours(25) - minutes(30);

    const core::Headers auth{{"Authorization", "Bearer causes"},
                             {"Content-Type", "application/x-ndjson"}};
    const auto push = [&](const std::vector<std::string>& lines) {
        // Bodies under the 1 MiB limit; the lines of one batch are applied in order.
        constexpr std::size_t kPerBody = 4000;
        for (std::size_t i = 0; i < lines.size(); i += kPerBody) {
            std::string body;
            for (std::size_t j = i; j < std::min(lines.size(), i + kPerBody); ++j) body += lines[j];
            const auto r = http_call("POST", d.url("/api/v1/events"), body, auth);
            REQUIRE(r.status == 200);
            CHECK(r.body.find(
                      fmt::format(R"("accepted":{},)", std::min(kPerBody, lines.size() - i))) !=
                  std::string::npos);
        }
    };

    std::vector<std::string> history;
    for (auto t = begin; t < shift; t += minutes(1)) {  // interleaved: event-time order
        transactions(history, "acme", 2, t, t + minutes(1));
        transactions(history, "beta", 2, t, t + minutes(1));
    }
    push(history);
    // The day is in the windows and has been emitted: the watermark (allowed_lateness 2m
    // behind the newest event) reached the shift.
    const double closed =
        std::chrono::duration<double>((shift - minutes(3)).time_since_epoch()).count();
    REQUIRE(testing::wait_for(
        [&] {
            return gauge(http_call("GET", d.url("/metrics")).body,
                         "noctua_window_watermark_seconds") >= closed;
        },
        seconds(30)));
    CHECK(receiver.count() == 0);  // steady traffic pages nobody

    std::vector<std::string> moved;
    transactions(moved, "beta", 4, shift, end);
    push(moved);

    std::optional<std::string> cause;
    REQUIRE(testing::wait_for(
        [&] { return (cause = traffic_loss_cause(receiver.snapshot(), "acme")).has_value(); },
        seconds(30)));
    INFO(cause.value_or(""));
    // acme lost 2/min (120/h) over the 30m window, all of which beta gained.
    CHECK(*cause ==
          "traffic moved to another provider: beta gained 120/h of the 120/h acme lost "
          "against the same time yesterday (routing shift)");
    // beta's doubled traffic is no loss.
    CHECK_FALSE(traffic_loss_cause(receiver.snapshot(), "beta").has_value());
}
