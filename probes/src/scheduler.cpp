#include "noctua/probes/scheduler.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "history.hpp"
#include "noctua/core/log.hpp"

namespace noctua::probes {

namespace {
// Runs start on the points of this grid (Scheduler::schedule).
constexpr std::chrono::milliseconds kRunGrid{10};
const prometheus::Histogram::BucketBoundaries kLatenessBuckets{
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
const prometheus::Histogram::BucketBoundaries kPhaseBuckets{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
constexpr const char* kPhaseNames[] = {"dns", "connect", "tls", "first_byte", "transfer"};
}  // namespace

ProbeMetrics::ProbeMetrics(prometheus::Registry& registry)
    : failures(prometheus::BuildCounter()
                   .Name("noctua_probe_failures_total")
                   .Help("Failed probe runs by bounded reason")
                   .Register(registry)),
      skipped(prometheus::BuildCounter()
                  .Name("noctua_probe_skipped_total")
                  .Help("Runs skipped because the previous run was still going")
                  .Register(registry)),
      phase(prometheus::BuildHistogram()
                .Name("noctua_probe_phase_seconds")
                .Help("Durations of the phases of probe exchanges (dns, connect, tls, first_byte, "
                      "transfer), per provider")
                .Register(registry)),
      cert_expiry(prometheus::BuildGauge()
                      .Name("noctua_probe_cert_expiry_timestamp_seconds")
                      .Help("When the probed server's TLS certificate expires, in Unix seconds")
                      .Register(registry)),
      value(prometheus::BuildGauge()
                .Name("noctua_probe_value")
                .Help("Named values extracted from the probe's last successful response")
                .Register(registry)),
      step_success(prometheus::BuildGauge()
                       .Name("noctua_probe_step_success")
                       .Help("1 if the scenario step passed in the last run, 0 if not")
                       .Register(registry)),
      step_duration(prometheus::BuildGauge()
                        .Name("noctua_probe_step_duration_seconds")
                        .Help("Duration of the scenario step in the last run")
                        .Register(registry)),
      throttled(prometheus::BuildCounter()
                    .Name("noctua_probe_throttled_total")
                    .Help("Runs that waited for a concurrency slot")
                    .Register(registry)),
      heartbeat_refusals(prometheus::BuildCounter()
                             .Name("noctua_heartbeat_auth_failures_total")
                             .Help("Push heartbeats refused, by probe and reason (missing_token, "
                                   "bad_token, unknown_probe)")
                             .Register(registry)),
      lateness(prometheus::BuildHistogram()
                   .Name("noctua_probe_schedule_lateness_seconds")
                   .Help("How late probe runs start against when they were due")
                   .Register(registry)
                   .Add({}, kLatenessBuckets)),
      in_flight(prometheus::BuildGauge()
                    .Name("noctua_probe_runs_in_flight")
                    .Help("Probe runs in flight")
                    .Register(registry)
                    .Add({})) {}

// Executor: scheduler strand (all fields).
struct Scheduler::Entry {
    std::shared_ptr<Probe> probe;
    const config::ProbeConfig& config;  // the probe's own copy: one per probe, not two
    boost::asio::steady_timer timer;
    boost::asio::steady_timer watchdog;
    bool running = false;
    bool waiting = false;  // in waiting_ for a concurrency slot
    bool removed = false;
    std::chrono::steady_clock::time_point due{};     // when the current run was due
    core::TimePoint started{};                       // when the run in flight started
    std::chrono::steady_clock::time_point anchor{};  // the timer's run, before the grid
    std::uint64_t generation = 0;  // bumped per run; stale completions are ignored
    std::uint64_t runs = 0;
    ProbeHistory history;  // the last results, compact, for the API
    /// The newest result (nullopt before the first run).
    std::optional<ProbeResult> last() const { return history.last(config); }
    std::set<std::string> failure_reasons;  // label values added to failures, for removal
    struct ValueSeries {
        std::string key;  // name, then value label pairs, '\0'-separated
        prometheus::Gauge* gauge;
    };
    std::vector<ValueSeries> value_series;  // noctua_probe_value series of this probe
    std::set<std::string> steps;                                // step label values
    bool has_cert = false;
    // Series of this probe, looked up once (Family::Add hashes a label map on every call).
    std::array<prometheus::Histogram*, 5> phase{};  // per provider, shared by its probes

    Entry(std::shared_ptr<Probe> p, const boost::asio::any_io_executor& ex)
        : probe(std::move(p)), config(probe->config()), timer(ex), watchdog(ex) {}

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

std::chrono::steady_clock::duration Scheduler::first_delay(const config::ProbeConfig& c) {
    if (c.jitter.count() <= 0) return {};
    std::uniform_int_distribution<core::Duration::rep> d(0, c.interval.count() - 1);
    return core::Duration{d(rng_)};
}

core::Result<void> Scheduler::apply(std::vector<config::ProbeConfig> probes) {
    // Create every new or changed probe first, so a failure changes nothing. Each probe takes
    // its config (moved, not copied); unchanged ones keep the config they run with.
    std::set<std::string, std::less<>> wanted;
    for (const auto& c : probes) wanted.insert(c.id);
    std::vector<std::pair<std::string, std::shared_ptr<Probe>>> created;  // in config order
    for (auto& c : probes) {
        auto it = entries_.find(c.id);
        if (it != entries_.end() && it->second->config == c) continue;
        std::string id = c.id;
        auto p = registry_.create(std::move(c), context_);
        if (!p) return std::unexpected(p.error());
        created.emplace_back(std::move(id), std::shared_ptr<Probe>(std::move(*p)));
    }

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

    for (auto& [id, probe] : created) {
        auto e = std::make_shared<Entry>(probe, strand_);
        const config::ProbeConfig& c = e->config;
        auto old = entries_.find(id);
        if (old != entries_.end()) {
            // Changed: keep what it showed, restart it with the new settings.
            e->runs = old->second->runs;
            e->history.adopt(old->second->history, old->second->config, c);
            old->second->removed = true;
            old->second->timer.cancel();
            old->second->watchdog.cancel();
            if (old->second->config.provider != c.provider) {
                // Its series carry the old provider label: gone with it.
                remove_metrics(*old->second);
            } else {
                e->failure_reasons = old->second->failure_reasons;
                e->value_series = old->second->value_series;
                e->steps = old->second->steps;
                e->has_cert = old->second->has_cert;
            }
            old->second = e;
        } else {
            entries_.emplace(id, e);
        }
        // The first run is spread over the whole interval (when jitter is on), so thousands of
        // probes with one interval do not start, and keep starting, as one herd.
        schedule(e, first_delay(c));
    }
    return {};
}

void Scheduler::schedule(const std::shared_ptr<Entry>& e,
                         std::chrono::steady_clock::duration delay) {
    if (stopped_ || e->removed) return;
    const auto now = std::chrono::steady_clock::now();
    // The next run is due one interval (plus jitter) after this one was due, not after the
    // timer fired, so lateness does not add up run after run; a run overdue by more than an
    // interval (the process was stopped) is due now rather than in a burst of catch-ups.
    auto anchor =
        e->anchor == std::chrono::steady_clock::time_point{} ? now + delay : e->anchor + delay;
    if (anchor < now) anchor = now;
    e->anchor = anchor;
    // The timer fires on the next point of a kRunGrid grid, so runs due within one step start
    // in one wakeup and their exchanges overlap: at 500 runs a second, spread by jitter, each
    // run otherwise has wakeups of its own, and this is a fifth of the CPU per run (bench/
    // README.md). It only moves the random jitter; lateness is measured from the grid point,
    // and the anchor above stays off the grid, so intervals do not drift.
    constexpr auto step = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kRunGrid);
    const auto due = std::chrono::steady_clock::time_point{
        (anchor.time_since_epoch() + step - std::chrono::steady_clock::duration{1}) / step * step};
    e->timer.expires_at(due);
    e->timer.async_wait([this, e, due](boost::system::error_code ec) {
        if (ec || e->removed || stopped_) return;
        e->due = due;
        schedule(e, e->config.interval + jitter(e->config));
        start_run(e);
    });
}

Scheduler::RunNow Scheduler::run_now(std::string_view id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return {};
    const auto& e = it->second;
    if (!e->running && !e->waiting) e->due = std::chrono::steady_clock::now();
    RunNow r{start_run(e), std::nullopt};
    if (r.outcome == RunNow::Outcome::already_running) r.running_since = e->started;
    return r;
}

void Scheduler::set_limits(SchedulerLimits limits) {
    limits_ = std::move(limits);
    start_waiting();
}

bool Scheduler::has_slot(const Entry& e) const {
    if (limits_.max_concurrency > 0 && in_flight_ >= limits_.max_concurrency) return false;
    auto lim = limits_.per_provider.find(e.config.provider);
    if (lim == limits_.per_provider.end() || lim->second <= 0) return true;
    auto used = provider_in_flight_.find(e.config.provider);
    return used == provider_in_flight_.end() || used->second < lim->second;
}

void Scheduler::release_slot(const Entry& e) {
    --in_flight_;
    metrics_.in_flight.Set(in_flight_);
    auto it = provider_in_flight_.find(e.config.provider);
    if (it != provider_in_flight_.end() && --it->second <= 0) provider_in_flight_.erase(it);
}

void Scheduler::start_waiting() {
    // First come, first served, but a probe whose provider is full does not block others.
    for (auto it = waiting_.begin(); it != waiting_.end();) {
        auto e = *it;
        if (e->removed || stopped_) {
            e->waiting = false;
            it = waiting_.erase(it);
            continue;
        }
        if (limits_.max_concurrency > 0 && in_flight_ >= limits_.max_concurrency) return;
        if (!has_slot(*e)) {
            ++it;
            continue;
        }
        it = waiting_.erase(it);
        e->waiting = false;
        launch(e);
    }
}

Scheduler::RunNow::Outcome Scheduler::start_run(const std::shared_ptr<Entry>& e) {
    if (e->running || e->waiting) {
        metrics_.skipped.Add(e->labels()).Increment();
        // At most a line a second: an overloaded host skips thousands of runs a second.
        const auto now = std::chrono::steady_clock::now();
        if (now - last_skip_log_ >= std::chrono::seconds(1)) {
            core::logger("probes")->warn(
                "probe still running, run skipped probe={} skipped_unlogged={}", e->config.id,
                skips_unlogged_);
            last_skip_log_ = now;
            skips_unlogged_ = 0;
        } else {
            ++skips_unlogged_;
        }
        return e->running ? RunNow::Outcome::already_running : RunNow::Outcome::already_waiting;
    }
    if (!has_slot(*e)) {
        e->waiting = true;
        waiting_.push_back(e);
        metrics_.throttled.Add({{"provider", e->config.provider}}).Increment();
        return RunNow::Outcome::queued;
    }
    launch(e);
    return RunNow::Outcome::started;
}

void Scheduler::launch(const std::shared_ptr<Entry>& e) {
    metrics_.lateness.Observe(std::max(
        0.0, std::chrono::duration<double>(std::chrono::steady_clock::now() - e->due).count()));
    ++in_flight_;
    ++provider_in_flight_[e->config.provider];
    metrics_.in_flight.Set(in_flight_);
    e->running = true;
    e->started = context_.clock.now();
    const auto generation = ++e->generation;
    // The probe's own timeout (curl's) should always win; the watchdog catches a probe that
    // never completes.
    e->watchdog.expires_after(e->config.timeout + std::chrono::seconds(1));
    e->watchdog.async_wait([this, e, generation](boost::system::error_code ec) {
        if (ec || e->removed || !e->running || e->generation != generation) return;
        auto r = ProbeResult::of(
            e->config, context_.clock.now() - e->config.timeout,
            std::chrono::duration_cast<std::chrono::microseconds>(e->config.timeout));
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
    if (!e->running || e->generation != generation) return;
    e->running = false;
    release_slot(*e);
    if (e->removed || stopped_) return;
    e->watchdog.cancel();
    ++e->runs;
    record_metrics(*e, r);
    e->history.remember(r, e->config, limits_.history);
    if (on_result_) on_result_(r);
    start_waiting();
}

void Scheduler::record_metrics(Entry& entry, const ProbeResult& r) {
    auto* e = &entry;
    metrics_.series.record(e->config.id, e->config.provider, r.success,
                           std::chrono::duration<double>(r.duration).count());
    if (!r.success) {
        auto fail_labels = e->labels();
        fail_labels.emplace("reason", r.failure_reason);
        metrics_.failures.Add(fail_labels).Increment();
        e->failure_reasons.insert(r.failure_reason);
        core::logger("probes")->debug("probe failed probe={} provider={} reason={} message=\"{}\"",
                                      r.probe, r.provider, r.failure_reason, r.message);
    }
    if (r.timings.total > 0) {
        const auto p = phases(r.timings);
        const double values[] = {p.dns, p.connect, p.tls, p.first_byte, p.transfer};
        for (std::size_t i = 0; i < std::size(kPhaseNames); ++i) {
            if (e->phase[i] == nullptr) {
                e->phase[i] = &metrics_.phase.Add({{"provider", e->config.provider}, {"phase", kPhaseNames[i]}},
                                                  kPhaseBuckets);
            }
            e->phase[i]->Observe(values[i]);
        }
    }
    if (r.certificate) {
        metrics_.cert_expiry.Add(e->labels()).Set(static_cast<double>(r.certificate->not_after));
        e->has_cert = true;
    }
    for (const auto& v : r.values) {
        // Looked up by a flat key: building a label map and hashing it per run was a good part
        // of a probe's CPU.
        std::string key = v.name;
        for (const auto& [k, val] : r.value_labels.pairs()) {
            key.append(1, '\0').append(k).append(1, '\0').append(val);
        }
        auto it = std::find_if(e->value_series.begin(), e->value_series.end(),
                               [&](const auto& vs) { return vs.key == key; });
        if (it == e->value_series.end()) {
            auto l = e->labels();
            l.emplace("name", v.name);
            for (const auto& [k, val] : r.value_labels.pairs()) l.emplace(k, val);
            auto& gauge = metrics_.value.Add(l);
            it = e->value_series.insert(e->value_series.end(),
                                        Entry::ValueSeries{std::move(key), &gauge});
        }
        it->gauge->Set(v.value);
    }
    for (const auto& s : r.steps) {
        auto l = e->labels();
        l.emplace("step", s.name);
        metrics_.step_success.Add(l).Set(s.success ? 1 : 0);
        metrics_.step_duration.Add(l).Set(std::chrono::duration<double>(s.duration).count());
        e->steps.insert(s.name);
    }
}

void Scheduler::remove_metrics(Entry& e) {
    const auto labels = e.labels();
    metrics_.series.remove(e.config.id);
    for (const auto& reason : e.failure_reasons) {
        auto l = labels;
        l.emplace("reason", reason);
        metrics_.failures.Remove(&metrics_.failures.Add(l));
    }
    metrics_.skipped.Remove(&metrics_.skipped.Add(labels));
    if (e.has_cert) metrics_.cert_expiry.Remove(&metrics_.cert_expiry.Add(labels));
    for (const auto& vs : e.value_series) metrics_.value.Remove(vs.gauge);
    e.value_series.clear();
    for (const auto& step : e.steps) {
        auto l = labels;
        l.emplace("step", step);
        metrics_.step_success.Remove(&metrics_.step_success.Add(l));
        metrics_.step_duration.Remove(&metrics_.step_duration.Add(l));
    }
}

std::vector<ProbeStatus> Scheduler::status(bool with_history) const {
    std::vector<ProbeStatus> out;
    out.reserve(entries_.size());
    for (const auto& [id, e] : entries_) {
        out.push_back({e->config, e->last(), e->running, e->runs,
                       with_history ? e->history.results(e->config) : std::vector<ProbeResult>{}});
    }
    return out;
}

std::optional<ProbeStatus> Scheduler::status_of(std::string_view id) const {
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    const auto& e = *it->second;
    return ProbeStatus{e.config, e.last(), e.running, e.runs, e.history.results(e.config)};
}

}  // namespace noctua::probes
