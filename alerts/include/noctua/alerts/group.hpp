#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "noctua/alerts/alert.hpp"
#include "noctua/alerts/route_tree.hpp"

namespace noctua::alerts {

/// Alert fingerprints as a sorted vector: a group's record holds a few, where a std::set would
/// spend a 48-byte node on each 8-byte fingerprint (and 48 bytes when empty).
class FingerprintSet {
public:
    using value_type = std::uint64_t;
    using const_iterator = std::vector<std::uint64_t>::const_iterator;

    FingerprintSet() = default;
    FingerprintSet(std::initializer_list<std::uint64_t> fps) {
        for (auto fp : fps) insert(fp);
    }

    /// Adds `fp`; returns whether it was new. O(1) when fingerprints come in order.
    bool insert(std::uint64_t fp) {
        if (v_.empty() || v_.back() < fp) {
            v_.push_back(fp);
            return true;
        }
        auto it = std::lower_bound(v_.begin(), v_.end(), fp);
        if (it != v_.end() && *it == fp) return false;
        v_.insert(it, fp);
        return true;
    }
    [[nodiscard]] bool contains(std::uint64_t fp) const {
        return std::binary_search(v_.begin(), v_.end(), fp);
    }
    /// Adds every fingerprint of `other`.
    void merge(const FingerprintSet& other) {
        for (auto fp : other) insert(fp);
    }
    [[nodiscard]] bool empty() const { return v_.empty(); }
    [[nodiscard]] std::size_t size() const { return v_.size(); }
    [[nodiscard]] const_iterator begin() const { return v_.begin(); }
    [[nodiscard]] const_iterator end() const { return v_.end(); }

    friend bool operator==(const FingerprintSet&, const FingerprintSet&) = default;

private:
    std::vector<std::uint64_t> v_;  // sorted, unique
};

/// What a receiver was last told about a group (Alertmanager's notification log entry): the
/// basis for deciding whether a flush has anything new to say. Persisted with the outbox write,
/// so a restart neither repeats a page nor forgets a resolve.
struct NotifyRecord {
    FingerprintSet firing;    ///< fingerprints sent as firing
    FingerprintSet resolved;  ///< fingerprints sent as resolved
    core::TimePoint at{};
    FingerprintSet acked;  ///< fingerprints sent as acknowledged
    /// The escalation clock: when the incident was first paged (zero: not yet).
    core::TimePoint since{};
    std::size_t steps = 0;                  ///< escalation steps taken
    std::vector<std::string> escalated_to;  ///< receivers escalation told, in step order

    friend bool operator==(const NotifyRecord&, const NotifyRecord&) = default;
};

/// What one flush of a group says, and to whom.
struct GroupFlush {
    std::vector<Alert> alerts;
    /// Every firing alert in it was paged before and is acknowledged now.
    bool acknowledged = false;
    /// The route's receiver and the receivers escalation told, or (when only an escalation
    /// step is due) just the receivers the step adds.
    std::vector<std::string> receivers;
};

/// One aggregation group: the alerts one route holds for one set of group labels, and when it
/// next speaks. Pure: time comes in as arguments, decisions go out as values.
///
/// Timing follows Alertmanager: the first notification waits `group_wait` after the group is
/// created (at once for an alert that started longer ago than that), later ones are considered
/// every `group_interval`, and an unchanged firing group is repeated after `repeat_interval`.
/// One difference: when the last firing alert of a group that paged resolves, the resolve goes
/// out at once.
///
/// Acknowledgement and escalation (which Alertmanager refuses): once every firing alert of a
/// group that paged is acknowledged, one "acknowledged" notification goes out at once, and
/// reminders (repeat_interval) and escalation stop. With an escalation policy, a group that still
/// fires unacknowledged is told to each step's receiver after the step's delay from its first
/// page; from then on that receiver hears everything of the group (updates, reminders, the ack
/// and the resolve). A new alert joining a group whose alerts were all acknowledged is paged
/// as usual and restarts the escalation clock; steps already taken are not repeated.
/// Not thread-safe: owned by the alert pipeline's strand.
class AlertGroup {
public:
    /// `escalation` (may be null) must outlive the group.
    AlertGroup(const Route& route, core::Labels labels, core::TimePoint now,
               const config::EscalationConfig* escalation = nullptr);

    /// Adds or updates an alert (firing or resolved).
    void insert(const Alert& alert, core::TimePoint now);

    /// Records `ack` on the firing alert `fingerprint` if the group holds it (returns whether
    /// it does). When that leaves no firing alert of a paged group unacknowledged, the group
    /// is due at once, to say so.
    bool acknowledge(std::uint64_t fingerprint, const Ack& ack, core::TimePoint now);

    /// When flush() should next run (a group interval or an escalation step); nullopt once the
    /// group has nothing left to say.
    [[nodiscard]] std::optional<core::TimePoint> next_flush() const;

    /// The notification to send now, if any: firing alerts that are not muted, then the resolves
    /// of alerts whose firing was sent (muted or not: a delivered page always gets its resolve).
    /// `muted` is asked about firing alerts only. Updates the record, takes escalation steps
    /// that are due, drops resolved alerts, and moves next_flush() on by group_interval.
    [[nodiscard]] std::optional<GroupFlush> flush(core::TimePoint now, bool send_resolved,
                                                  const std::function<bool(const Alert&)>& muted);

    /// Who hears of the group: the route's receiver, then the receivers escalation told.
    [[nodiscard]] std::vector<std::string> receivers() const;

    /// True when the group holds no alerts and owes no notification: it can be dropped.
    [[nodiscard]] bool empty() const { return alerts_.empty(); }

    /// The group key (route key and group labels), worked out on each call: the notifier keeps
    /// it once, in the group's record key.
    [[nodiscard]] std::string key() const { return group_key(*route_, labels_); }
    [[nodiscard]] const core::Labels& labels() const { return labels_; }
    [[nodiscard]] const Route& route() const { return *route_; }
    [[nodiscard]] const NotifyRecord& record() const { return record_; }
    /// Restores what a receiver was told before a restart.
    void restore(NotifyRecord record);
    [[nodiscard]] std::vector<Alert> alerts() const;

private:
    void update_escalation_due();

    /// The alert with `fingerprint`, or end().
    std::vector<std::pair<std::uint64_t, Alert>>::iterator find(std::uint64_t fingerprint);

    const Route* route_;
    core::Labels labels_;
    std::vector<std::pair<std::uint64_t, Alert>> alerts_;  // by fingerprint, sorted
    NotifyRecord record_;
    std::optional<core::TimePoint> next_flush_;
    const config::EscalationConfig* escalation_;
    std::optional<core::TimePoint> escalation_due_;
    bool flushed_once_ = false;
};

}  // namespace noctua::alerts
