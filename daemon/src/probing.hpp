#pragma once

// Private to noctua::daemon: the probes and status tests as the daemon runs them.

#include <cstdint>

#include <boost/asio/any_io_executor.hpp>
#include <prometheus/registry.h>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/probes/auth.hpp"
#include "noctua/probes/heartbeat.hpp"
#include "noctua/probes/scheduler.hpp"
#include "status_tests.hpp"

namespace noctua::daemon {

/// The [[probes]] on their scheduler, with what they share (provider credentials and the
/// OAuth2 token cache, the push heartbeat board) and the [[status_tests]]. Owns
/// noctua_probe_* (probes::ProbeMetrics) and noctua_status_test_*.
///
/// Executor: `strand` (the pipeline), except heartbeats(), which is thread-safe.
class Probing {
public:
    /// Executors: `strand` for the scheduler and the status tests, `io` for the probes' own
    /// sockets and timers, `blocking` for the status reports' files. Each result goes to
    /// `on_result`; status reports get their facts from `facts`, and notify through `notify`.
    Probing(prometheus::Registry& registry, boost::asio::any_io_executor strand,
            boost::asio::any_io_executor io, boost::asio::any_io_executor blocking,
            const probes::ProbeRegistry& probe_kinds, const probes::SuiteRegistry& suite_kinds,
            core::HttpClient& http, const core::Clock& clock, std::uint64_t seed,
            probes::Scheduler::OnResult on_result, StatusTestRunner::Facts facts,
            StatusTestRunner::Notify notify);
    Probing(const Probing&) = delete;
    Probing& operator=(const Probing&) = delete;

    /// Applies `next`'s status tests, then its probes, which it takes (next.probes is left
    /// empty: one ProbeConfig per probe, held by the scheduler), then the concurrency limits.
    [[nodiscard]] core::Result<void> configure(config::Config& next);

    /// Stops probing and the status tests' schedules.
    void stop();

    [[nodiscard]] probes::Scheduler& scheduler() { return scheduler_; }
    [[nodiscard]] const probes::Scheduler& scheduler() const { return scheduler_; }
    [[nodiscard]] probes::HeartbeatBoard& heartbeats() { return heartbeats_; }
    [[nodiscard]] StatusTestRunner& status_tests() { return status_tests_.runner; }
    /// The per-probe series, kept outside the registry (probes::ProbeSeries).
    [[nodiscard]] const probes::ProbeMetrics& metrics() const { return metrics_; }

private:
    probes::ProbeMetrics metrics_;
    probes::Authenticator authenticator_;  // thread-safe; before the scheduler
    probes::HeartbeatBoard heartbeats_;    // thread-safe; outlives heartbeat probes
    probes::Scheduler scheduler_;
    StatusTests status_tests_;
};

/// Logs each probe of `next` that does not verify TLS: an explicit switch, but never a silent
/// one (every instance of a sharded set logs all of them).
void warn_insecure_probes(const config::Config& next);

}  // namespace noctua::daemon
