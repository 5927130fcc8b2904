#include "noctua/alerts/silences.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "noctua/core/enum_names.hpp"

namespace noctua::alerts {

Silence::State Silence::state(core::TimePoint now) const {
    if (now < starts_at) return State::pending;
    if (now < ends_at) return State::active;
    return State::expired;
}

std::string_view to_string(Silence::State s) {
    constexpr core::EnumName<Silence::State> kNames[] = {
        {Silence::State::pending, "pending"},
        {Silence::State::active, "active"},
        {Silence::State::expired, "expired"},
    };
    return core::name_of(kNames, s, "expired");
}

core::Result<Silence> Silences::add(Silence s, core::TimePoint now, std::uint64_t seed) {
    if (s.matchers.empty()) {
        return core::fail(core::Errc::invalid_argument, "a silence needs at least one matcher");
    }
    if (std::all_of(s.matchers.begin(), s.matchers.end(),
                    [](const core::Matcher& m) { return m.matches_empty(); })) {
        return core::fail(core::Errc::invalid_argument,
                          "at least one matcher must not match the empty string (the silence "
                          "would mute every alert)");
    }
    if (s.starts_at == core::TimePoint{}) s.starts_at = now;
    if (s.ends_at <= s.starts_at) {
        return core::fail(core::Errc::invalid_argument, "endsAt must be after startsAt");
    }
    if (s.ends_at <= now) {
        return core::fail(core::Errc::invalid_argument, "endsAt is in the past");
    }
    if (s.id.empty()) s.id = fmt::format("{:016x}", seed);
    s.updated_at = now;
    by_id_[s.id] = s;
    return s;
}

core::Result<Silence> Silences::expire(std::string_view id, core::TimePoint now) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return core::fail(core::Errc::not_found, "no silence with id " + std::string(id));
    }
    auto& s = it->second;
    if (s.state(now) == Silence::State::expired) return s;
    if (s.starts_at > now) s.starts_at = now;
    s.ends_at = now;
    s.updated_at = now;
    return s;
}

const Silence* Silences::muting(const core::Labels& labels, core::TimePoint now) const {
    for (const auto& [id, s] : by_id_) {
        if (s.state(now) == Silence::State::active && core::matches_all(s.matchers, labels))
            return &s;
    }
    return nullptr;
}

std::vector<Silence> Silences::list() const {
    std::vector<Silence> out;
    out.reserve(by_id_.size());
    for (const auto& [id, s] : by_id_) out.push_back(s);
    std::sort(out.begin(), out.end(), [](const Silence& a, const Silence& b) {
        return a.updated_at != b.updated_at ? a.updated_at > b.updated_at : a.id < b.id;
    });
    return out;
}

std::vector<std::string> Silences::gc(core::TimePoint now, core::Duration retention) {
    std::vector<std::string> dropped;
    for (auto it = by_id_.begin(); it != by_id_.end();) {
        if (it->second.ends_at + retention <= now) {
            dropped.push_back(it->first);
            it = by_id_.erase(it);
        } else {
            ++it;
        }
    }
    return dropped;
}

void Silences::restore(std::vector<Silence> silences) {
    for (auto& s : silences) by_id_[s.id] = std::move(s);
}

}  // namespace noctua::alerts
