#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "noctua/core/sample.hpp"
#include "noctua/detect/detector.hpp"

namespace noctua::daemon {

/// A p95 of a handful of latencies is the largest of them, interpolated across a histogram
/// bucket (1–2.5 s): one 1.1 s transaction among five reads as a p95 of 2.1 s. Such buckets
/// say nothing about a provider's latency and paged as LatencyHigh on quiet operators in
/// `noctua replay --events` over simulated traffic (bench/README.md, detect); the latency
/// rule's `min_samples` then applies to the buckets that remain.
inline constexpr double kMinLatenciesForP95 = 10;

/// The one dimension of a stream-window series (every label but `set` and `metric`);
/// empty when it has none or several.
[[nodiscard]] inline std::string_view only_dimension(const core::Labels& labels) {
    std::string_view dimension;
    for (const auto& [k, v] : labels.pairs()) {
        if (k == "set" || k == "metric") continue;
        if (!dimension.empty()) return {};  // two or more dimensions: a finer series
        dimension = k;
    }
    return dimension;
}

/// Whether a stream-window series feeds the balance rule's insufficient-balance burst check:
/// only a series whose dimensions are exactly ["provider"] (a provider float) or exactly
/// ["customer"] (a customer wallet) — every label but `set` and `metric` is a dimension.
///
/// Why: one drained float empties for all of its traffic at once, so every finer series of the
/// provider (provider_country, provider_operator, …) sees the same errors and each would page
/// for the same float — one drain raised 59 BalanceLow in bench/detect/stream.sh. Money is held
/// per provider and per customer, never per country or operator, so those two sets name the
/// thing to top up; the finer series add nothing an on-call engineer can act on. Filtering by
/// dimensions (rather than suppressing a finer series while its provider series fires) keeps
/// the detector a plain per-series state machine and needs no cross-series bookkeeping; the
/// cost is that a burst is seen only when a ["provider"] or ["customer"] set is configured
/// (the default sets include ["provider"]).
[[nodiscard]] inline bool feeds_balance_burst(const core::Labels& labels) {
    const auto dimension = only_dimension(labels);
    return dimension == "provider" || dimension == "customer";
}

/// What a stream-window sample means to the detectors: `metric=volume|success_ratio` as they
/// are (the window's success ratio already counts provider faults only: customer errors and
/// insufficient balance are left out at ingest, streams::Bucket::success_ratio()),
/// `amount` (the value of the successes, for a traffic loss's revenue at risk),
/// `latency_p95` converted from ms to seconds when the bucket holds at least
/// kMinLatenciesForP95 latencies, `insufficient_balance` (every code classified
/// so, e.g. INSUFFICIENT_FUNDS) to the balance detector's burst check when
/// feeds_balance_burst(), and `balance` (the provider float the events report,
/// TxEvent::balance) to the balance rule from a ["provider"] set only; nullopt for the rest.
/// Shared by the daemon and `noctua replay --events`.
[[nodiscard]] inline std::optional<std::pair<detect::Measure, core::Sample>> to_detector_sample(
    const core::Sample& s) {
    const auto metric = s.labels.get("metric").value_or("");
    if (metric == "volume") return std::pair{detect::Measure::volume, s};
    if (metric == "success_ratio") return std::pair{detect::Measure::success_ratio, s};
    if (metric == "amount") return std::pair{detect::Measure::amount, s};
    if (metric == "latency_p95") {
        if (s.weight < kMinLatenciesForP95) return std::nullopt;
        core::Sample seconds = s;
        seconds.value /= 1000.0;
        return std::pair{detect::Measure::latency, seconds};
    }
    if (metric == "insufficient_balance") {
        if (!feeds_balance_burst(s.labels)) return std::nullopt;
        return std::pair{detect::Measure::insufficient_balance, s};
    }
    if (metric == "balance") {
        // The balance events report is the provider's float: one series per provider, not
        // one per country, operator or customer (a customer's events name many providers).
        if (only_dimension(s.labels) != "provider") return std::nullopt;
        return std::pair{detect::Measure::balance, s};
    }
    return std::nullopt;
}

}  // namespace noctua::daemon
