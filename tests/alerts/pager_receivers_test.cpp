// Contract tests: pagerduty and opsgenie receivers against loopback fakes of the services.
#include <catch2/catch.hpp>

#include "noctua/alerts/channels/opsgenie.hpp"
#include "noctua/alerts/channels/pagerduty.hpp"
#include "pager_fakes.hpp"
#include "receiver_harness.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Kind = alerts::DeliveryOutcome::Kind;

namespace {

constexpr std::string_view kRoutingKey = "R0123456789abcdef0123456789abcde";  // 32 characters

std::string at(const std::string& body, std::string_view pointer) {
    simdjson::dom::parser p;
    std::string_view out;
    REQUIRE(p.parse(body).at_pointer(pointer).get(out) == simdjson::SUCCESS);
    return std::string(out);
}

config::ReceiverConfig pagerduty(const testing::FakePagerDuty& pd) {
    return testing::with_options(
        testing::receiver("pagerduty", pd.url("/v2/enqueue")),
        alerts::PagerDutyOptions{config::Secret(std::string(kRoutingKey), "inline")});
}

config::ReceiverConfig opsgenie(const testing::FakeOpsgenie& og) {
    return testing::with_options(testing::receiver("opsgenie", og.url()),
                                 alerts::OpsgenieOptions{config::Secret(og.api_key, "inline")});
}

}  // namespace

TEST_CASE("pagerduty: trigger then resolve on the group's dedup key, severity mapped, links",
          "[alerts][receivers][integration]") {
    testing::FakePagerDuty pd;
    testing::ReceiverHarness h;
    auto ch = h.make(pagerduty(pd));
    auto warning = testing::group(1, "ratio 80 %");
    warning.alerts[0].labels.set("severity", "warning");
    REQUIRE(h.deliver(*ch, warning).kind == Kind::delivered);
    REQUIRE(h.deliver(*ch, testing::group(1, "x", alerts::AlertState::resolved)).kind ==
            Kind::delivered);
    auto lock = pd.lock();
    CHECK(pd.refusals.empty());
    REQUIRE(pd.actions == std::vector<std::string>{"trigger", "resolve"});
    CHECK(pd.open.empty());
    CHECK(pd.dropped.empty());
    const auto& trigger = pd.accepted[0];
    CHECK(at(trigger, "/dedup_key") == R"({}:{alertname="ProviderDown", provider="acme"})");
    CHECK(at(trigger, "/payload/severity") == "warning");
    CHECK(at(trigger, "/payload/source") == "acme");
    CHECK(at(trigger, "/payload/summary") ==
          "FIRING · ProviderDown on acme (C0) · warning: ratio 80 %");
    CHECK(at(trigger, "/links/0/href") == "https://runbooks.example/provider-down");
    CHECK(at(trigger, "/links/1/text") == "Dashboard");
    CHECK(at(trigger, "/payload/custom_details/likely_cause") ==
          "Likely cause: provider answering 503");
}

TEST_CASE("pagerduty and opsgenie: an acknowledged group acknowledges the open incident",
          "[alerts][receivers][integration]") {
    testing::FakePagerDuty pd;
    testing::FakeOpsgenie og;
    testing::ReceiverHarness h;
    auto pd_ch = h.make(pagerduty(pd));
    auto og_ch = h.make(opsgenie(og));
    CHECK(pd_ch->accepts_acks());
    CHECK(og_ch->accepts_acks());
    auto acked = testing::group(1, "x");
    acked.acknowledged = true;
    acked.alerts[0].ack = alerts::Ack{"maria", "looking at it", acked.created};
    for (auto* ch : {pd_ch.get(), og_ch.get()}) {
        REQUIRE(h.deliver(*ch, testing::group(1, "x")).kind == Kind::delivered);
        REQUIRE(h.deliver(*ch, acked).kind == Kind::delivered);
        REQUIRE(h.deliver(*ch, testing::group(1, "x", alerts::AlertState::resolved)).kind ==
                Kind::delivered);
    }
    {
        auto lock = pd.lock();
        CHECK(pd.refusals.empty());
        CHECK(pd.actions == std::vector<std::string>{"trigger", "acknowledge", "resolve"});
        CHECK(at(pd.accepted[1], "/dedup_key") == at(pd.accepted[0], "/dedup_key"));
    }
    auto lock = og.lock();
    CHECK(og.refusals.empty());
    const std::string alias = R"({}:{alertname="ProviderDown", provider="acme"})";
    CHECK(og.acknowledged == std::vector<std::string>{alias});
    CHECK(og.closed == std::vector<std::string>{alias});
}

