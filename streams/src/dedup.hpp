#pragma once

// Private to noctua::streams: which event ids the windows have seen.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

#include "id_set.hpp"

namespace noctua::streams::detail {

/// Ids seen within the horizon: two generations of hashes, the older dropped when the newer
/// spans the horizon (by event time) or holds half of max_ids.
class Dedup {
public:
    Dedup(std::int64_t horizon_ms, std::size_t max_ids)
        : horizon_ms_(horizon_ms), per_generation_(std::max<std::size_t>(max_ids / 2, 1)) {}

    /// Starts loading the slots seen(h) will probe, so that other work hides the cache misses.
    void prefetch(std::uint64_t h) const {
        current_.prefetch(h);
        previous_.prefetch(h);
    }

    /// True when the id with id_hash() `h` was seen; otherwise remembers it. `early` is set
    /// when a generation filled before the horizon passed.
    bool seen(std::uint64_t h, std::int64_t ts_ms, bool& early) {
        if (current_.contains(h) || previous_.contains(h)) return true;
        if (start_ms_ == kNoStart) start_ms_ = ts_ms;
        const bool full = current_.size() >= per_generation_;
        if (ts_ms - start_ms_ >= horizon_ms_ || full) {
            std::swap(current_, previous_);
            current_.clear();
            start_ms_ = ts_ms;
            early = full;
        }
        current_.insert(h);
        return false;
    }
    [[nodiscard]] std::size_t bytes() const { return current_.bytes() + previous_.bytes(); }

private:
    static constexpr std::int64_t kNoStart = std::numeric_limits<std::int64_t>::min();
    std::int64_t horizon_ms_;
    std::size_t per_generation_;
    std::int64_t start_ms_ = kNoStart;
    IdSet current_;
    IdSet previous_;
};

}  // namespace noctua::streams::detail
