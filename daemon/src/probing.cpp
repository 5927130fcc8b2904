#include "probing.hpp"

#include <utility>

#include "noctua/core/log.hpp"

namespace noctua::daemon {

Probing::Probing(prometheus::Registry& registry, boost::asio::any_io_executor strand,
                 boost::asio::any_io_executor io, boost::asio::any_io_executor blocking,
                 const probes::ProbeRegistry& probe_kinds,
                 const probes::SuiteRegistry& suite_kinds, core::HttpClient& http,
                 const core::Clock& clock, std::uint64_t seed,
                 probes::Scheduler::OnResult on_result, StatusTestRunner::Facts facts,
                 StatusTestRunner::Notify notify)
    : metrics_(registry),
      authenticator_(http, clock),
      heartbeats_(clock, &metrics_.heartbeat_refusals),
      scheduler_(strand, probe_kinds,
                 probes::ProbeContext{http, clock, io, &authenticator_, &heartbeats_}, metrics_,
                 std::move(on_result), seed),
      status_tests_(registry, strand, std::move(blocking), suite_kinds,
                    {http, clock, io, &authenticator_, nullptr}, std::move(facts),
                    std::move(notify)) {}

void warn_insecure_probes(const config::Config& next) {
    for (const auto& p : next.probes) {
        if (probes::tls_insecure(p)) {
            core::logger("daemon")->warn("probe {} does not verify TLS certificates (tls_insecure = true)",
                                         p.id);
        }
    }
}

core::Result<void> Probing::configure(config::Config& next) {
    if (auto r = status_tests_.runner.configure(next.status_tests, next.status_reports); !r) return r;
    if (auto r = scheduler_.apply(std::exchange(next.probes, {})); !r) return r;
    probes::SchedulerLimits limits;
    limits.max_concurrency = next.probing.max_concurrency;
    limits.history = next.probing.history;
    for (const auto& p : next.providers) {
        if (p.max_concurrency > 0) limits.per_provider.emplace(p.id, p.max_concurrency);
    }
    scheduler_.set_limits(std::move(limits));
    return {};
}

void Probing::stop() {
    scheduler_.stop();
    status_tests_.runner.stop();
}

}  // namespace noctua::daemon
