// Contract tests: slack, teams and telegram receivers against loopback fakes of the services.
#include <catch2/catch.hpp>

#include <boost/asio/strand.hpp>

#include "noctua/alerts/channels/telegram.hpp"
#include "noctua/alerts/dispatcher.hpp"
#include "receiver_harness.hpp"
#include "service_fakes.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using alerts::DeliveryOutcome;
using Catch::Matchers::Contains;
using Kind = alerts::DeliveryOutcome::Kind;

namespace {

constexpr std::string_view kSummary = "Success ratio 12 % over 5 min (98 % expected)";

std::string first_text(const std::string& body, std::string_view pointer) {
    simdjson::dom::parser p;
    std::string_view out;
    REQUIRE(p.parse(body).at_pointer(pointer).get(out) == simdjson::SUCCESS);
    return std::string(out);
}

}  // namespace

TEST_CASE("slack: a group is one Block Kit message with a text fallback; its resolve follows",
          "[alerts][receivers][integration]") {
    testing::FakeSlack slack;
    testing::ReceiverHarness h;
    auto ch = h.make(testing::receiver("slack", slack.url("/services/T000/B000/XXXX")));

    REQUIRE(h.deliver(*ch, testing::group(3, std::string(kSummary))).kind == Kind::delivered);
    REQUIRE(h.deliver(*ch, testing::group(3, std::string(kSummary), alerts::AlertState::resolved))
                .kind == Kind::delivered);
    auto lock = slack.lock();
    REQUIRE(slack.accepted.size() == 2);
    CHECK(slack.refusals.empty());
    const auto& fired = slack.accepted[0];
    const auto lead = first_text(fired, "/blocks/0/text/text");
    // What and where, how bad, since when, likely cause: in the first lines.
    CHECK_THAT(lead, Contains("*FIRING · ProviderDown on acme · critical*"));
    CHECK_THAT(lead, Contains("Since 22:07 UTC (6 min)."));
    CHECK_THAT(lead, Contains(std::string(kSummary)));
    CHECK_THAT(lead, Contains("_Likely cause: provider answering 503_"));
    CHECK_THAT(first_text(fired, "/text"), Contains("FIRING · ProviderDown on acme"));
    CHECK_THAT(first_text(fired, "/blocks/1/text/text"), Contains("• critical · ProviderDown"));
    CHECK(first_text(fired, "/blocks/2/elements/0/url") ==
          "https://runbooks.example/provider-down");
    CHECK(first_text(fired, "/blocks/2/elements/1/url") == "https://grafana.example/d/acme");
    CHECK_THAT(first_text(slack.accepted[1], "/text"),
               Contains("RESOLVED · ProviderDown on acme · after 6 min"));
}

TEST_CASE("slack: a huge group is cut to fit a section, never its first lines",
          "[alerts][receivers][integration]") {
    testing::FakeSlack slack;
    testing::ReceiverHarness h;
    auto ch = h.make(testing::receiver("slack", slack.url("/services/T000/B000/XXXX")));
    const std::string summary(300, 'x');
    REQUIRE(h.deliver(*ch, testing::group(400, summary)).kind == Kind::delivered);
    auto lock = slack.lock();
    REQUIRE(slack.accepted.size() == 1);
    CHECK_THAT(first_text(slack.accepted[0], "/blocks/0/text/text"),
               Contains("*FIRING · ProviderDown on acme · critical*"));
    CHECK_THAT(first_text(slack.accepted[0], "/blocks/1/text/text"), Contains("more alerts"));
}

TEST_CASE("slack: 429 and 5xx and a reset are retried, with Retry-After as the hint; 4xx is final",
          "[alerts][receivers][integration]") {
    testing::FakeSlack slack;
    testing::ReceiverHarness h;
    auto ch = h.make(testing::receiver("slack", slack.url("/services/T000/B000/XXXX")));
    // libcurl retries once on a fresh connection when a reused one is reset: reset both.
    slack.faults = {testing::Fault::rate_limited, testing::Fault::server_error,
                    testing::Fault::reset, testing::Fault::reset};
    const auto n = testing::group(1, std::string(kSummary));
    const auto outcomes =
        h.deliver_each(*ch, n, {Kind::retry, Kind::retry, Kind::retry, Kind::delivered});
    CHECK(outcomes[0].retry_after == std::optional<core::Duration>(1s));

    (void)h.refused(testing::receiver("slack", slack.url("/services/T000/B000")), n);
}

TEST_CASE("teams: an Adaptive Card 1.4 within 28 KB, however large the group",
          "[alerts][receivers][integration]") {
    testing::FakeTeams teams;
    testing::ReceiverHarness h;
    auto ch = h.make(testing::receiver(
        "teams",
        teams.url("/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s")));
    REQUIRE(h.deliver(*ch, testing::group(2, std::string(kSummary))).kind == Kind::delivered);
    REQUIRE(h.deliver(*ch, testing::group(2000, std::string(200, 'y'))).kind == Kind::delivered);
    teams.faults = {testing::Fault::rate_limited};
    auto limited = h.deliver(*ch, testing::group(1, "z"));
    CHECK(limited.kind == Kind::retry);
    CHECK(limited.retry_after == std::optional<core::Duration>(1s));

    auto lock = teams.lock();
    REQUIRE(teams.accepted.size() == 2);
    CHECK(teams.refusals.empty());
    const auto& small = teams.accepted[0];
    CHECK(first_text(small, "/attachments/0/content/version") == "1.4");
    CHECK(first_text(small, "/attachments/0/content/body/0/text") ==
          "FIRING · ProviderDown on acme · critical");
    CHECK(first_text(small, "/attachments/0/content/body/0/color") == "Attention");
    CHECK(first_text(small, "/attachments/0/content/actions/0/title") == "Runbook");
    CHECK(teams.accepted[1].size() <= 28 * 1024);
    CHECK_THAT(teams.accepted[1], Contains("more alerts"));
}

