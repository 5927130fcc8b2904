#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"

namespace noctua::probes {

/// Where push heartbeats land (`POST /api/v1/heartbeats/{id}`) and `heartbeat` probes look.
/// A heartbeat probe registers its id and token when created; an outside job then beats with
/// that token; the probe fails when no beat arrived within interval + grace.
///
/// A refused beat (no token, a wrong one, an unknown id) counts in `refusals`
/// (noctua_heartbeat_auth_failures_total{probe,reason}; `probe` is "" for an unknown id) and
/// is logged at warn, at most once a second, never with the token.
///
/// Thread-safe (a leaf utility: one mutex guards the map). Must outlive the probes using it.
class HeartbeatBoard {
public:
    enum class BeatResult { ok, unknown_id, bad_token };

    /// `refusals` may be null (nothing counted); it must outlive the board.
    explicit HeartbeatBoard(const core::Clock& clock,
                            prometheus::Family<prometheus::Counter>* refusals = nullptr)
        : clock_(clock), refusals_(refusals) {}
    HeartbeatBoard(const HeartbeatBoard&) = delete;
    HeartbeatBoard& operator=(const HeartbeatBoard&) = delete;

    /// Registers (or re-registers, keeping the last beat) probe `id`; returns a registration
    /// number for unregister(). The time of registration counts as a beat, so a new probe
    /// gets a full interval + grace before it fails.
    std::uint64_t add(const std::string& id, config::Secret token);
    /// Removes `id` if `registration` is still the current one (a replaced probe does not
    /// remove its successor).
    void remove(const std::string& id, std::uint64_t registration);

    /// Records a beat for `id` when `token` matches (constant-time comparison); otherwise
    /// counts and logs the refusal.
    BeatResult beat(std::string_view id, std::string_view token);

    /// When `id` last beat (or was registered); nullopt if unknown.
    [[nodiscard]] std::optional<core::TimePoint> last(std::string_view id) const;
    /// Beats received for `id` (not counting registration).
    [[nodiscard]] std::uint64_t beats(std::string_view id) const;

private:
    struct Entry {
        config::Secret token;
        core::TimePoint last{};
        std::uint64_t registration = 0;
        std::uint64_t beats = 0;
    };
    /// Counts a refused beat and logs it unless one was logged within the last second.
    void refused(std::string_view id, std::string_view reason);

    const core::Clock& clock_;
    prometheus::Family<prometheus::Counter>* refusals_;
    mutable std::mutex mu_;  // guards entries_, next_, last_refusal_log_, refusals_unlogged_
    std::map<std::string, Entry, std::less<>> entries_;
    std::uint64_t next_ = 0;
    std::optional<core::TimePoint> last_refusal_log_;
    std::uint64_t refusals_unlogged_ = 0;
};

}  // namespace noctua::probes
