#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "noctua/detect/detector.hpp"
#include "noctua/detect/kinds/traffic_loss.hpp"

namespace noctua::detect {

/// The `traffic_loss` rule: observed volume per series against an expected level learned
/// online, with daily and weekly seasonality.
///
/// Per series it keeps a profile of slot means (`resolution`, default 5 min) for `weeks`
/// weeks. The expected level over a window is the smaller of two robust estimates: the
/// median over the past `weeks` of the same window one week back, k weeks back (needs two
/// weeks), and the median over the past `days` days (needs two days); one bad week or a
/// holiday in the history moves neither median. While neither exists it falls back to the
/// median level of the `recent` hours before the window.
///
/// Checks: the base one (observed / expected over `window` below `ratio` for `for`) and the
/// `tiers`, shorter windows with deeper ratios and shorter `for`s, so a collapse pages within
/// minutes and a shallow dip only after the base window confirms it (multi-window, as
/// burn-rate alerts). Any check firing fires the alert, as does no traffic at all where some
/// is expected (a full stop). Every check is guarded alike: quiet hours (expected volume in
/// its window under `min_expected`) give no verdict; the shortfall must exceed counting noise
/// (4 σ of a Poisson count of the expected size, and while the daily baseline holds under a
/// week of days, of the median of those days' counts too); and noisy series get a deeper
/// threshold, e^(-sensitivity × typical deviation), where the typical deviation is the mean
/// |log(observed/expected)| of that check's window, learned while not firing (half-life
/// `learn_half_life`), so a bursty series does not page on its ordinary swings. It resolves
/// once the base ratio stays at or above `resolve_ratio` for `resolve_for` (hysteresis).
///
/// What it costs: the alert carries the expected and observed rates per hour, the shortfall
/// and the revenue at risk per hour (missing transactions per hour × the series' typical
/// amount, learned from Measure::amount samples, or the rule's `amount`), in the series'
/// currency (the amount samples' `currency` label, or the rule's `currency`); Signal::values
/// holds the numbers. Amount samples join the volume series with the same labels, except that
/// a `metric` label reads `amount` instead of `volume` (the stream windows' samples).
///
/// Memory: about 4 bytes per slot kept, ~32 KiB per series with the defaults.
/// Not thread-safe (see Detector).
class TrafficLossDetector final : public Detector {
public:
    explicit TrafficLossDetector(config::RuleConfig rule);
    ~TrafficLossDetector() override;

    /// The last verdict for a series, for status pages and tests: `observed` to `baseline`
    /// are the base window's; `window` and the rates, shortfall and revenue are those of the
    /// check whose alert fires (the base window while none does).
    struct Status {
        bool firing = false;
        double observed = 0;   ///< volume in the window
        double expected = 0;   ///< expected volume in the window
        double ratio = 0;      ///< observed / expected
        double threshold = 0;  ///< the ratio below which it counts as low
        double deviation = 0;  ///< learned typical |log ratio|
        std::string baseline;  ///< "weekly", "daily" or "recent"
        core::Duration window{};         ///< of the check the rates below describe
        double observed_per_hour = 0;    ///< observed volume as a rate per hour
        double expected_per_hour = 0;    ///< expected volume as a rate per hour
        double shortfall_percent = 0;    ///< (expected - observed) / expected × 100, >= 0
        std::optional<double> typical_amount;  ///< mean amount of one transaction
        std::string currency;                  ///< of typical_amount; may be empty
        /// Missing transactions per hour × typical_amount; nullopt without an amount.
        std::optional<double> revenue_at_risk_per_hour;
    };
    [[nodiscard]] std::optional<Status> status(const core::Labels& series) const;
    /// Calls `fn` with the labels and last verdict of every series that has one (no order).
    void for_each_status(
        const std::function<void(const core::Labels&, const Status&)>& fn) const;

    /// Observed and expected volume of one series over a span of its profile, for reports.
    struct Span {
        double observed = 0;  ///< volume in the slots that have a baseline
        double expected = 0;  ///< what the seasonal baseline expected in those slots
        double coverage = 0;  ///< share of the span's slots with both, 0…1
        std::string baseline;  ///< "weekly" or "daily": the basis of most of those slots
        std::vector<double> observed_points;  ///< per `step`, oldest first; NaN where none
        std::vector<double> expected_points;
    };
    /// The profile slots of `series` that start in [from, to): observed from their kept
    /// means, expected per slot from the seasonal baseline the checks use (the smaller of the
    /// weekly and daily medians of that slot; the recent-level fallback is not seasonal and is
    /// left out), both counted in samples of the series' cadence. Slots without a sample or
    /// without a baseline count in neither. nullopt when the series is unknown or no slot has
    /// both.
    [[nodiscard]] std::optional<Span> span(const core::Labels& series, core::TimePoint from,
                                           core::TimePoint to, core::Duration step) const;

    // Detector
    [[nodiscard]] bool consumes(Measure m) const override {
        return m == Measure::volume || m == Measure::amount;
    }
    void observe(Measure m, const core::Sample& sample, std::string_view detail,
                 std::vector<Signal>& out) override;
    /// A series with no sample for a whole `window` gets a zero sample at `now` (no traffic).
    void advance(core::TimePoint now, std::vector<Signal>& out) override;
    void adopt_state(const Detector& old) override;
    void forget(const core::Labels& series) override;
    [[nodiscard]] std::size_t series_count() const override { return series_.size(); }
    [[nodiscard]] std::size_t pending_series() const override;

private:
    /// The rule's own keys (its kind's options).
    [[nodiscard]] const TrafficLossOptions& options() const {
        return rule_.options.get<TrafficLossOptions>();
    }
    struct Series;
    struct Check;
    struct Verdict;
    [[nodiscard]] std::unique_ptr<Series> new_series(const core::Labels& labels) const;
    [[nodiscard]] std::vector<Check> checks() const;
    [[nodiscard]] std::optional<Verdict> judge(const Series& s, core::TimePoint t,
                                               const Check& check, double deviation) const;
    void feed(Series& s, core::TimePoint t, double v, std::vector<Signal>& out);
    void add_amount(const core::Sample& sample);
    void report(Series& s, const Verdict& v, core::TimePoint t, bool firing,
                std::vector<Signal>& out) const;
    std::unordered_map<std::uint64_t, std::unique_ptr<Series>> series_;
};

}  // namespace noctua::detect
