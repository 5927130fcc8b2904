#include <catch2/catch.hpp>

#include <string>

#include "detect_test_support.hpp"
#include "noctua/config/config.hpp"
#include "noctua/detect/kinds/downtime.hpp"
#include "noctua/detect/replay.hpp"
#include "noctua/detect/traffic_loss.hpp"
#include "noctua/testing/registry_parsers.hpp"

using namespace noctua;
using detect::Measure;

namespace {
core::TimePoint utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
    using namespace std::chrono;
    return time_point_cast<milliseconds>(sys_days{year{y} / month{mo} / day{d}} + hours{h} +
                                         minutes{mi} + seconds{s});
}
}  // namespace

TEST_CASE("parse_timestamp: NAB, ISO with zone, quoted, offsets and Unix seconds",
          "[detect][unit]") {
    const auto t = utc(2014, 7, 1, 0, 30, 0);
    CHECK(detect::parse_timestamp("2014-07-01 00:30:00") == t);
    CHECK(detect::parse_timestamp("\"2014-07-01T00:30:00Z\"") == t);
    CHECK(detect::parse_timestamp("2014-07-01T00:30") == t);
    CHECK(detect::parse_timestamp("2014-07-01T02:30:00+02:00") == t);
    CHECK(detect::parse_timestamp("2014-06-30T19:30:00-0500") == t);
    CHECK(detect::parse_timestamp("2014-07-01T00:30:00.250Z") == t + std::chrono::milliseconds(250));
    CHECK(detect::parse_timestamp("1404174600") == t);
    CHECK(detect::parse_timestamp("2014-07-01") == utc(2014, 7, 1, 0, 0, 0));
    CHECK_FALSE(detect::parse_timestamp("timestamp"));
    CHECK_FALSE(detect::parse_timestamp("2014-13-01 00:00:00"));
    CHECK_FALSE(detect::parse_timestamp("2014-07-01 00:30:00 junk"));
}

TEST_CASE("read_series_csv: headers, quotes, CRLF, labels column, bad rows and order",
          "[detect][unit]") {
    const std::string text =
        "TimeStamp,Value,Label\r\n"
        "\"2018-04-25T00:02:00Z\",3.5,0\r\n"
        "\"2018-04-25T00:00:00Z\",1,1\r\n"
        "\"2018-04-25T00:01:00Z\",,0\r\n"   // empty value: skipped
        "\"2018-04-25T00:01:00Z\",2,0\r\n"
        "\"2018-04-25T00:01:00Z\",2.5,0\r\n"  // repeated timestamp: kept
        "garbage\r\n"
        "\r\n";
    auto r = detect::read_series_csv(text, {{"series", "x"}});
    REQUIRE(r);
    REQUIRE(r->samples.size() == 4);
    CHECK(r->skipped == 2);
    CHECK(r->samples[0].value == 1);
    CHECK(r->samples[1].value == 2);
    CHECK(r->samples[2].value == 2.5);
    CHECK(r->samples[3].value == 3.5);
    CHECK(r->samples[0].labels.get("series") == "x");
    CHECK_FALSE(detect::read_series_csv("timestamp,value\n", {}));
}

TEST_CASE("transition_json: one object per transition in the replay format",
          "[detect][unit]") {
    detect::Signal s;
    s.rule = "TrafficLoss";
    s.labels = {{"series", "nyc"}, {"severity", "critical"}};
    s.at = utc(2014, 11, 27, 6, 30, 0);
    s.active = true;
    s.value = 0.5;
    s.summary = "traffic \"low\"";
    CHECK(detect::transition_json(s) ==
          R"({"at":"2014-11-27T06:30:00Z","alertname":"TrafficLoss","state":"firing",)"
          R"("labels":{"series":"nyc","severity":"critical"},"value":0.5,)"
          R"("summary":"traffic \"low\""})");
    CHECK(detect::transition_json(s, "provider down").ends_with(
        R"("summary":"traffic \"low\"","likely_cause":"provider down"})"));
    s.active = false;
    CHECK(detect::transition_json(s).find(R"("state":"resolved")") != std::string::npos);
}

TEST_CASE("DetectorRegistry: every kind is registered; unknown kinds list the known ones",
          "[detect][unit]") {
    detect::DetectorRegistry registry;
    detect::register_builtin_detectors(registry);
    CHECK(registry.kinds() ==
          std::vector<std::string>{"balance", "downtime", "latency", "traffic_loss"});
    config::RuleConfig r;
    r.kind = "nope";
    auto d = registry.create(r);
    REQUIRE_FALSE(d);
    CHECK(d.error().message ==
          "unknown rule kind \"nope\" (known: balance, downtime, latency, traffic_loss)");
    for (auto m : {Measure::volume, Measure::success_ratio, Measure::latency, Measure::balance,
                   Measure::probe}) {
        auto made = registry.create(detect::default_rule(m));
        REQUIRE(made);
        CHECK((*made)->consumes(m));
    }
    CHECK(detect::parse_measure("success_ratio") == Measure::success_ratio);
    CHECK(detect::to_string(Measure::volume) == "volume");
    CHECK_FALSE(detect::parse_measure("bogus"));
}

TEST_CASE("default_rule: each measure's shipped rule, kind, severity and source",
          "[detect][unit]") {
    struct Case {
        Measure measure;
        std::string name;
        std::string kind;
        std::string severity;
        bool from_stream;
    };
    const Case cases[] = {
        {Measure::probe, "ProviderDown", "downtime", "critical", false},
        {Measure::outcome, "SuccessRateLow", "downtime", "critical", true},
        {Measure::success_ratio, "SuccessRateLow", "downtime", "critical", true},
        {Measure::volume, "TrafficLoss", "traffic_loss", "critical", false},
        {Measure::latency, "LatencyHigh", "latency", "warning", false},
        {Measure::balance, "BalanceLow", "balance", "critical", false},
        {Measure::insufficient_balance, "BalanceLow", "balance", "critical", false},
        {Measure::amount, "TrafficLoss", "traffic_loss", "critical", false},
    };
    for (const auto& c : cases) {
        INFO("measure " << detect::to_string(c.measure));
        const auto rule = detect::default_rule(c.measure);
        CHECK(rule.name == c.name);
        CHECK(rule.kind == c.kind);
        CHECK(rule.severity == c.severity);
        if (c.from_stream) {
            CHECK(rule.options.get<detect::DowntimeOptions>().source == "stream");
        } else {
            CHECK(rule.options.empty());
        }
    }
}

TEST_CASE("Replay: the shipped TrafficLoss defaults run from a config file too",
          "[detect][unit]") {
    const auto& kinds = testing::kind_parsers_of(&detect::register_builtin_detectors);
    auto loaded = config::load_string(R"(
[[rules]]
name = "TrafficLoss"
kind = "traffic_loss"
window = "30m"
for = "15m"
ratio = 0.5
resolve_ratio = 0.75
min_expected = 20
match = { provider = "acme" }
)",
                                      "<string>", kinds);
    REQUIRE(loaded);
    REQUIRE(loaded->rules.size() == 1);
    const auto& r = loaded->rules[0];
    CHECK(r.options.get<detect::TrafficLossOptions>() ==
          detect::default_rule(Measure::volume).options.get<detect::TrafficLossOptions>());
    CHECK(r.match.get("provider") == "acme");
}
