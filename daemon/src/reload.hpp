#pragma once

// Private to noctua::daemon: replacing the running configuration.

#include <atomic>
#include <functional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/result.hpp"
#include "noctua/daemon/daemon.hpp"
#include "service_notify.hpp"

namespace noctua::daemon {

/// Takes a configuration in, all or nothing: the command-line overrides go on top of it, the
/// daemon's `Apply` builds every new part and only then swaps them in (a failed build leaves
/// the running set untouched), and the outcome is counted (noctua_config_last_reload_successful,
/// noctua_config_last_reload_success_timestamp_seconds, noctua_config_reload_failures_total)
/// and logged. Reloads from the file (SIGHUP, POST /api/v1/reload) read it off the io threads
/// and tell the service manager (RELOADING=1, then READY=1).
///
/// Executor: the pipeline strand, except request_from_file() (any thread) and the first apply()
/// (start-up, before the strand runs).
class Reloader {
public:
    /// Builds and swaps in a configuration whose overrides are applied; on error nothing changed.
    using Apply = std::function<core::Result<void>(config::Config)>;

    /// `summary` is the applied configuration's config::summary, `stopping` set once a graceful
    /// stop began; both, `options` and `notifier` outlive this object.
    Reloader(prometheus::Registry& registry, boost::asio::any_io_executor strand,
             boost::asio::any_io_executor blocking, const core::Clock& clock,
             const DaemonOptions& options, ServiceNotifier& notifier, const std::string& summary,
             const std::atomic<bool>& stopping, Apply apply);

    /// Applies `next` with the command-line overrides; success is counted, a failure is not
    /// (see rejected()).
    [[nodiscard]] core::Result<void> apply(config::Config next);

    /// A configuration was refused: counted, and logged with `why`.
    void rejected(const std::string& why);

    /// Loads options.config_path off the io threads and applies it on the strand; `done`
    /// (optional) gets the outcome there.
    void request_from_file(std::function<void(core::Result<void>)> done);

private:
    boost::asio::any_io_executor strand_;
    boost::asio::any_io_executor blocking_;
    const core::Clock& clock_;
    const DaemonOptions& options_;
    ServiceNotifier& notifier_;
    const std::string& summary_;
    const std::atomic<bool>& stopping_;
    Apply apply_;
    prometheus::Gauge& ok_;
    prometheus::Gauge& success_time_;
    prometheus::Counter& failures_;
};

}  // namespace noctua::daemon
