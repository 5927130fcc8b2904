#include "noctua/detect/success_ratio.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "util.hpp"

namespace noctua::detect {
namespace {

// Reloadly's documented customer-side codes (CONTRACTS.md §10) and common synonyms.
constexpr std::string_view kCustomerCodes[] = {
    "COULD_NOT_AUTO_DETECT_OPERATOR",
    "COUNTRY_NOT_SUPPORTED",
    "INVALID_AMOUNT",
    "INVALID_AMOUNT_FOR_OPERATOR",
    "INVALID_PHONE_NUMBER",
    "INVALID_RECIPIENT_PHONE",
    "INVALID_SENDER_PHONE",
    "MAX_DAILY_TRANSACTION_AMOUNT_REACHED",
    "MAX_DAILY_TRANSACTION_COUNT_REACHED",
    "PHONE_RECENTLY_RECHARGED",
    "DUPLICATE_TRANSACTION",
    "INVALID_PHONE",
    "INVALID_REQUEST",
};
constexpr std::string_view kBalanceCodes[] = {"INSUFFICIENT_BALANCE", "INSUFFICIENT_FUNDS",
                                              "LOW_BALANCE"};

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

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

std::int64_t minute_of(core::TimePoint t) {
    return floor_div(t.time_since_epoch().count(), 60'000);
}

}  // namespace

ErrorClass classify_error(std::string_view status, std::string_view code) {
    if (iequal(status, "success") && code.empty()) return ErrorClass::success;
    for (auto c : kBalanceCodes) {
        if (iequal(code, c)) return ErrorClass::insufficient_balance;
    }
    for (auto c : kCustomerCodes) {
        if (iequal(code, c)) return ErrorClass::customer_error;
    }
    if (iequal(status, "success") || iequal(status, "pending")) return ErrorClass::success;
    return ErrorClass::provider_fault;
}

SuccessRatioDetector::SuccessRatioDetector(config::RuleConfig rule) : Detector(std::move(rule)) {}

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
    const auto keep = std::max<core::Duration>(kKeep, rule_.downtime.window);
    while (!s.buckets.empty() &&
           s.buckets.front().minute <= minute - std::chrono::duration_cast<std::chrono::minutes>(
                                                    keep)
                                                    .count()) {
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
    const double budget = 1.0 - rule_.downtime.slo;
    if (it == series_.end() || rule_.downtime.slo <= 0) return 0;
    const auto w = sum(it->second, span, now);
    if (w.total <= 0) return 0;
    return (1.0 - w.ok / w.total) / budget;
}

void SuccessRatioDetector::evaluate(Series& s, core::TimePoint now, std::vector<Signal>& out) {
    const auto& c = rule_.downtime;
    const auto w = sum(s, c.window, now);
    const bool enough = w.total > 0 && w.total >= c.min_transactions;
    const double ratio = w.total > 0 ? w.ok / w.total : 1.0;
    bool low = enough && ratio < c.min_ratio;
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
                burn = fmt::format("burning the {:.4g}% SLO error budget {:.1f}x over {} and "
                                   "{:.1f}x over {} (page above {}x)",
                                   c.slo * 100, lr, format_span(bw.long_span), sr,
                                   format_span(bw.short_span), bw.factor);
                break;
            }
        }
    }
    const bool active = low || !burn.empty() || hold;
    if (pair >= 0 && !s.firing) s.burn_pair = pair;
    if (active == s.firing) return;
    s.firing = active;
    std::string summary;
    if (active) {
        summary = !burn.empty()
                      ? fmt::format("{}: {}", describe(s.labels), burn)
                      : fmt::format("success ratio for {} at {:.1f}% over {} ({} transactions; "
                                    "threshold {:.1f}%)",
                                    describe(s.labels), ratio * 100, format_span(c.window),
                                    human(w.total), c.min_ratio * 100);
    } else {
        summary = fmt::format("success ratio for {} recovered: {:.1f}% over {}",
                              describe(s.labels), ratio * 100, format_span(c.window));
    }
    auto sig = make_signal(s.labels, now, active, ratio, std::move(summary));
    sig.annotations["success_ratio"] = fmt::format("{:.4f}", ratio);
    sig.annotations["transactions"] = human(w.total);
    out.push_back(std::move(sig));
}

void SuccessRatioDetector::advance(core::TimePoint now, std::vector<Signal>& out) {
    for (auto& [fp, s] : series_) evaluate(s, now, out);
}

void SuccessRatioDetector::adopt_state(const Detector& old) {
    if (const auto* prev = dynamic_cast<const SuccessRatioDetector*>(&old)) {
        for (const auto& [fp, s] : prev->series_) series_.insert_or_assign(fp, s);
    }
}

void SuccessRatioDetector::forget(const core::Labels& series) {
    series_.erase(series.fingerprint());
}

}  // namespace noctua::detect
