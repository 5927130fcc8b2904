#include <catch2/catch.hpp>

#include <cmath>

#include <prometheus/registry.h>

#include "noctua/detect/balance.hpp"
#include "noctua/detect/traffic_loss.hpp"
#include "process_metrics.hpp"
#include "wall.hpp"

using namespace noctua;
using daemon::ProviderState;

namespace {

core::TimePoint at(int seconds) {
    return core::TimePoint{std::chrono::seconds{1'800'000'000 + seconds}};
}

/// The value of `name` with labels including `want`, or nullopt when absent.
std::optional<double> gauge(const prometheus::Registry& r, const std::string& name,
                            const std::map<std::string, std::string>& want) {
    for (const auto& f : r.Collect()) {
        if (f.name != name) continue;
        for (const auto& m : f.metric) {
            std::size_t matched = 0;
            for (const auto& l : m.label) {
                auto it = want.find(l.name);
                if (it != want.end() && it->second == l.value) ++matched;
            }
            if (matched == want.size()) return m.gauge.value;
        }
    }
    return std::nullopt;
}

config::Config two_providers() {
    config::Config c;
    c.providers.emplace_back().id = "acme";
    c.providers.back().name = "ACME";
    c.providers.emplace_back().id = "globaltop";
    return c;
}

probes::ProbeResult run(bool success) {
    probes::ProbeResult r;
    r.probe = "p";
    r.provider = "acme";
    r.success = success;
    return r;
}

daemon::WallAlert firing_alert(std::string name, std::string severity) {
    daemon::WallAlert a;
    a.name = std::move(name);
    a.severity = std::move(severity);
    return a;
}

probes::ProbeStatus probe(const std::string& id, const std::string& provider,
                          std::optional<bool> last_success, double balance = std::nan("")) {
    probes::ProbeStatus s;
    s.config.id = id;
    s.config.provider = provider;
    s.config.kind = "http";
    if (last_success) {
        probes::ProbeResult r;
        r.probe = id;
        r.provider = provider;
        r.success = *last_success;
        r.failure_reason = *last_success ? "" : "timeout";
        if (!std::isnan(balance)) r.values.push_back({"balance", balance});
        s.last = r;
    }
    return s;
}

alerts::Alert alert(const std::string& name, const std::string& provider,
                    const std::string& severity) {
    alerts::Alert a;
    a.labels = core::Labels{{"alertname", name}, {"provider", provider}, {"severity", severity}};
    a.annotations = {{"summary", name + " on " + provider}, {"likely_cause", "acme down"}};
    a.starts_at = at(0);
    return a;
}

/// The rules: one `Detector`, from a config that sets only its `name` and `kind`.
template <class Detector>
std::vector<std::unique_ptr<detect::Detector>> one_rule(std::string name, std::string kind) {
    config::RuleConfig rc;
    rc.name = std::move(name);
    rc.kind = std::move(kind);
    std::vector<std::unique_ptr<detect::Detector>> rules;
    rules.push_back(std::make_unique<Detector>(rc));
    return rules;
}

/// A wall exporting to a registry of its own, and the configuration of acme and globaltop that
/// the tests refresh it with.
struct WallFixture {
    prometheus::Registry registry;
    daemon::Wall wall{registry};
    const config::Config cfg = two_providers();
};

}  // namespace

TEST_CASE("provider_state: critical alert is down, other alert or failed probe degraded",
          "[daemon][unit]") {
    std::vector<daemon::WallProbe> probes(2);
    probes[0].id = "p1";
    probes[0].has_run = true;
    probes[0].success = true;
    probes[1].id = "p2";
    std::vector<daemon::WallAlert> alerts;
    std::string why;
    CHECK(daemon::provider_state(probes, alerts, &why) == ProviderState::up);
    CHECK(why.empty());
    probes[0].success = false;
    probes[0].failure_reason = "timeout";
    CHECK(daemon::provider_state(probes, alerts, &why) == ProviderState::degraded);
    CHECK(why == "probe p1 failed: timeout");
    alerts.push_back(firing_alert("TrafficLoss", "warning"));
    CHECK(daemon::provider_state(probes, alerts, &why) == ProviderState::degraded);
    CHECK(why == "TrafficLoss firing");
    alerts.push_back(firing_alert("ProviderDown", "critical"));
    CHECK(daemon::provider_state(probes, alerts, &why) == ProviderState::down);
    CHECK(why == "ProviderDown firing");
}

TEST_CASE_METHOD(WallFixture, "Wall: snapshot and noctua_provider_status from probes and alerts",
                 "[daemon][unit]") {
    std::vector<probes::ProbeStatus> probes{probe("acme-balance", "acme", false),
                                            probe("globaltop-balance", "globaltop", true, 5000),
                                            probe("orphan", "gone", true)};
    std::vector<alerts::Alert> firing{alert("ProviderDown", "acme", "critical"),
                                      alert("Other", "nobody", "warning")};
    std::vector<std::unique_ptr<detect::Detector>> rules;
    wall.refresh({cfg, probes, firing, rules, 3, true, "9.9"}, at(60));

    const auto& snap = wall.snapshot();
    REQUIRE(snap.providers.size() == 2);
    CHECK(snap.providers[0].id == "acme");
    CHECK(snap.providers[0].name == "ACME");
    CHECK(snap.providers[0].state == ProviderState::down);
    CHECK(snap.providers[1].name == "globaltop");  // the id when no name is configured
    CHECK(snap.providers[1].state == ProviderState::up);
    REQUIRE(snap.providers[1].balances.size() == 1);
    CHECK(snap.providers[1].balances[0].balance == 5000);
    CHECK_FALSE(snap.providers[1].balances[0].exhaustion_seconds);
    REQUIRE(snap.other_alerts.size() == 1);
    CHECK(snap.other_alerts[0].name == "Other");
    CHECK(snap.providers[0].alerts.at(0).likely_cause == "acme down");
    CHECK(snap.notifications_pending == 3);
    CHECK(gauge(registry, "noctua_provider_status", {{"provider", "acme"}}) == 2.0);
    CHECK(gauge(registry, "noctua_provider_status", {{"provider", "globaltop"}}) == 0.0);

    // A provider removed from the config loses its series.
    auto smaller = cfg;
    smaller.providers.pop_back();
    wall.refresh({smaller, probes, {}, rules, 0, true, "9.9"}, at(70));
    CHECK(gauge(registry, "noctua_provider_status", {{"provider", "acme"}}) ==
          1.0);  // probe failed
    CHECK_FALSE(gauge(registry, "noctua_provider_status", {{"provider", "globaltop"}}));
}

TEST_CASE_METHOD(WallFixture, "Wall: history ring counts probe runs per step and stays bounded",
                 "[daemon][unit]") {
    std::vector<probes::ProbeStatus> probes;
    std::vector<std::unique_ptr<detect::Detector>> rules;
    const auto pass = run(true);
    const auto fail = run(false);

    wall.refresh({cfg, probes, {}, rules, 0, true, "t"}, at(0));  // opens the first point
    wall.on_probe_result(pass);
    wall.on_probe_result(pass);
    wall.on_probe_result(fail);
    wall.refresh({cfg, probes, {}, rules, 0, true, "t"},
                 at(30));  // same step: the point is updated
    auto hist = wall.snapshot().providers[0].history;
    REQUIRE(hist.size() == 1);
    CHECK(hist[0].success_ratio == Approx(2.0 / 3));
    CHECK(std::isnan(wall.snapshot().providers[1].history.at(0).success_ratio));

    wall.on_probe_result(fail);  // before the step ends: still the first point's
    wall.refresh({cfg, probes, {}, rules, 0, true, "t"}, at(60));  // a new point
    hist = wall.snapshot().providers[0].history;
    REQUIRE(hist.size() == 2);
    CHECK(hist[0].success_ratio == 0.5);
    CHECK(std::isnan(hist[1].success_ratio));
    CHECK(hist[1].at == at(60));
    wall.on_probe_result(fail);
    wall.refresh({cfg, probes, {}, rules, 0, true, "t"}, at(90));
    CHECK(wall.snapshot().providers[0].history.at(1).success_ratio == 0.0);

    for (int i = 2; i < 500; ++i) wall.refresh({cfg, probes, {}, rules, 0, true, "t"}, at(60 * i));
    hist = wall.snapshot().providers[0].history;
    CHECK(hist.size() == daemon::Wall::kHistoryPoints);
    CHECK(hist.back().at == at(60 * 499));
}

TEST_CASE_METHOD(WallFixture,
                 "Wall: balance rule's forecast exported and shown; gone with the rule",
                 "[daemon][unit]") {
    auto rules = one_rule<detect::BalanceDetector>("BalanceLow", "balance");
    const core::Labels series{{"currency", "EUR"}, {"probe", "acme-balance"}, {"provider", "acme"}};
    std::vector<detect::Signal> out;
    rules[0]->observe(detect::Measure::balance, core::Sample{series, at(0), 1000.0}, {}, out);
    // 100 spent over 20 minutes (a quarter of the 1 h burn window at least): 300 an hour.
    rules[0]->observe(detect::Measure::balance, core::Sample{series, at(1200), 900.0}, {}, out);
    // The probe reads the same balance: shown once, with the rule's forecast.
    std::vector<probes::ProbeStatus> probes{probe("acme-balance", "acme", true, 900)};

    wall.refresh({cfg, probes, {}, rules, 0, true, "t"}, at(1200));
    const auto& acme = wall.snapshot().providers[0];
    REQUIRE(acme.balances.size() == 1);
    CHECK(acme.balances[0].name == "EUR");
    CHECK(acme.balances[0].burn_per_hour == Approx(300));
    REQUIRE(acme.balances[0].exhaustion_seconds);
    CHECK(*acme.balances[0].exhaustion_seconds == Approx(3 * 3600));
    const std::map<std::string, std::string> labels{
        {"rule", "BalanceLow"}, {"provider", "acme"}, {"currency", "EUR"}};
    CHECK(gauge(registry, "noctua_balance_exhaustion_seconds", labels) == Approx(10800));
    CHECK(gauge(registry, "noctua_balance_burn_per_second", labels) == Approx(300.0 / 3600));

    rules.clear();
    wall.refresh({cfg, probes, {}, rules, 0, true, "t"}, at(1260));
    CHECK_FALSE(gauge(registry, "noctua_balance_exhaustion_seconds", labels));
    REQUIRE(wall.snapshot().providers[0].balances.size() == 1);  // the probe's reading
    CHECK_FALSE(wall.snapshot().providers[0].balances[0].exhaustion_seconds);
}

TEST_CASE_METHOD(WallFixture,
                 "Wall: error codes of the provider set per bucket, bounded per provider",
                 "[daemon][unit]") {
    auto sample = [](std::string metric, std::string code, double v) {
        core::Labels l{{"set", "provider"}, {"provider", "acme"}, {"metric", metric}};
        if (!code.empty()) l.set("error_code", code);
        return core::Sample{l, at(0), v};
    };
    wall.on_stream_sample(sample("volume", "", 100));
    wall.on_stream_sample(sample("errors", "TIMEOUT", 7));
    // Another set's samples do not count.
    wall.on_stream_sample(core::Sample{core::Labels{{"set", "provider_country"},
                                                    {"provider", "acme"},
                                                    {"metric", "errors"},
                                                    {"error_code", "X"}},
                                       at(0), 3});
    CHECK(gauge(registry, "noctua_window_error_codes", {{"error_code", "TIMEOUT"}}) == 7.0);
    CHECK_FALSE(gauge(registry, "noctua_window_error_codes", {{"error_code", "X"}}));
    wall.on_stream_sample(sample("volume", "", 100));  // the next bucket: no TIMEOUT in it
    CHECK(gauge(registry, "noctua_window_error_codes", {{"error_code", "TIMEOUT"}}) == 0.0);

    for (int bucket = 0; bucket < 10; ++bucket) {
        wall.on_stream_sample(sample("volume", "", 100));
        for (int i = 0; i < 4; ++i) {
            wall.on_stream_sample(sample("errors", "E" + std::to_string(bucket * 4 + i), 1));
        }
    }
    std::size_t series = 0;
    for (const auto& f : registry.Collect()) {
        if (f.name == "noctua_window_error_codes") series = f.metric.size();
    }
    CHECK(series <= daemon::Wall::kMaxErrorCodes);
    CHECK(gauge(registry, "noctua_window_error_codes", {{"error_code", "E39"}}) == 1.0);
}

TEST_CASE("process metrics: /proc/self/stat parsed, text format written", "[daemon][unit]") {
    // proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24; comm with spaces and ')'.
    const std::string stat =
        "4242 (noc tua) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 "
        "1000 104857600 2560 18446744073709551615\n";
    const auto s = daemon::parse_proc_stat(stat, 100, 4096, 1'700'000'000);
    REQUIRE(s);
    CHECK(s->cpu_seconds == Approx(3.0));
    CHECK(s->start_time_seconds == Approx(1'700'000'010.0));
    CHECK(s->virtual_bytes == 104857600.0);
    CHECK(s->resident_bytes == 2560.0 * 4096);
    CHECK_FALSE(daemon::parse_proc_stat("garbage", 100, 4096, 0));
    CHECK_FALSE(daemon::parse_proc_stat("1 (x) S 1 2", 100, 4096, 0));

    const auto live = daemon::read_process_stats();
    REQUIRE(live);
    CHECK(live->resident_bytes > 0);
    CHECK(live->open_fds > 0);
    std::string text;
    daemon::write_process_metrics(*live, text);
    CHECK(text.find("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ") !=
          std::string::npos);
    CHECK(text.find("\nprocess_resident_memory_bytes ") != std::string::npos);
    CHECK(text.find("\nprocess_max_fds ") != std::string::npos);
}

TEST_CASE_METHOD(
    WallFixture,
    "Wall: traffic_loss verdicts exported per series and drawn on the provider's point",
    "[daemon][unit]") {
    auto rules = one_rule<detect::TrafficLossDetector>("TrafficLoss", "traffic_loss");
    // Ten transactions a minute for three hours: the `recent` level (2 h) is learned, and the
    // 30-minute window holds 300 against 300 expected.
    const core::Labels series{{"metric", "volume"}, {"provider", "acme"}, {"set", "provider"}};
    std::vector<detect::Signal> out;
    for (int minute = 1; minute <= 180; ++minute) {
        rules[0]->observe(detect::Measure::volume, core::Sample{series, at(60 * minute), 10.0}, {},
                          out);
    }
    std::vector<probes::ProbeStatus> probes;
    wall.refresh({cfg, probes, {}, rules, 0, true, "t"}, at(60 * 180));

    const std::map<std::string, std::string> labels{
        {"rule", "TrafficLoss"}, {"provider", "acme"}, {"set", "provider"}};
    CHECK(gauge(registry, "noctua_traffic_observed", labels) == Approx(300));
    CHECK(gauge(registry, "noctua_traffic_expected", labels) == Approx(300));
    const auto low = gauge(registry, "noctua_traffic_expected_low", labels);
    REQUIRE(low);
    CHECK(*low > 0);
    CHECK(*low <= 150);  // at most ratio (0.5) × expected
    const auto& point = wall.snapshot().providers[0].history.back();
    CHECK(point.traffic == Approx(300));
    CHECK(point.expected == Approx(300));
    CHECK(point.expected_low == Approx(*low));
    CHECK(std::isnan(wall.snapshot().providers[1].history.back().traffic));

    rules.clear();
    wall.refresh({cfg, probes, {}, rules, 0, true, "t"}, at(60 * 181));
    CHECK_FALSE(gauge(registry, "noctua_traffic_expected", labels));
}
