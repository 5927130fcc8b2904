// The simulated provider's rate limit: fixed one-minute windows, reported the way both official
// SDKs read them (X-RateLimit-Limit/-Remaining/-Reset on every answer, 429 with Retry-After).
#include <algorithm>
#include <string>

#include "noctua/sim/provider.hpp"

namespace noctua::sim {

std::optional<Reply> ProviderSim::rate_limit(core::TimePoint now, std::string_view path,
                                             core::Headers& headers) {
    int limit = spec_.rate_limit_per_minute;
    if (const auto* rl = faults_.find(FaultKind::rate_limit)) limit = rl->limit;
    if (limit <= 0) return std::nullopt;
    const std::int64_t now_ms = now.time_since_epoch().count();
    const std::int64_t minute = now_ms / 60'000;
    if (minute != rate_window_) {
        rate_window_ = minute;
        rate_count_ = 0;
    }
    ++rate_count_;
    const std::int64_t reset = (minute + 1) * 60;
    headers = {{"X-RateLimit-Limit", std::to_string(limit)},
               {"X-RateLimit-Remaining", std::to_string(std::max(0, limit - rate_count_))},
               {"X-RateLimit-Reset", std::to_string(reset)}};
    if (rate_count_ <= limit) return std::nullopt;
    Reply r{app_error(429, "Too many requests", "TOO_MANY_REQUESTS", path)};
    r.response.headers = headers;
    r.response.headers.emplace_back(
        "Retry-After", std::to_string(std::max<std::int64_t>(1, reset - now_ms / 1000)));
    return r;
}

}  // namespace noctua::sim
