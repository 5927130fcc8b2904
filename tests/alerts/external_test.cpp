#include <catch2/catch.hpp>

#include "noctua/alerts/external.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {
core::TimePoint at(std::chrono::seconds s) { return core::TimePoint{s}; }
}  // namespace

TEST_CASE("ExternalAlerts: Prometheus's v2 alerts are active until endsAt, then resolve",
          "[alerts][unit]") {
    alerts::ExternalAlerts ext;
    const auto now = *core::parse_rfc3339("2026-12-03T10:00:00Z");
    auto in = ext.receive(R"([{"labels":{"alertname":"HighErrors","provider":"acme"},
        "annotations":{"summary":"5% errors"},
        "startsAt":"2026-12-03T09:58:00.123456789Z","endsAt":"2026-12-03T10:04:00Z",
        "generatorURL":"http://prometheus/graph"}])",
                          now);
    REQUIRE(in);
    REQUIRE(in->size() == 1);
    const auto& a = in->front();
    CHECK(a.active);
    CHECK(a.labels.get("provider") == "acme");
    CHECK(a.annotations.at("summary") == "5% errors");
    CHECK(a.at == *core::parse_rfc3339("2026-12-03T09:58:00.123Z"));
    CHECK(ext.tracks(a.labels.fingerprint()));
    CHECK(ext.expire(now + 3min).empty());
    auto ended = ext.expire(now + 4min);
    REQUIRE(ended.size() == 1);
    CHECK_FALSE(ended[0].active);
    CHECK_FALSE(ext.tracks(a.labels.fingerprint()));

    // Sent already resolved: an inactive input, nothing tracked.
    auto resolved = ext.receive(R"([{"labels":{"alertname":"HighErrors","provider":"acme"},
        "endsAt":"2026-12-03T09:59:00Z"}])",
                                now);
    REQUIRE(resolved);
    CHECK_FALSE(resolved->front().active);
    CHECK(ext.active() == 0);

    // No endsAt: resolve_timeout (5m) unless re-sent.
    REQUIRE(ext.receive(R"([{"labels":{"alertname":"X"}}])", now));
    CHECK(ext.expire(now + 4min).empty());
    CHECK(ext.expire(now + 5min).size() == 1);
}

TEST_CASE("ExternalAlerts: malformed bodies are refused whole", "[alerts][unit]") {
    alerts::ExternalAlerts ext;
    const auto now = at(1000s);
    CHECK_FALSE(ext.receive("{}", now));
    CHECK_FALSE(ext.receive("[1]", now));
    CHECK_FALSE(ext.receive(R"([{"labels":{}}])", now));
    CHECK_FALSE(ext.receive(R"([{"labels":{"a-b":"x"}}])", now));
    CHECK_FALSE(ext.receive(R"([{"labels":{"a":1}}])", now));
    CHECK_FALSE(ext.receive(R"([{"labels":{"a":"x"},"endsAt":"yesterday"}])", now));
    auto bad_second = ext.receive(R"([{"labels":{"a":"x"}},{"labels":[]}])", now);
    REQUIRE_FALSE(bad_second);
    CHECK(bad_second.error().message.find("alert 1") != std::string::npos);
    CHECK(ext.active() == 0);  // the good first alert of a bad body is not applied
    CHECK(ext.receive("[]", now)->empty());
}

TEST_CASE("parse_rfc3339: offsets, fractions, and what is not RFC 3339", "[core][unit]") {
    CHECK(core::parse_rfc3339("2026-12-03T10:00:00Z") ==
          core::parse_rfc3339("2026-12-03T11:00:00+01:00"));
    CHECK(core::format_rfc3339(*core::parse_rfc3339("2026-12-03T10:00:00.25Z")) ==
          "2026-12-03T10:00:00.250Z");
    CHECK_FALSE(core::parse_rfc3339("2026-12-03 10:00:00"));
    CHECK_FALSE(core::parse_rfc3339("2026-12-03T10:00:00"));
    CHECK_FALSE(core::parse_rfc3339("2026-12-03T10:00:00Zjunk"));
    CHECK_FALSE(core::parse_rfc3339(""));
    // Prometheus's nanoseconds are cut to the millisecond; RFC 3339 allows "t" or a space.
    CHECK(core::parse_rfc3339("2026-12-03T09:30:00.123456789-00:30") ==
          core::parse_rfc3339("2026-12-03 10:00:00.123z"));
    CHECK(core::parse_rfc3339("2024-02-29t00:00:00Z"));
    CHECK_FALSE(core::parse_rfc3339("2026-02-29T00:00:00Z"));
    CHECK_FALSE(core::parse_rfc3339("2026-12-03T10:00:00.Z"));
    CHECK_FALSE(core::parse_rfc3339("2026-12-03T10:00:00+0100"));
    std::int64_t ms = 0;
    REQUIRE(core::parse_rfc3339_ms("1970-01-01T00:00:01.5Z", ms));
    CHECK(ms == 1500);
}
