#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/config/kind_registry.hpp"
#include "noctua/core/result.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/detect/signal.hpp"

namespace noctua::detect {

/// What a sample measures; the daemon (and `noctua replay --as`) routes each sample to the
/// detectors that consume its measure.
enum class Measure {
    probe,                 ///< one probe run: 1 passed, 0 failed
    outcome,               ///< one classified stream transaction: 1 success, 0 provider fault
    success_ratio,         ///< a success ratio over one interval, in [0, 1]
    volume,                ///< transactions (or any volume) in one interval
    latency,               ///< one latency observation, in seconds
    balance,               ///< an account or wallet balance
    insufficient_balance,  ///< insufficient-balance errors seen (count) at the sample time
    /// The amount of the successful transactions in one interval (weight: those transactions),
    /// with a `currency` label when known; a volume series' typical transaction value.
    amount,
};

/// "probe", "outcome", "success_ratio", "volume", "latency", "balance", "insufficient_balance",
/// "amount".
[[nodiscard]] std::string_view to_string(Measure m);
/// The inverse of to_string(); nullopt for an unknown name.
[[nodiscard]] std::optional<Measure> parse_measure(std::string_view name);

/// One rule's detector: a pure state machine from samples (labels, event time, value) to
/// Signals on transitions. Time only comes in with the samples and advance(), never from a
/// clock, so the same code runs live, in tests and in `noctua replay`.
///
/// Not thread-safe: owned by one strand (the daemon's pipeline) or one replay loop. Samples
/// of one series must arrive in event-time order; older ones are ignored.
class Detector {
public:
    explicit Detector(config::RuleConfig rule) : rule_(std::move(rule)) {}
    virtual ~Detector() = default;
    Detector(const Detector&) = delete;
    Detector& operator=(const Detector&) = delete;

    /// The rule this detector runs; its `name` is the alertname of every signal.
    [[nodiscard]] const config::RuleConfig& config() const { return rule_; }

    /// Whether samples of measure `m` feed this detector.
    [[nodiscard]] virtual bool consumes(Measure m) const = 0;

    /// Whether `series` is in scope: it carries every `match` label and, when the rule lists
    /// `probes`, its `probe` label (if any) is one of them.
    [[nodiscard]] bool matches(const core::Labels& series) const;

    /// Feeds one sample of measure `m` (which this detector consumes, for a matching series).
    /// `detail` is a human reason for a failed probe ("status 503"). Appends a Signal to `out`
    /// for every alert transition the sample causes.
    virtual void observe(Measure m, const core::Sample& sample, std::string_view detail,
                         std::vector<Signal>& out) = 0;

    /// Moves event time to `now` without a sample: lets detectors notice absence (a series
    /// that stopped reporting). Default: nothing.
    virtual void advance(core::TimePoint now, std::vector<Signal>& out);

    /// Carries series state over from `old`, a detector of the same kind and rule name from
    /// before a reload; settings come from this detector's config. Default: nothing.
    virtual void adopt_state(const Detector& old);

    /// Forgets one series (e.g. a removed probe).
    virtual void forget(const core::Labels& series) = 0;

    /// Series currently tracked.
    [[nodiscard]] virtual std::size_t series_count() const = 0;

    /// Series whose condition holds but has not held long enough (`for`, `failures`) to
    /// fire: Prometheus's pending alerts. Default: none.
    [[nodiscard]] virtual std::size_t pending_series() const { return 0; }

protected:
    /// A Signal for `series` with the rule's name, severity, labels and annotations filled in;
    /// `summary` is copied into the "summary" annotation.
    [[nodiscard]] Signal make_signal(const core::Labels& series, core::TimePoint at, bool active,
                                     double value, std::string summary) const;

    config::RuleConfig rule_;
};

/// A detector that keeps one state per series in `Self::series_` (by label fingerprint):
/// forget(), series_count() and adopt_state() — a copy of every series of a detector of the
/// same type, the same rule name, from before a reload — written once. `Self` derives from it
/// (CRTP) and declares `friend class SeriesDetector<Self, Options>`; `Options` is its kind's
/// options struct. Not thread-safe (see Detector).
template <class Self, class Options>
class SeriesDetector : public Detector {
public:
    using Detector::Detector;

    // Detector
    void adopt_state(const Detector& old) override {
        if (const auto* prev = dynamic_cast<const Self*>(&old)) {
            for (const auto& [fp, s] : prev->series_) self().series_.insert_or_assign(fp, s);
        }
    }
    void forget(const core::Labels& series) override {
        self().series_.erase(series.fingerprint());
    }
    [[nodiscard]] std::size_t series_count() const override { return self().series_.size(); }
    /// Counts the series for which `Self::pending(series)` holds.
    [[nodiscard]] std::size_t pending_series() const override {
        std::size_t n = 0;
        for (const auto& [fp, s] : self().series_) n += Self::pending(s) ? 1 : 0;
        return n;
    }

protected:
    /// The rule's own keys (its kind's options).
    [[nodiscard]] const Options& options() const { return rule_.options.get<Options>(); }

private:
    Self& self() { return static_cast<Self&>(*this); }
    const Self& self() const { return static_cast<const Self&>(*this); }
};

/// One rule kind (config::KindFactory; docs/architecture.md, "Kinds and registries"): parse()
/// reads its own keys of a `[[rules]]` entry (config::RuleParser) into its options struct
/// (noctua/detect/kinds/<kind>.hpp); create() makes the rule's detector. The rule is already
/// validated by config and by parse(); create() only fails on combinations config cannot see.
using DetectorFactory =
    config::KindFactory<config::RuleParser, Detector, const config::RuleConfig&>;

/// Rule kinds by name (config::KindRegistry): filled once at start-up by
/// register_builtin_detectors(), then frozen and read-only.
using DetectorRegistry =
    config::KindRegistry<DetectorFactory, config::kRuleKinds, &config::KindParsers::add_rule>;

/// Registers the built-in kinds: balance, downtime, latency, traffic_loss.
void register_builtin_detectors(DetectorRegistry& registry);

/// The rule `noctua replay` runs for `m` without `--config`: the shipped defaults of the kind that
/// consumes it (volume and amount: TrafficLoss; success_ratio and outcome: SuccessRateLow (downtime
/// from the stream); latency: LatencyHigh; balance: BalanceLow; probe: ProviderDown).
[[nodiscard]] config::RuleConfig default_rule(Measure m);

}  // namespace noctua::detect
