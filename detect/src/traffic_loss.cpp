#include "noctua/detect/traffic_loss.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "noctua/core/duration.hpp"
#include "util.hpp"

namespace noctua::detect {
namespace {

constexpr float kNoData = std::numeric_limits<float>::quiet_NaN();
/// The typical |log ratio| a new series starts from, before it has taught us its own.
constexpr double kInitialDeviation = 0.15;
/// Deviations are clipped when learned, so one incident cannot teach "anything goes".
constexpr double kDeviationClip = 1.0;
constexpr double kMinRatioForLog = 1e-3;
/// Counting noise: a shortfall must also exceed this many standard deviations of a Poisson
/// count of the expected size, so that a series of a few dozen transactions per window does
/// not page on chance (noctua replay --events over simulated traffic, bench/README.md).
constexpr double kPoissonZ = 4.0;
/// The recent-level fallback cannot tell a loss from the daily ramp it sits on (evenings
/// halve traffic within two hours), so it needs a drop this much deeper.
constexpr double kRecentBasisFactor = 0.5;

std::int64_t ms(core::Duration d) { return d.count(); }

}  // namespace

// One series: the slot profile (a ring of slot means), the current slot being filled, the
// trailing window of raw samples and the alert state.
struct TrafficLossDetector::Series {
    core::Labels labels;
    std::vector<float> ring;  // ring[slot mod size]: mean of that slot, NaN when empty
    bool has_slot = false;
    std::int64_t slot = 0;  // the slot being filled
    double slot_sum = 0;
    std::int64_t slot_count = 0;
    std::deque<std::pair<core::TimePoint, double>> window;
    core::TimePoint last_sample{};
    double deviation = kInitialDeviation;
    std::optional<core::TimePoint> deviation_at;
    bool firing = false;
    std::optional<core::TimePoint> low_since;
    std::optional<core::TimePoint> high_since;
    bool evaluated = false;
    Status last;

