#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"

namespace noctua::streams {

/// Which providers' stream series this instance evaluates when several instances share a
/// Kafka topic through one consumer group (`[cluster] shard`; docs/operations.md,
/// "Scale out").
///
/// Producers key each message by its provider id, so that all of a provider's events travel
/// through one partition and its whole traffic reaches the one member assigned that
/// partition. Kafka sources report what they are assigned and, per partition, each key the
/// first time they read it there (with the event time of its first event). A provider is
/// owned while a partition this member holds has carried its key since it was assigned, and
/// its series are evaluated from owned_from() on: one `allowed_lateness` plus one bucket after
/// that first event, so the bucket the hand-over splits between the old owner and this one
/// is never judged as a drop.
///
/// A revoked partition's keys are held until the assignment that follows: one assigned again
/// (an eager rebalance revokes everything, then gives most of it back) keeps its keys and
/// their state, since this member read it without a gap; the others are released then (the
/// new owner starts on them in the same rebalance), or kPendingLimit after the revocation if
/// no assignment comes.
///
/// Thread-safe: one leaf mutex; sources call from their poll threads, the daemon reads on its
/// pipeline strand.
class SeriesOwnership {
public:
    /// `settle`: what is added to a key's first event time to give owned_from()
    /// (windows.allowed_lateness + windows.bucket).
    explicit SeriesOwnership(core::Duration settle) : settle_(settle) {}

    /// How long a revoked partition's keys wait for the assignment that follows.
    static constexpr std::chrono::seconds kPendingLimit{30};

    /// The partition is revoked: its keys wait for assignment_done().
    void revoked(std::string_view source, std::string_view topic, std::int32_t partition,
                 std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

    /// The partition is assigned: keys it had before a revocation still pending are kept.
    void assigned(std::string_view source, std::string_view topic, std::int32_t partition);

    /// The assignment of `source` is complete: revoked partitions not assigned again release
    /// their keys (unless another owned partition carries them too).
    void assignment_done(std::string_view source);

    /// `key` (a provider id) was read from the partition for the first time since it was
    /// assigned, in an event of event time `first_event`.
    void claim(std::string_view source, std::string_view topic, std::int32_t partition,
               std::string_view key, core::TimePoint first_event);

    /// This instance judges `provider`'s buckets that end after this time (event time);
    /// nullopt when no partition of its key is assigned here.
    [[nodiscard]] std::optional<core::TimePoint> owned_from(std::string_view provider) const;

    /// Every owned provider with its owned_from(), taken at once (one lock per batch of
    /// samples rather than one per sample).
    [[nodiscard]] std::map<std::string, core::TimePoint, std::less<>> snapshot() const;

    /// Providers released since the last call (and those of partitions revoked more than
    /// kPendingLimit before `now`), for their series to be forgotten. A provider released and
    /// claimed again in between is still listed (its state predates the gap).
    [[nodiscard]] std::vector<std::string> take_released(
        std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

    /// Providers currently owned.
    [[nodiscard]] std::size_t owned() const;

private:
    using Partition = std::tuple<std::string, std::string, std::int32_t>;  // source, topic, id
    using Keys = std::map<std::string, core::TimePoint, std::less<>>;
    struct Pending {
        Keys keys;
        std::chrono::steady_clock::time_point since;
    };
    void release(Keys& keys);
    core::Duration settle_;
    mutable std::mutex mu_;  // guards the fields below; leaf lock
    std::map<Partition, Keys> keys_;
    std::map<Partition, Pending> pending_;  // revoked, waiting for the next assignment
    std::set<std::string, std::less<>> released_;
};

}  // namespace noctua::streams
