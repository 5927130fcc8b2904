#include "noctua/detect/traffic_loss.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numbers>
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

/// Days of history after which the daily baseline has seen every weekday.
constexpr std::size_t kWeekOfDays = 7;

}  // namespace

/// One check: the base (`window`, `ratio`, `for`) or a tier.
struct TrafficLossDetector::Check {
    core::Duration window;
    double ratio;
    core::Duration for_;
    /// Tiers judge only against a seasonal (daily or weekly) expectation: the recent-level
    /// fallback cannot tell a short deep drop from an evening ramp (traffic falling 6x in two
    /// hours), so while it is all there is, only the base window speaks.
    bool seasonal_only = false;
};

/// One check's view of the window ending at the latest sample.
struct TrafficLossDetector::Verdict {
    std::size_t check = 0;
    double observed = 0;
    double expected = 0;
    double ratio = 0;
    double threshold = 0;
    std::size_t samples = 0;  // in the window
    bool stopped = false;
    bool low = false;
    std::string_view basis;
};

// One series: the slot profile (a ring of slot means), the current slot being filled, the
// trailing samples of the longest window, the typical amount and the alert state.
struct TrafficLossDetector::Series {
    /// What each check learns and remembers.
    struct CheckState {
        double deviation = kInitialDeviation;
        std::optional<core::TimePoint> deviation_at;
        std::optional<core::TimePoint> low_since;
        int low_samples = 0;  // consecutive low verdicts
    };

    core::Labels labels;
    std::vector<float> ring;  // ring[slot mod size]: mean of that slot, NaN when empty
    bool has_slot = false;
    std::int64_t slot = 0;  // the slot being filled
    double slot_sum = 0;
    std::int64_t slot_count = 0;
    std::deque<std::pair<core::TimePoint, double>> window;
    core::TimePoint last_sample{};
    std::optional<core::Duration> interval;  // the shortest gap between samples: the cadence
    std::vector<CheckState> checks;          // [0]: the base check, then the tiers
    std::size_t fired_by = 0;                // the check that fired, while firing
    bool firing = false;
    std::optional<core::TimePoint> high_since;
    // Amounts of successful transactions, decayed with learn_half_life.
    double amount_sum = 0;
    double amount_count = 0;
    std::optional<core::TimePoint> amount_at;
    std::string currency;
    bool evaluated = false;
    Status last;

    [[nodiscard]] float at(std::int64_t s) const {
        const auto n = static_cast<std::int64_t>(ring.size());
        if (!has_slot || s >= slot || s <= slot - n) return kNoData;
        return ring[static_cast<std::size_t>(floor_mod(s, n))];
    }
};

TrafficLossDetector::TrafficLossDetector(config::RuleConfig rule) : Detector(std::move(rule)) {}

std::vector<TrafficLossDetector::Check> TrafficLossDetector::checks() const {
    const auto& c = options();
    std::vector<Check> out{{c.window, c.ratio, c.for_, false}};
    for (const auto& t : c.tiers) out.push_back({t.window, t.ratio, t.for_, true});
    return out;
}

std::unique_ptr<TrafficLossDetector::Series> TrafficLossDetector::new_series(
    const core::Labels& labels) const {
    const auto& c = options();
    const std::int64_t res = ms(c.resolution);
    const std::int64_t day = ms(std::chrono::hours(24)) / res;
    core::Duration longest = c.window;
    for (const auto& t : c.tiers) longest = std::max(longest, t.window);
    const std::int64_t window_slots = std::max<std::int64_t>(1, ms(longest) / res);
    const std::int64_t reach =
        std::max({std::int64_t{c.weeks} * 7 * day, std::int64_t{c.days} * day,
                  window_slots + ms(c.recent) / res});
    auto s = std::make_unique<Series>();
    s->labels = labels;
    s->ring.assign(static_cast<std::size_t>(reach + window_slots + 1), kNoData);
    s->checks.resize(1 + c.tiers.size());
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
    if (!std::isfinite(sample.value)) return;
    if (m == Measure::amount) {
        add_amount(sample);
        return;
    }
    if (m != Measure::volume) return;
    const auto fp = sample.labels.fingerprint();
    auto it = series_.find(fp);
    if (it == series_.end()) it = series_.emplace(fp, new_series(sample.labels)).first;
    feed(*it->second, sample.time, sample.value, out);
}

