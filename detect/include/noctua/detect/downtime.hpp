#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/detect/signal.hpp"

namespace noctua::detect {

/// Up/down state of one series from a sequence of pass/fail observations: N consecutive
/// failures make it down, M consecutive successes make it up again. Pure: time comes in with
/// each observation. Starts up (a fresh probe is not assumed broken).
class HealthTracker {
public:
    enum class Change { none, went_down, went_up };

    HealthTracker(int failures_to_fire, int successes_to_resolve);

    /// Records one observation and reports whether the state changed.
    Change observe(bool success, core::TimePoint at);

    /// Changes the thresholds, keeping counters and state (used on reload). A changed
    /// threshold takes effect at the next observation.
    void set_thresholds(int failures_to_fire, int successes_to_resolve);

    [[nodiscard]] bool down() const { return down_; }
    [[nodiscard]] int consecutive_failures() const { return failures_; }
    [[nodiscard]] int consecutive_successes() const { return successes_; }
    /// When the current run of failures began (valid while consecutive_failures() > 0).
    [[nodiscard]] core::TimePoint failing_since() const { return failing_since_; }
    /// When the state last changed (zero time if never).
    [[nodiscard]] core::TimePoint since() const { return since_; }

private:
    int failures_to_fire_;
    int successes_to_resolve_;
    int failures_ = 0;
    int successes_ = 0;
    bool down_ = false;
    core::TimePoint failing_since_{};
    core::TimePoint since_{};
};

/// The `downtime` rule over probe results: one HealthTracker per series (probe), signals on
/// changes only. The sample value is 1 for a passed probe and 0 for a failed one.
///
/// Not thread-safe: owned by the daemon's pipeline strand.
class DowntimeRule {
public:
    explicit DowntimeRule(config::RuleConfig rule);

    [[nodiscard]] const config::RuleConfig& config() const { return rule_; }

    /// True when this rule watches the probe `probe_id`.
    [[nodiscard]] bool watches(std::string_view probe_id) const;

    /// Feeds one probe outcome. `detail` says why it failed ("status 503", "timeout: …").
    /// Returns a Signal when the series' state changes.
    std::optional<Signal> observe(const core::Sample& sample, std::string_view detail = {});

    /// Forgets series that are no longer fed (removed probes).
    void forget(const core::Labels& series);

    /// Current trackers, for status pages and reload carry-over.
    [[nodiscard]] std::size_t series_count() const { return series_.size(); }

    /// Carries the state of every series over from `old` (same rule name, after a reload).
    /// Trackers keep their counters; thresholds come from this rule's config.
    void adopt_state(const DowntimeRule& old);

private:
    struct Series {
        core::Labels labels;
        HealthTracker tracker;
        std::string last_detail;
    };
    config::RuleConfig rule_;
    std::unordered_map<std::uint64_t, Series> series_;
};

}  // namespace noctua::detect
