#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include "noctua/core/error_class.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/detect/kinds/downtime.hpp"

namespace noctua::detect {

/// The classification lives in core so that the stream windows count by class at ingest
/// (streams must not depend on detect); detect re-exports it.
using core::classify_error;
using core::ErrorClass;

/// `kind = "downtime"` with `source = "stream"`: the provider's success ratio from the
/// transaction stream.
///
/// Feeds: Measure::outcome (one classified transaction: 1 success, 0 provider fault; the
/// caller drops customer errors) or Measure::success_ratio (a ratio per interval weighted by
/// Sample::weight, the transactions behind it; `min_transactions` counts weights). Kept in
/// one-minute buckets.
///
/// Fires when the ratio over `window` stays under `min_ratio` for `for` with at least
/// `min_transactions` in the window, and under it beyond chance (the Wilson score upper bound
/// at z = 3 is under `min_ratio` too: 3 faults in 25 transactions is noise, an outage is not).
/// A window with fewer transactions widens (2×, 3×, 6× `window`) until it holds enough; a
/// firing alert holds while too few transactions are left to judge. And, when `slo` is set, on
/// multi-window burn rates (Google SRE workbook): error rate ÷ (1 − slo) above 14.4 over both 1 h
/// and 5 m, or above 6 over both 6 h and 30 m. The short window makes it resolve quickly once the
/// errors stop. Not thread-safe (see Detector).
class SuccessRatioDetector final : public SeriesDetector<SuccessRatioDetector, DowntimeOptions> {
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

    /// Burn rate of the error budget over the last `span` (0 when `slo` is off or no data).
    [[nodiscard]] double burn_rate(const core::Labels& series, core::Duration span,
                                   core::TimePoint now) const;

private:
    friend class SeriesDetector<SuccessRatioDetector, DowntimeOptions>;
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
    /// Low, not yet for `for`.
    static bool pending(const Series& s) { return !s.firing && s.low_since.has_value(); }
    struct Window {
        double ok = 0;
        double total = 0;
    };
    [[nodiscard]] Window sum(const Series& s, core::Duration span, core::TimePoint now) const;
    void evaluate(Series& s, core::TimePoint now, std::vector<Signal>& out);
    std::unordered_map<std::uint64_t, Series> series_;
};

}  // namespace noctua::detect
