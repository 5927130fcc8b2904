#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "noctua/detect/detector.hpp"
#include "rule_evaluator.hpp"

using namespace noctua;
using detect::Measure;

namespace {

core::TimePoint minute(int m) { return core::TimePoint{std::chrono::minutes{m}}; }

/// A rule of `kind` that fires for a series on a sample of 0 and resolves on any other value.
class ThresholdRule final : public detect::Detector {
public:
    ThresholdRule(std::string name, std::string kind, Measure m)
        : Detector(rule(std::move(name), std::move(kind))), measure_(m) {}
    ThresholdRule(config::RuleConfig rc, Measure m) : Detector(std::move(rc)), measure_(m) {}
    bool consumes(Measure m) const override { return m == measure_; }
    void observe(Measure, const core::Sample& s, std::string_view,
                 std::vector<detect::Signal>& out) override {
        out.push_back(make_signal(s.labels, s.time, s.value == 0, s.value, "zero"));
    }
    void forget(const core::Labels&) override {}
    std::size_t series_count() const override { return 0; }

private:
    static config::RuleConfig rule(std::string name, std::string kind) {
        config::RuleConfig r;
        r.name = std::move(name);
        r.kind = std::move(kind);
        return r;
    }
    Measure measure_;
};

struct Recorded {
    alerts::Alert alert;
    bool with_signal;
};

/// The one provider "acme", with `labels`.
std::vector<config::ProviderConfig> acme_with(core::Labels labels) {
    std::vector<config::ProviderConfig> providers(1);
    providers[0].id = "acme";
    providers[0].labels = std::move(labels);
    return providers;
}

}  // namespace

TEST_CASE("RuleEvaluator: feeds only consuming, matching detectors", "[daemon][unit]") {
    detect::DetectorRegistry registry;
    detect::register_builtin_detectors(registry);
    auto tl = detect::default_rule(Measure::volume);
    tl.match = {{"provider", "a"}};
    auto lat = detect::default_rule(Measure::latency);
    std::vector<std::unique_ptr<detect::Detector>> ds;
    ds.push_back(*registry.create(tl));
    ds.push_back(*registry.create(lat));
    daemon::RuleEvaluator evaluator(nullptr);
    evaluator.set_rules(std::move(ds), nullptr);
    evaluator.feed(Measure::volume, {{{"provider", "a"}}, minute(0), 10});
    evaluator.feed(Measure::volume, {{{"provider", "b"}}, minute(0), 10});
    CHECK(evaluator.rules()[0]->series_count() == 1);
    CHECK(evaluator.rules()[1]->series_count() == 0);
}

TEST_CASE("RuleEvaluator: a traffic loss names the firing downtime alert that explains it",
          "[daemon][unit]") {
    std::vector<Recorded> seen;
    daemon::RuleEvaluator evaluator([&](const alerts::Alert& a, const detect::Signal* s) {
        seen.push_back({a, s != nullptr});
    });
    std::vector<std::unique_ptr<detect::Detector>> rules;
    rules.push_back(std::make_unique<ThresholdRule>("ProviderDown", "downtime", Measure::probe));
    rules.push_back(std::make_unique<ThresholdRule>("TrafficLoss", "traffic_loss", Measure::volume));
    const auto providers = acme_with({{"team", "payments"}});
    evaluator.set_rules(std::move(rules), &providers);

    evaluator.feed(Measure::probe, {{{"provider", "acme"}, {"probe", "p"}}, minute(1), 0});
    evaluator.feed(Measure::volume, {{{"provider", "acme"}, {"set", "provider"}}, minute(2), 0});
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].alert.alertname() == "ProviderDown");
    CHECK(seen[0].alert.labels.get("team") == "payments");  // the provider's labels
    CHECK(seen[0].with_signal);
    const auto& loss = seen[1].alert;
    CHECK(loss.alertname() == "TrafficLoss");
    CHECK(loss.annotations.at("likely_cause") ==
          "provider acme is down (ProviderDown firing since 1970-01-01T00:01:00Z)");
    CHECK(loss.annotations.at("summary").starts_with("zero; likely cause: provider acme is down"));

    // A repeated verdict is no transition; the resolve is.
    evaluator.feed(Measure::volume, {{{"provider", "acme"}, {"set", "provider"}}, minute(3), 0});
    evaluator.feed(Measure::volume, {{{"provider", "acme"}, {"set", "provider"}}, minute(4), 5});
    REQUIRE(seen.size() == 3);
    CHECK(seen[2].alert.state == alerts::AlertState::resolved);
    CHECK(evaluator.engine().firing().size() == 1);  // ProviderDown still fires
}

TEST_CASE("RuleEvaluator: a reload keeps the state of rules with the same name and kind",
          "[daemon][unit]") {
    detect::DetectorRegistry registry;
    detect::register_builtin_detectors(registry);
    const auto rule = detect::default_rule(Measure::volume);
    daemon::RuleEvaluator evaluator(nullptr);
    std::vector<std::unique_ptr<detect::Detector>> first;
    first.push_back(*registry.create(rule));
    evaluator.set_rules(std::move(first), nullptr);
    evaluator.feed(Measure::volume, {{{"provider", "a"}}, minute(0), 10});
    std::vector<std::unique_ptr<detect::Detector>> second;
    second.push_back(*registry.create(rule));
    evaluator.set_rules(std::move(second), nullptr);
    CHECK(evaluator.rules()[0]->series_count() == 1);
}

