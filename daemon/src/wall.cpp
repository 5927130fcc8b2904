#include "wall.hpp"

#include <algorithm>

#include "metric_family.hpp"
#include "noctua/core/enum_names.hpp"
#include "noctua/detect/balance.hpp"
#include "noctua/detect/traffic_loss.hpp"

namespace noctua::daemon {
namespace {

/// Prometheus label names, not reserved (__*): prometheus-cpp throws on others, and a window
/// dimension may be named anything.
bool valid_label_name(std::string_view n) { return core::is_label_name(n) && !n.starts_with("__"); }

std::map<std::string, std::string> to_prometheus(const core::Labels& labels) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : labels.pairs()) {
        if (valid_label_name(k)) out.emplace(k, v);
    }
    return out;
}

constexpr core::EnumName<ProviderState> kStateNames[] = {
    {ProviderState::up, "up"},
    {ProviderState::degraded, "degraded"},
    {ProviderState::down, "down"},
};

std::string annotation(const alerts::Alert& a, const char* key) {
    auto it = a.annotations.find(key);
    return it == a.annotations.end() ? std::string() : it->second;
}

}  // namespace

std::string_view to_string(ProviderState s) { return core::name_of(kStateNames, s, "up"); }

ProviderState provider_state(const std::vector<WallProbe>& probes,
                             const std::vector<WallAlert>& alerts, std::string* reason) {
    auto state = ProviderState::up;
    std::string why;
    for (const auto& a : alerts) {
        const auto s = a.severity == "critical" ? ProviderState::down : ProviderState::degraded;
        if (s > state) {
            state = s;
            why = a.name + " firing";
        }
    }
    if (state == ProviderState::up) {
        for (const auto& p : probes) {
            if (p.has_run && !p.success) {
                state = ProviderState::degraded;
                why = "probe " + p.id + " failed: " + p.failure_reason;
                break;
            }
        }
    }
    if (reason != nullptr) *reason = std::move(why);
    return state;
}

void Wall::GaugeSet::set(const core::Labels& labels, double value) {
    const auto fp = labels.fingerprint();
    prometheus::Gauge* g = nullptr;
    if (auto it = live.find(fp); it != live.end()) {
        g = it->second;
        live.erase(it);
    } else if (auto n = next.find(fp); n != next.end()) {
        g = n->second;
    } else {
        g = &family->Add(to_prometheus(labels));
    }
    next[fp] = g;
    g->Set(value);
}

void Wall::GaugeSet::sweep() {
    for (auto& [fp, g] : live) family->Remove(g);
    live = std::move(next);
    next.clear();
}

std::vector<Wall::GaugeSet> Wall::make_gauges(prometheus::Registry& r) {
    struct Spec {
        GaugeId id;
        const char* name;
        const char* help;
    };
    static constexpr Spec kSpecs[] = {
        {status, "noctua_provider_status",
         "Provider state on the wall: 0 up, 1 degraded (a warning alert or a failed probe run), "
         "2 down (a critical alert)"},
        {traffic_observed, "noctua_traffic_observed",
         "Transactions in the traffic_loss rule's window, per series"},
        {traffic_expected, "noctua_traffic_expected",
         "Expected transactions in the traffic_loss rule's window (seasonal baseline), per series"},
        {traffic_expected_low, "noctua_traffic_expected_low",
         "Lower edge of the expected band: expected volume times the series' alert threshold"},
        {traffic_expected_rate, "noctua_traffic_expected_rate",
         "Expected transactions per hour, per traffic_loss series (of the check that fires, else "
         "the rule's window)"},
        {traffic_observed_rate, "noctua_traffic_observed_rate",
         "Observed transactions per hour, per traffic_loss series"},
        {traffic_revenue, "noctua_traffic_revenue_at_risk_per_hour",
         "Missing transactions per hour times the series' typical amount, in `currency`; absent "
         "for series without amounts"},
        {burn, "noctua_balance_burn_per_second",
         "Spend rate the balance rule measures, in balance units per second"},
        {exhaustion, "noctua_balance_exhaustion_seconds",
         "Time until the balance runs out at the current spend; absent while not spending"},
    };
    static_assert(std::size(kSpecs) == kGaugeCount);
    static_assert(
        [] {
            for (std::size_t i = 0; i < std::size(kSpecs); ++i) {
                if (kSpecs[i].id != i) return false;
            }
            return true;
        }(),
        "kSpecs lists the gauges in GaugeId order");
    std::vector<GaugeSet> out;
    out.reserve(kGaugeCount);
    for (const auto& spec : kSpecs)
        out.emplace_back(add_family<prometheus::Gauge>(r, spec.name, spec.help));
    return out;
}

