#pragma once

// Private to noctua::daemon: rule evaluation, shared by the running daemon and `noctua replay`.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "causes.hpp"
#include "keep_firing.hpp"
#include "noctua/alerts/template.hpp"
#include "noctua/alerts/engine.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/probes/probe.hpp"

namespace noctua::daemon {

/// Samples → detectors → alert inputs → alert transitions, the one evaluation the daemon runs
/// live and `noctua replay` runs over recorded data, so that a backtest shows exactly what the
/// daemon would have paged:
/// - each sample goes to every rule that consumes its measure and matches its labels;
/// - each signal becomes an alert input: `alertname` set, the provider's configured labels
///   merged in, the signal's annotations (a probe's bounded failure reason when firing), then
///   the rule's `{{ }}` templates rendered (alerts::RuleTemplates);
/// - a firing traffic loss names its likely cause: another firing alert that explains it (the
///   provider is down, its balance ran out), or else what the stream-window volumes show (a
///   routing shift, one customer or country);
/// - a rule's `keep_firing_for` holds the resolve of a firing alert until that long after the
///   condition cleared (in the rule's time: samples and advance()), dropped if it returns;
/// - the inputs go through the alert engine, whose transitions reach `on_transition`.
///
/// Not thread-safe: the daemon's pipeline strand, or replay's one thread.
class RuleEvaluator {
public:
    /// Called for each firing and resolved transition, in order, with the signal that caused
    /// it (null for alerts resolved because their rule or probe is gone).
    using OnTransition = std::function<void(const alerts::Alert&, const detect::Signal*)>;

    explicit RuleEvaluator(OnTransition on_transition);

    /// Replaces the rules; a new rule with the name and kind of an old one adopts its state
    /// (reload). `providers` gives the labels merged into alerts; it must outlive the evaluator
    /// or the next set_rules().
    void set_rules(std::vector<std::unique_ptr<detect::Detector>> rules,
                   const std::vector<config::ProviderConfig>* providers);

    /// A probe's run: its success to the downtime rules, its extracted `balance` values to the
    /// balance rules.
    void on_probe_result(const probes::ProbeResult& result);

    /// Closed stream-window buckets (labels carry `set` and `metric`): volumes are remembered
    /// for likely causes first, then each sample the detectors use is fed.
    void on_stream_samples(const std::vector<core::Sample>& samples);

    /// Remembers, per provider, the stream series fed to the rules, so that
    /// release_provider() can forget them (a sharded instance; off by default).
    void track_stream_series(bool on) { track_stream_series_ = on; }

    /// `provider`'s stream traffic is now read by another instance: the stream-fed rules
    /// forget its series (so that its absence here is not seen as a traffic loss) and its
    /// firing stream alerts (those without a `probe` label) resolve at `at`.
    void release_provider(std::string_view provider, core::TimePoint at);

    /// One sample of `measure`. `detail` is a human detail for the summary; `provider` (empty:
    /// taken from each signal's labels) picks the provider labels; `extra` annotations are
    /// added to firing inputs.
    void feed(detect::Measure measure, const core::Sample& sample, std::string_view detail = {},
              std::string_view provider = {},
              const std::map<std::string, std::string>* extra = nullptr);

    /// Lets time pass without samples (absence, decays): rules fed by streams move to
    /// `stream_now` (nothing when nullopt), the others to `now`; held resolves that are due
    /// are applied.
    void advance(core::TimePoint now, std::optional<core::TimePoint> stream_now);

    [[nodiscard]] alerts::AlertEngine& engine() { return engine_; }
    [[nodiscard]] const alerts::AlertEngine& engine() const { return engine_; }
    [[nodiscard]] const std::vector<std::unique_ptr<detect::Detector>>& rules() const {
        return rules_;
    }
    /// Resolves held back by `keep_firing_for`.
    [[nodiscard]] std::size_t held_resolves() const { return held_.size(); }

private:
    void emit(const std::vector<detect::Signal>& signals, std::string_view provider,
              const std::map<std::string, std::string>* extra = nullptr);
    void annotate_cause(const detect::Signal& signal, alerts::AlertInput& input) const;
    /// Applies `input` (from `signal`, of rule `rule`) to the engine, or holds its resolve.
    void apply(alerts::AlertInput input, const detect::Signal& signal, const detect::Detector* rule);
    /// A rule's time now, or nullopt when it did not move.
    using RuleTime = std::function<std::optional<core::TimePoint>(const detect::Detector&)>;
    /// Applies the held resolves whose rule's time reached them.
    void release_held(const RuleTime& time_of);
    [[nodiscard]] const detect::Detector* rule_named(std::string_view name) const;
    [[nodiscard]] const config::ProviderConfig* provider(std::string_view id) const;

    OnTransition on_transition_;
    const detect::Signal* current_ = nullptr;  // the signal being applied, during emit()
    alerts::AlertEngine engine_;
    std::vector<std::unique_ptr<detect::Detector>> rules_;
    const std::vector<config::ProviderConfig>* providers_ = nullptr;
    VolumeHistory volumes_;
    std::map<std::string, alerts::RuleTemplates, std::less<>> templates_;  // by rule name
    KeepFiring held_;
    bool track_stream_series_ = false;
    // Stream series fed, per provider, by label fingerprint (track_stream_series_).
    std::map<std::string, std::map<std::uint64_t, core::Labels>, std::less<>> stream_series_;
    std::vector<detect::Signal> scratch_;
};

}  // namespace noctua::daemon
