#include "noctua/detect/success_ratio.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "util.hpp"

namespace noctua::detect {
namespace {

/// The SRE workbook's page conditions: (long window, short window, burn-rate factor).
struct BurnWindow {
    core::Duration long_span;
    core::Duration short_span;
    double factor;
};
const std::array<BurnWindow, 2> kBurnWindows{{
    {std::chrono::hours(1), std::chrono::minutes(5), 14.4},
    {std::chrono::hours(6), std::chrono::minutes(30), 6.0},
}};
constexpr auto kKeep = std::chrono::hours(6);
/// A ratio under min_ratio must be so beyond chance: the Wilson score upper bound of the
/// success ratio at this z (99.87% one-sided) must be under it. Three provider faults in 25
/// transactions (88%) is noise at a 1% fault rate; an outage (near 0%) is not.
constexpr double kWilsonZ = 3.0;
/// How far a thin series' window may widen to reach min_transactions.
constexpr int kWiden = 6;

/// The Wilson score interval's upper bound for `ok` successes out of `n`.
double wilson_upper(double ok, double n) {
    if (n <= 0) return 1.0;
    const double p = ok / n;
    const double z2 = kWilsonZ * kWilsonZ;
    const double centre = p + z2 / (2 * n);
    const double margin = kWilsonZ * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    return std::min(1.0, (centre + margin) / (1 + z2 / n));
}

std::int64_t minute_of(core::TimePoint t) {
    return floor_div(t.time_since_epoch().count(), 60'000);
}

}  // namespace

SuccessRatioDetector::SuccessRatioDetector(config::RuleConfig rule)
    : SeriesDetector(std::move(rule)) {}

void SuccessRatioDetector::observe(Measure m, const core::Sample& sample, std::string_view,
                                   std::vector<Signal>& out) {
    if ((m != Measure::outcome && m != Measure::success_ratio) || !std::isfinite(sample.value)) {
        return;
    }
    auto [it, added] = series_.try_emplace(sample.labels.fingerprint());
    auto& s = it->second;
    if (added) s.labels = sample.labels;
    const auto minute = minute_of(sample.time);
    if (!s.buckets.empty() && minute < s.buckets.back().minute) return;  // too late
    if (s.buckets.empty() || s.buckets.back().minute != minute) s.buckets.push_back({minute});
    const double weight = std::max(sample.weight, 0.0);
    s.buckets.back().ok += std::clamp(sample.value, 0.0, 1.0) * weight;
    s.buckets.back().total += weight;
    const auto keep = std::max<core::Duration>(kKeep, options().window * kWiden);
    while (!s.buckets.empty() &&
           s.buckets.front().minute <=
               minute - std::chrono::duration_cast<std::chrono::minutes>(keep).count()) {
        s.buckets.pop_front();
    }
    evaluate(s, sample.time, out);
}

SuccessRatioDetector::Window SuccessRatioDetector::sum(const Series& s, core::Duration span,
                                                       core::TimePoint now) const {
    Window w;
    const auto from = minute_of(now - span);
    for (auto it = s.buckets.rbegin(); it != s.buckets.rend() && it->minute > from; ++it) {
        w.ok += it->ok;
        w.total += it->total;
    }
    return w;
}

double SuccessRatioDetector::burn_rate(const core::Labels& series, core::Duration span,
                                       core::TimePoint now) const {
    auto it = series_.find(series.fingerprint());
    const double budget = 1.0 - options().slo;
    if (it == series_.end() || options().slo <= 0) return 0;
    const auto w = sum(it->second, span, now);
    if (w.total <= 0) return 0;
    return (1.0 - w.ok / w.total) / budget;
}

void SuccessRatioDetector::evaluate(Series& s, core::TimePoint now, std::vector<Signal>& out) {
    const auto& c = options();
    // A thin series (a small operator at night) widens its window, up to kWiden times, until
    // it holds min_transactions: a slower verdict rather than none.
    core::Duration span = c.window;
    auto w = sum(s, span, now);
    for (int k : {2, 3, kWiden}) {
        if (w.total >= c.min_transactions) break;
        span = c.window * k;
        w = sum(s, span, now);
    }
    const bool enough = w.total > 0 && w.total >= c.min_transactions;
    // Too few transactions to judge is no evidence of recovery: a firing alert holds until
    // enough transactions show it, or until none are left at all.
    const bool thin_hold = s.firing && !enough && w.total > 0;
    const double ratio = w.total > 0 ? w.ok / w.total : 1.0;
    bool low = enough && ratio < c.min_ratio && wilson_upper(w.ok, w.total) < c.min_ratio;
    if (low) {
        if (!s.low_since) s.low_since = now;
        low = now - *s.low_since >= c.for_;
    } else {
        s.low_since.reset();
    }
    std::string burn;
    bool hold = false;
    int pair = -1;
    if (c.slo > 0) {
        for (std::size_t i = 0; i < kBurnWindows.size(); ++i) {
            const auto& bw = kBurnWindows[i];
            const double lr = burn_rate(s.labels, bw.long_span, now);
            const double sr = burn_rate(s.labels, bw.short_span, now);
            // Once paging, the short window of the pair that paged decides when it stops
            // (no flapping while the long window hovers around the factor).
            hold = hold || (s.firing && s.burn_pair == static_cast<int>(i) && sr > bw.factor);
            if (lr > bw.factor && sr > bw.factor) {
                pair = static_cast<int>(i);
                burn = fmt::format(
                    "burning the {:.4g}% SLO error budget {:.1f}x over {} and "
                    "{:.1f}x over {} (page above {}x)",
                    c.slo * 100, lr, format_span(bw.long_span), sr, format_span(bw.short_span),
                    bw.factor);
                break;
            }
        }
    }
    const bool active = low || !burn.empty() || hold || thin_hold;
    if (pair >= 0 && !s.firing) s.burn_pair = pair;
    if (active == s.firing) return;
    s.firing = active;
    std::string summary;
    if (active) {
        summary = !burn.empty() ? fmt::format("{}: {}", describe(s.labels), burn)
                                : fmt::format(
                                      "success ratio for {} at {:.1f}% over {} ({} transactions; "
                                      "threshold {:.1f}%)",
                                      describe(s.labels), ratio * 100, format_span(span),
                                      human(w.total), c.min_ratio * 100);
    } else {
        summary = fmt::format("success ratio for {} recovered: {:.1f}% over {}", describe(s.labels),
                              ratio * 100, format_span(span));
    }
    auto sig = make_signal(s.labels, now, active, ratio, std::move(summary));
    sig.annotations["success_ratio"] = fmt::format("{:.4f}", ratio);
    sig.annotations["transactions"] = human(w.total);
    out.push_back(std::move(sig));
}

void SuccessRatioDetector::advance(core::TimePoint now, std::vector<Signal>& out) {
    for (auto& [fp, s] : series_) evaluate(s, now, out);
}

}  // namespace noctua::detect
