#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>

#include "noctua/detect/detector.hpp"
#include "noctua/detect/kinds/latency.hpp"

namespace noctua::detect {

/// The `latency` rule: the `quantile` (p95 by default) of the latency observations (seconds)
/// over `window` against an absolute `threshold` and against its own baseline.
///
/// The baseline is an exponentially weighted average of the quantile, learned while not
/// firing, with a half-life of `baseline_window`. It fires when the quantile stays above both
/// the threshold and `baseline_factor` × baseline for `for`, and resolves when it falls back
/// under 90% of either. While young the baseline is the plain mean of the values seen (no
/// first value dominating a half-life). No verdict on fewer than `min_samples` observations
/// in the window. Samples that summarize many observations (Sample::weight > 1: a stream
/// window's p95) are combined by their weighted median, raw observations by the quantile.
/// Not thread-safe (see Detector).
class LatencyDetector final : public SeriesDetector<LatencyDetector, LatencyOptions> {
public:
    explicit LatencyDetector(config::RuleConfig rule);

    /// The window quantile and the baseline at the last sample.
    struct Status {
        double quantile = 0;
        double baseline = 0;
        bool firing = false;
    };
    [[nodiscard]] std::optional<Status> status(const core::Labels& series) const;

    // Detector
    [[nodiscard]] bool consumes(Measure m) const override { return m == Measure::latency; }
    void observe(Measure m, const core::Sample& sample, std::string_view detail,
                 std::vector<Signal>& out) override;

private:
    friend class SeriesDetector<LatencyDetector, LatencyOptions>;
    struct Series {
        core::Labels labels;
        std::deque<std::pair<core::TimePoint, double>> window;
        std::deque<double> weights;  // Sample::weight of each window entry
        std::optional<double> baseline;
        std::optional<core::TimePoint> baseline_at;
        double baseline_n = 0;  // values learned
        std::optional<core::TimePoint> high_since;
        bool firing = false;
        Status last;
    };
    /// High, not yet for `for`.
    static bool pending(const Series& s) { return !s.firing && s.high_since.has_value(); }
    std::unordered_map<std::uint64_t, Series> series_;
};

}  // namespace noctua::detect
