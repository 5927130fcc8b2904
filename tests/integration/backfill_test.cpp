// Stream-fed rules keep the windows' event time (daemon/src/stream_clock.hpp): hours of old
// transactions backfilled through a live daemon with a short rule tick lose none of their
// history to the wall clock, and a stream that falls silent still lets traffic_loss fire.
// Time is controlled by the events' own timestamps; the rule tick is made to run between the
// two halves of the backfill by waiting on noctua_rules_stream_time_seconds, which only a
// tick that ran after the first half's samples can move past it.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "harness.hpp"
#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;
using testing::http_call;

namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

using testing::metric_value;
using testing::transactions;

double seconds_of(core::TimePoint t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

void push(const testing::RunningDaemon& d, const std::vector<std::string>& lines) {
    testing::push_events(d, lines, "backfill");
}

/// The firing TrafficLoss alerts (provider and annotations) in GET /api/v1/alerts.
struct Firing {
    std::string provider;
    std::string full_stop;
    std::string expected;
    std::string since;
};
std::vector<Firing> firing_traffic_loss(const testing::RunningDaemon& d) {
    std::vector<Firing> out;
    const auto r = http_call("GET", d.url("/api/v1/alerts"));
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (r.status != 200 || parser.parse(r.body).get(doc)) return out;
    simdjson::dom::array alerts;
    if (doc["data"].get(alerts)) return out;
    for (auto a : alerts) {
        std::string_view name;
        if (a["labels"]["alertname"].get(name) || name != "TrafficLoss") continue;
        Firing f;
        std::string_view v;
        if (!a["labels"]["provider"].get(v)) f.provider = v;
        if (!a["annotations"]["full_stop"].get(v)) f.full_stop = v;
        if (!a["annotations"]["expected"].get(v)) f.expected = v;
        if (!a["annotations"]["since"].get(v)) f.since = v;
        out.push_back(std::move(f));
    }
    return out;
}

constexpr const char* kTokenEnv = "NOCTUA_TEST_BACKFILL_TOKEN";

/// Waits for the one TrafficLoss page, acme's full stop, and returns it.
Firing acme_full_stop(const testing::RunningDaemon& d) {
    std::vector<Firing> firing;
    REQUIRE(
        testing::wait_for([&] { return !(firing = firing_traffic_loss(d)).empty(); }, seconds(30)));
    REQUIRE(firing.size() == 1);
    CHECK(firing[0].provider == "acme");
    CHECK(firing[0].full_stop == "true");
    return firing[0];
}

}  // namespace

TEST_CASE("daemon: rule ticks during a backfill keep its history and page only the real loss",
          "[integration]") {
    testing::WebhookRecorder receiver;
    ::setenv(kTokenEnv, "backfill", 1);  // read when the config loads
    // `recent` holds the whole backfill: a watermark step never skips a bucket's samples.
    auto cfg = config::load_string(
        testing::traffic_loss_push_toml(kTokenEnv, R"(recent = "27h")", receiver), "backfill.toml",
        daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    auto options = testing::seeded();
    options.rule_tick = std::chrono::milliseconds(20);  // many ticks during the backfill
    testing::RunningDaemon d{std::move(*cfg), std::move(options)};

    // 26 hours of 4/min for acme and beta, ending a few minutes before the wall clock (the
    // watermark follows event time while it is within allowed lateness of it); acme stops
    // for the last hour.
    const auto five = minutes(5);
    const core::TimePoint end =
        core::TimePoint{(core::SystemClock{}.now().time_since_epoch() / five) * five} - five;
    const core::TimePoint stop = end - hours(1);
    const core::TimePoint begin = end - hours(26);
    const core::TimePoint half = begin + hours(13);
    const auto events = [&](core::TimePoint from, core::TimePoint to) {
        std::vector<std::string> lines;
        for (auto t = from; t < to; t += minutes(1)) {  // interleaved: event-time order
            if (t < stop) transactions(lines, "acme", 4, t, t + minutes(1));
            transactions(lines, "beta", 4, t, t + minutes(1));
        }
        return lines;
    };

    push(d, events(begin, half));
    // A rule tick has run after the first half's samples reached the rules: it advanced them
    // to the first half's watermark (2m lateness behind its newest event), not to the wall
    // clock — the old tick fed "no traffic" at wall time here and the second half came late.
    double stream_time = -1;
    // Waits until the rules' stream time reaches `at_least`; leaves the last reading.
    const auto stream_time_reaches = [&](double at_least) {
        return testing::wait_for(
            [&] {
                stream_time = metric_value(http_call("GET", d.url("/metrics")).body,
                                           "noctua_rules_stream_time_seconds");
                return stream_time >= at_least;
            },
            seconds(30));
    };
    REQUIRE(stream_time_reaches(seconds_of(half - minutes(3))));
    CHECK(stream_time < seconds_of(half));
    CHECK(firing_traffic_loss(d).empty());

    push(d, events(half, end));
    // Only acme's real stop pages, once, with the expectation its intact history gives
    // (4/min over the 30m window) and a start in event time within the backfill.
    const auto page = acme_full_stop(d);
    CHECK(page.expected == "120");
    CHECK(page.since >= core::format_rfc3339(stop));
    CHECK(page.since < core::format_rfc3339(end));
    const auto text = http_call("GET", d.url("/metrics")).body;
    CHECK(metric_value(
              text, R"(noctua_alert_transitions_total{alertname="TrafficLoss",state="firing"})") ==
          1);
    CHECK(metric_value(
              text, R"(noctua_alert_transitions_total{alertname="TrafficLoss",state="resolved"})") <=
          0);
    // The rules follow the backfill to its end, still behind the wall clock. The page can come
    // from the samples before the next rule tick sets the gauge, so wait for that tick.
    CHECK(stream_time_reaches(seconds_of(end - minutes(3))));
    CHECK(stream_time < seconds_of(end));
}

TEST_CASE("daemon: a stream that falls silent still fires TrafficLoss, and time passes",
          "[integration]") {
    testing::WebhookRecorder receiver;
    ::setenv(kTokenEnv, "backfill", 1);
    // A short lateness so that the silence is trusted within seconds, not two minutes (and
    // still long enough for the push to arrive before the idle windows follow the clock).
    auto cfg = config::load_string(
        testing::traffic_loss_push_toml(kTokenEnv, R"(allowed_lateness = "5s")", receiver),
        "silent.toml", daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    auto options = testing::seeded();
    options.rule_tick = std::chrono::milliseconds(20);
    testing::RunningDaemon d{std::move(*cfg), std::move(options)};

    // Four hours of 4/min for acme that ended an hour ago; nothing since.
    const auto minute = minutes(1);
    const core::TimePoint end =
        core::TimePoint{(core::SystemClock{}.now().time_since_epoch() / minute) * minute} -
        hours(1);
    std::vector<std::string> lines;
    transactions(lines, "acme", 4, end - hours(4), end);
    push(d, lines);

    (void)acme_full_stop(d);
    // The silent stream's rules are at the wall clock (less lateness and a bucket), not stuck
    // at the last event.
    const double near_now = seconds_of(core::SystemClock{}.now() - minutes(2));
    REQUIRE(testing::wait_for(
        [&] {
            return metric_value(http_call("GET", d.url("/metrics")).body,
                                "noctua_rules_stream_time_seconds") >= near_now;
        },
        seconds(30)));
    REQUIRE(testing::wait_for([&] { return receiver.count() >= 1; }, seconds(30)));
}
