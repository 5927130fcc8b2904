#include "noctua/daemon/daemon.hpp"

#include <algorithm>
#include <future>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <prometheus/registry.h>

#include "noctua/core/log.hpp"
#include "noctua/core/memory.hpp"
#include "noctua/core/version.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/daemon/logging.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/net/curl_mail.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/streams/sources/http.hpp"
#include "alerting.hpp"
#include "cluster.hpp"
#include "probing.hpp"
#include "process_metrics.hpp"
#include "reload.hpp"
#include "report_facts.hpp"
#include "routes.hpp"
#include "rules.hpp"
#include "service_notify.hpp"
#include "status_page.hpp"
#include "streaming.hpp"
#include "wall.hpp"

namespace noctua::daemon {

namespace asio = boost::asio;

namespace {

std::uint64_t pick_seed(std::uint64_t seed) {
    if (seed != 0) return seed;
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

/// The subsystems (probing, streams, rules, alerts, the HTTP API) and what joins them: samples
/// from probes and streams to the rules, the rules' transitions to the alerts, the rule tick,
/// a reload across all of them, and the life cycle.
// Executor: `strand` for everything marked "pipeline"; the rest is set before start().
struct Daemon::Impl : public Services {
    Impl(config::Config c, DaemonOptions o)
        : cfg(std::move(c)),
          options(std::move(o)),
          clock(options.clock != nullptr ? *options.clock : system_clock),
          strand(asio::make_strand(ioc)),
          signals(ioc),
          work(asio::make_work_guard(ioc)),
          http(ioc),
          mail(ioc),
          seed(pick_seed(options.seed)) {
        register_builtin_kinds(kinds);
        router = make_router(*this);
        export_build_info(registry, clock.now());
    }

    config::Config cfg;  // pipeline; its probes are moved into the scheduler (empty here)
    std::string cfg_summary;  // pipeline; config::summary of cfg taken before its probes moved
    DaemonOptions options;
    core::SystemClock system_clock;
    const core::Clock& clock;  // options.clock, else system_clock
    std::atomic<bool> stopping{false};
    std::atomic<bool> ready{false};
    asio::io_context ioc;
    asio::strand<asio::io_context::executor_type> strand;
    asio::signal_set signals;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    // File reads for reloads, /metrics bodies (docs/contributing.md, "Threads").
    asio::thread_pool blocking{1};
    net::CurlHttpClient http;
    net::CurlMailClient mail;  // email receivers
    prometheus::Registry registry;
    ClusterMetrics cluster_metrics{registry};
    ShardStatus shard;  // pipeline: what of the applied config this instance runs
    std::uint64_t seed;
    Kinds kinds;  // frozen in the constructor
    Alerting alerting{registry, strand, clock, seed, kinds.receivers, http, mail};  // pipeline
    // pipeline: samples → detectors → alerts, as `noctua replay` evaluates them
    Rules rules{registry, strand, kinds.rules, stopping,
                [this](const alerts::Alert& a, const detect::Signal*) { alerting.on_transition(a); }};
    Probing probing{registry,
                    strand,
                    ioc.get_executor(),
                    blocking.get_executor(),
                    kinds.probes,
                    kinds.suites,
                    http,
                    clock,
                    seed,
                    [this](const probes::ProbeResult& r) { on_probe_result(r); },
                    [this](probes::StatusReport r, StatusTestRunner::Done next) {
                        report_facts(std::move(r), std::move(next));
                    },
                    [this](alerts::Notification n) { alerting.pipeline().send(std::move(n)); }};
    Streaming streaming{registry, strand, clock, kinds.streams, cfg, rules.evaluator(), stopping};
    Wall wall{registry};  // pipeline: the status page and the wall's gauges
    std::optional<config::LoggingConfig> logging_applied;  // pipeline
    ServiceNotifier notifier{strand, options.notify_service_manager};  // systemd Type=notify
    Reloader reloader{registry, strand, blocking.get_executor(), clock, options, notifier,
                      cfg_summary, stopping,
                      [this](config::Config next) { return apply(std::move(next)); }};
    net::Router router;
    std::unique_ptr<net::HttpServer> server;

    // ---- Services (routes.hpp): the HTTP API's view of the subsystems
    const prometheus::Registry& metrics_registry() const override { return registry; }
    void write_extra_metrics(std::string& out) const override {
        probing.metrics().series.write_text(out);
        if (auto stats = read_process_stats()) write_process_metrics(*stats, out);
    }
    bool is_ready() const override { return ready && !stopping; }
    void on_pipeline(std::function<void()> fn) override { asio::post(strand, std::move(fn)); }
    void off_loop(std::function<void()> fn) override { asio::post(blocking, std::move(fn)); }
    const config::Config& config() const override { return cfg; }
    const std::string& config_summary() const override { return cfg_summary; }
    ShardStatus shard_status() const override { return shard; }
    probes::HeartbeatBoard& heartbeat_board() override { return probing.heartbeats(); }
    const probes::Scheduler& probe_scheduler() const override { return probing.scheduler(); }
    probes::Scheduler& probe_scheduler() override { return probing.scheduler(); }
    const alerts::AlertEngine& alert_engine() const override { return rules.engine(); }
    std::size_t notifications_pending() const override { return alerting.pending(); }
    alerts::AlertPipeline& alert_pipeline() override { return alerting.pipeline(); }
    alerts::ExternalAlerts& external_alerts() override { return alerting.external(); }
    void apply_alert_inputs(std::vector<alerts::AlertInput> inputs) override {
        for (const auto& in : inputs) rules.engine().update(in);
    }
    core::TimePoint now() const override { return clock.now(); }
    StatusTestRunner* status_test_runner() override { return &probing.status_tests(); }
    void reload_from_file(std::function<void(core::Result<void>)> done) override {
        reloader.request_from_file(std::move(done));
    }
    void ingest_events(const core::ServerRequest& request, net::Router::Respond respond) override {
        streaming.ingest_events(request, std::move(respond));
    }
    std::optional<std::string> status_page() override {
        refresh_wall();
        return render_status_page(wall.snapshot());
    }

    // ---- pipeline

    void on_probe_result(const probes::ProbeResult& r) {
        wall.on_probe_result(r);
        rules.evaluator().on_probe_result(r);
    }

    /// Window samples to the detectors. Labels carry `set` and `metric`; rules pick their set
    /// with a matcher. Latency quantiles arrive in ms; detectors take seconds.
    void on_stream_samples(std::vector<core::Sample> samples) {
        streaming.admit(samples, clock.now());
        for (const auto& s : samples) wall.on_stream_sample(s);
        rules.evaluator().on_stream_samples(samples);
    }

    /// Every `options.rule_tick`: probe-fed rules advance to now, stream-fed ones to the
    /// windows' watermark (StreamClock), so that a backfill of old events is not made late by
    /// the wall clock; then the wall and the alerts' timers.
    void on_rule_tick() {
        const auto now = clock.now();
        const auto stream_now = streaming.rule_time(now);
        // Before the silence of a provider read elsewhere now could be judged.
        streaming.release_moved(now);
        rules.advance(now, stream_now);
        refresh_wall();
        alerting.tick(rules.engine(), clock.now());
    }

    /// What the daemon knows per provider of a status report: probes, traffic baseline,
    /// balances and alerts here, then the stream's last 24 h on the ingest thread.
    void report_facts(probes::StatusReport report, StatusTestRunner::Done next) {
        const auto now = clock.now();
        refresh_wall();
        add_facts(report, {now, probing.scheduler().status(true),
                           alerting.pipeline().history(now - kReportSpan), rules.rules(),
                           wall.snapshot()});
        streaming.add_stream_facts(std::move(report), now, std::move(next));
    }

    /// The wall's view (status page, noctua_provider_status, …) of the pipeline now.
    void refresh_wall() {
        const auto probes = probing.scheduler().status(false);
        const auto firing = rules.engine().firing();
        alerting.refresh_gauges(firing, rules.rules());
        wall.refresh({cfg, probes, firing, rules.rules(), alerting.pending(), is_ready(),
                      core::version()},
                     clock.now());
    }

    /// Builds every part `next` needs, then swaps them in (Reloader::Apply): a failed build
    /// leaves the running set as it was.
    core::Result<void> apply(config::Config next) {
        auto log = core::logger("daemon");
        if (server && next.server.listen != cfg.server.listen) {
            log->warn("server.listen changed from {} to {}; restart to apply it", cfg.server.listen,
                      next.server.listen);
        }
        auto receivers = alerting.build(next);
        if (!receivers) return std::unexpected(receivers.error());
        auto next_rules = rules.build(next);
        if (!next_rules) return std::unexpected(next_rules.error());
        warn_insecure_probes(next);
        auto next_summary = config::summary(next);  // counts the probes, so before they move
        // Of several instances on one config, each runs only the probes its shard owns.
        auto next_shard = keep_owned(next);
        if (next_shard.shard.sharded()) {
            next_summary += fmt::format(" (runs {} of the probes)", next_shard.probes_owned);
        }
        if (auto r = probing.configure(next); !r) return r;

        alerting.configure(next, std::move(*receivers));
        cfg = std::move(next);
        cfg_summary = std::move(next_summary);
        shard = next_shard;
        cluster_metrics.set(shard);
        rules.configure(
            std::move(*next_rules), &cfg.providers,
            [this](std::string_view probe) { return probing.scheduler().contains(probe); },
            // Pushed alerts have no rule here; they end by their own endsAt.
            [this](const alerts::Alert& a) { return alerting.external().tracks(a.fingerprint()); },
            clock.now());
        if (cfg.logging != logging_applied) {
            if (auto r = setup_logging(cfg.logging.level, cfg.logging.format); !r) {
                log->warn("logging settings not applied: {}", r.error().message);
            }
            logging_applied = cfg.logging;
        }
        return {};
    }

    void wait_for_signals() {
        signals.async_wait([this](boost::system::error_code ec, int sig) {
            if (ec) return;
            if (sig == SIGHUP) {
                reloader.request_from_file(nullptr);
                wait_for_signals();
                return;
            }
            core::logger("daemon")->info("signal {} received, stopping", sig);
            stop();
        });
    }

    /// Graceful stop: stop accepting and probing, drain deliveries within the deadline, then
    /// let run() return.
    void stop() {
        if (stopping.exchange(true)) return;
        notifier.stopping("stopping: draining notifications");
        streaming.stop_accepting();
        asio::post(strand, [this] {
            if (server) server->stop();
            probing.stop();
            rules.stop();
            streaming.cancel_snapshots();
            const auto left = alerting.pending();
            if (left > 0) {
                core::logger("daemon")->info("waiting up to {} for {} notification(s)",
                                             core::format_duration(cfg.server.shutdown_timeout),
                                             left);
            }
            auto& dispatcher = alerting.pipeline().dispatcher();
            dispatcher.drain(cfg.server.shutdown_timeout, [this, &dispatcher](std::size_t undelivered) {
                if (undelivered > 0) {
                    core::logger("daemon")->error(
                        "stopping with {} notification(s) undelivered", undelivered);
                }
                dispatcher.stop();
                notifier.stop_watchdog();
                http.stop();
                boost::system::error_code ignored;
                signals.cancel(ignored);
                work.reset();
            });
        });
    }
};

Daemon::Daemon(config::Config config, DaemonOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {}

Daemon::~Daemon() {
    if (!impl_) return;
    impl_->streaming.stop();
    impl_->probing.scheduler().stop();
    impl_->alerting.pipeline().dispatcher().stop();
    impl_->http.stop();
    if (impl_->server) impl_->server->stop();
    impl_->blocking.join();
}

core::Result<void> Daemon::start() {
    auto& d = *impl_;
    net::HttpServer::Options so;
    so.listen = d.cfg.server.listen;
    so.body_limit = d.cfg.server.body_limit_bytes;
    for (const auto& sc : d.cfg.streams) {
        if (sc.kind == "http") {
            const auto& push = sc.options.get<streams::HttpStreamOptions>();
            so.body_limit = std::max(so.body_limit, push.body_limit);
        }
    }
    so.read_timeout = d.cfg.server.read_timeout;
    d.server = std::make_unique<net::HttpServer>(d.ioc, d.router, so);
    if (auto r = d.server->start(); !r) return r;

    // The first apply runs before the io_context does; nothing else touches the pipeline yet.
    auto first = d.cfg;
    if (!d.cfg.storage.path.empty()) {
        // Before the first configure: no notification may be queued outside the outbox.
        if (auto r = d.alerting.open(d.cfg.storage.path); !r) return r;
    }
    if (auto r = d.reloader.apply(std::move(first)); !r) return r;
    // Alerts that were firing, what receivers were told, silences and the undelivered outbox
    // come back; the engine holds the firing alerts again, so a rule that still fires does not
    // page anew and one that stopped resolves them.
    auto restored = d.alerting.restore();
    if (!restored) return std::unexpected(restored.error());
    d.rules.engine().restore(std::move(*restored));

    if (auto r = d.streaming.start([&d](std::vector<core::Sample> samples) {
            d.on_stream_samples(std::move(samples));
        });
        !r) {
        return r;
    }

    if (d.options.handle_signals) {
        d.signals.add(SIGINT);
        d.signals.add(SIGTERM);
        d.signals.add(SIGHUP);
        d.wait_for_signals();
    }
    d.rules.start_ticks(d.options.rule_tick, [&d] { d.on_rule_tick(); });
    d.probing.status_tests().start_schedules();
    d.ready = true;
    d.refresh_wall();  // the wall's gauges exist from the first scrape
    auto host = net::parse_listen_address(d.cfg.server.listen);
    core::logger("daemon")->info("noctua {} listening on http://{}:{} ({}; allocator {})",
                                 core::version(), host ? host->first : d.cfg.server.listen,
                                 d.server->port(), d.cfg_summary, core::allocator_name());
    d.notifier.ready("running: " + d.cfg_summary);
    d.notifier.start_watchdog();
    return {};
}

void Daemon::run() {
    auto& d = *impl_;
    std::vector<std::thread> extra;
    for (unsigned i = 1; i < d.options.threads; ++i) extra.emplace_back([&d] { d.ioc.run(); });
    d.ioc.run();
    for (auto& t : extra) t.join();
}

void Daemon::request_stop() { impl_->stop(); }

core::Result<void> Daemon::reload(config::Config config) {
    std::promise<core::Result<void>> done;
    auto fut = done.get_future();
    asio::post(impl_->strand, [this, &done, config = std::move(config)]() mutable {
        auto r = impl_->reloader.apply(std::move(config));
        if (!r) impl_->reloader.rejected(r.error().message);
        done.set_value(std::move(r));
    });
    return fut.get();
}

std::uint16_t Daemon::port() const { return impl_->server ? impl_->server->port() : 0; }

}  // namespace noctua::daemon
