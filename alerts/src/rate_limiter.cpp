#include "noctua/alerts/rate_limiter.hpp"

#include <algorithm>

#include "noctua/core/assert.hpp"

namespace noctua::alerts {

RateLimiter::RateLimiter(int limit, core::Duration period)
    : interval_(std::max<core::Duration>(period / std::max(limit, 1), core::Duration{1})),
      tolerance_(period - interval_) {
    NOCTUA_CHECK(limit > 0 && period > core::Duration::zero());
}

core::Duration RateLimiter::acquire(std::uint64_t id, core::TimePoint now) {
    std::lock_guard lock(mutex_);
    if (auto it = slots_.find(id); it != slots_.end()) {
        if (now >= it->second) {
            slots_.erase(it);
            return core::Duration::zero();
        }
        return it->second - now;
    }
    // Slots of notifications that never came back (delivered elsewhere, dropped) expire.
    std::erase_if(slots_, [&](const auto& s) { return s.second + tolerance_ + interval_ < now; });
    const core::TimePoint start = std::max(tat_, now);
    tat_ = start + interval_;
    const core::TimePoint slot = start - tolerance_;
    if (slot <= now) return core::Duration::zero();
    slots_[id] = slot;
    return slot - now;
}

void RateLimiter::hold(core::TimePoint until) {
    std::lock_guard lock(mutex_);
    tat_ = std::max(tat_, until + tolerance_);
    // Slots reserved before the hold would all come due at `until` at once, a burst the
    // service just refused: each waiting notification takes a fresh slot, spaced from `until`.
    slots_.clear();
}

}  // namespace noctua::alerts
