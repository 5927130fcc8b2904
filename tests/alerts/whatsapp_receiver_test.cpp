// Contract tests: the whatsapp receiver against fakes of Meta's Cloud API and Twilio.
#include <catch2/catch.hpp>

#include "noctua/alerts/channels/whatsapp.hpp"
#include "receiver_harness.hpp"
#include "whatsapp_fakes.hpp"

using namespace noctua;
using Catch::Matchers::Contains;
using Kind = alerts::DeliveryOutcome::Kind;

namespace {

/// A Cloud API template "noc_alert" from the fake's phone number to `to`.
alerts::WhatsAppOptions meta_options(const testing::FakeWhatsAppMeta& meta,
                                     std::vector<std::string> to) {
    alerts::WhatsAppOptions wa;
    wa.token = config::Secret(meta.token, "inline");
    wa.phone_number_id = "106540352242922";
    wa.template_name = "noc_alert";
    wa.to = std::move(to);
    return wa;
}

}  // namespace

TEST_CASE("whatsapp (meta): a template to every number, variables on one line each",
          "[alerts][receivers][integration]") {
    testing::FakeWhatsAppMeta meta;
    testing::ReceiverHarness h;
    auto rc = testing::receiver("whatsapp", meta.url("/v23.0"));
    auto wa = meta_options(meta, {"+34600000001", "+34600000002"});
    auto ch = h.make(testing::with_options(rc, wa));
    REQUIRE(h.deliver(*ch, testing::group(3, "ratio 12 %\nfalling")).kind == Kind::delivered);
    auto lock = meta.lock();
    CHECK(meta.refusals.empty());
    REQUIRE(meta.params.size() == 2);
    CHECK(meta.params[0].size() == 3);
    CHECK(meta.params[0][0] == "FIRING · ProviderDown on acme · critical");
    CHECK_THAT(meta.params[0][1], Contains("ratio 12 % · falling"));
    CHECK_THAT(meta.params[0][1], Contains("Likely cause: provider answering 503"));
    CHECK(meta.params[0][2] == "https://runbooks.example/provider-down");
}

TEST_CASE("whatsapp (meta): a rate-limited number is retried alone; the others are not resent",
          "[alerts][receivers][integration]") {
    testing::FakeWhatsAppMeta meta;
    testing::ReceiverHarness h;
    auto rc = testing::receiver("whatsapp", meta.url("/v23.0"));
    auto wa = meta_options(meta, {"+34600000001"});
    auto ch = h.make(testing::with_options(rc, wa));
    {
        auto lock = meta.lock();
        meta.faults = {testing::Fault::rate_limited};
    }
    const auto n = testing::group(1, "x");
    auto limited = h.deliver(*ch, n);
    CHECK(limited.kind == Kind::retry);
    CHECK_THAT(limited.message, Contains("130429"));
    CHECK(h.deliver(*ch, n).kind == Kind::delivered);

    wa.to = {"+34600000001", "+34600000002", "+34600000003"};
    auto three = h.make(testing::with_options(rc, wa));
    const auto m = testing::group(1, "y", alerts::AlertState::firing, 2);
    {
        auto lock = meta.lock();
        meta.faults = {testing::Fault::server_error};
        meta.recipients.clear();
    }
    (void)h.deliver_each(*three, m, {Kind::retry, Kind::delivered});
    auto lock = meta.lock();
    // Two numbers got it on the first attempt, the third on the second: four sends in all.
    CHECK(meta.recipients.size() == 3);
    CHECK(meta.requests == 6);

    wa.token = config::Secret("expired", "inline");
    lock.unlock();
    CHECK_THAT(h.refused(testing::with_options(rc, wa), n), Contains("190"));
}

TEST_CASE("whatsapp (twilio): ContentSid and ContentVariables to whatsapp: numbers, Basic auth",
          "[alerts][receivers][integration]") {
    testing::FakeTwilio twilio;
    testing::ReceiverHarness h;
    auto rc = testing::receiver("whatsapp", twilio.url());
    alerts::WhatsAppOptions wa;
    wa.provider = "twilio";
    wa.account_sid = twilio.account_sid;
    wa.token = config::Secret(twilio.auth_token, "inline");
    wa.from = "+15005550006";
    wa.template_name = "HXb5b62575e6e4ff6129ad7c8efe1f983e";
    wa.to = {"+34600000001"};
    auto ch = h.make(testing::with_options(rc, wa));
    REQUIRE(h.deliver(*ch, testing::group(2, "ratio 12 %")).kind == Kind::delivered);
    {
        auto lock = twilio.lock();
        CHECK(twilio.refusals.empty());
        REQUIRE(twilio.forms.size() == 1);
        CHECK(twilio.forms[0]["To"] == "whatsapp:+34600000001");
        CHECK(twilio.forms[0]["From"] == "whatsapp:+15005550006");
        CHECK(twilio.forms[0]["ContentSid"] == "HXb5b62575e6e4ff6129ad7c8efe1f983e");
        CHECK_THAT(twilio.forms[0]["ContentVariables"],
                   Contains(R"("1":"FIRING · ProviderDown on acme · critical")"));
        twilio.faults = {testing::Fault::rate_limited};
    }
    CHECK(h.deliver(*ch, testing::group(1, "x")).kind == Kind::retry);
    wa.token = config::Secret("wrong", "inline");
    (void)h.refused(testing::with_options(rc, wa), testing::group(1, "x"));
}