namespace {

/// A probe rule named ProviderDown with `keep_firing_for`, fed through an evaluator.
struct KeepFiringFixture {
    std::vector<Recorded> seen;
    daemon::RuleEvaluator evaluator{[this](const alerts::Alert& a, const detect::Signal* s) {
        seen.push_back({a, s != nullptr});
    }};
    const core::Labels series{{"provider", "acme"}, {"probe", "p"}};

    explicit KeepFiringFixture(core::Duration keep) {
        config::RuleConfig rc;
        rc.name = "ProviderDown";
        rc.kind = "downtime";
        rc.keep_firing_for = keep;
        std::vector<std::unique_ptr<detect::Detector>> rules;
        rules.push_back(std::make_unique<ThresholdRule>(rc, Measure::probe));
        evaluator.set_rules(std::move(rules), nullptr);
    }
    void probe(int at_minute, double value) {
        evaluator.feed(Measure::probe, {series, minute(at_minute), value});
    }
};

}  // namespace

TEST_CASE("RuleEvaluator: keep_firing_for holds a resolve until that long after the condition "
          "cleared",
          "[daemon][unit]") {
    KeepFiringFixture f(std::chrono::minutes(10));
    f.probe(0, 0);
    REQUIRE(f.seen.size() == 1);
    f.probe(1, 1);  // cleared at 1m: held until 11m
    CHECK(f.seen.size() == 1);
    CHECK(f.evaluator.held_resolves() == 1);
    CHECK(f.evaluator.engine().firing().size() == 1);

    SECTION("the manual clock reaching the deadline resolves it, at the deadline") {
        f.evaluator.advance(minute(10), minute(10));
        CHECK(f.seen.size() == 1);
        f.evaluator.advance(minute(14), minute(14));
        REQUIRE(f.seen.size() == 2);
        CHECK(f.seen[1].alert.state == alerts::AlertState::resolved);
        CHECK(f.seen[1].alert.ends_at == minute(11));
        CHECK(f.seen[1].with_signal);
        CHECK(f.evaluator.held_resolves() == 0);
    }
    SECTION("a sample past the deadline resolves it (replay feeds without advancing)") {
        f.probe(12, 1);
        REQUIRE(f.seen.size() == 2);
        CHECK(f.seen[1].alert.ends_at == minute(11));
    }
    SECTION("the condition returning within the window: one alert, never resolved, no new page") {
        f.probe(5, 0);
        f.probe(6, 1);  // clears again: a new deadline from 6m
        f.evaluator.advance(minute(12), minute(12));
        CHECK(f.seen.size() == 1);
        f.evaluator.advance(minute(16), minute(16));
        REQUIRE(f.seen.size() == 2);
        CHECK(f.seen[1].alert.ends_at == minute(16));
        CHECK(f.seen[1].alert.starts_at == minute(0));
    }
    SECTION("stream time that has not moved does not release a probe rule's hold") {
        f.evaluator.advance(minute(5), minute(30));
        CHECK(f.seen.size() == 1);
    }
}

TEST_CASE("RuleEvaluator: without keep_firing_for a cleared condition resolves at once",
          "[daemon][unit]") {
    KeepFiringFixture f(core::Duration::zero());
    f.probe(0, 0);
    f.probe(1, 1);
    REQUIRE(f.seen.size() == 2);
    CHECK(f.seen[1].alert.ends_at == minute(1));
    CHECK(f.evaluator.held_resolves() == 0);
}

TEST_CASE("RuleEvaluator: rule templates render when the alert fires, with provider labels",
          "[daemon][unit]") {
    std::vector<Recorded> seen;
    daemon::RuleEvaluator evaluator([&](const alerts::Alert& a, const detect::Signal* s) {
        seen.push_back({a, s != nullptr});
    });
    config::RuleConfig rc;
    rc.name = "TrafficLoss";
    rc.kind = "traffic_loss";
    rc.labels = {{"page", "{{ .Labels.tier }}-{{ .Labels.provider }}"}};
    rc.annotations = {{"summary", "{{ .Labels.provider }} at {{ .Value | humanizePercentage }}"},
                      {"dashboard_url", "https://grafana.example/d/x?p={{ $labels.provider }}"}};
    std::vector<std::unique_ptr<detect::Detector>> rules;
    rules.push_back(std::make_unique<ThresholdRule>(rc, Measure::volume));
    const auto providers = acme_with({{"tier", "premium"}});
    evaluator.set_rules(std::move(rules), &providers);

    evaluator.feed(Measure::volume, {{{"provider", "acme"}, {"set", "provider"}}, minute(1), 0});
    evaluator.feed(Measure::volume, {{{"provider", "acme"}, {"set", "provider"}}, minute(2), 0.25});
    REQUIRE(seen.size() == 2);
    const auto& fired = seen[0].alert;
    CHECK(fired.labels.get("page") == "premium-acme");
    CHECK(fired.annotations.at("summary") == "acme at 0%");
    CHECK(fired.annotations.at("dashboard_url") == "https://grafana.example/d/x?p=acme");
    // The resolve is the same alert: labels render the same from the labels alone.
    CHECK(seen[1].alert.state == alerts::AlertState::resolved);
    CHECK(seen[1].alert.fingerprint() == fired.fingerprint());
    CHECK(seen[1].alert.annotations.at("summary") == "acme at 25%");
}