    [[nodiscard]] float at(std::int64_t s) const {
        const auto n = static_cast<std::int64_t>(ring.size());
        if (!has_slot || s >= slot || s <= slot - n) return kNoData;
        return ring[static_cast<std::size_t>(floor_mod(s, n))];
    }
};

TrafficLossDetector::TrafficLossDetector(config::RuleConfig rule) : Detector(std::move(rule)) {}

std::unique_ptr<TrafficLossDetector::Series> TrafficLossDetector::new_series(
    const core::Labels& labels) const {
    const auto& c = rule_.traffic_loss;
    const std::int64_t res = ms(c.resolution);
    const std::int64_t day = ms(std::chrono::hours(24)) / res;
    const std::int64_t window_slots = std::max<std::int64_t>(1, ms(c.window) / res);
    const std::int64_t reach =
        std::max({std::int64_t{c.weeks} * 7 * day, std::int64_t{c.days} * day,
                  window_slots + ms(c.recent) / res});
    auto s = std::make_unique<Series>();
    s->labels = labels;
    s->ring.assign(static_cast<std::size_t>(reach + window_slots + 1), kNoData);
    return s;
}
TrafficLossDetector::~TrafficLossDetector() = default;

std::optional<TrafficLossDetector::Status> TrafficLossDetector::status(
    const core::Labels& series) const {
    auto it = series_.find(series.fingerprint());
    if (it == series_.end() || !it->second->evaluated) return std::nullopt;
    return it->second->last;
}

void TrafficLossDetector::for_each_status(
    const std::function<void(const core::Labels&, const Status&)>& fn) const {
    for (const auto& [fp, s] : series_) {
        if (s->evaluated) fn(s->labels, s->last);
    }
}

void TrafficLossDetector::observe(Measure m, const core::Sample& sample, std::string_view,
                                  std::vector<Signal>& out) {
    if (m != Measure::volume || !std::isfinite(sample.value)) return;
    const auto fp = sample.labels.fingerprint();
    auto it = series_.find(fp);
    if (it == series_.end()) it = series_.emplace(fp, new_series(sample.labels)).first;
    feed(*it->second, sample.time, sample.value, out);
}

void TrafficLossDetector::advance(core::TimePoint now, std::vector<Signal>& out) {
    const auto window = rule_.traffic_loss.window;
    for (auto& [fp, s] : series_) {
        if (now - s->last_sample >= window) feed(*s, now, 0.0, out);
    }
}

void TrafficLossDetector::feed(Series& s, core::TimePoint t, double v, std::vector<Signal>& out) {
    const auto& c = rule_.traffic_loss;
    const std::int64_t res = ms(c.resolution);
    const std::int64_t slot = floor_div(t.time_since_epoch().count(), res);
    const auto n = static_cast<std::int64_t>(s.ring.size());

    // Close the slot being filled and clear the slots a gap skipped over.
    if (s.has_slot && slot < s.slot) return;  // late sample: the profile has moved on
    if (s.has_slot && slot > s.slot) {
        s.ring[static_cast<std::size_t>(floor_mod(s.slot, n))] =
            static_cast<float>(s.slot_sum / static_cast<double>(s.slot_count));
        for (std::int64_t k = s.slot + 1; k < slot && k < s.slot + n; ++k) {
            s.ring[static_cast<std::size_t>(floor_mod(k, n))] = kNoData;
        }
        s.slot_sum = 0;
        s.slot_count = 0;
    }
    s.has_slot = true;
    s.slot = slot;
    s.slot_sum += v;
    ++s.slot_count;
    s.last_sample = std::max(s.last_sample, t);

    s.window.emplace_back(t, v);
    while (!s.window.empty() && s.window.front().first <= t - c.window) s.window.pop_front();

    // Expected level over the window: weekly and daily medians of the same window in the
    // past, the smaller of them; the recent level while neither exists.
    const std::int64_t day = ms(std::chrono::hours(24)) / res;
    const std::int64_t wslots = std::max<std::int64_t>(1, ms(c.window) / res);
    auto window_mean = [&](std::int64_t offset) -> std::optional<double> {
        double sum = 0;
        int count = 0;
        for (std::int64_t j = 0; j < wslots; ++j) {
            const float x = s.at(slot - offset - j);
            if (!std::isnan(x)) {
                sum += x;
                ++count;
            }
        }
        if (count == 0) return std::nullopt;
        return sum / count;
    };
    std::vector<double> weekly, daily;
    for (int k = 1; k <= c.weeks; ++k) {
        if (auto m = window_mean(std::int64_t{k} * 7 * day)) weekly.push_back(*m);
    }
    for (int k = 1; k <= c.days; ++k) {
        if (auto m = window_mean(std::int64_t{k} * day)) daily.push_back(*m);
    }
    std::optional<double> level;
    std::string basis;
    if (weekly.size() >= 2) {
        level = median(weekly);
        basis = "weekly";
    }
    if (daily.size() >= 2) {
        const double d = median(daily);
        if (!level || d < *level) {
            level = d;
            basis = "daily";
        }
    }
    if (!level && c.recent > core::Duration::zero()) {
        std::vector<double> recent;
        for (std::int64_t j = 0; j < ms(c.recent) / res; ++j) {
            const float x = s.at(slot - wslots - j);
            if (!std::isnan(x)) recent.push_back(x);
        }
        if (!recent.empty()) {
            level = median(recent);
            basis = "recent";
        }
    }
    if (!level) return;

    double observed = 0;
    for (const auto& [ts, x] : s.window) observed += x;
    const double expected = *level * static_cast<double>(s.window.size());
    if (expected < c.min_expected || expected <= 0) return;  // quiet hours: no verdict

    const double ratio = observed / expected;
    double threshold = std::min(c.ratio, std::exp(-c.sensitivity * s.deviation));
    if (basis == "recent") threshold *= kRecentBasisFactor;
    const bool stopped = observed <= 0;
    const bool significant = expected - observed >= kPoissonZ * std::sqrt(expected);
    const bool low = (ratio < threshold || stopped) && significant;
    if (!s.firing) {
        // Learn how far this series usually strays from its expectation.
        const double dev =
            std::min(std::abs(std::log(std::max(ratio, kMinRatioForLog))), kDeviationClip);
        if (s.deviation_at) {
            const double dt = std::chrono::duration<double>(t - *s.deviation_at).count();
            const double half = std::chrono::duration<double>(c.learn_half_life).count();
            s.deviation += (1.0 - std::exp2(-dt / half)) * (dev - s.deviation);
        }
        s.deviation_at = t;
    }
    s.evaluated = true;
    s.last = Status{s.firing, observed, expected, ratio, threshold, s.deviation, basis};

    const auto span = format_span(c.window);
    if (!s.firing) {
        if (!low) {
            s.low_since.reset();
            return;
        }
        if (!s.low_since) s.low_since = t;
        if (t - *s.low_since < c.for_) return;
        s.firing = true;
        s.high_since.reset();
        s.last.firing = true;
        const auto since = core::format_rfc3339(*s.low_since);
        auto summary = stopped ? fmt::format(
                                     "no traffic at all for {} since {}: {} expected in {} ({} "
                                     "baseline)",
                                     describe(s.labels), since, human(expected), span, basis)
                               : fmt::format(
                                     "traffic for {} at {:.0f}% of expected since {}: {} "
                                     "observed, {} expected in {} ({} baseline)",
                                     describe(s.labels), ratio * 100, since, human(observed),
                                     human(expected), span, basis);
        auto sig = make_signal(s.labels, t, true, ratio, std::move(summary));
        sig.annotations["observed"] = human(observed);
        sig.annotations["expected"] = human(expected);
        sig.annotations["ratio"] = fmt::format("{:.2f}", ratio);
        sig.annotations["since"] = since;
        sig.annotations["baseline"] = basis;
        sig.annotations["window"] = span;
        if (stopped) sig.annotations["full_stop"] = "true";
        out.push_back(std::move(sig));
        return;
    }
    if (ratio < c.resolve_ratio) {
        s.high_since.reset();
        return;
    }
    if (!s.high_since) s.high_since = t;
    if (t - *s.high_since < c.resolve_for) return;
    s.firing = false;
    s.low_since.reset();
    s.last.firing = false;
    auto sig = make_signal(
        s.labels, t, false, ratio,
        fmt::format("traffic for {} is back to {:.0f}% of expected ({} observed, {} expected "
                    "in {})",
                    describe(s.labels), ratio * 100, human(observed), human(expected), span));
    sig.annotations["observed"] = human(observed);
    sig.annotations["expected"] = human(expected);
    sig.annotations["ratio"] = fmt::format("{:.2f}", ratio);
    out.push_back(std::move(sig));
}

void TrafficLossDetector::adopt_state(const Detector& old) {
    const auto* prev = dynamic_cast<const TrafficLossDetector*>(&old);
    if (prev == nullptr) return;
    const bool same_shape = prev->rule_.traffic_loss.resolution == rule_.traffic_loss.resolution &&
                            prev->rule_.traffic_loss.window == rule_.traffic_loss.window &&
                            prev->rule_.traffic_loss.weeks == rule_.traffic_loss.weeks &&
                            prev->rule_.traffic_loss.days == rule_.traffic_loss.days &&
                            prev->rule_.traffic_loss.recent == rule_.traffic_loss.recent;
    for (const auto& [fp, s] : prev->series_) {
        if (same_shape) {
            series_.insert_or_assign(fp, std::make_unique<Series>(*s));
            continue;
        }
        // A profile with another slot size or length cannot be reused; the alert state can.
        auto fresh = new_series(s->labels);
        fresh->firing = s->firing;
        fresh->low_since = s->low_since;
        fresh->deviation = s->deviation;
        fresh->deviation_at = s->deviation_at;
        fresh->last_sample = s->last_sample;
        series_.insert_or_assign(fp, std::move(fresh));
    }
}

void TrafficLossDetector::forget(const core::Labels& series) {
    series_.erase(series.fingerprint());
}

}  // namespace noctua::detect
