#include "keep_firing.hpp"

#include <algorithm>

namespace noctua::daemon {

void KeepFiring::hold(alerts::AlertInput input, detect::Signal signal, core::TimePoint until) {
    const auto fp = input.labels.fingerprint();
    if (held_.contains(fp)) return;
    held_.emplace(fp, Held{std::move(input), std::move(signal), until});
}

std::vector<KeepFiring::Held> KeepFiring::due(
    const std::function<std::optional<core::TimePoint>(const std::string& rule)>& now_of) {
    std::vector<Held> out;
    for (auto it = held_.begin(); it != held_.end();) {
        const auto now = now_of(it->second.signal.rule);
        if (now && *now >= it->second.until) {
            it->second.input.at = it->second.until;
            it->second.signal.at = it->second.until;
            out.push_back(std::move(it->second));
            it = held_.erase(it);
        } else {
            ++it;
        }
    }
    // Fingerprint order already holds among equal deadlines (the map is by fingerprint).
    std::stable_sort(out.begin(), out.end(),
                     [](const Held& a, const Held& b) { return a.until < b.until; });
    return out;
}

}  // namespace noctua::daemon
