// Bucket: what one window bucket of one series counted.
#include <algorithm>

#include "noctua/streams/windows.hpp"

namespace noctua::streams {

std::uint32_t Bucket::total() const {
    std::uint32_t n = 0;
    for (auto c : by_status) n += c;
    return n;
}

std::uint32_t Bucket::judged() const {
    return count(core::ErrorClass::success) + count(core::ErrorClass::provider_fault);
}

std::optional<double> Bucket::success_ratio() const {
    const std::uint32_t n = judged();
    if (n == 0) return std::nullopt;
    return static_cast<double>(count(core::ErrorClass::success)) / n;
}

std::uint32_t Bucket::latency_count() const {
    std::uint32_t n = 0;
    for (auto c : latency) n += c;
    return n;
}

std::optional<double> Bucket::latency_quantile(double q) const {
    const std::uint32_t n = latency_count();
    if (n == 0) return std::nullopt;
    const double rank = std::clamp(q, 0.0, 1.0) * n;
    double seen = 0;
    for (std::size_t i = 0; i < latency.size(); ++i) {
        const double next = seen + latency[i];
        if (next >= rank && latency[i] > 0) {
            const double lower = i == 0 ? 0.0 : kLatencyBoundsMs[i - 1];
            if (i == kLatencyBoundsMs.size()) return lower;
            const double upper = kLatencyBoundsMs[i];
            return lower + (upper - lower) * (rank - seen) / latency[i];
        }
        seen = next;
    }
    return kLatencyBoundsMs.back();
}

}  // namespace noctua::streams
