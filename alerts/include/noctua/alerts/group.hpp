#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "noctua/alerts/alert.hpp"
#include "noctua/alerts/route_tree.hpp"

namespace noctua::alerts {

/// What a receiver was last told about a group (Alertmanager's notification log entry): the
/// basis for deciding whether a flush has anything new to say. Persisted with the outbox write,
/// so a restart neither repeats a page nor forgets a resolve.
struct NotifyRecord {
    std::set<std::uint64_t> firing;    ///< fingerprints sent as firing
    std::set<std::uint64_t> resolved;  ///< fingerprints sent as resolved
    core::TimePoint at{};

    friend bool operator==(const NotifyRecord&, const NotifyRecord&) = default;
};

/// One aggregation group: the alerts one route holds for one set of group labels, and when it
/// next speaks. Pure: time comes in as arguments, decisions go out as values.
///
/// Timing follows Alertmanager: the first notification waits `group_wait` after the group is
/// created (at once for an alert that started longer ago than that), later ones are considered
/// every `group_interval`, and an unchanged firing group is repeated after `repeat_interval`.
/// One difference: when the last firing alert of a group that paged resolves, the resolve goes
/// out at once.
/// Not thread-safe: owned by the alert pipeline's strand.
class AlertGroup {
public:
    AlertGroup(const Route& route, core::Labels labels, core::TimePoint now);

    /// Adds or updates an alert (firing or resolved).
    void insert(const Alert& alert, core::TimePoint now);

    /// When flush() should next run; nullopt once the group has nothing left to say.
    [[nodiscard]] std::optional<core::TimePoint> next_flush() const { return next_flush_; }

    /// The notification to send now, if any: firing alerts that are not muted, then the resolves
    /// of alerts whose firing was sent (muted or not: a delivered page always gets its resolve).
    /// `muted` is asked about firing alerts only. Updates the record, drops resolved alerts,
    /// and moves next_flush() on by group_interval.
    [[nodiscard]] std::optional<std::vector<Alert>> flush(
        core::TimePoint now, bool send_resolved, const std::function<bool(const Alert&)>& muted);

    /// True when the group holds no alerts and owes no notification: it can be dropped.
    [[nodiscard]] bool empty() const { return alerts_.empty(); }

    [[nodiscard]] const std::string& key() const { return key_; }
    [[nodiscard]] const core::Labels& labels() const { return labels_; }
    [[nodiscard]] const Route& route() const { return *route_; }
    [[nodiscard]] const NotifyRecord& record() const { return record_; }
    /// Restores what a receiver was told before a restart.
    void restore(NotifyRecord record) { record_ = std::move(record); }
    [[nodiscard]] std::vector<Alert> alerts() const;

private:
    const Route* route_;
    core::Labels labels_;
    std::string key_;
    std::map<std::uint64_t, Alert> alerts_;
    NotifyRecord record_;
    std::optional<core::TimePoint> next_flush_;
    bool flushed_once_ = false;
};

}  // namespace noctua::alerts
