#include "noctua/detect/detector.hpp"

#include <algorithm>

#include "kinds/kinds.hpp"
#include "noctua/detect/balance.hpp"
#include "noctua/detect/downtime.hpp"
#include "noctua/detect/kinds/downtime.hpp"
#include "noctua/detect/latency.hpp"
#include "noctua/detect/success_ratio.hpp"
#include "noctua/detect/traffic_loss.hpp"

namespace noctua::detect {
namespace {

constexpr std::pair<Measure, std::string_view> kMeasureNames[] = {
    {Measure::probe, "probe"},
    {Measure::outcome, "outcome"},
    {Measure::success_ratio, "success_ratio"},
    {Measure::volume, "volume"},
    {Measure::latency, "latency"},
    {Measure::balance, "balance"},
    {Measure::insufficient_balance, "insufficient_balance"},
    {Measure::amount, "amount"},
};

/// A rule kind: its parser and keys (kinds/<kind>.cpp) and how it makes a detector.
class KindFactory : public DetectorFactory {
public:
    KindFactory(std::string_view kind, detail::RuleKindSpec spec) : kind_(kind), spec_(spec) {}
    [[nodiscard]] std::string_view kind() const override { return kind_; }
    [[nodiscard]] std::span<const std::string_view> keys() const override { return spec_.keys; }
    [[nodiscard]] config::KindOptions parse(const config::Section& s,
                                            config::RuleConfig& common) const override {
        return spec_.parse(s, common);
    }

private:
    std::string_view kind_;
    detail::RuleKindSpec spec_;
};

/// A kind whose detector is built from the rule alone.
template <class D>
class SimpleFactory final : public KindFactory {
public:
    using KindFactory::KindFactory;
    [[nodiscard]] core::Result<std::unique_ptr<Detector>> create(
        const config::RuleConfig& rule) const override {
        return std::make_unique<D>(rule);
    }
};

/// `downtime` has two sources: consecutive probe failures, or the stream success ratio.
class DowntimeFactory final : public KindFactory {
public:
    DowntimeFactory() : KindFactory("downtime", detail::downtime_kind()) {}
    [[nodiscard]] core::Result<std::unique_ptr<Detector>> create(
        const config::RuleConfig& rule) const override {
        if (rule.options.get<DowntimeOptions>().source == "stream") {
            return std::make_unique<SuccessRatioDetector>(rule);
        }
        return std::make_unique<DowntimeRule>(rule);
    }
};

}  // namespace

std::string_view to_string(Measure m) {
    for (const auto& [k, name] : kMeasureNames) {
        if (k == m) return name;
    }
    return "?";
}

std::optional<Measure> parse_measure(std::string_view name) {
    for (const auto& [k, n] : kMeasureNames) {
        if (n == name) return k;
    }
    return std::nullopt;
}

bool Detector::matches(const core::Labels& series) const {
    for (const auto& [k, v] : rule_.match.pairs()) {
        if (series.get(k) != std::optional<std::string_view>(v)) return false;
    }
    if (!rule_.probes.empty()) {
        if (auto probe = series.get("probe")) {
            return std::find(rule_.probes.begin(), rule_.probes.end(), *probe) !=
                   rule_.probes.end();
        }
    }
    return true;
}

void Detector::advance(core::TimePoint, std::vector<Signal>&) {}

void Detector::adopt_state(const Detector&) {}

Signal Detector::make_signal(const core::Labels& series, core::TimePoint at, bool active,
                             double value, std::string summary) const {
    Signal sig;
    sig.rule = rule_.name;
    sig.labels = series;
    if (!sig.labels.contains("severity")) sig.labels.set("severity", rule_.severity);
    sig.labels.merge_missing(rule_.labels);
    sig.at = at;
    sig.active = active;
    sig.value = value;
    sig.annotations.insert(rule_.annotations.begin(), rule_.annotations.end());
    sig.summary = std::move(summary);
    sig.annotations["summary"] = sig.summary;
    return sig;
}

void register_builtin_detectors(DetectorRegistry& registry) {
    registry.add(
        std::make_unique<SimpleFactory<BalanceDetector>>("balance", detail::balance_kind()));
    registry.add(std::make_unique<DowntimeFactory>());
    registry.add(
        std::make_unique<SimpleFactory<LatencyDetector>>("latency", detail::latency_kind()));
    registry.add(std::make_unique<SimpleFactory<TrafficLossDetector>>("traffic_loss",
                                                                      detail::traffic_loss_kind()));
}

config::RuleConfig default_rule(Measure m) {
    config::RuleConfig rule;
    switch (m) {
        case Measure::volume:
        case Measure::amount:
            rule.name = "TrafficLoss";
            rule.kind = "traffic_loss";
            break;
        case Measure::outcome:
        case Measure::success_ratio:
            rule.name = "SuccessRateLow";
            rule.kind = "downtime";
            {
                DowntimeOptions stream;
                stream.source = "stream";
                rule.options = config::KindOptions::of(std::move(stream));
                break;
            }
        case Measure::latency:
            rule.name = "LatencyHigh";
            rule.kind = "latency";
            rule.severity = "warning";
            break;
        case Measure::balance:
        case Measure::insufficient_balance:
            rule.name = "BalanceLow";
            rule.kind = "balance";
            break;
        case Measure::probe:
            rule.name = "ProviderDown";
            rule.kind = "downtime";
            break;
    }
    return rule;
}

}  // namespace noctua::detect
