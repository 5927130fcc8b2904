#pragma once

// Private to noctua::daemon: the [[rules]] as the daemon runs them.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "noctua/config/config.hpp"
#include "noctua/detect/detector.hpp"
#include "rule_evaluator.hpp"

namespace noctua::daemon {

/// The rules (detectors built from the rule kinds), their evaluation (RuleEvaluator, shared
/// with `noctua replay`) and the rule tick: detectors also need time to pass without samples
/// (a stream that falls silent, a burst that ends, a burn rate that decays). Owns
/// noctua_rules_stream_time_seconds.
///
/// Executor: the pipeline strand.
class Rules {
public:
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
    using Detectors = std::vector<std::unique_ptr<detect::Detector>>;

    /// `stopping` ends the tick; transitions reach `on_transition`.
    Rules(prometheus::Registry& registry, Strand strand, const detect::DetectorRegistry& kinds,
          const std::atomic<bool>& stopping, RuleEvaluator::OnTransition on_transition);

    /// Builds the rules of `next`; changes nothing (the first half of a reload).
    [[nodiscard]] core::Result<Detectors> build(const config::Config& next) const;

    /// Swaps in `rules` (one with the name and kind of a running rule keeps what it learned;
    /// `providers` as RuleEvaluator::set_rules), then resolves at `now` the alerts whose rule or
    /// probe is gone, so they do not hang forever. Alerts `pushed` says came from outside are
    /// left to end by their own endsAt.
    void configure(Detectors rules, const std::vector<config::ProviderConfig>* providers,
                   const std::function<bool(std::string_view probe)>& probe_exists,
                   const std::function<bool(const alerts::Alert&)>& pushed, core::TimePoint now);

    /// Calls `tick` every `period` until stop() or `stopping`.
    void start_ticks(core::Duration period, std::function<void()> tick);
    void stop() { tick_timer_.cancel(); }

    /// Lets time pass: probe-fed rules to `now`, stream-fed ones to `stream_now` (none: they
    /// wait), exported as noctua_rules_stream_time_seconds.
    void advance(core::TimePoint now, std::optional<core::TimePoint> stream_now);

    [[nodiscard]] RuleEvaluator& evaluator() { return evaluator_; }
    [[nodiscard]] const RuleEvaluator& evaluator() const { return evaluator_; }
    [[nodiscard]] alerts::AlertEngine& engine() { return evaluator_.engine(); }
    [[nodiscard]] const alerts::AlertEngine& engine() const { return evaluator_.engine(); }
    [[nodiscard]] const Detectors& rules() const { return evaluator_.rules(); }

private:
    void schedule_tick();

    const detect::DetectorRegistry& kinds_;
    const std::atomic<bool>& stopping_;
    prometheus::Gauge& stream_time_;
    RuleEvaluator evaluator_;
    boost::asio::steady_timer tick_timer_;
    core::Duration period_{};
    std::function<void()> tick_;
};

}  // namespace noctua::daemon
