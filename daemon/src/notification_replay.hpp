#pragma once

// Private to noctua::daemon: `noctua replay --notifications` (a backtest of paging).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "noctua/alerts/notifier.hpp"
#include "noctua/config/config.hpp"

namespace noctua::daemon {

/// What each receiver would have been sent: alert transitions go through the alerting
/// pipeline's own Notifier (routing tree, grouping, inhibition, silences, time intervals,
/// group_wait / group_interval / repeat_interval) on a manual clock that the replay's event
/// time drives, and every notification it produces becomes one JSON line:
///
///     {"at":"…","receiver":"noc","group_key":"{}:{provider=\"acme\"}","status":"firing",
///      "alerts":3,"firing":3,"resolved":0,"group_labels":{"provider":"acme"},
///      "alertnames":["SuccessRateLow"]}
///
/// No network and no outbox: the Notifier decides what the daemon would enqueue, and the
/// receivers' `send_resolved` is applied as the dispatcher applies it.
///
/// Not thread-safe: replay's one thread.
class NotificationReplay {
public:
    using Sink = std::function<void(std::string_view line)>;

    /// `config` gives the route tree, `[[inhibit]]`, `[[time_intervals]]` and receivers.
    NotificationReplay(const config::Config& config, Sink sink);

    /// An alert transition at its own time (`updated_at`; never before the replay's clock):
    /// the groups due before it are flushed first, then it is routed and grouped.
    void on_transition(const alerts::Alert& alert);

    /// Lets time pass to `now`, flushing every group due up to it in time order (a group due
    /// again within the span, e.g. a repeat, is flushed again).
    void advance(core::TimePoint now);

    /// Silences, as `/api/v1/silences` would add them (ids from a fixed seed).
    [[nodiscard]] alerts::Silences& silences() { return notifier_.silences(); }

    /// Notifications produced so far.
    [[nodiscard]] std::uint64_t sent() const { return next_id_ - 1; }

    /// One notification as a JSON line (no newline).
    [[nodiscard]] static std::string to_json(const alerts::Notification& n);

private:
    void flush(core::TimePoint now);

    Sink sink_;
    alerts::Notifier notifier_;
    std::optional<core::TimePoint> now_;
    std::uint64_t next_id_ = 1;
};

}  // namespace noctua::daemon