void TrafficLossDetector::add_amount(const core::Sample& sample) {
    if (sample.value < 0 || sample.weight <= 0) return;
    auto labels = sample.labels;
    const auto currency = labels.get("currency");
    std::string unit = currency ? std::string(*currency) : std::string();
    // The stream windows label the amount of a series as its volume's sibling.
    if (labels.get("metric") == "amount") labels.set("metric", "volume");
    auto it = series_.find(labels.fingerprint());
    if (it == series_.end() && currency) {
        // A series whose volume carries no currency label (only its amounts do).
        labels.erase("currency");
        it = series_.find(labels.fingerprint());
    }
    if (it == series_.end()) return;  // amounts only describe a volume series already seen
    auto& s = *it->second;
    if (s.amount_at) {
        const double dt = std::chrono::duration<double>(sample.time - *s.amount_at).count();
        const double half = std::chrono::duration<double>(options().learn_half_life).count();
        const double keep = dt > 0 ? std::exp2(-dt / half) : 1.0;
        s.amount_sum *= keep;
        s.amount_count *= keep;
    }
    s.amount_at = std::max(sample.time, s.amount_at.value_or(sample.time));
    s.amount_sum += sample.value;
    s.amount_count += sample.weight;
    if (!unit.empty() && unit != s.currency) s.currency = std::move(unit);
}

std::optional<TrafficLossDetector::Span> TrafficLossDetector::span(const core::Labels& series,
                                                                   core::TimePoint from,
                                                                   core::TimePoint to,
                                                                   core::Duration step) const {
    auto it = series_.find(series.fingerprint());
    if (it == series_.end() || to <= from || step <= core::Duration::zero()) return std::nullopt;
    const Series& s = *it->second;
    const auto& c = options();
    const std::int64_t res = ms(c.resolution);
    const std::int64_t day = ms(std::chrono::hours(24)) / res;
    // A slot's mean is per sample; judge() counts samples of the series' cadence.
    const double per_slot =
        s.interval ? std::max(1.0, static_cast<double>(res) / static_cast<double>(ms(*s.interval)))
                   : 1.0;
    const std::int64_t from_ms = from.time_since_epoch().count();
    const std::int64_t first = -floor_div(-from_ms, res);
    const std::int64_t last = floor_div(to.time_since_epoch().count() - 1, res);
    const auto points = static_cast<std::size_t>((ms(to - from) + ms(step) - 1) / ms(step));
    Span out;
    out.observed_points.assign(points, std::nan(""));
    out.expected_points.assign(points, std::nan(""));
    std::size_t total = 0, covered = 0, weekly_slots = 0;
    std::vector<double> weekly, daily;
    for (std::int64_t slot = first; slot <= last; ++slot) {
        ++total;
        const float x = s.at(slot);
        if (std::isnan(x)) continue;
        weekly.clear();
        daily.clear();
        for (int k = 1; k <= c.weeks; ++k) {
            if (const float w = s.at(slot - std::int64_t{k} * 7 * day); !std::isnan(w)) weekly.push_back(w);
        }
        for (int k = 1; k <= c.days; ++k) {
            if (const float d = s.at(slot - std::int64_t{k} * day); !std::isnan(d)) daily.push_back(d);
        }
        std::optional<double> level;
        bool is_weekly = false;
        if (weekly.size() >= 2) {
            level = median(weekly);
            is_weekly = true;
        }
        if (daily.size() >= 2) {
            if (const double d = median(daily); !level || d < *level) {
                level = d;
                is_weekly = false;
            }
        }
        if (!level) continue;
        ++covered;
        weekly_slots += is_weekly ? 1 : 0;
        out.observed += x * per_slot;
        out.expected += *level * per_slot;
        const auto i = std::min(points - 1, static_cast<std::size_t>((slot * res - from_ms) / ms(step)));
        if (std::isnan(out.observed_points[i])) out.observed_points[i] = out.expected_points[i] = 0;
        out.observed_points[i] += x * per_slot;
        out.expected_points[i] += *level * per_slot;
    }
    if (covered == 0) return std::nullopt;
    out.coverage = static_cast<double>(covered) / static_cast<double>(total);
    out.baseline = weekly_slots * 2 >= covered ? "weekly" : "daily";
    return out;
}

