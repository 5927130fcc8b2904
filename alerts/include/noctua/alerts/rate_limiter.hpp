#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"

namespace noctua::alerts {

/// At most `limit` sends per `period`, bursts of up to `limit` allowed (the generic cell rate
/// algorithm). A send over the limit is given a slot: acquire() answers how long to wait, and
/// the same notification asking again at or after its slot goes through without taking a second
/// one, so a throttled notification costs one extra attempt, not one per retry.
///
/// A service's own "wait N seconds" (a 429 with a hint) holds every later send until then.
///
/// Thread-safe (one mutex guards every field; it is a leaf: nothing is called under it).
class RateLimiter {
public:
    RateLimiter(int limit, core::Duration period);

    /// Zero when notification `id` may be sent now, else how long until its slot.
    [[nodiscard]] core::Duration acquire(std::uint64_t id, core::TimePoint now);

    /// No send before `until` (the service asked to wait).
    void hold(core::TimePoint until);

private:
    std::mutex mutex_;
    core::Duration interval_;   // period / limit
    core::Duration tolerance_;  // period - interval: how far ahead a burst may run
    core::TimePoint tat_{};     // theoretical arrival time of the next send
    std::map<std::uint64_t, core::TimePoint> slots_;  // notification id -> its reserved slot
};

}  // namespace noctua::alerts
