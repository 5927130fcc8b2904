#include "noctua/detect/latency.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "util.hpp"

namespace noctua::detect {
namespace {

constexpr double kResolveMargin = 0.9;

double seconds(core::Duration d) { return std::chrono::duration<double>(d).count(); }

/// The q-quantile of `v` (nearest rank; `v` is reordered).
double quantile(std::vector<double>& v, double q) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())) - 1);
    const auto k = std::min(rank, v.size() - 1);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

/// The weighted median of (value, weight) pairs (`v` is reordered).
double weighted_median(std::vector<std::pair<double, double>>& v) {
    std::sort(v.begin(), v.end());
    double total = 0;
    for (const auto& [x, w] : v) total += w;
    double seen = 0;
    for (const auto& [x, w] : v) {
        seen += w;
        if (seen >= total / 2) return x;
    }
    return v.back().first;
}

std::string ms_text(double s) { return fmt::format("{:.0f} ms", s * 1000); }

}  // namespace

LatencyDetector::LatencyDetector(config::RuleConfig rule) : SeriesDetector(std::move(rule)) {}

std::optional<LatencyDetector::Status> LatencyDetector::status(const core::Labels& series) const {
    auto it = series_.find(series.fingerprint());
    if (it == series_.end() || it->second.window.empty()) return std::nullopt;
    return it->second.last;
}

void LatencyDetector::observe(Measure m, const core::Sample& sample, std::string_view,
                              std::vector<Signal>& out) {
    if (m != Measure::latency || !std::isfinite(sample.value)) return;
    const auto& c = options();
    auto [it, added] = series_.try_emplace(sample.labels.fingerprint());
    auto& s = it->second;
    if (added) s.labels = sample.labels;
    const auto t = sample.time;
    if (!s.window.empty() && t < s.window.back().first) return;  // out of order
    s.window.emplace_back(t, sample.value);
    s.weights.push_back(std::max(sample.weight, 0.0));
    while (s.window.front().first <= t - c.window) {
        s.window.pop_front();
        s.weights.pop_front();
    }
    double observations = 0;
    bool summaries = false;
    for (double w : s.weights) {
        observations += w;
        summaries = summaries || w > 1;
    }
    double q = 0;
    if (summaries) {
        // Samples that are already quantiles of many observations (stream windows): their
        // weighted median estimates the window's quantile; the quantile *of* them would be
        // the noisiest minute's.
        std::vector<std::pair<double, double>> weighted;
        weighted.reserve(s.window.size());
        for (std::size_t i = 0; i < s.window.size(); ++i) {
            weighted.emplace_back(s.window[i].second, s.weights[i]);
        }
        q = weighted_median(weighted);
    } else {
        std::vector<double> values;
        values.reserve(s.window.size());
        for (const auto& [ts, v] : s.window) values.push_back(v);
        q = quantile(values, c.quantile);
    }

    if (!s.firing) {
        if (s.baseline && s.baseline_at) {
            // While young, the plain mean of what it has seen: the first (night-time) values
            // must not stand for the baseline for a whole half-life.
            ++s.baseline_n;
            const double a = std::max(
                1.0 / s.baseline_n,
                1.0 - std::exp2(-seconds(t - *s.baseline_at) / seconds(c.baseline_window)));
            *s.baseline += a * (q - *s.baseline);
        } else {
            s.baseline = q;
            s.baseline_n = 1;
        }
        s.baseline_at = t;
    }
    const double baseline = *s.baseline;
    const double threshold = seconds(c.threshold);
    s.last = Status{q, baseline, s.firing};
    const bool high =
        observations >= c.min_samples && q > threshold && q > c.baseline_factor * baseline;
    const auto pct = fmt::format("p{:.4g}", c.quantile * 100);
    if (!s.firing) {
        if (!high) {
            s.high_since.reset();
            return;
        }
        if (!s.high_since) s.high_since = t;
        if (t - *s.high_since < c.for_) return;
        s.firing = true;
        s.last.firing = true;
        auto sig = make_signal(
            s.labels, t, true, q,
            fmt::format("{} latency {} is {} over {}: above {} and {:.1f}x its baseline {}",
                        describe(s.labels), pct, ms_text(q), format_span(c.window),
                        ms_text(threshold), q / std::max(baseline, 1e-9), ms_text(baseline)));
        sig.annotations["quantile"] = ms_text(q);
        sig.annotations["baseline"] = ms_text(baseline);
        sig.annotations["since"] = core::format_rfc3339(*s.high_since);
        out.push_back(std::move(sig));
        return;
    }
    const bool still =
        q > threshold * kResolveMargin && q > c.baseline_factor * baseline * kResolveMargin;
    if (still) return;
    s.firing = false;
    s.high_since.reset();
    s.last.firing = false;
    out.push_back(
        make_signal(s.labels, t, false, q,
                    fmt::format("{} latency {} back to {}", describe(s.labels), pct, ms_text(q))));
}

}  // namespace noctua::detect