void TrafficLossDetector::advance(core::TimePoint now, std::vector<Signal>& out) {
    const auto window = options().window;
    for (auto& [fp, s] : series_) {
        if (now - s->last_sample >= window) feed(*s, now, 0.0, out);
    }
}

std::optional<TrafficLossDetector::Verdict> TrafficLossDetector::judge(const Series& s,
                                                                      core::TimePoint t,
                                                                      const Check& check,
                                                                      double deviation) const {
    const auto& c = options();
    const std::int64_t res = ms(c.resolution);
    const std::int64_t slot = s.slot;
    // Expected level over the window: weekly and daily medians of the same window in the
    // past, the smaller of them; the recent level while neither exists.
    const std::int64_t day = ms(std::chrono::hours(24)) / res;
    const std::int64_t wslots = std::max<std::int64_t>(1, ms(check.window) / res);
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
    std::string_view basis;
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
    if (!level && c.recent > core::Duration::zero() && !check.seasonal_only) {
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
    if (!level) return std::nullopt;

    Verdict v;
    v.basis = basis;
    for (auto it = s.window.rbegin(); it != s.window.rend() && it->first > t - check.window;
         ++it) {
        v.observed += it->second;
        ++v.samples;
    }
    v.expected = *level * static_cast<double>(v.samples);
    if (v.expected < c.min_expected || v.expected <= 0) return std::nullopt;  // quiet hours

    v.ratio = v.observed / v.expected;
    v.threshold = std::min(check.ratio, std::exp(-c.sensitivity * deviation));
    if (basis == "recent") v.threshold *= kRecentBasisFactor;
    v.stopped = v.observed <= 0;
    // A daily baseline of under a week is the median of a few days' counts: noisy itself (a
    // variance of about π/2 × expected / days) and not yet shown every weekday (a quiet Monday
    // set against a busier weekend). Until its days span a week that noise adds to the
    // counting noise the shortfall must exceed; a collapse still clears both.
    double noise = v.expected;
    if (basis == "daily" && daily.size() < kWeekOfDays) {
        noise *= 1.0 + std::numbers::pi / 2.0 / static_cast<double>(daily.size());
    }
    const bool significant = v.expected - v.observed >= kPoissonZ * std::sqrt(noise);
    v.low = (v.ratio < v.threshold || v.stopped) && significant;
    return v;
}

void TrafficLossDetector::feed(Series& s, core::TimePoint t, double v, std::vector<Signal>& out) {
    const auto& c = options();
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
    if (s.has_slot && t > s.last_sample) {
        const auto gap = t - s.last_sample;
        if (!s.interval || gap < *s.interval) s.interval = gap;
    }
    s.has_slot = true;
    s.slot = slot;
    s.slot_sum += v;
    ++s.slot_count;
    s.last_sample = std::max(s.last_sample, t);

    const auto all = checks();
    core::Duration longest{};
    for (const auto& k : all) longest = std::max(longest, k.window);
    s.window.emplace_back(t, v);
    while (!s.window.empty() && s.window.front().first <= t - longest) s.window.pop_front();

    std::vector<std::optional<Verdict>> verdicts(all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto& state = s.checks[i];
        verdicts[i] = judge(s, t, all[i], state.deviation);
        if (!verdicts[i]) continue;
        verdicts[i]->check = i;
        if (s.firing) continue;
        // Learn how far this window of the series usually strays from its expectation.
        const double dev = std::min(
            std::abs(std::log(std::max(verdicts[i]->ratio, kMinRatioForLog))), kDeviationClip);
        if (state.deviation_at) {
            const double dt = std::chrono::duration<double>(t - *state.deviation_at).count();
            const double half = std::chrono::duration<double>(c.learn_half_life).count();
            state.deviation += (1.0 - std::exp2(-dt / half)) * (dev - state.deviation);
        }
        state.deviation_at = t;
    }
    const auto& base = verdicts[0];

    if (!s.firing) {
        std::optional<std::size_t> fire;
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (!verdicts[i]) continue;  // no verdict: the check's timer stands still
            auto& state = s.checks[i];
            if (!verdicts[i]->low) {
                state.low_since.reset();
                state.low_samples = 0;
                continue;
            }
            if (!state.low_since) state.low_since = t;
            ++state.low_samples;
            // A tier is confirmed by a second low sample at least: one sample of a short window
            // is one count, and one count is noise.
            const bool confirmed = !all[i].seasonal_only || state.low_samples >= 2;
            if (t - *state.low_since >= all[i].for_ && confirmed && !fire) fire = i;
        }
        if (base) report(s, *base, t, false, out);
        if (!fire) return;
        s.firing = true;
        s.fired_by = *fire;
        s.high_since.reset();
        report(s, *verdicts[*fire], t, true, out);
        return;
    }
    if (base) report(s, *base, t, false, out);
    if (s.fired_by != 0 && verdicts[s.fired_by]) report(s, *verdicts[s.fired_by], t, false, out);
    if (!base) return;
    if (base->ratio < c.resolve_ratio) {
        s.high_since.reset();
        return;
    }
    if (!s.high_since) s.high_since = t;
    if (t - *s.high_since < c.resolve_for) return;
    s.firing = false;
    for (auto& state : s.checks) {
        state.low_since.reset();
        state.low_samples = 0;
    }
    report(s, *base, t, true, out);
}

