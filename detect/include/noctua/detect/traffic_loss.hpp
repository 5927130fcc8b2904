#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "noctua/detect/detector.hpp"

namespace noctua::detect {

/// The `traffic_loss` rule: observed volume per series against an expected level learned
/// online, with daily and weekly seasonality.
///
/// Per series it keeps a profile of slot means (`resolution`, default 5 min) for `weeks`
/// weeks. The expected level over the last `window` is the smaller of two robust estimates:
/// the median over the past `weeks` of the same window one week back, k weeks back (needs two
/// weeks), and the median over the past `days` days (needs two days); one bad week or a
/// holiday in the history moves neither median. While neither exists it falls back to the
/// median level of the `recent` hours before the window.
///
/// It fires when observed / expected stays below the threshold for `for`, or when there is
/// no traffic at all where some is expected (a full stop); quiet hours (expected volume in
/// the window under `min_expected`) give no verdict. The threshold is `ratio`, tightened for
/// noisy series to e^(-sensitivity × typical deviation), where the typical deviation is the
/// mean |log(observed/expected)| learned while not firing (half-life `learn_half_life`), so
/// a bursty series does not page on its ordinary swings. It resolves once the ratio stays at
/// or above `resolve_ratio` for `resolve_for` (hysteresis).
///
/// Memory: about 4 bytes per slot kept, ~32 KiB per series with the defaults.
/// Not thread-safe (see Detector).
class TrafficLossDetector final : public Detector {
public:
    explicit TrafficLossDetector(config::RuleConfig rule);
    ~TrafficLossDetector() override;

    /// The last verdict for a series, for status pages and tests.
    struct Status {
        bool firing = false;
        double observed = 0;   ///< volume in the window
        double expected = 0;   ///< expected volume in the window
        double ratio = 0;      ///< observed / expected
        double threshold = 0;  ///< the ratio below which it counts as low
        double deviation = 0;  ///< learned typical |log ratio|
        std::string baseline;  ///< "weekly", "daily" or "recent"
    };
    [[nodiscard]] std::optional<Status> status(const core::Labels& series) const;
    /// Calls `fn` with the labels and last verdict of every series that has one (no order).
    void for_each_status(
        const std::function<void(const core::Labels&, const Status&)>& fn) const;

    // Detector
    [[nodiscard]] bool consumes(Measure m) const override { return m == Measure::volume; }
    void observe(Measure m, const core::Sample& sample, std::string_view detail,
                 std::vector<Signal>& out) override;
    /// A series with no sample for a whole `window` gets a zero sample at `now` (no traffic).
    void advance(core::TimePoint now, std::vector<Signal>& out) override;
    void adopt_state(const Detector& old) override;
    void forget(const core::Labels& series) override;
    [[nodiscard]] std::size_t series_count() const override { return series_.size(); }

private:
    struct Series;
    [[nodiscard]] std::unique_ptr<Series> new_series(const core::Labels& labels) const;
    void feed(Series& s, core::TimePoint t, double v, std::vector<Signal>& out);
    std::unordered_map<std::uint64_t, std::unique_ptr<Series>> series_;
};

}  // namespace noctua::detect
