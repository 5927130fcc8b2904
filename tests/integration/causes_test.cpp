// Likely causes end to end: a traffic loss whose traffic moved to another provider pages with a
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
#include "noctua/daemon/kinds.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;
using testing::http_call;

namespace {

using std::chrono::minutes;
using std::chrono::seconds;

/// The `likely_cause` of the firing TrafficLoss alert for `provider` among the recorded
/// webhook payloads: nullopt while there is no such alert, empty when it carries none.
std::optional<std::string> traffic_loss_cause(const std::vector<std::string>& bodies,
                                              std::string_view provider) {
    std::optional<std::string> cause;
    testing::for_each_delivered_alert(bodies, [&](simdjson::dom::element a) {
        if (testing::json_text(a["labels"]["alertname"]) != "TrafficLoss" ||
            testing::json_text(a["labels"]["provider"]) != provider ||
            testing::json_text(a["status"]) != "firing") {
            return true;
        }
        cause = std::string(testing::json_text(a["annotations"]["likely_cause"]));
        return false;
    });
    return cause;
}

}  // namespace

TEST_CASE("daemon: a traffic loss that moved to another provider names the routing shift",
          "[integration]") {
    testing::WebhookRecorder receiver;
    ::setenv("NOCTUA_TEST_CAUSES_TOKEN", "causes", 1);  // read when the config loads
    auto cfg = config::load_string(testing::routing_shift_toml("NOCTUA_TEST_CAUSES_TOKEN", receiver),
                                   "causes.toml", daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    // The default rule tick: stream-fed rules follow the windows' watermark, so a tick in the
    // middle of the backfill does not make its older samples late (backfill_test.cpp).
    testing::RunningDaemon d{std::move(*cfg), testing::seeded()};

    // A day of steady traffic for acme and beta, then acme's traffic moves to beta.
    const auto scenario = testing::routing_shift();
    const auto& shift = scenario.shift;
    const auto push = [&](const std::vector<std::string>& lines) {
        testing::push_events(d, lines, "causes");
    };
    push(scenario.history);
    // The day is in the windows and has been emitted: the watermark (allowed_lateness 2m
    // behind the newest event) reached the shift.
    const double closed =
        std::chrono::duration<double>((shift - minutes(3)).time_since_epoch()).count();
    REQUIRE(testing::wait_for(
        [&] {
            return testing::metric_value(http_call("GET", d.url("/metrics")).body,
                                         "noctua_window_watermark_seconds") >= closed;
        },
        seconds(30)));
    CHECK(receiver.count() == 0);  // steady traffic pages nobody

    push(scenario.moved);

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
