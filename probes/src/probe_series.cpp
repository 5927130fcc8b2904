#include "noctua/probes/probe_series.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace noctua::probes {

void ProbeSeries::record(std::string_view probe, std::string_view provider, bool success,
                         double duration_seconds) {
    // The bucket is found before taking the lock.
    const auto bound = std::lower_bound(kDurationBuckets.begin(), kDurationBuckets.end(),
                                        duration_seconds);
    const auto bucket = static_cast<std::size_t>(bound - kDurationBuckets.begin());
    std::lock_guard lock(mutex_);
    auto it = slots_.find(probe);
    if (it == slots_.end()) it = slots_.emplace(std::string(probe), Slot{}).first;
    auto& s = it->second;
    if (s.provider != provider) s.provider.assign(provider);
    s.success = success ? 1 : 0;
    ++(success ? s.runs_success : s.runs_failure);
    s.duration_sum += duration_seconds;
    ++s.buckets[bucket];
}

void ProbeSeries::remove(std::string_view probe) {
    std::lock_guard lock(mutex_);
    if (auto it = slots_.find(probe); it != slots_.end()) slots_.erase(it);
}

std::optional<ProbeSeries::Values> ProbeSeries::values(std::string_view probe) const {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(probe);
    if (it == slots_.end()) return std::nullopt;
    const auto& s = it->second;
    Values v;
    v.success = s.success;
    v.runs_success = s.runs_success;
    v.runs_failure = s.runs_failure;
    v.duration_sum = s.duration_sum;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < s.buckets.size(); ++i) {
        cumulative += s.buckets[i];
        v.duration_buckets[i] = cumulative;
    }
    v.duration_count = cumulative;
    return v;
}

std::vector<prometheus::MetricFamily> ProbeSeries::Collect() const {
    using prometheus::ClientMetric;
    std::vector<prometheus::MetricFamily> out(3);
    auto& success = out[0];
    success.name = "noctua_probe_success";
    success.help = "1 if the probe's last run passed, 0 if it failed";
    success.type = prometheus::MetricType::Gauge;
    auto& duration = out[1];
    duration.name = "noctua_probe_duration_seconds";
    duration.help = "Duration of probe runs";
    duration.type = prometheus::MetricType::Histogram;
    auto& runs = out[2];
    runs.name = "noctua_probe_runs_total";
    runs.help = "Probe runs by result (success|failure)";
    runs.type = prometheus::MetricType::Counter;

    std::lock_guard lock(mutex_);
    success.metric.reserve(slots_.size());
    duration.metric.reserve(slots_.size());
    runs.metric.reserve(2 * slots_.size());
    for (const auto& [probe, s] : slots_) {
        // Label names sorted, as prometheus-cpp's own families print them.
        std::vector<ClientMetric::Label> labels{{"probe", probe}, {"provider", s.provider}};

        auto& g = success.metric.emplace_back();
        g.label = labels;
        g.gauge.value = s.success;

        auto& h = duration.metric.emplace_back();
        h.label = labels;
        h.histogram.sample_sum = s.duration_sum;
        h.histogram.bucket.reserve(s.buckets.size());
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < s.buckets.size(); ++i) {
            cumulative += s.buckets[i];
            const double bound = i < kDurationBuckets.size()
                                     ? kDurationBuckets[i]
                                     : std::numeric_limits<double>::infinity();
            h.histogram.bucket.push_back({cumulative, bound});
        }
        h.histogram.sample_count = cumulative;

        const std::pair<const char*, std::uint64_t> counts[] = {{"failure", s.runs_failure},
                                                                {"success", s.runs_success}};
        for (const auto& [result, count] : counts) {
            auto& c = runs.metric.emplace_back();
            c.label = labels;
            c.label.push_back({"result", result});
            c.counter.value = static_cast<double>(count);
        }
    }
    return out;
}

}  // namespace noctua::probes
