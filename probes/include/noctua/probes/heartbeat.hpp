#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"

namespace noctua::probes {

/// Where push heartbeats land (`POST /api/v1/heartbeats/{id}`) and `heartbeat` probes look.
/// A heartbeat probe registers its id and token when created; an outside job then beats with
/// that token; the probe fails when no beat arrived within interval + grace.
///
/// Thread-safe (a leaf utility: one mutex guards the map). Must outlive the probes using it.
class HeartbeatBoard {
public:
    enum class BeatResult { ok, unknown_id, bad_token };

    explicit HeartbeatBoard(const core::Clock& clock) : clock_(clock) {}
    HeartbeatBoard(const HeartbeatBoard&) = delete;
    HeartbeatBoard& operator=(const HeartbeatBoard&) = delete;

    /// Registers (or re-registers, keeping the last beat) probe `id`; returns a registration
    /// number for unregister(). The time of registration counts as a beat, so a new probe
    /// gets a full interval + grace before it fails.
    std::uint64_t add(const std::string& id, config::Secret token);
    /// Removes `id` if `registration` is still the current one (a replaced probe does not
    /// remove its successor).
    void remove(const std::string& id, std::uint64_t registration);

    /// Records a beat for `id` when `token` matches (constant-time comparison).
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
    const core::Clock& clock_;
    mutable std::mutex mu_;  // guards entries_, next_
    std::map<std::string, Entry, std::less<>> entries_;
    std::uint64_t next_ = 0;
};

}  // namespace noctua::probes
