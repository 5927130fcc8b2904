#include "noctua/detect/downtime.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "noctua/core/duration.hpp"

namespace noctua::detect {

HealthTracker::HealthTracker(int failures_to_fire, int successes_to_resolve)
    : failures_to_fire_(std::max(1, failures_to_fire)),
      successes_to_resolve_(std::max(1, successes_to_resolve)) {}

void HealthTracker::set_thresholds(int failures_to_fire, int successes_to_resolve) {
    failures_to_fire_ = std::max(1, failures_to_fire);
    successes_to_resolve_ = std::max(1, successes_to_resolve);
}

HealthTracker::Change HealthTracker::observe(bool success, core::TimePoint at) {
    if (success) {
        failures_ = 0;
        ++successes_;
        if (down_ && successes_ >= successes_to_resolve_) {
            down_ = false;
            since_ = at;
            return Change::went_up;
        }
        return Change::none;
    }
    successes_ = 0;
    if (failures_ == 0) failing_since_ = at;
    ++failures_;
    if (!down_ && failures_ >= failures_to_fire_) {
        down_ = true;
        since_ = at;
        return Change::went_down;
    }
    return Change::none;
}

DowntimeRule::DowntimeRule(config::RuleConfig rule) : SeriesDetector(std::move(rule)) {}

bool DowntimeRule::watches(std::string_view probe_id) const {
    return rule_.probes.empty() ||
           std::find(rule_.probes.begin(), rule_.probes.end(), probe_id) != rule_.probes.end();
}

bool DowntimeRule::is_flapping(const Series& s) const {
    const int window = options().flap_window;
    if (window < 3 || static_cast<int>(s.recent.size()) < window) return false;
    int changes = 0;
    for (std::size_t i = 1; i < s.recent.size(); ++i) changes += s.recent[i] != s.recent[i - 1];
    return static_cast<double>(changes) / static_cast<double>(window - 1) >
           options().flap_threshold;
}

bool DowntimeRule::flapping(const core::Labels& series) const {
    auto it = series_.find(series.fingerprint());
    return it != series_.end() && is_flapping(it->second);
}

void DowntimeRule::observe(Measure m, const core::Sample& sample, std::string_view detail,
                           std::vector<Signal>& out) {
    if (m != Measure::probe) return;
    if (auto sig = observe(sample, detail)) out.push_back(std::move(*sig));
}

std::optional<Signal> DowntimeRule::observe(const core::Sample& sample, std::string_view detail) {
    const auto fp = sample.labels.fingerprint();
    auto it = series_.find(fp);
    if (it == series_.end()) {
        const HealthTracker tracker{options().failures, options().successes};
        it = series_.emplace(fp, Series{sample.labels, tracker, {}, {}, false}).first;
    }
    auto& s = it->second;
    const bool success = sample.value > 0.5;
    if (!success) s.last_detail = std::string(detail);
    s.recent.push_back(success);
    while (static_cast<int>(s.recent.size()) > std::max(0, options().flap_window)) {
        s.recent.pop_front();
    }
    s.tracker.observe(success, sample.time);
    const bool flapping = is_flapping(s);
    // Flap damping: a firing alert holds while the results keep flipping.
    bool down = s.tracker.down();
    if (s.reported_down && !down && flapping) down = true;
    if (down == s.reported_down) return std::nullopt;
    s.reported_down = down;

    const auto probe = s.labels.get("probe").value_or("?");
    const auto provider = s.labels.get("provider").value_or("?");
    std::string summary;
    if (down) {
        summary = fmt::format("{} is down: probe {} failed {} times in a row since {} ({})",
                              provider, probe, s.tracker.consecutive_failures(),
                              core::format_rfc3339(s.tracker.failing_since()),
                              s.last_detail.empty() ? "no detail" : s.last_detail);
    } else {
        summary = fmt::format("{} is up again: probe {} passed {} times in a row", provider,
                              probe, s.tracker.consecutive_successes());
    }
    auto sig = make_signal(s.labels, sample.time, down, sample.value, std::move(summary));
    if (down) {
        sig.annotations["failure"] = s.last_detail;
        sig.annotations["failing_since"] = core::format_rfc3339(s.tracker.failing_since());
    }
    return sig;
}

void DowntimeRule::adopt_state(const Detector& old) {
    if (const auto* prev = dynamic_cast<const DowntimeRule*>(&old)) adopt_state(*prev);
}

void DowntimeRule::adopt_state(const DowntimeRule& old) {
    for (const auto& [fp, s] : old.series_) {
        Series copy = s;
        copy.tracker.set_thresholds(options().failures, options().successes);
        series_.insert_or_assign(fp, std::move(copy));
    }
}

}  // namespace noctua::detect
