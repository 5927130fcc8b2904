#pragma once

// Alerts as the engine hands them to the notifier and the pipeline, and the notifications the
// notifier makes of them, for the alerts tests.

#include <cstdint>
#include <string>
#include <vector>

#include "noctua/alerts/alert.hpp"
#include "noctua/alerts/notifier.hpp"

namespace noctua::testing {

/// An alert with `labels` in `state`, started at `starts` and last updated at `updated`
/// (ended then, when resolved).
inline alerts::Alert make_alert(core::Labels labels, alerts::AlertState state,
                                core::TimePoint starts, core::TimePoint updated) {
    alerts::Alert a;
    a.labels = std::move(labels);
    a.state = state;
    a.starts_at = starts;
    a.updated_at = updated;
    if (state == alerts::AlertState::resolved) a.ends_at = updated;
    return a;
}

/// make_alert() of `alertname` for `provider`, with an `operator` label unless `op` is empty.
inline alerts::Alert make_alert(std::string alertname, std::string provider,
                                alerts::AlertState state, core::TimePoint starts,
                                core::TimePoint updated, std::string op = "") {
    core::Labels labels{{"alertname", std::move(alertname)}, {"provider", std::move(provider)}};
    if (!op.empty()) labels.set("operator", op);
    return make_alert(std::move(labels), state, starts, updated);
}

/// Every notification of the groups due at `now` (ids keep counting across calls).
inline std::vector<alerts::Notification> flush(alerts::Notifier& n, core::TimePoint now) {
    static std::uint64_t id = 1;
    std::vector<alerts::Notification> out;
    for (auto& d : n.flush_due(now, id)) {
        for (auto& x : d.notifications) out.push_back(x);
    }
    return out;
}

/// The names most alerts tests use: `using namespace noctua::testing::alert_names;`.
namespace alert_names {
using alerts::Alert;
using alerts::AlertState;
using namespace std::chrono_literals;

/// The time point `s` after the epoch.
inline core::TimePoint at(std::chrono::seconds s) { return core::TimePoint{s}; }
}  // namespace alert_names

}  // namespace noctua::testing
