#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/matcher.hpp"
#include "noctua/core/result.hpp"

namespace noctua::alerts {

/// A silence: alerts matching every matcher are muted from `starts_at` until `ends_at`.
/// Maintenance windows made through the API are silences too.
struct Silence {
    std::string id;
    core::Matchers matchers;
    core::TimePoint starts_at{};
    core::TimePoint ends_at{};
    std::string created_by;
    std::string comment;
    core::TimePoint updated_at{};
    /// Made through `POST /api/v1/maintenance`: one provider's ad hoc maintenance window.
    bool maintenance = false;

    enum class State { pending, active, expired };
    [[nodiscard]] State state(core::TimePoint now) const;
};

[[nodiscard]] std::string_view to_string(Silence::State s);

/// The set of silences. Pure: time comes in as arguments; persistence is the caller's (it
/// stores what add()/expire() return). Not thread-safe: owned by the alert pipeline's strand.
class Silences {
public:
    /// Validates and adds (or, with an existing id, replaces) a silence; returns it with its id
    /// (16 hex digits derived from `seed` when empty) and updated_at set.
    /// Errors (Errc::invalid_argument): no matcher; every matcher matches the empty string (it
    /// would silence everything); ends_at not after starts_at; ends_at already past.
    [[nodiscard]] core::Result<Silence> add(Silence s, core::TimePoint now, std::uint64_t seed);

    /// Ends a silence now. Errors: Errc::not_found.
    [[nodiscard]] core::Result<Silence> expire(std::string_view id, core::TimePoint now);

    /// The active silence that mutes `labels`, or nullptr.
    [[nodiscard]] const Silence* muting(const core::Labels& labels, core::TimePoint now) const;

    /// Every silence, newest first; expired ones are kept for `retention` after they end.
    [[nodiscard]] std::vector<Silence> list() const;
    /// Drops silences that expired more than `retention` ago; returns their ids.
    std::vector<std::string> gc(core::TimePoint now, core::Duration retention);

    /// Loads silences read back from disk (no validation of past end times).
    void restore(std::vector<Silence> silences);

private:
    std::map<std::string, Silence, std::less<>> by_id_;
};

}  // namespace noctua::alerts
