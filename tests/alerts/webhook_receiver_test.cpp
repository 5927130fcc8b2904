// The webhook receiver: Alertmanager's v4 body, signed with Standard Webhooks headers when a
// secret is set, verified here as a receiving endpoint would.
#include <openssl/crypto.h>

#include <catch2/catch.hpp>

#include "noctua/alerts/channels/webhook.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/hmac.hpp"
#include "receiver_harness.hpp"
#include "service_fakes.hpp"

using namespace noctua;
using Catch::Matchers::Contains;
using Kind = alerts::DeliveryOutcome::Kind;

namespace {

/// An endpoint recording each request's headers and raw body; answers 503 `fail_first` times.
struct Endpoint {
    testing::LoopbackHttpServer server;
    std::mutex mutex;  // guards the fields below
    std::vector<core::ServerRequest> requests;
    int fail_first = 0;

    Endpoint() {
        server.router.add("POST", "/hook",
                          [this](const core::ServerRequest& r, const net::PathParams&) {
                              std::lock_guard lock(mutex);
                              requests.push_back(r);
                              if (fail_first > 0) {
                                  --fail_first;
                                  return core::ServerResponse::text(503, "busy");
                              }
                              return core::ServerResponse::text(204, "");
                          });
        server.start();
    }
};

std::string header(const core::ServerRequest& r, std::string_view name) {
    return std::string(core::find_header(r.headers, name).value_or(""));
}

}  // namespace

TEST_CASE(
    "webhook: with a secret, Standard Webhooks signatures a receiver can verify; the id is "
    "stable across retries",
    "[alerts][receivers][integration]") {
    Endpoint ep;
    ep.fail_first = 1;
    testing::ReceiverHarness h;
    const std::string key = "0123456789abcdef0123456789abcdef";  // 32 random-looking bytes
    auto rc = testing::receiver("webhook", ep.server.url("/hook"));
    rc.options = config::KindOptions::of(
        alerts::WebhookOptions{config::Secret("whsec_" + core::base64_encode(key), "inline")});
    auto ch = h.make(rc);
    const auto n = testing::group(2, "ratio 12 %");
    CHECK(h.deliver(*ch, n).kind == Kind::retry);
    CHECK(h.deliver(*ch, n).kind == Kind::delivered);

    std::lock_guard lock(ep.mutex);
    REQUIRE(ep.requests.size() == 2);
    for (const auto& r : ep.requests) {
        const auto id = header(r, "webhook-id");
        const auto ts = header(r, "webhook-timestamp");
        CHECK(id.starts_with("msg_"));
        const std::string expected = "v1," + core::webhook_signature(key, id, ts, r.body);
        const std::string given = header(r, "webhook-signature");
        REQUIRE(given.size() == expected.size());
        CHECK(CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0);
        std::string hex;
        for (unsigned char c : core::hmac_sha256(key, r.body)) hex += fmt::format("{:02x}", c);
        CHECK(header(r, "X-Hub-Signature-256") == "sha256=" + hex);
        CHECK_THAT(r.body, Contains(R"("version":"4")"));
    }
    CHECK(header(ep.requests[0], "webhook-id") == header(ep.requests[1], "webhook-id"));
    // An hour passed between the attempts (the harness's clock): the timestamp is the attempt's.
    CHECK(std::stoll(header(ep.requests[1], "webhook-timestamp")) -
              std::stoll(header(ep.requests[0], "webhook-timestamp")) ==
          3600);
}

TEST_CASE("webhook: without a secret nothing is signed", "[alerts][receivers][integration]") {
    Endpoint ep;
    testing::ReceiverHarness h;
    auto ch = h.make(testing::receiver("webhook", ep.server.url("/hook")));
    CHECK(h.deliver(*ch, testing::group(1, "x")).kind == Kind::delivered);
    std::lock_guard lock(ep.mutex);
    REQUIRE(ep.requests.size() == 1);
    CHECK(header(ep.requests[0], "webhook-signature").empty());
    CHECK(header(ep.requests[0], "X-Hub-Signature-256").empty());
}
