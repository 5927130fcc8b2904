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

DowntimeRule::DowntimeRule(config::RuleConfig rule) : rule_(std::move(rule)) {}

bool DowntimeRule::watches(std::string_view probe_id) const {
    return rule_.probes.empty() ||
           std::find(rule_.probes.begin(), rule_.probes.end(), probe_id) != rule_.probes.end();
}

std::optional<Signal> DowntimeRule::observe(const core::Sample& sample, std::string_view detail) {
    const auto fp = sample.labels.fingerprint();
    auto it = series_.find(fp);
    if (it == series_.end()) {
        it = series_
                 .emplace(fp, Series{sample.labels, HealthTracker{rule_.failures, rule_.successes}, {}})
                 .first;
    }
    auto& s = it->second;
    const bool success = sample.value > 0.5;
    if (!success) s.last_detail = std::string(detail);
    const auto change = s.tracker.observe(success, sample.time);
    if (change == HealthTracker::Change::none) return std::nullopt;

    Signal sig;
    sig.rule = rule_.name;
    sig.labels = s.labels;
    sig.labels.set("severity", rule_.severity);
    sig.labels.merge_missing(rule_.labels);
    sig.at = sample.time;
    sig.active = change == HealthTracker::Change::went_down;
    sig.value = sample.value;
    sig.annotations.insert(rule_.annotations.begin(), rule_.annotations.end());
    const auto probe = s.labels.get("probe").value_or("?");
    const auto provider = s.labels.get("provider").value_or("?");
    if (sig.active) {
        sig.summary = fmt::format("{} is down: probe {} failed {} times in a row since {} ({})",
                                  provider, probe, s.tracker.consecutive_failures(),
                                  core::format_rfc3339(s.tracker.failing_since()),
                                  s.last_detail.empty() ? "no detail" : s.last_detail);
        sig.annotations["failure"] = s.last_detail;
        sig.annotations["failing_since"] = core::format_rfc3339(s.tracker.failing_since());
    } else {
        sig.summary = fmt::format("{} is up again: probe {} passed {} times in a row", provider,
                                  probe, s.tracker.consecutive_successes());
    }
    sig.annotations["summary"] = sig.summary;
    return sig;
}

void DowntimeRule::forget(const core::Labels& series) { series_.erase(series.fingerprint()); }

void DowntimeRule::adopt_state(const DowntimeRule& old) {
    for (const auto& [fp, s] : old.series_) {
        Series copy = s;
        copy.tracker.set_thresholds(rule_.failures, rule_.successes);
        series_.insert_or_assign(fp, std::move(copy));
    }
}

}  // namespace noctua::detect
