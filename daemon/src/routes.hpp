#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "noctua/alerts/engine.hpp"
#include "noctua/alerts/external.hpp"
#include "noctua/alerts/pipeline.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/json.hpp"
#include "noctua/net/router.hpp"
#include "noctua/probes/heartbeat.hpp"
#include "noctua/probes/scheduler.hpp"
#include "cluster.hpp"

namespace noctua::daemon {

class StatusTestRunner;

/// What the HTTP routes may reach. Pipeline accessors may only be used inside on_pipeline().
class Services {
public:
    virtual ~Services() = default;
    [[nodiscard]] virtual const prometheus::Registry& metrics_registry() const = 0;
    /// Appends the series kept outside the registry (the per-probe series,
    /// probes::ProbeSeries) to the /metrics body, in the text format. Thread-safe.
    virtual void write_extra_metrics(std::string& /*out*/) const {}
    [[nodiscard]] virtual bool is_ready() const = 0;
    /// Runs `fn` on the pipeline strand.
    virtual void on_pipeline(std::function<void()> fn) = 0;
    /// Runs `fn` off the io threads (long, thread-safe work such as writing /metrics).
    virtual void off_loop(std::function<void()> fn) = 0;
    [[nodiscard]] virtual const config::Config& config() const = 0;                  // pipeline
    /// config::summary() of the applied config: its probes live in the scheduler, not in
    /// config().probes.
    [[nodiscard]] virtual const std::string& config_summary() const = 0;              // pipeline
    /// This instance's shard and what it runs of the configuration.
    [[nodiscard]] virtual ShardStatus shard_status() const { return {}; }             // pipeline
    /// Push heartbeats; thread-safe, usable from any thread.
    [[nodiscard]] virtual probes::HeartbeatBoard& heartbeat_board() = 0;
    [[nodiscard]] virtual const probes::Scheduler& probe_scheduler() const = 0;      // pipeline
    [[nodiscard]] virtual probes::Scheduler& probe_scheduler() = 0;                  // pipeline
    [[nodiscard]] virtual const alerts::AlertEngine& alert_engine() const = 0;       // pipeline
    [[nodiscard]] virtual std::size_t notifications_pending() const = 0;             // pipeline
    [[nodiscard]] virtual alerts::AlertPipeline& alert_pipeline() = 0;               // pipeline
    [[nodiscard]] virtual alerts::ExternalAlerts& external_alerts() = 0;             // pipeline
    /// Applies alert inputs from outside (POST /api/v2/alerts) to the alert engine.
    virtual void apply_alert_inputs(std::vector<alerts::AlertInput> inputs) = 0;     // pipeline
    /// The daemon's clock (event time).
    [[nodiscard]] virtual core::TimePoint now() const = 0;
    virtual void reload_from_file(std::function<void(core::Result<void>)> done) = 0;
    /// POST /api/v1/events: hands the request to the `kind = "http"` stream (404 without one).
    /// Any thread; `respond` is called once, possibly from the ingest thread.
    virtual void ingest_events(const core::ServerRequest& request, net::Router::Respond respond) = 0;
    /// The status page's HTML (docs/dashboards.md), on the pipeline; nullopt: not served.
    [[nodiscard]] virtual std::optional<std::string> status_page() { return std::nullopt; }
    /// The status tests (docs/status-tests.md), on the pipeline; null: not served.
    [[nodiscard]] virtual StatusTestRunner* status_test_runner() { return nullptr; }
};

/// POST /api/v1/status-tests/run and GET /api/v1/reports[/{date}] (status_tests.cpp).
void add_status_test_routes(net::Router& router, Services& services);

/// The daemon's routes: / (the status page), /metrics, /healthz, /readyz and /api/v1/*.
[[nodiscard]] net::Router make_router(Services& services);

/// /api/v1/silences (alert_routes.cpp).
void add_alert_routes(net::Router& router, Services& services);

/// /api/v1/maintenance (maintenance_routes.cpp).
void add_maintenance_routes(net::Router& router, Services& services);

/// Admin routes need `Authorization: Bearer <server.admin_token>` when a token is configured;
/// without one the config guarantees the server listens on loopback only.
[[nodiscard]] bool admin_authorized(const core::ServerRequest& request,
                                    const config::ServerConfig& server);

/// Adds an admin route: `handler` runs on the pipeline (Services::on_pipeline) once
/// admin_authorized() accepts the request; otherwise the request is answered 401 "admin token
/// required" and `handler` is not called.
void add_admin_route(net::Router& router, Services& services, std::string method,
                     std::string pattern, net::Router::AsyncHandler handler);

/// Adds `parsed` to the alert pipeline's silences and answers 200 with
/// `{"status":"success", …}`, the rest written by `body` for the added silence; an error in
/// `parsed`, or a silence the pipeline refuses, is answered 400 with its message. Pipeline.
void respond_added_silence(
    Services& services, core::Result<alerts::Silence> parsed,
    const net::Router::Respond& respond,
    const std::function<void(core::JsonWriter&, const alerts::Silence&)>& body);

}  // namespace noctua::daemon