// Updates the status from `v`; with `transition`, emits the signal of the change s.firing
// has just made.
void TrafficLossDetector::report(Series& s, const Verdict& v, core::TimePoint t,
                                 bool transition, std::vector<Signal>& out) const {
    const auto& c = options();
    const auto all = checks();
    const auto& check = all[v.check];
    // Per hour, over the time the window's samples cover (a 5-minute window on a 30-minute
    // series holds one sample standing for 30 minutes).
    const double covered =
        s.interval ? std::chrono::duration<double>(*s.interval).count() *
                         static_cast<double>(std::max<std::size_t>(v.samples, 1))
                   : std::chrono::duration<double>(check.window).count();
    const double per_hour = 3600.0 / std::max(covered, 1.0);
    Status& st = s.last;
    st.firing = s.firing;
    if (v.check == 0) {
        // The base window's view; a tier reports only what the alert it raised costs.
        st.observed = v.observed;
        st.expected = v.expected;
        st.ratio = v.ratio;
        st.threshold = v.threshold;
        st.deviation = s.checks[0].deviation;
        st.baseline = std::string(v.basis);
    }
    st.window = check.window;
    st.typical_amount.reset();
    st.revenue_at_risk_per_hour.reset();
    st.observed_per_hour = v.observed * per_hour;
    st.expected_per_hour = v.expected * per_hour;
    st.shortfall_percent = std::max(0.0, (v.expected - v.observed) / v.expected * 100);
    if (s.amount_count > 0) {
        st.typical_amount = s.amount_sum / s.amount_count;
    } else if (c.amount > 0) {
        st.typical_amount = c.amount;
    }
    st.currency = s.currency.empty() ? c.currency : s.currency;
    if (st.typical_amount) {
        st.revenue_at_risk_per_hour =
            std::max(0.0, st.expected_per_hour - st.observed_per_hour) * *st.typical_amount;
    }
    s.evaluated = true;
    if (!transition) return;

    const auto span = format_span(check.window);
    auto fill = [&](Signal& sig) {
        sig.annotations["observed"] = human(v.observed);
        sig.annotations["expected"] = human(v.expected);
        sig.annotations["ratio"] = fmt::format("{:.2f}", v.ratio);
        sig.annotations["window"] = span;
        sig.annotations["observed_per_hour"] = human(st.observed_per_hour);
        sig.annotations["expected_per_hour"] = human(st.expected_per_hour);
        sig.annotations["shortfall_percent"] = fmt::format("{:.0f}", st.shortfall_percent);
        sig.values["observed_per_hour"] = st.observed_per_hour;
        sig.values["expected_per_hour"] = st.expected_per_hour;
        sig.values["shortfall_percent"] = st.shortfall_percent;
        if (st.revenue_at_risk_per_hour) {
            sig.annotations["revenue_at_risk_per_hour"] =
                fmt::format("{:.2f}{}{}", *st.revenue_at_risk_per_hour,
                            st.currency.empty() ? "" : " ", st.currency);
            sig.annotations["typical_amount"] = fmt::format("{:.2f}", *st.typical_amount);
            sig.values["revenue_at_risk_per_hour"] = *st.revenue_at_risk_per_hour;
        }
        if (!st.currency.empty()) sig.annotations["currency"] = st.currency;
    };
    if (!s.firing) {
        auto sig = make_signal(
            s.labels, t, false, v.ratio,
            fmt::format("traffic for {} is back to {:.0f}% of expected ({} observed, {} "
                        "expected in {})",
                        describe(s.labels), v.ratio * 100, human(v.observed), human(v.expected),
                        span));
        fill(sig);
        out.push_back(std::move(sig));
        return;
    }
    const auto since = core::format_rfc3339(s.checks[v.check].low_since.value_or(t));
    std::string cost = fmt::format("{}/h expected, {}/h observed", human(st.expected_per_hour),
                                   human(st.observed_per_hour));
    if (st.revenue_at_risk_per_hour) {
        cost += fmt::format(", {}{}{}/h at risk", human(*st.revenue_at_risk_per_hour),
                            st.currency.empty() ? "" : " ", st.currency);
    }
    auto summary =
        v.stopped
            ? fmt::format("no traffic at all for {} since {}: {} expected in {} ({} baseline; "
                          "{})",
                          describe(s.labels), since, human(v.expected), span, v.basis, cost)
            : fmt::format("traffic for {} at {:.0f}% of expected since {}: {} observed, {} "
                          "expected in {} ({} baseline; {})",
                          describe(s.labels), v.ratio * 100, since, human(v.observed),
                          human(v.expected), span, v.basis, cost);
    auto sig = make_signal(s.labels, t, true, v.ratio, std::move(summary));
    fill(sig);
    sig.annotations["since"] = since;
    sig.annotations["baseline"] = std::string(v.basis);
    if (v.stopped) sig.annotations["full_stop"] = "true";
    out.push_back(std::move(sig));
}