Wall::Wall(prometheus::Registry& r)
    : gauges_(make_gauges(r)),
      error_codes_(add_family<prometheus::Gauge>(
          r, "noctua_window_error_codes",
          "Failed transactions per error code in the provider's last closed window bucket (top "
          "codes; the rest as __other__)")) {}

void Wall::on_probe_result(const probes::ProbeResult& r) {
    auto& ring = rings_[r.provider];
    ++ring.runs;
    if (r.success) ++ring.passed;
}

void Wall::on_stream_sample(const core::Sample& s) {
    if (s.labels.get("set") != "provider") return;
    const auto provider = s.labels.get("provider");
    const auto metric = s.labels.get("metric");
    if (!provider || !metric) return;
    auto& codes = codes_by_provider_[std::string(*provider)];
    if (*metric == "volume") {
        for (auto& [code, g] : codes) g->Set(0);
        return;
    }
    if (*metric != "errors") return;
    const auto code = std::string(s.labels.get("error_code").value_or(""));
    auto it = codes.find(code);
    if (it == codes.end()) {
        if (codes.size() >= kMaxErrorCodes) {
            // Codes not seen in this bucket make room; a provider cycling through many codes
            // keeps at most kMaxErrorCodes series.
            for (auto c = codes.begin(); c != codes.end();) {
                if (c->second->Value() == 0) {
                    error_codes_.Remove(c->second);
                    c = codes.erase(c);
                } else {
                    ++c;
                }
            }
            if (codes.size() >= kMaxErrorCodes) return;
        }
        it = codes
                 .emplace(code, &error_codes_.Add(
                                    {{"provider", std::string(*provider)}, {"error_code", code}}))
                 .first;
    }
    it->second->Set(s.value);
}

void Wall::export_detectors(const Inputs& in, std::map<std::string, WallProvider*>& by_id) {
    std::map<std::string, const WallPoint*> traffic_seen;
    for (const auto& rule : in.rules) {
        const auto& name = rule->config().name;
        if (const auto* t = dynamic_cast<const detect::TrafficLossDetector*>(rule.get())) {
            t->for_each_status(
                [&](const core::Labels& series, const detect::TrafficLossDetector::Status& st) {
                    core::Labels labels = series;
                    labels.set("rule", name);
                    gauges_[traffic_observed].set(labels, st.observed);
                    gauges_[traffic_expected].set(labels, st.expected);
                    gauges_[traffic_expected_low].set(labels, st.expected * st.threshold);
                    gauges_[traffic_expected_rate].set(labels, st.expected_per_hour);
                    gauges_[traffic_observed_rate].set(labels, st.observed_per_hour);
                    if (st.revenue_at_risk_per_hour) {
                        auto priced = labels;
                        if (!st.currency.empty() && !priced.contains("currency")) {
                            priced.set("currency", st.currency);
                        }
                        gauges_[traffic_revenue].set(priced, *st.revenue_at_risk_per_hour);
                    }
                    const auto set = series.get("set");
                    const auto provider = series.get("provider");
                    if (!provider || (set && *set != "provider")) return;
                    auto p = by_id.find(std::string(*provider));
                    if (p == by_id.end() || p->second->history.empty()) return;
                    auto& point = p->second->history.back();
                    if (!std::isnan(point.traffic)) return;  // the first rule wins
                    point.traffic = st.observed;
                    point.expected = st.expected;
                    point.expected_low = st.expected * st.threshold;
                });
        } else if (const auto* b = dynamic_cast<const detect::BalanceDetector*>(rule.get())) {
            b->for_each_status(
                [&](const core::Labels& series, const detect::BalanceDetector::Status& st) {
                    core::Labels labels = series;
                    labels.set("rule", name);
                    gauges_[burn].set(labels, st.burn_per_hour / 3600.0);
                    if (st.exhaustion_seconds)
                        gauges_[exhaustion].set(labels, *st.exhaustion_seconds);
                    const auto provider = series.get("provider");
                    if (!provider) return;
                    auto p = by_id.find(std::string(*provider));
                    if (p == by_id.end()) return;
                    WallBalance wb;
                    wb.name = std::string(
                        series.get("currency").value_or(series.get("probe").value_or(name)));
                    wb.probe = std::string(series.get("probe").value_or(""));
                    wb.balance = st.balance;
                    wb.burn_per_hour = st.burn_per_hour;
                    wb.exhaustion_seconds = st.exhaustion_seconds;
                    wb.refill_level = st.refill_level;
                    p->second->balances.push_back(std::move(wb));
                });
        }
    }
}

