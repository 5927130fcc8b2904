#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "noctua/alerts/escalation.hpp"
#include "noctua/alerts/group.hpp"
#include "noctua/alerts/inhibit.hpp"
#include "noctua/alerts/notification.hpp"
#include "noctua/alerts/route_tree.hpp"
#include "noctua/alerts/silences.hpp"
#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// Why an alert is not paged right now, if it is not.
struct MuteReason {
    enum class Kind { none, silenced, inhibited, time_interval, maintenance };
    Kind kind = Kind::none;
    /// The silence id, the inhibiting alert's labels, the interval name, the provider in
    /// maintenance.
    std::string detail;
};

/// From alert transitions to grouped notifications: routes each alert into the aggregation
/// groups of the routes that take it, and at each group's time produces one notification per
/// group, leaving out what silences, inhibition and time intervals mute (Alertmanager's
/// dispatcher and notify pipeline in one pure object: time in, notifications out).
///
/// Not thread-safe: owned by the alert pipeline's strand.
class Notifier {
public:
    /// A flushed group: its notifications for the outbox (one per receiver told), and what its
    /// receivers will then have been told (nullopt: the group is gone, forget its record).
    struct Due {
        std::vector<Notification> notifications;
        /// The receivers escalation steps told of the group in this flush, in step order.
        std::vector<std::string> escalated;
        std::string record_key;
        std::optional<NotifyRecord> record;
    };

    Notifier();

    /// Builds the routing tree, inhibition rules, time intervals and providers' maintenance
    /// windows from `config`, and moves
    /// every current alert into the groups of the new tree (keeping what each receiver was told
    /// for groups whose key is unchanged). `send_resolved` per receiver name.
    void configure(const config::Config& config);

    /// Restores what receivers were told before a restart, by record_key().
    void restore(std::map<std::string, NotifyRecord> records);

    /// Applies a transition (or a refresh) of one alert at `now`. A firing alert keeps the
    /// acknowledgement it has.
    void update(const Alert& alert, core::TimePoint now);

    /// Acknowledges the firing alert with `fingerprint` (again: the newer ack replaces the
    /// older). Returns the alert with its ack. Errors: Errc::not_found when no such alert fires.
    [[nodiscard]] core::Result<Alert> acknowledge(std::uint64_t fingerprint, Ack ack,
                                                  core::TimePoint now);

    /// The earliest time a group is due, if any. O(1): groups are indexed by due time.
    [[nodiscard]] std::optional<core::TimePoint> next_due() const;

    /// Flushes every group due at `now`, in group order; `next_id` numbers the notifications.
    /// Costs the due groups only, not every group.
    [[nodiscard]] std::vector<Due> flush_due(core::TimePoint now, std::uint64_t& next_id);

    /// Why `labels` would be muted at `now` on `route` (route may be null: silences and
    /// inhibition only).
    [[nodiscard]] MuteReason mute_reason(const core::Labels& labels, const Route* route,
                                         core::TimePoint now) const;
    /// As above, with these alerts firing.
    [[nodiscard]] MuteReason mute_reason(
        const core::Labels& labels, const Route* route, core::TimePoint now,
        const std::unordered_map<std::uint64_t, Alert>& firing) const;

    [[nodiscard]] Silences& silences() { return silences_; }
    [[nodiscard]] const Silences& silences() const { return silences_; }

    /// Firing alerts, by fingerprint.
    [[nodiscard]] const std::unordered_map<std::uint64_t, Alert>& firing() const { return firing_; }
    [[nodiscard]] std::size_t group_count() const { return groups_.size(); }

    /// The durable key of a group's record: receiver, a unit separator, the group key.
    [[nodiscard]] static std::string record_key(const std::string& receiver,
                                                const std::string& group_key);

    /// Whether `labels` belong to a provider inside one of its configured maintenance windows.
    [[nodiscard]] bool in_maintenance(const core::Labels& labels, core::TimePoint now) const;

private:
    void insert(const Alert& alert, core::TimePoint now);
    /// A group and the time due_ holds it under (kNotDue: not in due_; a plain time rather than
    /// an optional keeps a group's map node in a smaller allocation class).
    static constexpr core::TimePoint kNotDue = core::TimePoint::min();
    struct Held {
        AlertGroup group;
        core::TimePoint indexed = kNotDue;
    };

    /// Keeps due_ in step with the group's next_flush() (`gone`: the group is about to be
    /// dropped). `key` is the group's key in groups_, which the index views.
    void reindex(std::string_view key, Held& held, bool gone = false);

    std::unique_ptr<RouteTree> tree_;
    Inhibitor inhibitor_{{}};
    std::map<std::string, core::TimeInterval, std::less<>> intervals_;
    /// Recurring maintenance windows by provider id.
    std::map<std::string, std::vector<config::MaintenanceWindow>, std::less<>> maintenance_;
    std::map<std::string, bool, std::less<>> send_resolved_;
    std::map<std::string, EscalationPolicy, std::less<>> escalations_;
    std::map<std::string, Held, std::less<>> groups_;  // by record_key
    // The due index views the keys of groups_ (map nodes do not move); a group leaves it before
    // it leaves groups_.
    std::set<std::pair<core::TimePoint, std::string_view>> due_;  // (next_flush, record_key)
    std::map<std::string, NotifyRecord> restored_;
    std::unordered_map<std::uint64_t, Alert> firing_;
    Silences silences_;
};

}  // namespace noctua::alerts
