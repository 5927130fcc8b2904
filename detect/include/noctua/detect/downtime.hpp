#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/detect/kinds/downtime.hpp"
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
/// Flap damping: when more than `flap_threshold` of the last `flap_window` results changed
/// state, the series is flapping; an alert that fired then stays firing (annotated
/// `flapping`) until the results settle, instead of resolving and firing again each time.
///
/// Not thread-safe: owned by the daemon's pipeline strand.
class DowntimeRule final : public SeriesDetector<DowntimeRule, DowntimeOptions> {
public:
    explicit DowntimeRule(config::RuleConfig rule);

    /// True when this rule watches the probe `probe_id`.
    [[nodiscard]] bool watches(std::string_view probe_id) const;

    /// Feeds one probe outcome. `detail` says why it failed ("status 503", "timeout: …").
    /// Returns a Signal when the series' alert state changes.
    std::optional<Signal> observe(const core::Sample& sample, std::string_view detail = {});

    /// Carries the state of every series over from `old` (same rule name, after a reload).
    /// Trackers keep their counters; thresholds come from this rule's config.
    void adopt_state(const DowntimeRule& old);

    /// Whether the series is flapping now (see the class comment).
    [[nodiscard]] bool flapping(const core::Labels& series) const;

    // Detector
    [[nodiscard]] bool consumes(Measure m) const override { return m == Measure::probe; }
    void observe(Measure m, const core::Sample& sample, std::string_view detail,
                 std::vector<Signal>& out) override;
    void adopt_state(const Detector& old) override;

private:
    friend class SeriesDetector<DowntimeRule, DowntimeOptions>;
    struct Series {
        core::Labels labels;
        HealthTracker tracker;
        std::string last_detail;
        std::deque<bool> recent;  // the last flap_window results, newest at the back
        bool reported_down = false;  // what the last signal said
    };
    /// Failing, not yet down.
    static bool pending(const Series& s) {
        return !s.reported_down && s.tracker.consecutive_failures() > 0;
    }
    [[nodiscard]] bool is_flapping(const Series& s) const;
    std::unordered_map<std::uint64_t, Series> series_;
};

}  // namespace noctua::detect
