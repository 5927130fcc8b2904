#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include "noctua/detect/detector.hpp"

namespace noctua::detect {

/// What a failed transaction says about the provider (see classify_error()).
enum class ErrorClass {
    success,               ///< not an error
    provider_fault,        ///< counts against the provider's success ratio
    customer_error,        ///< the customer's own mistake: never pages as an outage
    insufficient_balance,  ///< goes to the balance detector, not the success ratio
};

/// Classifies a transaction by its status (success|failed|pending|timeout|refunded) and error
/// code. Customer errors (bad phone number, recently recharged, invalid amount, daily limits)
/// and insufficient balance are told apart from provider faults; an unknown code, a timeout
/// or a failure without a code is a provider fault. Codes compare case-insensitively.
/// Pure and thread-safe.
[[nodiscard]] ErrorClass classify_error(std::string_view status, std::string_view error_code);

/// `kind = "downtime"` with `source = "stream"`: the provider's success ratio from the
/// transaction stream.
///
/// Feeds: Measure::outcome (one classified transaction: 1 success, 0 provider fault; the
/// caller drops customer errors) or Measure::success_ratio (a ratio per interval weighted by
/// Sample::weight, the transactions behind it; `min_transactions` counts weights). Kept in
/// one-minute buckets.
///
/// Fires when the ratio over `window` stays under `min_ratio` for `for` with at least
/// `min_transactions` in the window; and, when `slo` is set, on multi-window burn rates
/// (Google SRE workbook): error rate ÷ (1 − slo) above 14.4 over both 1 h and 5 m, or above 6
/// over both 6 h and 30 m. The short window makes it resolve quickly once the errors stop.
/// Not thread-safe (see Detector).
class SuccessRatioDetector final : public Detector {
public:
    explicit SuccessRatioDetector(config::RuleConfig rule);

    // Detector
    [[nodiscard]] bool consumes(Measure m) const override {
        return m == Measure::outcome || m == Measure::success_ratio;
    }
    void observe(Measure m, const core::Sample& sample, std::string_view detail,
                 std::vector<Signal>& out) override;
    /// Re-evaluates every series at `now` (windows slide even without transactions).
    void advance(core::TimePoint now, std::vector<Signal>& out) override;
    void adopt_state(const Detector& old) override;
    void forget(const core::Labels& series) override;
    [[nodiscard]] std::size_t series_count() const override { return series_.size(); }

    /// Burn rate of the error budget over the last `span` (0 when `slo` is off or no data).
    [[nodiscard]] double burn_rate(const core::Labels& series, core::Duration span,
                                   core::TimePoint now) const;

private:
    struct Bucket {
        std::int64_t minute = 0;
        double ok = 0;
        double total = 0;
    };
    struct Series {
        core::Labels labels;
        std::deque<Bucket> buckets;
        bool firing = false;
        int burn_pair = -1;  // which burn-rate window pair paged
        std::optional<core::TimePoint> low_since;
    };
    struct Window {
        double ok = 0;
        double total = 0;
    };
    [[nodiscard]] Window sum(const Series& s, core::Duration span, core::TimePoint now) const;
    void evaluate(Series& s, core::TimePoint now, std::vector<Signal>& out);
    std::unordered_map<std::uint64_t, Series> series_;
};

}  // namespace noctua::detect
