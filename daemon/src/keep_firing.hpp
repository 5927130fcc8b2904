#pragma once

// Private to noctua::daemon: `keep_firing_for`, the resolves the rule evaluator holds back.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "noctua/alerts/alert.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/detect/signal.hpp"

namespace noctua::daemon {

/// The resolves of firing alerts whose rule has `keep_firing_for`: held until that long after
/// the condition cleared, dropped if it returns meanwhile (the alert just keeps firing), so a
/// flapping condition neither resolves nor pages again. Pure: time comes in as arguments.
///
/// Not thread-safe: owned by the RuleEvaluator.
class KeepFiring {
public:
    /// One held resolve: what the engine gets when it is due, and the signal behind it.
    struct Held {
        alerts::AlertInput input;
        detect::Signal signal;
        core::TimePoint until;
    };

    /// Holds `input` (a resolve of a firing alert) until `until`; a later resolve of the same
    /// alert keeps the first deadline (the condition cleared then, not later).
    void hold(alerts::AlertInput input, detect::Signal signal, core::TimePoint until);

    /// The alert's condition holds again: its resolve is no longer owed.
    void cancel(std::uint64_t fingerprint) { held_.erase(fingerprint); }

    /// Whether the alert's resolve is held.
    [[nodiscard]] bool holds(std::uint64_t fingerprint) const {
        return held_.contains(fingerprint);
    }

    /// Removes and returns the held resolves of rules for which `now_of(rule)` has a time at
    /// or past their deadline, ordered by deadline then fingerprint; each input's time is its
    /// deadline, so the result does not depend on how often this is called.
    [[nodiscard]] std::vector<Held> due(
        const std::function<std::optional<core::TimePoint>(const std::string& rule)>& now_of);

    [[nodiscard]] std::size_t size() const { return held_.size(); }

private:
    std::map<std::uint64_t, Held> held_;  // by fingerprint
};

}  // namespace noctua::daemon