namespace {

/// A telegram receiver with the fake's bot token, sending to `chat`.
config::ReceiverConfig telegram(const testing::FakeTelegram& tg, std::string chat) {
    return testing::with_options(
        testing::receiver("telegram", tg.url()),
        alerts::TelegramOptions{config::Secret(tg.token, "inline"), std::move(chat)});
}

}  // namespace

TEST_CASE("telegram: HTML parse mode with everything escaped, within 4,096 characters",
          "[alerts][receivers][integration]") {
    testing::FakeTelegram tg;
    testing::ReceiverHarness h;
    auto rc = telegram(tg, "-100123");
    auto ch = h.make(rc);
    REQUIRE(h.deliver(*ch, testing::group(2, "ratio <12 %> & falling \"fast\"")).kind ==
            Kind::delivered);
    REQUIRE(h.deliver(*ch, testing::group(500, std::string(100, 'q') + " ünïcødé 🦉")).kind ==
            Kind::delivered);
    auto lock = tg.lock();
    CHECK(tg.refusals.empty());
    REQUIRE(tg.texts.size() == 2);
    CHECK_THAT(tg.texts[0], Contains("FIRING · ProviderDown on acme · critical\n"));
    CHECK_THAT(tg.texts[0], Contains("ratio <12 %> & falling \"fast\""));
    CHECK_THAT(tg.texts[0], Contains("Likely cause: provider answering 503"));
    CHECK_THAT(tg.accepted[0],
               Contains(R"(<a href=\"https://runbooks.example/provider-down\">Runbook</a>)"));
    CHECK_THAT(tg.texts[1], Contains("more alerts"));
}

TEST_CASE(
    "telegram: a 429 is retried after parameters.retry_after; a bad token is final and "
    "never in the message",
    "[alerts][receivers][integration]") {
    testing::FakeTelegram tg;
    testing::ReceiverHarness h;
    auto rc = telegram(tg, "@noc");
    auto ch = h.make(rc);
    tg.faults = {testing::Fault::rate_limited, testing::Fault::reset, testing::Fault::reset};
    const auto n = testing::group(1, "x");
    const auto outcomes = h.deliver_each(*ch, n, {Kind::retry, Kind::retry, Kind::delivered});
    CHECK(outcomes[0].retry_after == std::optional<core::Duration>(1s));

    const auto refused = h.refused(
        testing::with_options(
            rc,
            alerts::TelegramOptions{
                config::Secret("123456:wrong-token-wrong-token-wrong-token", "inline"), "@noc"}),
        n);
    CHECK_THAT(refused, Contains("401"));
    CHECK_THAT(refused, !Contains("wrong-token"));
}

TEST_CASE("telegram: a 429 storm through the dispatcher loses nothing and keeps to the rate",
          "[alerts][receivers][integration][slow]") {
    testing::FakeTelegram tg;
    tg.set_rate(20, 2);  // the fake refuses anything faster than 20/s, bursts of 2
    tg.faults = {testing::Fault::rate_limited, testing::Fault::rate_limited,
                 testing::Fault::rate_limited, testing::Fault::server_error};
    boost::asio::io_context ioc;
    net::CurlHttpClient http{ioc};
    core::SystemClock clock;
    alerts::ChannelContext ctx{http, clock, ""};
    alerts::ChannelRegistry registry;
    alerts::register_builtin_channels(registry);
    auto rc = telegram(tg, "-100123");
    // 5/s: a quarter of the fake's 20/s, so requests the limiter spaced still keep to the
    // fake's rate when a loaded machine delays some of them on the way and they arrive closer
    // together than they were sent.
    rc.rate_limit = 1;
    rc.rate_period = 200ms;
    rc.initial_backoff = 10ms;
    rc.max_backoff = 100ms;
    std::shared_ptr<alerts::ChannelBase> ch = std::move(*registry.create(rc, ctx));
    prometheus::Registry metrics_registry;
    alerts::AlertMetrics metrics{metrics_registry};
    auto strand = boost::asio::make_strand(ioc);
    {
        alerts::Dispatcher dispatcher{strand, metrics, 7};
        dispatcher.set_channels({{"r", ch}});
        constexpr int kGroups = 8;
        for (int i = 0; i < kGroups; ++i) {
            auto n = testing::group(1, fmt::format("group {}", i), alerts::AlertState::firing,
                                    static_cast<std::uint64_t>(i + 1));
            n.group_key = fmt::format("{{}}:{{provider=\"p{}\"}}", i);
            dispatcher.enqueue(std::move(n));
        }
        REQUIRE(testing::run_until(
            ioc, [&] { return dispatcher.pending() == 0; }, 60s));
        auto lock = tg.lock();
        CHECK(tg.accepted.size() == kGroups);
        CHECK(tg.over_rate == 0);
        CHECK(metrics.notifications.Add({{"receiver", "r"}, {"result", "failed"}}).Value() == 0);
    }
    http.stop();
}