void Wall::refresh(const Inputs& in, core::TimePoint now) {
    WallSnapshot snap;
    snap.at = now;
    snap.version = std::string(in.version);
    snap.ready = in.ready;
    snap.notifications_pending = in.notifications_pending;
    std::map<std::string, WallProvider*> by_id;
    std::map<std::string, std::vector<WallBalance>> probe_balances;
    snap.providers.reserve(in.config.providers.size());
    for (const auto& pc : in.config.providers) {
        auto& p = snap.providers.emplace_back();
        p.id = pc.id;
        p.name = pc.name.empty() ? pc.id : pc.name;
        by_id.emplace(p.id, &p);
    }
    for (const auto& ps : in.probes) {
        auto it = by_id.find(ps.config.provider);
        if (it == by_id.end()) continue;
        WallProbe wp;
        wp.id = ps.config.id;
        wp.kind = ps.config.kind;
        if (ps.last) {
            wp.has_run = true;
            wp.success = ps.last->success;
            wp.failure_reason = ps.last->failure_reason;
            wp.message = ps.last->message;
            wp.duration_seconds = std::chrono::duration<double>(ps.last->duration).count();
            wp.started = ps.last->started;
            for (const auto& v : ps.last->values) {
                if (v.name == "balance")
                    probe_balances[it->first].push_back({wp.id, wp.id, v.value, 0, std::nullopt, std::nullopt});
            }
        }
        it->second->probes.push_back(std::move(wp));
    }
    for (const auto& a : in.firing) {
        WallAlert wa;
        wa.name = std::string(a.alertname());
        wa.severity = std::string(a.labels.get("severity").value_or(""));
        wa.provider = std::string(a.labels.get("provider").value_or(""));
        wa.summary = annotation(a, "summary");
        wa.likely_cause = annotation(a, "likely_cause");
        wa.since = a.starts_at;
        auto it = by_id.find(wa.provider);
        (it == by_id.end() ? snap.other_alerts : it->second->alerts).push_back(std::move(wa));
    }

    // Rings: a new point once the newest is a step old; runs counted since it opened. The
    // newest point's traffic is read again below.
    for (auto& p : snap.providers) {
        auto& ring = rings_[p.id];
        const auto count_runs = [&ring] {
            auto& last = ring.points.back();
            if (ring.runs > 0) last.success_ratio = static_cast<double>(ring.passed) / ring.runs;
        };
        if (ring.points.empty() || now - ring.points.back().at >= kHistoryStep) {
            if (!ring.points.empty()) count_runs();  // the runs of the step just ended
            ring.points.emplace_back().at = now;
            if (ring.points.size() > kHistoryPoints) ring.points.pop_front();
            ring.passed = 0;
            ring.runs = 0;
        }
        count_runs();
        auto& last = ring.points.back();
        last.traffic = last.expected = last.expected_low = std::nan("");
        p.history.assign(ring.points.begin(), ring.points.end());
    }
    export_detectors(in, by_id);
    for (auto& p : snap.providers) {
        // Probe balances that a balance rule also tracks are shown once, with its forecast.
        for (auto& b : probe_balances[p.id]) {
            const bool covered =
                std::any_of(p.balances.begin(), p.balances.end(),
                            [&](const WallBalance& o) { return o.probe == b.probe; });
            if (!covered) p.balances.push_back(std::move(b));
        }
        if (!p.history.empty()) {
            // The newest point, as the rings keep it, with the traffic just read.
            rings_[p.id].points.back() = p.history.back();
        }
        p.state = provider_state(p.probes, p.alerts, &p.state_reason);
        gauges_[status].set(core::Labels{{"provider", p.id}}, static_cast<double>(p.state));
    }
    for (auto& g : gauges_) g.sweep();
    // Rings of providers gone from the config go with them.
    for (auto it = rings_.begin(); it != rings_.end();) {
        it = by_id.contains(it->first) ? std::next(it) : rings_.erase(it);
    }
    snapshot_ = std::move(snap);
}

}  // namespace noctua::daemon
