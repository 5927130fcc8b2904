#include "noctua/streams/partition_progress.hpp"

#include <algorithm>

namespace noctua::streams {

void PartitionProgress::assigned(std::string_view source, std::string_view partition,
                                 core::TimePoint now) {
    // Assigned again after a revocation: read from another position, perhaps by another member
    // meanwhile, so what was known of it no longer holds.
    State fresh;
    fresh.last_read = now;
    partitions_.insert_or_assign(Key{source, partition}, fresh);
}

void PartitionProgress::revoked(std::string_view source, std::string_view partition) {
    if (auto it = partitions_.find(Key{source, partition}); it != partitions_.end()) {
        partitions_.erase(it);
    }
}

void PartitionProgress::read(std::string_view source, std::string_view partition,
                             std::optional<core::TimePoint> newest, bool at_end,
                             core::TimePoint now) {
    auto [it, added] = partitions_.try_emplace(Key{source, partition});
    State& s = it->second;
    if (newest && (!s.newest || *newest > *s.newest)) s.newest = newest;
    s.at_end = at_end;
    s.stalled = false;
    s.last_read = now;
}

std::optional<core::TimePoint> PartitionProgress::hold(core::TimePoint now) {
    std::optional<core::TimePoint> bound;
    holding_ = 0;
    for (auto& [key, s] : partitions_) {
        if (s.at_end) continue;
        if (now - s.last_read >= stall_after_) {
            if (!s.stalled) stalled_.push_back(key);
            s.stalled = true;
            continue;
        }
        ++holding_;
        const core::TimePoint at = s.newest.value_or(core::TimePoint::min());
        bound = bound ? std::min(*bound, at) : at;
    }
    return bound;
}

std::vector<PartitionProgress::Key> PartitionProgress::take_stalled() {
    return std::exchange(stalled_, {});
}

}  // namespace noctua::streams
