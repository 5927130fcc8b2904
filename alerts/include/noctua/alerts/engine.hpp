#pragma once

#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "noctua/alerts/alert.hpp"

namespace noctua::alerts {

/// The alert life cycle: inputs from rules become firing alerts, and firing alerts become
/// resolved ones. Each transition is handed to `on_transition` exactly once (firing once,
/// resolved once); repeated inputs with the same verdict only refresh annotations.
///
/// Not thread-safe: owned by the daemon's pipeline strand.
class AlertEngine {
public:
    using OnTransition = std::function<void(const Alert&)>;

    explicit AlertEngine(OnTransition on_transition);

    /// Applies one input; returns the alert when it changed state.
    std::optional<Alert> update(const AlertInput& input);

    /// Resolves every firing alert for which `pred` is true (e.g. its rule was removed by a
    /// reload, or its probe no longer exists), at time `at`.
    void resolve_if(const std::function<bool(const Alert&)>& pred, core::TimePoint at);

    /// Holds `alerts` as firing again (after a restart), without transitions.
    void restore(std::vector<Alert> alerts);

    /// Whether the alert with this fingerprint is firing.
    [[nodiscard]] bool is_firing(std::uint64_t fingerprint) const {
        return firing_.contains(fingerprint);
    }

    /// The firing alerts, sorted by starts_at then fingerprint.
    [[nodiscard]] std::vector<Alert> firing() const;

private:
    OnTransition on_transition_;
    std::unordered_map<std::uint64_t, Alert> firing_;
};

}  // namespace noctua::alerts
