#include "noctua/probes/scheduler.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "noctua/core/log.hpp"

namespace noctua::probes {

namespace {
const prometheus::Histogram::BucketBoundaries kDurationBuckets{
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}  // namespace

ProbeMetrics::ProbeMetrics(prometheus::Registry& registry)
    : success(prometheus::BuildGauge()
                  .Name("noctua_probe_success")
                  .Help("1 if the probe's last run passed, 0 if it failed")
                  .Register(registry)),
      duration(prometheus::BuildHistogram()
                   .Name("noctua_probe_duration_seconds")
                   .Help("Duration of probe runs")
                   .Register(registry)),
      runs(prometheus::BuildCounter()
               .Name("noctua_probe_runs_total")
               .Help("Probe runs by result (success|failure)")
               .Register(registry)),
      failures(prometheus::BuildCounter()
                   .Name("noctua_probe_failures_total")
                   .Help("Failed probe runs by bounded reason")
                   .Register(registry)),
      skipped(prometheus::BuildCounter()
                  .Name("noctua_probe_skipped_total")
                  .Help("Runs skipped because the previous run was still going")
                  .Register(registry)) {}

// Executor: scheduler strand (all fields).
struct Scheduler::Entry {
    config::ProbeConfig config;
    std::shared_ptr<Probe> probe;
    boost::asio::steady_timer timer;
    boost::asio::steady_timer watchdog;
    bool running = false;
    bool removed = false;
    std::uint64_t generation = 0;  // bumped per run; stale completions are ignored
    std::uint64_t runs = 0;
    std::optional<ProbeResult> last;
    std::set<std::string> failure_reasons;  // label values added to failures, for removal

    Entry(config::ProbeConfig c, std::shared_ptr<Probe> p, const boost::asio::any_io_executor& ex)
        : config(std::move(c)), probe(std::move(p)), timer(ex), watchdog(ex) {}

    prometheus::Labels labels() const {
        return {{"probe", config.id}, {"provider", config.provider}};
    }
};

Scheduler::Scheduler(boost::asio::any_io_executor strand, const ProbeRegistry& registry,
                     ProbeContext context, ProbeMetrics& metrics, OnResult on_result,
                     std::uint64_t seed)
    : strand_(std::move(strand)),
      registry_(registry),
      context_(context),
      metrics_(metrics),
      on_result_(std::move(on_result)),
      rng_(seed) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
    stopped_ = true;
    for (auto& [id, e] : entries_) {
        e->removed = true;
        e->timer.cancel();
        e->watchdog.cancel();
    }
}

std::chrono::steady_clock::duration Scheduler::jitter(const config::ProbeConfig& c) {
    if (c.jitter.count() <= 0) return {};
    std::uniform_int_distribution<core::Duration::rep> d(0, c.jitter.count() - 1);
    return core::Duration{d(rng_)};
}

core::Result<void> Scheduler::apply(const std::vector<config::ProbeConfig>& probes) {
    // Create every new or changed probe first, so a failure changes nothing.
    std::map<std::string, std::shared_ptr<Probe>> created;
    for (const auto& c : probes) {
        auto it = entries_.find(c.id);
        if (it != entries_.end() && it->second->config == c) continue;
        auto p = registry_.create(c, context_);
        if (!p) return std::unexpected(p.error());
        created.emplace(c.id, std::shared_ptr<Probe>(std::move(*p)));
    }

    std::set<std::string, std::less<>> wanted;
    for (const auto& c : probes) wanted.insert(c.id);
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (wanted.contains(it->first)) {
            ++it;
            continue;
        }
        auto& e = *it->second;
        e.removed = true;
        e.timer.cancel();
        e.watchdog.cancel();
        remove_metrics(e);
        it = entries_.erase(it);
    }

    for (const auto& c : probes) {
        auto made = created.find(c.id);
        if (made == created.end()) continue;  // unchanged: keeps running as it was
        auto e = std::make_shared<Entry>(c, made->second, strand_);
        auto old = entries_.find(c.id);
        if (old != entries_.end()) {
            // Changed: keep what it showed, restart it with the new settings.
            e->last = old->second->last;
            e->runs = old->second->runs;
            e->failure_reasons = old->second->failure_reasons;
            old->second->removed = true;
            old->second->timer.cancel();
            old->second->watchdog.cancel();
            if (old->second->config.provider != c.provider) remove_metrics(*old->second);
            old->second = e;
        } else {
            entries_.emplace(c.id, e);
        }
        // The first run is jittered so probes do not all start together.
        schedule(e, jitter(c));
    }
    return {};
}

