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
#include "noctua/config/kinds.hpp"
#include "noctua/core/registry.hpp"
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
/// (CRTP) and declares `friend class SeriesDetector<Self>`. Not thread-safe (see Detector).
template <class Self>
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

private:
    Self& self() { return static_cast<Self&>(*this); }
    const Self& self() const { return static_cast<const Self&>(*this); }
};

/// Reads the config of one rule kind and creates its detector (docs/architecture.md, "Kinds and
/// registries"). The rule is already validated by config and by parse(); create() only fails on
/// combinations config cannot see.
class DetectorFactory {
public:
    virtual ~DetectorFactory() = default;
    /// "downtime", "traffic_loss", "balance", "latency".
    [[nodiscard]] virtual std::string_view kind() const = 0;
    /// The keys of a `[[rules]]` entry this kind reads beyond the common ones (config reads
    /// `probes` and `severity` for the kinds that list them).
    [[nodiscard]] virtual std::span<const std::string_view> keys() const = 0;
    /// Reads the kind's own keys of `s` (config::RuleParser) into its options struct
    /// (noctua/detect/kinds/<kind>.hpp).
    [[nodiscard]] virtual config::KindOptions parse(const config::Section& s,
                                                    config::RuleConfig& common) const = 0;
    [[nodiscard]] virtual core::Result<std::unique_ptr<Detector>> create(
        const config::RuleConfig& rule) const = 0;
};

/// Rule kinds by name (core::Registry): filled once at start-up by
/// register_builtin_detectors(), then frozen and read-only.
class DetectorRegistry : public core::Registry<DetectorFactory> {
public:
    DetectorRegistry() : Registry(std::string(config::kRuleKinds.what), config::kRuleKinds.kinds) {}
    /// Creates the detector for `rule`, or an error naming the known kinds.
    [[nodiscard]] core::Result<std::unique_ptr<Detector>> create(
        const config::RuleConfig& rule) const;
    /// Adds every registered kind's parser and keys to `out` (config::KindParsers::add_rule);
    /// the parsers point into this registry, which must outlive them.
    void add_parsers(config::KindParsers& out) const;
};

/// Registers the built-in kinds: balance, downtime, latency, traffic_loss.
void register_builtin_detectors(DetectorRegistry& registry);

/// The rule `noctua replay` runs for `m` without `--config`: the shipped defaults of the kind that
/// consumes it (volume and amount: TrafficLoss; success_ratio and outcome: SuccessRateLow (downtime
/// from the stream); latency: LatencyHigh; balance: BalanceLow; probe: ProviderDown).
[[nodiscard]] config::RuleConfig default_rule(Measure m);

}  // namespace noctua::detect
