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
    std::vector<config::ProviderConfig> providers(1);
    providers[0].id = "acme";
    providers[0].labels = {{"team", "payments"}};
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
