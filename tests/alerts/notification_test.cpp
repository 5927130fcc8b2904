#include <catch2/catch.hpp>

#include <simdjson.h>

#include "noctua/alerts/channel.hpp"
#include "noctua/alerts/notification.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {
alerts::Alert make_alert(alerts::AlertState state) {
    alerts::Alert a;
    a.labels = core::Labels{{"alertname", "ProviderDown"}, {"provider", "acme"}, {"severity", "critical"}};
    a.annotations = {{"summary", "acme is \"down\""}};
    a.state = state;
    a.starts_at = core::TimePoint{1714557600000ms};
    if (state == alerts::AlertState::resolved) a.ends_at = core::TimePoint{1714557900000ms};
    return a;
}
}  // namespace

TEST_CASE("Alertmanager webhook v4 payload: firing", "[alerts][unit]") {
    auto n = alerts::make_notification(7, "noc", make_alert(alerts::AlertState::firing),
                                       core::TimePoint{});
    auto json = alerts::to_alertmanager_webhook_json(n, "http://noctua:9464");
    simdjson::dom::parser parser;
    auto doc = parser.parse(json);
    REQUIRE(doc.error() == simdjson::SUCCESS);
    auto root = doc.value();
    CHECK(std::string_view(root["version"]) == "4");
    CHECK(std::string_view(root["status"]) == "firing");
    CHECK(std::string_view(root["receiver"]) == "noc");
    CHECK(int64_t(root["truncatedAlerts"]) == 0);
    CHECK(std::string_view(root["groupKey"]).starts_with("{}:{alertname=\"ProviderDown\""));
    CHECK(std::string_view(root["externalURL"]) == "http://noctua:9464");
    CHECK(std::string_view(root["commonLabels"]["provider"]) == "acme");
    CHECK(std::string_view(root["commonAnnotations"]["summary"]) == "acme is \"down\"");
    auto alert = root["alerts"].at(0);
    CHECK(std::string_view(alert["status"]) == "firing");
    CHECK(std::string_view(alert["startsAt"]) == "2024-05-01T10:00:00Z");
    CHECK(std::string_view(alert["endsAt"]) == "0001-01-01T00:00:00Z");
    CHECK(std::string_view(alert["fingerprint"]).size() == 16);
    CHECK(std::string_view(alert["labels"]["severity"]) == "critical");
}

TEST_CASE("Alertmanager webhook v4 payload: resolved carries endsAt", "[alerts][unit]") {
    auto n = alerts::make_notification(8, "noc", make_alert(alerts::AlertState::resolved),
                                       core::TimePoint{});
    auto json = alerts::to_alertmanager_webhook_json(n, "http://x");
    simdjson::dom::parser parser;
    auto root = parser.parse(json).value();
    CHECK(std::string_view(root["status"]) == "resolved");
    CHECK(std::string_view(root["alerts"].at(0)["endsAt"]) == "2024-05-01T10:05:00Z");
}

TEST_CASE("classify_http_response: the retry matrix", "[alerts][unit]") {
    using K = alerts::DeliveryOutcome::Kind;
    core::HttpResponse r;
    r.status = 200;
    CHECK(alerts::classify_http_response(r).kind == K::delivered);
    r.status = 204;
    CHECK(alerts::classify_http_response(r).kind == K::delivered);
    r.status = 503;
    CHECK(alerts::classify_http_response(r).kind == K::retry);
    r.status = 429;
    r.headers = {{"retry-after", "42"}};
    auto o = alerts::classify_http_response(r);
    CHECK(o.kind == K::retry);
    REQUIRE(o.retry_after);
    CHECK(*o.retry_after == 42s);
    r.headers.clear();
    r.status = 400;
    o = alerts::classify_http_response(r);
    CHECK(o.kind == K::failed);
    CHECK(o.message == "unexpected status code 400");
    r.status = 302;
    CHECK(alerts::classify_http_response(r).kind == K::failed);
    core::HttpResponse t;
    t.error = core::TransportError::connect;
    CHECK(alerts::classify_http_response(t).kind == K::retry);
}