TEST_CASE("pagerduty: summary cut to 1,024 characters and custom_details trimmed under 512 KB",
          "[alerts][receivers][integration]") {
    testing::FakePagerDuty pd;
    testing::ReceiverHarness h;
    auto ch = h.make(pagerduty(pd));
    REQUIRE(h.deliver(*ch, testing::group(1, std::string(5000, 's'))).kind == Kind::delivered);
    REQUIRE(h.deliver(*ch, testing::group(3000, std::string(400, 'd'))).kind == Kind::delivered);
    auto lock = pd.lock();
    CHECK(pd.refusals.empty());
    REQUIRE(pd.accepted.size() == 2);
    CHECK(testing::chars(at(pd.accepted[0], "/payload/summary")) == 1024);
    CHECK(pd.accepted[1].size() <= 512'000);
    CHECK_THAT(pd.accepted[1], Contains("\"alerts_left_out\":"));
    CHECK_THAT(pd.accepted[1], Contains("\"alerts_total\":3000"));
}

TEST_CASE("pagerduty: 429 waits about 30 s, 5xx and resets are retried, 400 is final",
          "[alerts][receivers][integration]") {
    testing::FakePagerDuty pd;
    testing::ReceiverHarness h;
    auto ch = h.make(pagerduty(pd));
    // libcurl retries once on a fresh connection when a reused one is reset: reset both.
    pd.faults = {testing::Fault::rate_limited, testing::Fault::server_error, testing::Fault::reset,
                 testing::Fault::reset};
    const auto n = testing::group(1, "x");
    const auto outcomes =
        h.deliver_each(*ch, n, {Kind::retry, Kind::retry, Kind::retry, Kind::delivered});
    CHECK(outcomes[0].retry_after == std::optional<core::Duration>(30s));

    const auto bad = testing::with_options(
        pagerduty(pd), alerts::PagerDutyOptions{config::Secret("short", "inline")});
    CHECK_THAT(h.refused(bad, n), Contains("Invalid routing key"));
}

TEST_CASE("pagerduty: 120 events a minute by default; the next is held for its slot, unsent",
          "[alerts][receivers][integration]") {
    testing::FakePagerDuty pd;
    testing::ReceiverHarness h;
    auto ch = h.make(pagerduty(pd));
    for (std::uint64_t i = 1; i <= 120; ++i) {
        REQUIRE(h.deliver(*ch, testing::group(1, "x", alerts::AlertState::firing, i), true).kind ==
                Kind::delivered);
    }
    const auto held = testing::group(1, "x", alerts::AlertState::firing, 121);
    auto wait = h.deliver(*ch, held, true);
    CHECK(wait.kind == Kind::retry);
    CHECK(wait.retry_after == std::optional<core::Duration>(500ms));
    h.clock.advance(500ms);
    CHECK(h.deliver(*ch, held, true).kind == Kind::delivered);
    auto lock = pd.lock();
    CHECK(pd.requests == 121);
}

TEST_CASE("opsgenie: create with the group key as alias, priority from severity, close by alias",
          "[alerts][receivers][integration]") {
    testing::FakeOpsgenie og;
    testing::ReceiverHarness h;
    auto ch = h.make(opsgenie(og));
    auto n = testing::group(2, "ratio 12 %");
    // An alertname long enough that the message must be cut to 130 characters.
    for (auto& a : n.alerts) a.labels.set("alertname", std::string(200, 'A'));
    REQUIRE(h.deliver(*ch, n).kind == Kind::delivered);
    REQUIRE(h.deliver(*ch, testing::group(2, "x")).kind == Kind::delivered);
    REQUIRE(h.deliver(*ch, testing::group(2, "x", alerts::AlertState::resolved)).kind ==
            Kind::delivered);
    auto lock = og.lock();
    CHECK(og.refusals.empty());
    REQUIRE(og.accepted.size() == 3);
    const std::string alias = R"({}:{alertname="ProviderDown", provider="acme"})";
    CHECK(at(og.accepted[0], "/alias") == alias);
    CHECK(at(og.accepted[0], "/priority") == "P1");
    CHECK(testing::chars(at(og.accepted[0], "/message")) == 130);
    CHECK_THAT(at(og.accepted[0], "/description"),
               Contains("Likely cause: provider answering 503"));
    CHECK(at(og.accepted[0], "/details/runbook_url") == "https://runbooks.example/provider-down");
    CHECK(og.closed == std::vector<std::string>{alias});
    CHECK(og.unknown_closes.empty());
}

TEST_CASE("opsgenie: 429 waits X-RateLimit-Period-In-Sec, 5xx is retried, a bad key is final",
          "[alerts][receivers][integration]") {
    testing::FakeOpsgenie og;
    testing::ReceiverHarness h;
    auto ch = h.make(opsgenie(og));
    og.faults = {testing::Fault::rate_limited, testing::Fault::server_error};
    const auto n = testing::group(1, "x");
    const auto outcomes = h.deliver_each(*ch, n, {Kind::retry, Kind::retry, Kind::delivered});
    CHECK(outcomes[0].retry_after == std::optional<core::Duration>(1s));

    const auto refused = h.refused(
        testing::with_options(opsgenie(og),
                              alerts::OpsgenieOptions{config::Secret("not-the-key", "inline")}),
        n);
    CHECK_THAT(refused, Contains("401"));
    CHECK_THAT(refused, !Contains("not-the-key"));
}
