#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "noctua/probes/probe.hpp"
#include "noctua/probes/probe_series.hpp"

namespace noctua::probes {

/// The probe library's metrics, declared in one place (docs/contributing.md, "Logging and
/// metrics").
struct ProbeMetrics {
    explicit ProbeMetrics(prometheus::Registry& registry);
    /// noctua_probe_success, noctua_probe_duration_seconds and noctua_probe_runs_total, one
    /// set per probe: not in `registry`, so whoever serves /metrics must Collect() it too.
    ProbeSeries series;
    prometheus::Family<prometheus::Counter>& failures;      ///< {probe,provider,reason}
    prometheus::Family<prometheus::Counter>& skipped;       ///< {probe,provider}
    prometheus::Family<prometheus::Histogram>& phase;       ///< {provider,phase}
    prometheus::Family<prometheus::Gauge>& cert_expiry;     ///< {probe,provider}, Unix seconds
    prometheus::Family<prometheus::Gauge>& value;           ///< {probe,provider,name,+labels}
    prometheus::Family<prometheus::Gauge>& step_success;    ///< {probe,provider,step}
    prometheus::Family<prometheus::Gauge>& step_duration;   ///< {probe,provider,step}
    prometheus::Family<prometheus::Counter>& throttled;     ///< {provider}: runs that waited
    /// Refused push heartbeats (HeartbeatBoard): {probe,reason}.
    prometheus::Family<prometheus::Counter>& heartbeat_refusals;
    /// How late runs start against when they were due (timer and concurrency-limit delay).
    prometheus::Histogram& lateness;
    prometheus::Gauge& in_flight;
};

/// Limits on runs in flight; a run over a limit waits for a free slot (first come, first
/// served), and if it is still waiting when its next run is due, that next run is skipped.
struct SchedulerLimits {
    int max_concurrency = 0;                    ///< whole process; 0 = unlimited (config: 1000)
    std::map<std::string, int> per_provider;    ///< provider id -> limit (0 = unlimited)
    std::size_t history = 10;                   ///< results kept per probe for the API
};

/// A probe's place in the status page.
struct ProbeStatus {
    config::ProbeConfig config;
    std::optional<ProbeResult> last;
    bool running = false;
    std::uint64_t runs = 0;
    /// The last SchedulerLimits::history results, newest last (the newest is `last`).
    std::vector<ProbeResult> history;
};

/// Runs every configured probe on its own steady_timer (docs/contributing.md, "Timers"): the next
/// run is due one interval (plus jitter) after the previous one *started*; a run still going when
/// the next is due is skipped and counted, not queued; each run has its own timeout plus a
/// watchdog. Results go to `on_result` and to the metrics.
///
/// Executor: the strand given at construction; every public method must be called on it,
/// and `on_result` is called on it.
class Scheduler {
public:
    using OnResult = std::function<void(const ProbeResult&)>;

    Scheduler(boost::asio::any_io_executor strand, const ProbeRegistry& registry,
              ProbeContext context, ProbeMetrics& metrics, OnResult on_result,
              std::uint64_t seed);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    /// Makes the running set equal to `probes`: unchanged probes keep running with their
    /// state, changed ones restart, removed ones stop (their metric series go too). All or
    /// nothing: if any probe cannot be created, nothing changes and the error is returned.
    /// The probes take their configs (moved in: one copy per probe); status() and status_of()
    /// show them.
    [[nodiscard]] core::Result<void> apply(std::vector<config::ProbeConfig> probes);

    /// Whether a probe with this id is configured.
    [[nodiscard]] bool contains(std::string_view id) const { return entries_.contains(id); }

    /// Sets the concurrency limits and history length; takes effect for the next runs.
    void set_limits(SchedulerLimits limits);

    /// What run_now() did.
    struct RunNow {
        enum class Outcome {
            started,          ///< the run began
            queued,           ///< waiting for a concurrency slot
            already_running,  ///< skipped: a run is in flight (since `running_since`)
            already_waiting,  ///< skipped: a run is already waiting for a slot
            unknown_probe,
        };
        Outcome outcome = Outcome::unknown_probe;
        std::optional<core::TimePoint> running_since;  ///< when the run in flight started
    };
    /// Runs probe `id` now through the normal path: skipped (and counted as skipped) if a run
    /// is in flight or waiting, as a scheduled run would be.
    [[nodiscard]] RunNow run_now(std::string_view id);

    /// Cancels all timers; results of runs still in flight are ignored.
    void stop();

    /// Every probe, by id; `with_history` false leaves ProbeStatus::history empty (cheaper).
    [[nodiscard]] std::vector<ProbeStatus> status(bool with_history = true) const;

    /// One probe with its history, or nullopt if there is no such probe.
    [[nodiscard]] std::optional<ProbeStatus> status_of(std::string_view id) const;

private:
    struct Entry;
    void schedule(const std::shared_ptr<Entry>& e, std::chrono::steady_clock::duration delay);
    RunNow::Outcome start_run(const std::shared_ptr<Entry>& e);
    void launch(const std::shared_ptr<Entry>& e);
    bool has_slot(const Entry& e) const;
    void release_slot(const Entry& e);
    void start_waiting();
    void record_metrics(Entry& e, const ProbeResult& r);
    void finish_run(const std::shared_ptr<Entry>& e, std::uint64_t generation, ProbeResult r);
    void remove_metrics(Entry& e);
    std::chrono::steady_clock::duration jitter(const config::ProbeConfig& c);
    std::chrono::steady_clock::duration first_delay(const config::ProbeConfig& c);

    boost::asio::any_io_executor strand_;
    const ProbeRegistry& registry_;
    ProbeContext context_;
    ProbeMetrics& metrics_;
    OnResult on_result_;
    std::mt19937_64 rng_;
    std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;
    SchedulerLimits limits_;
    int in_flight_ = 0;
    std::map<std::string, int, std::less<>> provider_in_flight_;
    std::deque<std::shared_ptr<Entry>> waiting_;
    bool stopped_ = false;
    // Rate limit of the "run skipped" warning (noctua_probe_skipped_total counts them all).
    std::chrono::steady_clock::time_point last_skip_log_{};
    std::uint64_t skips_unlogged_ = 0;
};

}  // namespace noctua::probes
