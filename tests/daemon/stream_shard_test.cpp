#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include <prometheus/registry.h>

#include "noctua/detect/detector.hpp"
#include "rule_evaluator.hpp"
#include "stream_shard.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kStart{std::chrono::hours(24 * 365 * 54)};

core::Sample volume(std::string_view provider, core::TimePoint bucket_end, double v) {
    return {{{"metric", "volume"}, {"provider", std::string(provider)}, {"set", "provider"}},
            bucket_end,
            v};
}

/// A TrafficLoss rule with four hours of 4 a minute for acme, one-minute buckets.
struct Learned {
    daemon::RuleEvaluator evaluator{nullptr};
    core::TimePoint end = kStart + 4h;
    Learned() {
        detect::DetectorRegistry registry;
        detect::register_builtin_detectors(registry);
        std::vector<std::unique_ptr<detect::Detector>> rules;
        rules.push_back(*registry.create(detect::default_rule(detect::Measure::volume)));
        evaluator.set_rules(std::move(rules), nullptr);
        evaluator.track_stream_series(true);
        for (auto t = kStart + 1min; t <= end; t += 1min) {
            evaluator.on_stream_samples({volume("acme", t, 4)});
        }
    }
    /// An hour of empty buckets, as the windows emit for a series that saw nothing.
    void zeros() {
        for (auto t = end + 1min; t <= end + 1h; t += 1min) {
            evaluator.on_stream_samples({volume("acme", t, 0)});
            evaluator.advance(t, t);
        }
    }
    /// An hour of rule ticks without samples.
    void silence() {
        for (auto t = end + 1min; t <= end + 1h; t += 1min) evaluator.advance(t, t);
    }
    bool firing() { return !evaluator.engine().firing().empty(); }
};

}  // namespace

TEST_CASE("RuleEvaluator: a released provider's stream series are forgotten, not judged silent",
          "[daemon][unit]") {
    Learned l;
    REQUIRE(l.evaluator.rules()[0]->series_count() == 1);
    SECTION("kept: an hour of empty buckets is a full stop") {
        l.zeros();
        CHECK(l.firing());
    }
    SECTION("released: another instance reads it now, so its silence here means nothing") {
        l.evaluator.release_provider("acme", l.end);
        CHECK(l.evaluator.rules()[0]->series_count() == 0);
        l.silence();
        CHECK_FALSE(l.firing());
    }
    SECTION("released while firing: its stream alert resolves here") {
        l.zeros();
        REQUIRE(l.firing());
        l.evaluator.release_provider("acme", l.end + 1h);
        CHECK_FALSE(l.firing());
    }
}

TEST_CASE("StreamShardGate: only owned providers' whole buckets reach the rules",
          "[daemon][unit]") {
    prometheus::Registry registry;
    config::WindowsConfig windows;
    windows.allowed_lateness = 2min;
    windows.bucket = 1min;
    daemon::StreamShardGate gate(windows, registry);
    auto& ownership = gate.ownership();
    ownership.claim("kafka", "tx", 0, "acme", kStart + 30s);
    std::vector<core::Sample> samples = {
        volume("acme", kStart + 3min, 1),        // [2m, 3m): may hold events the old owner read
        volume("acme", kStart + 3min + 30s, 1),  // ends exactly at owned_from: still settling
        volume("acme", kStart + 4min, 4),        // [3m, 4m): starts after first event + lateness
        volume("beta", kStart + 4min, 4),        // another instance's
        {{{"metric", "volume"}, {"operator", "x"}, {"set", "operator"}}, kStart + 4min, 9},
    };
    gate.filter(samples);
    REQUIRE(samples.size() == 1);
    CHECK(samples[0].value == 4);
    CHECK(samples[0].labels.get("provider") == "acme");
    ownership.revoked("kafka", "tx", 0);
    ownership.assignment_done("kafka");
    samples = {volume("acme", kStart + 10min, 0)};
    gate.filter(samples);
    CHECK(samples.empty());
    CHECK(ownership.take_released() == std::vector<std::string>{"acme"});
}

TEST_CASE("needs_stream_gate: sharded with a Kafka stream", "[daemon][unit]") {
    config::Config c;
    CHECK_FALSE(daemon::needs_stream_gate(c));
    c.streams.push_back({});
    c.streams.back().kind = "kafka";
    CHECK_FALSE(daemon::needs_stream_gate(c));
    c.cluster.shard = core::Shard{0, 2};
    CHECK(daemon::needs_stream_gate(c));
    c.streams.back().kind = "http";
    CHECK_FALSE(daemon::needs_stream_gate(c));
    config::WindowsConfig w;
    w.sets.push_back({"provider", {"provider"}});
    w.sets.push_back({"operator", {"operator"}});
    CHECK(daemon::sets_without_provider(w) == std::vector<std::string>{"operator"});
}
