#include "rule_evaluator.hpp"

#include <algorithm>
#include <utility>

#include "noctua/detect/kinds/traffic_loss.hpp"
#include "stream_clock.hpp"
#include "stream_samples.hpp"

namespace noctua::daemon {

RuleEvaluator::RuleEvaluator(OnTransition on_transition)
    : on_transition_(std::move(on_transition)),
      engine_([this](const alerts::Alert& a) {
          if (on_transition_) on_transition_(a, current_);
      }) {}

void RuleEvaluator::set_rules(std::vector<std::unique_ptr<detect::Detector>> rules,
                              const std::vector<config::ProviderConfig>* providers) {
    for (auto& rule : rules) {
        for (const auto& old : rules_) {
            if (old->config().name == rule->config().name &&
                old->config().kind == rule->config().kind) {
                rule->adopt_state(*old);
            }
        }
    }
    rules_ = std::move(rules);
    providers_ = providers;
    templates_.clear();
    for (const auto& rule : rules_) {
        alerts::RuleTemplates t(rule->config());
        if (!t.empty()) templates_.insert_or_assign(rule->config().name, std::move(t));
    }
}

void RuleEvaluator::on_probe_result(const probes::ProbeResult& r) {
    core::Labels series{{"probe", r.probe}, {"provider", r.provider}};
    // The bounded failure reason travels to the alert as an annotation.
    const std::map<std::string, std::string> reason{{"failure_reason", r.failure_reason}};
    feed(detect::Measure::probe, core::Sample{series, r.started, r.success ? 1.0 : 0.0},
         r.message, r.provider, r.success ? nullptr : &reason);
    // Extracted balances feed the balance rules (labels: probe, provider + extract_labels).
    for (const auto& v : r.values) {
        if (v.name != "balance") continue;
        core::Labels labels = series;
        labels.merge_missing(r.value_labels);
        feed(detect::Measure::balance, core::Sample{labels, r.started, v.value}, {}, r.provider);
    }
}

void RuleEvaluator::on_stream_samples(const std::vector<core::Sample>& samples) {
    // Volumes first: a traffic loss this batch raises is explained with them.
    for (const auto& s : samples) volumes_.observe(s);
    for (const auto& s : samples) {
        if (auto m = to_detector_sample(s)) {
            if (track_stream_series_) {
                const auto& labels = m->second.labels;
                stream_series_[std::string(labels.get("provider").value_or(""))].try_emplace(
                    labels.fingerprint(), labels);
            }
            feed(m->first, m->second, {}, m->second.labels.get("provider").value_or(""));
        }
    }
}

void RuleEvaluator::release_provider(std::string_view provider, core::TimePoint at) {
    if (auto it = stream_series_.find(provider); it != stream_series_.end()) {
        for (auto& rule : rules_) {
            if (!stream_fed(*rule)) continue;
            for (const auto& [fp, labels] : it->second) rule->forget(labels);
        }
        stream_series_.erase(it);
    }
    engine_.resolve_if(
        [&](const alerts::Alert& a) {
            if (a.labels.get("provider") != provider || a.labels.contains("probe")) return false;
            const auto* rule = rule_named(a.alertname());
            return rule != nullptr && stream_fed(*rule);
        },
        at);
}

void RuleEvaluator::feed(detect::Measure m, const core::Sample& sample, std::string_view detail,
                         std::string_view provider,
                         const std::map<std::string, std::string>* extra) {
    scratch_.clear();
    for (auto& rule : rules_) {
        if (rule->consumes(m) && rule->matches(sample.labels)) {
            rule->observe(m, sample, detail, scratch_);
        }
    }
    emit(scratch_, provider, extra);
    // The sample moved its rules' time on; stream-fed and probe-fed rules alike.
    if (held_.size() != 0) {
        release_held([&](const detect::Detector& rule) -> std::optional<core::TimePoint> {
            if (rule.consumes(m)) return sample.time;
            return std::nullopt;
        });
    }
}

void RuleEvaluator::advance(core::TimePoint now, std::optional<core::TimePoint> stream_now) {
    scratch_.clear();
    for (auto& rule : rules_) {
        if (!stream_fed(*rule)) {
            rule->advance(now, scratch_);
        } else if (stream_now) {
            rule->advance(*stream_now, scratch_);
        }
    }
    emit(scratch_, {});
    if (held_.size() != 0) {
        release_held([&](const detect::Detector& rule) {
            return stream_fed(rule) ? stream_now : std::optional<core::TimePoint>(now);
        });
    }
}

void RuleEvaluator::release_held(const RuleTime& time_of) {
    auto due = held_.due([&](const std::string& name) -> std::optional<core::TimePoint> {
        const auto* rule = rule_named(name);
        // A rule gone by a reload: its alerts were resolved with it.
        if (rule == nullptr) return core::TimePoint::max();
        return time_of(*rule);
    });
    for (const auto& h : due) {
        current_ = &h.signal;
        engine_.update(h.input);
        current_ = nullptr;
    }
}

void RuleEvaluator::apply(alerts::AlertInput in, const detect::Signal& sig,
                          const detect::Detector* rule) {
    const auto fp = in.labels.fingerprint();
    const auto keep = rule != nullptr ? rule->config().keep_firing_for : core::Duration::zero();
    if (in.active) {
        held_.cancel(fp);
    } else if (keep > core::Duration::zero() && engine_.is_firing(fp)) {
        held_.hold(std::move(in), sig, sig.at + keep);
        return;
    }
    current_ = &sig;
    engine_.update(in);
    current_ = nullptr;
}

void RuleEvaluator::emit(const std::vector<detect::Signal>& signals, std::string_view provider,
                         const std::map<std::string, std::string>* extra) {
    for (const auto& sig : signals) {
        alerts::AlertInput in;
        in.labels = sig.labels;
        in.labels.set("alertname", sig.rule);
        const auto prov = provider.empty() ? sig.labels.get("provider").value_or("") : provider;
        if (const auto* p = this->provider(prov)) in.labels.merge_missing(p->labels);
        in.annotations = {sig.annotations.begin(), sig.annotations.end()};
        if (auto t = templates_.find(sig.rule); t != templates_.end()) {
            t->second.apply(in, sig.value, sig.values);
        }
        if (sig.active) annotate_cause(sig, in);
        if (extra != nullptr && sig.active) {
            for (const auto& [k, v] : *extra) in.annotations.emplace(k, v);
        }
        in.active = sig.active;
        in.at = sig.at;
        apply(std::move(in), sig, rule_named(sig.rule));
    }
}

void RuleEvaluator::annotate_cause(const detect::Signal& sig, alerts::AlertInput& in) const {
    const detect::Detector* source = rule_named(sig.rule);
    if (source == nullptr || source->config().kind != "traffic_loss") return;
    const auto firing = engine_.firing();
    std::vector<FiringAlert> explained;
    for (const auto& a : firing) {
        if (const auto* r = rule_named(a.alertname())) explained.push_back({&a, r->config().kind});
    }
    auto cause = likely_cause(sig.labels.get("provider").value_or(""), explained);
    // Otherwise the stream windows may show where the traffic went: one customer or country,
    // or another provider (routing shift).
    if (!cause) {
        const auto& loss = source->config().options.get<detect::TrafficLossOptions>();
        cause = volumes_.explain_loss(sig.labels, sig.at, loss.window);
    }
    if (!cause) return;
    in.annotations["likely_cause"] = *cause;
    in.annotations["summary"] += "; likely cause: " + *cause;
}

const detect::Detector* RuleEvaluator::rule_named(std::string_view name) const {
    // The last of equally named rules, as the alert's rule.
    const detect::Detector* found = nullptr;
    for (const auto& r : rules_) {
        if (r->config().name == name) found = r.get();
    }
    return found;
}

const config::ProviderConfig* RuleEvaluator::provider(std::string_view id) const {
    if (providers_ == nullptr || id.empty()) return nullptr;
    for (const auto& p : *providers_) {
        if (p.id == id) return &p;
    }
    return nullptr;
}

}  // namespace noctua::daemon
