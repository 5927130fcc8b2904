#include "rules.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace noctua::daemon {

Rules::Rules(prometheus::Registry& registry, Strand strand, const detect::DetectorRegistry& kinds,
             const std::atomic<bool>& stopping, RuleEvaluator::OnTransition on_transition)
    : kinds_(kinds),
      stopping_(stopping),
      stream_time_(prometheus::BuildGauge()
                       .Name("noctua_rules_stream_time_seconds")
                       .Help("Event time the stream-fed rules were last advanced to "
                             "(the windows' watermark; see docs/events.md)")
                       .Register(registry)
                       .Add({})),
      evaluator_(std::move(on_transition)),
      tick_timer_(strand) {}

core::Result<Rules::Detectors> Rules::build(const config::Config& next) const {
    Detectors out;
    for (const auto& rc : next.rules) {
        auto rule = kinds_.create(rc);
        if (!rule) return std::unexpected(rule.error());
        out.push_back(std::move(*rule));
    }
    return out;
}

void Rules::configure(Detectors rules, const std::vector<config::ProviderConfig>* providers,
                      const std::function<bool(std::string_view probe)>& probe_exists,
                      const std::function<bool(const alerts::Alert&)>& pushed,
                      core::TimePoint now) {
    evaluator_.set_rules(std::move(rules), providers);
    const auto& current = evaluator_.rules();
    evaluator_.engine().resolve_if(
        [&](const alerts::Alert& a) {
            if (pushed(a)) return false;
            const bool rule_exists = std::any_of(current.begin(), current.end(), [&](const auto& r) {
                return r->config().name == a.alertname();
            });
            auto probe = a.labels.get("probe");
            return !rule_exists || (probe && !probe_exists(*probe));
        },
        now);
}

void Rules::start_ticks(core::Duration period, std::function<void()> tick) {
    period_ = period;
    tick_ = std::move(tick);
    schedule_tick();
}

void Rules::schedule_tick() {
    tick_timer_.expires_after(period_);
    tick_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) return;
        tick_();
        schedule_tick();
    });
}

void Rules::advance(core::TimePoint now, std::optional<core::TimePoint> stream_now) {
    if (stream_now) {
        stream_time_.Set(std::chrono::duration<double>(stream_now->time_since_epoch()).count());
    }
    evaluator_.advance(now, stream_now);
}

}  // namespace noctua::daemon