void TrafficLossDetector::adopt_state(const Detector& old) {
    const auto* prev = dynamic_cast<const TrafficLossDetector*>(&old);
    if (prev == nullptr) return;
    const auto& a = prev->options();
    const auto& b = options();
    const bool same_shape = a.resolution == b.resolution && a.window == b.window &&
                            a.weeks == b.weeks && a.days == b.days && a.recent == b.recent &&
                            a.tiers == b.tiers;
    for (const auto& [fp, s] : prev->series_) {
        if (same_shape) {
            series_.insert_or_assign(fp, std::make_unique<Series>(*s));
            continue;
        }
        // A profile with another slot size or length cannot be reused; the alert state can.
        auto fresh = new_series(s->labels);
        fresh->firing = s->firing;
        fresh->checks[0] = s->checks[0];
        fresh->last_sample = s->last_sample;
        fresh->interval = s->interval;
        fresh->amount_sum = s->amount_sum;
        fresh->amount_count = s->amount_count;
        fresh->amount_at = s->amount_at;
        fresh->currency = s->currency;
        series_.insert_or_assign(fp, std::move(fresh));
    }
}

void TrafficLossDetector::forget(const core::Labels& series) {
    series_.erase(series.fingerprint());
}

std::size_t TrafficLossDetector::pending_series() const {
    std::size_t n = 0;
    for (const auto& [fp, s] : series_) {
        if (s->firing) continue;
        const bool low = std::any_of(s->checks.begin(), s->checks.end(),
                                     [](const auto& c) { return c.low_since.has_value(); });
        n += low ? 1 : 0;
    }
    return n;
}

}  // namespace noctua::detect
