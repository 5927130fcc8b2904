#include "report_facts.hpp"

#include <algorithm>
#include <cmath>

#include "noctua/detect/traffic_loss.hpp"

namespace noctua::daemon {
namespace {

std::int64_t ms_of(core::TimePoint t) { return t.time_since_epoch().count(); }

void merge(streams::Bucket& into, const streams::Bucket& b) {
    for (std::size_t i = 0; i < into.by_status.size(); ++i) into.by_status[i] += b.by_status[i];
    for (std::size_t i = 0; i < into.by_class.size(); ++i) into.by_class[i] += b.by_class[i];
    for (std::size_t i = 0; i < into.latency.size(); ++i) into.latency[i] += b.latency[i];
    into.latency_sum_ms += b.latency_sum_ms;
    into.amount_sum += b.amount_sum;
}

}  // namespace

probes::ProviderFacts probe_facts(const std::vector<probes::ProbeStatus>& probes, std::string_view provider) {
    probes::ProviderFacts f;
    std::vector<const probes::ProbeResult*> runs;
    for (const auto& p : probes) {
        if (p.config.provider != provider) continue;
        for (const auto& h : p.history) runs.push_back(&h);
    }
    std::sort(runs.begin(), runs.end(), [](auto* a, auto* b) { return a->started < b->started; });
    std::size_t ok = 0;
    for (const auto* run : runs) {
        ok += run->success ? 1 : 0;
        f.availability_points.push_back(run->success ? 1 : 0);
    }
    if (!runs.empty()) f.availability = static_cast<double>(ok) / static_cast<double>(runs.size());
    return f;
}

std::string provider_set(const config::WindowsConfig& windows) {
    for (const auto& s : windows.sets) {
        if (s.by == std::vector<std::string>{"provider"}) return s.name;
    }
    return {};
}

std::optional<probes::StreamFacts> stream_facts(const streams::WindowStore& windows, std::string_view set,
                                                std::string_view provider, core::Duration history_bucket,
                                                core::TimePoint now) {
    const std::int64_t width = std::max<std::int64_t>(1, history_bucket.count());
    const auto floor = [width](std::int64_t t) { return t - ((t % width) + width) % width; };
    const std::int64_t first = floor(ms_of(now - kReportSpan));
    const std::int64_t last = floor(ms_of(now));
    const core::Labels dims{{"provider", std::string(provider)}};
    streams::Bucket all;
    probes::StreamFacts f;
    for (std::int64_t start = first; start <= last; start += width) {
        const auto* b = windows.find(set, dims, core::TimePoint{std::chrono::milliseconds{start}}, true);
        f.volume_points.push_back(b != nullptr ? b->total() : 0);
        const auto ratio = b != nullptr ? b->success_ratio() : std::nullopt;
        f.success_points.push_back(ratio.value_or(std::nan("")));
        if (b != nullptr) merge(all, *b);
    }
    f.transactions = all.total();
    if (f.transactions == 0) return std::nullopt;
    f.judged = all.judged();
    f.success_ratio = all.success_ratio();
    f.latency_p50_ms = all.latency_quantile(0.5);
    f.latency_p95_ms = all.latency_quantile(0.95);
    f.latency_p99_ms = all.latency_quantile(0.99);
    return f;
}

std::optional<probes::TrafficFacts> traffic_facts(const std::vector<std::unique_ptr<detect::Detector>>& rules,
                                                  std::string_view provider, core::TimePoint now) {
    for (const auto& rule : rules) {
        const auto* t = dynamic_cast<const detect::TrafficLossDetector*>(rule.get());
        if (t == nullptr) continue;
        std::optional<core::Labels> series;
        t->for_each_status([&](const core::Labels& labels, const detect::TrafficLossDetector::Status&) {
            const auto set = labels.get("set");
            if (series || labels.get("provider") != provider || (set && *set != "provider")) return;
            series = labels;
        });
        if (!series) continue;
        auto span = t->span(*series, now - kReportSpan, now, std::chrono::hours(1));
        if (!span) continue;
        probes::TrafficFacts f;
        f.observed = span->observed;
        f.expected = span->expected;
        f.coverage = span->coverage;
        f.baseline = span->baseline;
        f.observed_points = std::move(span->observed_points);
        f.expected_points = std::move(span->expected_points);
        return f;
    }
    return std::nullopt;
}

std::vector<probes::BalanceFacts> balance_facts(const WallSnapshot& wall, std::string_view provider) {
    std::vector<probes::BalanceFacts> out;
    for (const auto& p : wall.providers) {
        if (p.id != provider) continue;
        for (const auto& b : p.balances) {
            out.push_back({b.name, b.balance, b.burn_per_hour, b.exhaustion_seconds, b.refill_level});
        }
    }
    return out;
}

std::vector<probes::AlertFacts> alert_facts(const std::vector<alerts::Alert>& log, std::string_view provider,
                                            core::TimePoint now) {
    std::vector<probes::AlertFacts> out;
    for (const auto& a : log) {
        if (a.labels.get("provider") != provider) continue;
        const bool resolved = a.state == alerts::AlertState::resolved;
        if (resolved && a.ends_at < now - kReportSpan) continue;
        probes::AlertFacts f;
        f.name = std::string(a.alertname());
        f.severity = std::string(a.labels.get("severity").value_or(""));
        f.state = std::string(alerts::to_string(a.state));
        f.starts = a.starts_at;
        if (resolved) f.ends = a.ends_at;
        f.duration = std::chrono::duration_cast<std::chrono::seconds>((resolved ? a.ends_at : now) - a.starts_at);
        out.push_back(std::move(f));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.starts < y.starts; });
    return out;
}

void add_facts(probes::StatusReport& report, const FactSources& in) {
    report.from_daemon = true;
    for (const auto& r : report.results) {
        if (report.facts.contains(r.provider)) continue;
        auto f = probe_facts(in.probes, r.provider);
        f.traffic = traffic_facts(in.rules, r.provider, in.now);
        f.balances = balance_facts(in.wall, r.provider);
        f.alerts = alert_facts(in.alert_log, r.provider, in.now);
        report.facts.emplace(r.provider, std::move(f));
    }
}

}  // namespace noctua::daemon
