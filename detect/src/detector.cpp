#include "noctua/detect/detector.hpp"

#include <algorithm>
#include <iterator>

#include "kinds/kinds.hpp"
#include "noctua/core/assert.hpp"
#include "noctua/core/enum_names.hpp"
#include "noctua/detect/balance.hpp"
#include "noctua/detect/downtime.hpp"
#include "noctua/detect/kinds/downtime.hpp"
#include "noctua/detect/latency.hpp"
#include "noctua/detect/success_ratio.hpp"
#include "noctua/detect/traffic_loss.hpp"

namespace noctua::detect {
namespace {

constexpr core::EnumName<Measure> kMeasureNames[] = {
    {Measure::probe, "probe"},
    {Measure::outcome, "outcome"},
    {Measure::success_ratio, "success_ratio"},
    {Measure::volume, "volume"},
    {Measure::latency, "latency"},
    {Measure::balance, "balance"},
    {Measure::insufficient_balance, "insufficient_balance"},
    {Measure::amount, "amount"},
};

/// The rule `noctua replay` runs for one measure without `--config` (default_rule()).
struct DefaultRule {
    Measure measure;
    std::string_view name;
    std::string_view kind;
    std::string_view severity;  ///< "": the rule's default
    bool from_stream = false;   ///< downtime judged on the stream's success ratio
};

constexpr DefaultRule kDefaultRules[] = {
    {Measure::probe, "ProviderDown", "downtime", ""},
    {Measure::outcome, "SuccessRateLow", "downtime", "", true},
    {Measure::success_ratio, "SuccessRateLow", "downtime", "", true},
    {Measure::volume, "TrafficLoss", "traffic_loss", ""},
    {Measure::latency, "LatencyHigh", "latency", "warning"},
    {Measure::balance, "BalanceLow", "balance", ""},
    {Measure::insufficient_balance, "BalanceLow", "balance", ""},
    {Measure::amount, "TrafficLoss", "traffic_loss", ""},
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

std::string_view to_string(Measure m) { return core::name_of(kMeasureNames, m, "?"); }

std::optional<Measure> parse_measure(std::string_view name) {
    return core::value_of(kMeasureNames, name);
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
    const auto* d = std::ranges::find(kDefaultRules, m, &DefaultRule::measure);
    NOCTUA_CHECK(d != std::end(kDefaultRules));
    config::RuleConfig rule;
    rule.name = d->name;
    rule.kind = d->kind;
    if (!d->severity.empty()) rule.severity = d->severity;
    if (d->from_stream) {
        DowntimeOptions stream;
        stream.source = "stream";
        rule.options = config::KindOptions::of(std::move(stream));
    }
    return rule;
}

}  // namespace noctua::detect