void Scheduler::schedule(const std::shared_ptr<Entry>& e,
                         std::chrono::steady_clock::duration delay) {
    if (stopped_ || e->removed) return;
    e->timer.expires_after(delay);
    e->timer.async_wait([this, e](boost::system::error_code ec) {
        if (ec || e->removed || stopped_) return;
        // Measured from when this run is due to start, not from when it ends.
        schedule(e, e->config.interval + jitter(e->config));
        start_run(e);
    });
}

bool Scheduler::run_now(std::string_view id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return false;
    start_run(it->second);
    return true;
}

void Scheduler::start_run(const std::shared_ptr<Entry>& e) {
    if (e->running) {
        metrics_.skipped.Add(e->labels()).Increment();
        core::logger("probes")->warn("probe still running, run skipped probe={}", e->config.id);
        return;
    }
    e->running = true;
    const auto generation = ++e->generation;
    // The probe's own timeout (curl's) should always win; the watchdog catches a probe that
    // never completes.
    e->watchdog.expires_after(e->config.timeout + std::chrono::seconds(1));
    e->watchdog.async_wait([this, e, generation](boost::system::error_code ec) {
        if (ec || e->removed || !e->running || e->generation != generation) return;
        ProbeResult r;
        r.probe = e->config.id;
        r.provider = e->config.provider;
        r.started = context_.clock.now() - e->config.timeout;
        r.duration = e->config.timeout;
        r.failure_reason = "timeout";
        r.message = "timeout: the probe did not complete within its timeout (watchdog)";
        finish_run(e, generation, std::move(r));
    });
    e->probe->async_run([this, e, generation, strand = strand_](ProbeResult r) {
        boost::asio::post(strand, [this, e, generation, r = std::move(r)]() mutable {
            finish_run(e, generation, std::move(r));
        });
    });
}

void Scheduler::finish_run(const std::shared_ptr<Entry>& e, std::uint64_t generation,
                           ProbeResult r) {
    if (e->removed || stopped_ || !e->running || e->generation != generation) return;
    e->running = false;
    e->watchdog.cancel();
    ++e->runs;
    const auto labels = e->labels();
    metrics_.success.Add(labels).Set(r.success ? 1 : 0);
    metrics_.duration.Add(labels, kDurationBuckets)
        .Observe(std::chrono::duration<double>(r.duration).count());
    auto run_labels = labels;
    run_labels.emplace("result", r.success ? "success" : "failure");
    metrics_.runs.Add(run_labels).Increment();
    if (!r.success) {
        auto fail_labels = labels;
        fail_labels.emplace("reason", r.failure_reason);
        metrics_.failures.Add(fail_labels).Increment();
        e->failure_reasons.insert(r.failure_reason);
        core::logger("probes")->debug("probe failed probe={} provider={} reason={} message=\"{}\"",
                                      r.probe, r.provider, r.failure_reason, r.message);
    }
    e->last = r;
    if (on_result_) on_result_(r);
}

void Scheduler::remove_metrics(Entry& e) {
    const auto labels = e.labels();
    metrics_.success.Remove(&metrics_.success.Add(labels));
    metrics_.duration.Remove(&metrics_.duration.Add(labels, kDurationBuckets));
    for (const char* result : {"success", "failure"}) {
        auto l = labels;
        l.emplace("result", result);
        metrics_.runs.Remove(&metrics_.runs.Add(l));
    }
    for (const auto& reason : e.failure_reasons) {
        auto l = labels;
        l.emplace("reason", reason);
        metrics_.failures.Remove(&metrics_.failures.Add(l));
    }
    metrics_.skipped.Remove(&metrics_.skipped.Add(labels));
}

std::vector<ProbeStatus> Scheduler::status() const {
    std::vector<ProbeStatus> out;
    out.reserve(entries_.size());
    for (const auto& [id, e] : entries_) out.push_back({e->config, e->last, e->running, e->runs});
    return out;
}

}  // namespace noctua::probes
