#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"

namespace noctua::streams {

/// Where each partition of the sources that read several partitions at once (Kafka) has got to
/// in event time, and the bound that puts on the windows' watermark (docs/events.md, "Catching
/// up a backlog").
///
/// A consumer that is behind reads its partitions unevenly: one partition's last hour can
/// arrive before another's first minutes. So, as stream processors keep a watermark per
/// partition, the watermark target may not pass the oldest newest-event-time among the
/// partitions that still have unread messages:
/// - a partition assigned and not read yet holds the watermark where it is (its time is not
///   known), until it delivers or is known to be at its end;
/// - a partition that delivered holds it at the newest event time read from it, until it is at
///   its end (nothing unread: librdkafka's partition EOF, or its position at the high
///   watermark); a partition at its end, or revoked, holds nothing, so a quiet partition never
///   stalls the windows;
/// - a partition behind that delivers nothing for `stall_after` (its leader unavailable, the
///   consumer stuck) stops holding, and is reported once by take_stalled(), so that nothing
///   holds the watermark for ever. Delivering again makes it hold again.
///
/// Partitions are named by their source id and a partition name of the source's choosing.
/// Pure: time comes in as parameters. Not thread-safe: owned by the ingest thread
/// (IngestPipeline::partitions()).
class PartitionProgress {
public:
    using Key = std::pair<std::string, std::string>;  ///< source, partition

    explicit PartitionProgress(core::Duration stall_after) : stall_after_(stall_after) {}

    /// The partition is read here from `now` on; nothing is known of it yet.
    void assigned(std::string_view source, std::string_view partition, core::TimePoint now);

    /// The partition is no longer read here: it holds nothing.
    void revoked(std::string_view source, std::string_view partition);

    /// Messages of the partition were read at `now` (or, with `newest` nullopt, only its end
    /// was seen): `newest` is the newest event time among them, `at_end` whether nothing more
    /// is unread. A partition not assigned() yet is added.
    void read(std::string_view source, std::string_view partition,
              std::optional<core::TimePoint> newest, bool at_end, core::TimePoint now);

    /// The latest time the watermark target may take at `now`: nullopt when no partition holds,
    /// TimePoint::min() when one that holds has not delivered yet (do not advance). Partitions
    /// behind that delivered nothing for `stall_after` are left out and noted for
    /// take_stalled().
    [[nodiscard]] std::optional<core::TimePoint> hold(core::TimePoint now);

    /// Partitions that stopped holding because they stalled, since the last call.
    [[nodiscard]] std::vector<Key> take_stalled();

    /// Partitions holding the watermark at the last hold().
    [[nodiscard]] std::size_t holding() const { return holding_; }

private:
    struct State {
        std::optional<core::TimePoint> newest;
        bool at_end = false;
        bool stalled = false;
        core::TimePoint last_read;  // assignment or last delivery
    };
    core::Duration stall_after_;
    std::map<Key, State, std::less<>> partitions_;
    std::vector<Key> stalled_;
    std::size_t holding_ = 0;
};

}  // namespace noctua::streams
