#include "noctua/streams/ownership.hpp"

#include <algorithm>

namespace noctua::streams {

void SeriesOwnership::release(Keys& keys) {
    // Under mu_. A key another owned partition carries stays owned.
    for (const auto& [key, from] : keys) {
        const bool elsewhere = std::any_of(keys_.begin(), keys_.end(),
                                           [&](const auto& p) { return p.second.contains(key); });
        if (!elsewhere) released_.insert(key);
    }
}

void SeriesOwnership::revoked(std::string_view source, std::string_view topic,
                              std::int32_t partition, std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mu_);
    const Partition p{std::string(source), std::string(topic), partition};
    auto it = keys_.find(p);
    if (it == keys_.end()) return;
    auto& pending = pending_[p];
    pending.keys.merge(it->second);
    pending.since = now;
    keys_.erase(it);
}

void SeriesOwnership::assigned(std::string_view source, std::string_view topic,
                               std::int32_t partition) {
    std::lock_guard lock(mu_);
    const Partition p{std::string(source), std::string(topic), partition};
    auto it = pending_.find(p);
    if (it == pending_.end()) return;
    keys_[p].merge(it->second.keys);
    pending_.erase(it);
}

void SeriesOwnership::assignment_done(std::string_view source) {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (std::get<0>(it->first) != source) {
            ++it;
            continue;
        }
        release(it->second.keys);
        it = pending_.erase(it);
    }
}

void SeriesOwnership::claim(std::string_view source, std::string_view topic, std::int32_t partition,
                            std::string_view key, core::TimePoint first_event) {
    std::lock_guard lock(mu_);
    auto& keys = keys_[Partition{std::string(source), std::string(topic), partition}];
    keys.try_emplace(std::string(key), first_event + settle_);
}

std::optional<core::TimePoint> SeriesOwnership::owned_from(std::string_view provider) const {
    std::lock_guard lock(mu_);
    std::optional<core::TimePoint> from;
    for (const auto& [partition, keys] : keys_) {
        auto it = keys.find(provider);
        if (it != keys.end() && (!from || it->second < *from)) from = it->second;
    }
    return from;
}

std::map<std::string, core::TimePoint, std::less<>> SeriesOwnership::snapshot() const {
    std::lock_guard lock(mu_);
    std::map<std::string, core::TimePoint, std::less<>> out;
    for (const auto& [partition, keys] : keys_) {
        for (const auto& [key, from] : keys) {
            auto [it, inserted] = out.try_emplace(key, from);
            if (!inserted && from < it->second) it->second = from;
        }
    }
    return out;
}

std::vector<std::string> SeriesOwnership::take_released(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (now - it->second.since < kPendingLimit) {
            ++it;
            continue;
        }
        release(it->second.keys);
        it = pending_.erase(it);
    }
    std::vector<std::string> out(released_.begin(), released_.end());
    released_.clear();
    return out;
}

std::size_t SeriesOwnership::owned() const {
    std::lock_guard lock(mu_);
    std::set<std::string_view> all;
    for (const auto& [partition, keys] : keys_) {
        for (const auto& [key, from] : keys) all.insert(key);
    }
    return all.size();
}

}  // namespace noctua::streams
