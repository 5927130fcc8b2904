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
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <prometheus/registry.h>

#include "noctua/alerts/channel.hpp"
#include "noctua/alerts/pipeline.hpp"
#include "noctua/alerts/engine.hpp"
#include "noctua/core/log.hpp"
#include "noctua/core/memory.hpp"
#include "noctua/core/version.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/daemon/logging.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/net/curl_mail.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/probes/auth.hpp"
#include "noctua/probes/heartbeat.hpp"
#include "noctua/probes/scheduler.hpp"
#include "noctua/streams/checkpoint.hpp"
#include "noctua/streams/ingest_log.hpp"
#include "noctua/streams/http_push.hpp"
#include "noctua/streams/pipeline.hpp"
#include "noctua/streams/source.hpp"
#include "alert_gauges.hpp"
#include "cluster.hpp"
#include "process_metrics.hpp"
#include "report_facts.hpp"
#include "routes.hpp"
#include "rule_evaluator.hpp"
#include "service_notify.hpp"
#include "status_page.hpp"
#include "status_tests.hpp"
#include "stream_clock.hpp"
#include "stream_shard.hpp"
#include "wall.hpp"

namespace noctua::daemon {

namespace asio = boost::asio;

namespace {

std::uint64_t pick_seed(std::uint64_t seed) {
    if (seed != 0) return seed;
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::string errors_to_string(const std::vector<config::ConfigError>& errors) {
    std::string out;
    for (const auto& e : errors) {
        if (!out.empty()) out += "\n";
        out += e.to_string();
    }
    return out;
}

}  // namespace

/// Daemon-level metrics (STYLE.md §11).
struct DaemonMetrics {
    explicit DaemonMetrics(prometheus::Registry& r)
        : build_info(prometheus::BuildGauge()
                         .Name("noctua_build_info")
                         .Help("Always 1; the version label says which build runs")
                         .Register(r)),
          reload_ok(prometheus::BuildGauge()
                        .Name("noctua_config_last_reload_successful")
                        .Help("1 if the last configuration (re)load succeeded, else 0")
                        .Register(r)
                        .Add({})),
          reload_ts(prometheus::BuildGauge()
                        .Name("noctua_config_last_reload_success_timestamp_seconds")
                        .Help("When the configuration was last loaded successfully")
                        .Register(r)
                        .Add({})),
          reload_failures(prometheus::BuildCounter()
                              .Name("noctua_config_reload_failures_total")
                              .Help("Configuration reloads rejected as invalid")
                              .Register(r)
                              .Add({})),
          start_time(prometheus::BuildGauge()
                         .Name("noctua_start_time_seconds")
                         .Help("When this process started, in Unix seconds")
                         .Register(r)
                         .Add({})),
          rules_stream_time(prometheus::BuildGauge()
                                .Name("noctua_rules_stream_time_seconds")
                                .Help("Event time the stream-fed rules were last advanced to "
                                      "(the windows' watermark; see docs/events.md)")
                                .Register(r)
                                .Add({})) {}
    prometheus::Family<prometheus::Gauge>& build_info;
    prometheus::Gauge& reload_ok;
    prometheus::Gauge& reload_ts;
    prometheus::Counter& reload_failures;
    prometheus::Gauge& start_time;
    prometheus::Gauge& rules_stream_time;
};

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
          daemon_metrics(registry),
          probe_metrics(registry),
          alert_metrics(registry),
          seed(pick_seed(options.seed)),
          alerting(strand, clock, alert_metrics, seed) {
        register_builtin_kinds(kinds);
        scheduler = std::make_unique<probes::Scheduler>(
            strand, kinds.probes,
            probes::ProbeContext{http, clock, ioc.get_executor(), &authenticator, &heartbeats},
            probe_metrics,
            [this](const probes::ProbeResult& r) { on_probe_result(r); }, seed);
        router = make_router(*this);
        daemon_metrics.build_info.Add({{"version", std::string(core::version())}}).Set(1);
        daemon_metrics.start_time.Set(
            std::chrono::duration<double>(clock.now().time_since_epoch()).count());
    }

    config::Config cfg;  // pipeline; its probes are moved into the scheduler (empty here)
    std::string cfg_summary;  // pipeline; config::summary of cfg taken before its probes moved
    DaemonOptions options;
    core::SystemClock system_clock;
    const core::Clock& clock;  // options.clock, else system_clock
    asio::io_context ioc;
    asio::strand<asio::io_context::executor_type> strand;
    asio::signal_set signals;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    asio::thread_pool blocking{1};  // file reads for reloads, /metrics bodies (STYLE.md §5)
    net::CurlHttpClient http;
    net::CurlMailClient mail;  // email receivers
    prometheus::Registry registry;
    DaemonMetrics daemon_metrics;
    probes::ProbeMetrics probe_metrics;
    alerts::AlertMetrics alert_metrics;
    ClusterMetrics cluster_metrics{registry};
    ShardStatus shard;  // pipeline: what of the applied config this instance runs
    std::uint64_t seed;
    Kinds kinds;  // frozen in the constructor
    probes::Authenticator authenticator{http, clock};  // thread-safe; before the scheduler
    // Thread-safe; outlives heartbeat probes.
    probes::HeartbeatBoard heartbeats{clock, &probe_metrics.heartbeat_refusals};
    std::unique_ptr<probes::Scheduler> scheduler;        // pipeline
    StatusTests status_tests{registry, strand, blocking.get_executor(), kinds.suites,  // pipeline
                             {http, clock, ioc.get_executor(), &authenticator, nullptr},
                             [this](probes::StatusReport r, StatusTestRunner::Done next) {
                                 report_facts(std::move(r), std::move(next));
                             },
                             [this](alerts::Notification n) { alerting.send(std::move(n)); }};
    // pipeline: samples → detectors → alerts, as `noctua replay` evaluates them
    RuleEvaluator evaluator{
        [this](const alerts::Alert& a, const detect::Signal*) { on_transition(a); }};
    // pipeline: routing, grouping, muting and the durable outbox
    alerts::AlertPipeline alerting;
    alerts::ExternalAlerts external;  // pipeline: alerts pushed to POST /api/v2/alerts
    std::unique_ptr<alerts::ChannelContext> channel_ctx;  // pipeline
    std::optional<config::LoggingConfig> logging_applied;  // pipeline
    net::Router router;
    std::unique_ptr<net::HttpServer> server;
    std::atomic<bool> stopping{false};
    std::atomic<bool> ready{false};
    ServiceNotifier notifier{strand, options.notify_service_manager};  // systemd Type=notify

    // ---- transaction streams. The ingest pipeline parses and aggregates on its own
    // thread so that a flood of events never delays probes or alert delivery; closed window
    // buckets come back to the pipeline strand as samples (on_stream_samples).
    streams::StreamMetrics stream_metrics{registry};
    std::unique_ptr<streams::IngestPipeline> ingest;
    std::vector<std::unique_ptr<streams::Source>> sources;  // [[streams]], in config order
    streams::HttpPush* push = nullptr;                      // the http source, if any
    std::unique_ptr<store::Store> state;                // [storage]; used on the ingest thread
    std::unique_ptr<streams::Checkpointer> checkpoint;  // ingest thread; null without storage
    // [storage] with an http stream: pushes are answered once on disk (its own writer thread).
    std::unique_ptr<streams::IngestLog> ingest_log;
    asio::steady_timer snapshot_timer{strand};              // pipeline
    // Sharded with Kafka streams: which providers this instance judges (set before start).
    std::unique_ptr<StreamShardGate> stream_gate;

    /// Creates the ingest pipeline and the push handler from cfg.streams (before run()).
    core::Result<void> start_streams() {
        if (cfg.streams.empty()) return {};
        // Windows holding series emit a batch at least every bucket, or after a pause of
        // allowed_lateness (a paused backfill); longer silence means they emit nothing.
        stream_clock.emplace(cfg.windows.allowed_lateness,
                             cfg.windows.allowed_lateness + 2 * cfg.windows.bucket, clock.now());
        ingest = std::make_unique<streams::IngestPipeline>(
            cfg.windows, clock, &stream_metrics, [this](std::vector<core::Sample>&& samples) {
                asio::post(strand, [this, samples = std::move(samples)]() mutable {
                    on_stream_samples(std::move(samples));
                });
            });
        if (!cfg.storage.path.empty()) {
            // Opened and restored before the ingest thread starts (blocking, at startup).
            auto opened = store::Store::open(cfg.storage.path);
            if (!opened) return std::unexpected(opened.error());
            state = std::move(*opened);
            checkpoint = std::make_unique<streams::Checkpointer>(*state, *ingest, &stream_metrics);
            if (auto r = checkpoint->restore(); !r) {
                core::logger("streams")->warn("window snapshot in {} not restored, starting empty: {}",
                                              cfg.storage.path, r.error().message);
            } else if (*r) {
                core::logger("streams")->info("windows restored from {}", cfg.storage.path);
            }
        }
        const bool has_push = std::any_of(cfg.streams.begin(), cfg.streams.end(),
                                          [](const auto& sc) { return sc.kind == "http"; });
        if (checkpoint && has_push) {
            auto opened = streams::IngestLog::open(cfg.storage.path + ".ingest", &stream_metrics);
            if (!opened) return std::unexpected(opened.error());
            ingest_log = std::move(*opened);
            checkpoint->attach_log(*ingest_log);
        }
        // Of several instances in one consumer group, each judges only the providers whose
        // partitions it reads (docs/operations.md, "Scale out").
        if (needs_stream_gate(cfg)) {
            stream_gate = std::make_unique<StreamShardGate>(cfg.windows, registry);
            evaluator.track_stream_series(true);
        }
        streams::SourceContext ctx{*ingest, stream_metrics, clock, checkpoint.get(),
                                   ingest_log.get(),
                                   stream_gate ? &stream_gate->ownership() : nullptr};
        for (const auto& sc : cfg.streams) {
            auto made = kinds.streams.create(sc, ctx);
            if (!made) return std::unexpected(made.error());
            if (auto* p = (*made)->push()) push = p;
            sources.push_back(std::move(*made));
        }
        if (push) {
            // Before the ingest thread starts: the replay applies on this thread.
            if (auto r = push->recover(checkpoint ? checkpoint->snapshot_seq() : 0); !r) {
                return std::unexpected(r.error());
            }
        }
        ingest->start();
        for (auto& source : sources) source->start();
        if (checkpoint) schedule_snapshot();
        return {};
    }

    /// Every windows.snapshot_interval: windows + file offsets to the store, on the ingest
    /// thread (pipeline strand timer; the save itself never runs on an io thread).
    void schedule_snapshot() {
        snapshot_timer.expires_after(cfg.windows.snapshot_interval);
        snapshot_timer.async_wait([this](boost::system::error_code ec) {
            if (ec || stopping) return;
            ingest->post([this] { (void)checkpoint->save(); });
            schedule_snapshot();
        });
    }

    /// Stops the sources and the ingest thread, then saves the final snapshot (idempotent).
    void stop_streams() {
        // Each applies what it read first (Kafka commits: see KafkaSource).
        for (auto& source : sources) source->stop();
        if (!ingest || ingest->stopped()) return;
        ingest->stop();
        if (checkpoint) (void)checkpoint->save();  // the ingest thread is joined: exclusive
        if (ingest_log) ingest_log->stop();  // answers what it holds, then trims
    }

    /// Window samples to the detectors (pipeline). Labels carry `set` and `metric`; rules pick
    /// their set with a matcher. Latency quantiles arrive in ms; detectors take seconds.
    void on_stream_samples(std::vector<core::Sample> samples) {
        if (!samples.empty()) {
            const auto newest = std::max_element(
                samples.begin(), samples.end(),
                [](const core::Sample& a, const core::Sample& b) { return a.time < b.time; });
            stream_clock->on_samples(newest->time, clock.now());
        }
        if (stream_gate) {
            stream_gate->release(evaluator, clock.now());
            stream_gate->filter(samples);
        }
        for (const auto& s : samples) wall.on_stream_sample(s);
        evaluator.on_stream_samples(samples);
    }

    void ingest_events(const core::ServerRequest& request, net::Router::Respond respond) override {
        if (!push) {
            respond(core::ServerResponse::json_error(404, "no stream of kind \"http\" is configured"));
            return;
        }
        push->handle(request, std::move(respond));
    }

    // ---- Services (routes.hpp)
    const prometheus::Registry& metrics_registry() const override { return registry; }
    void write_extra_metrics(std::string& out) const override {
        probe_metrics.series.write_text(out);
        if (auto stats = read_process_stats()) write_process_metrics(*stats, out);
    }
    bool is_ready() const override { return ready && !stopping; }
    void on_pipeline(std::function<void()> fn) override { asio::post(strand, std::move(fn)); }
    void off_loop(std::function<void()> fn) override { asio::post(blocking, std::move(fn)); }
    const config::Config& config() const override { return cfg; }
    const std::string& config_summary() const override { return cfg_summary; }
    ShardStatus shard_status() const override { return shard; }
    probes::HeartbeatBoard& heartbeat_board() override { return heartbeats; }
    const probes::Scheduler& probe_scheduler() const override { return *scheduler; }
    probes::Scheduler& probe_scheduler() override { return *scheduler; }
    const alerts::AlertEngine& alert_engine() const override { return evaluator.engine(); }
    std::size_t notifications_pending() const override {
        return alerting.dispatcher().pending();
    }
    alerts::AlertPipeline& alert_pipeline() override { return alerting; }
    alerts::ExternalAlerts& external_alerts() override { return external; }
    void apply_alert_inputs(std::vector<alerts::AlertInput> inputs) override {
        for (const auto& in : inputs) evaluator.engine().update(in);
    }
    core::TimePoint now() const override { return clock.now(); }
    StatusTestRunner* status_test_runner() override { return &status_tests.runner; }
    void reload_from_file(std::function<void(core::Result<void>)> done) override {
        request_reload(std::move(done));
    }
    std::optional<std::string> status_page() override {
        refresh_wall();
        return render_status_page(wall.snapshot());
    }

    Wall wall{registry};  // pipeline: the status page and the wall's gauges
    AlertGauges alert_gauges{alert_metrics.alerts};  // pipeline

    /// What the daemon knows per provider of a status report (pipeline): probes, traffic
    /// baseline, balances and alerts here, then the stream's last 24 h on the ingest thread.
    void report_facts(probes::StatusReport report, StatusTestRunner::Done next) {
        const auto now = clock.now();
        refresh_wall();
        add_facts(report, {now, scheduler->status(true), alerting.history(now - kReportSpan),
                           evaluator.rules(), wall.snapshot()});
        const auto set = provider_set(cfg.windows);
        if (!ingest || ingest->stopped() || set.empty()) {
            next(std::move(report));
            return;
        }
        ingest->post([this, report = std::move(report), next = std::move(next), set,
                      width = cfg.windows.history_bucket, now]() mutable {
            for (auto& [provider, f] : report.facts) {
                f.stream = stream_facts(ingest->windows(), set, provider, width, now);
            }
            asio::post(strand, [report = std::move(report), next = std::move(next)]() mutable {
                next(std::move(report));
            });
        });
    }

    /// The wall's view (status page, noctua_provider_status, …) of the pipeline now.
    void refresh_wall() {
        const auto probes = scheduler->status(false);
        const auto firing = evaluator.engine().firing();
        alert_gauges.refresh(firing, evaluator.rules());
        wall.refresh({cfg, probes, firing, evaluator.rules(), alerting.dispatcher().pending(), is_ready(),
                      core::version()},
                     clock.now());
    }

    // ---- pipeline

    void on_probe_result(const probes::ProbeResult& r) {
        wall.on_probe_result(r);
        evaluator.on_probe_result(r);
    }

    /// Detectors also need time to pass without samples: a stream that falls silent, a burst
    /// that ends, a burn rate that decays. Every `options.rule_tick` the rules are
    /// advanced: probe-fed ones to now, stream-fed ones to the windows' watermark
    /// (StreamClock), so that a backfill of old events is not made late by the wall clock.
    asio::steady_timer tick_timer{strand};  // pipeline
    std::optional<StreamClock> stream_clock;  // pipeline; set when [[streams]] run

    void schedule_tick() {
        tick_timer.expires_after(options.rule_tick);
        tick_timer.async_wait([this](boost::system::error_code ec) {
            if (ec || stopping) return;
            const auto now = clock.now();
            const auto stream_now =
                stream_clock ? stream_clock->now(now) : std::optional<core::TimePoint>(now);
            if (stream_now) {
                daemon_metrics.rules_stream_time.Set(
                    std::chrono::duration<double>(stream_now->time_since_epoch()).count());
            }
            // Before the silence of a provider read elsewhere now could be judged.
            if (stream_gate) stream_gate->release(evaluator, now);
            evaluator.advance(now, stream_now);
            refresh_wall();
            for (const auto& in : external.expire(clock.now())) evaluator.engine().update(in);
            alerting.tick();
            schedule_tick();
        });
    }

    void on_transition(const alerts::Alert& a) {
        const auto severity = std::string(a.labels.get("severity").value_or(""));
        const auto name = std::string(a.alertname());
        alert_metrics.transitions.Add({{"alertname", name}, {"state", std::string(to_string(a.state))}})
            .Increment();
        alert_metrics.firing.Add({{"alertname", name}, {"severity", severity}})
            .Increment(a.state == alerts::AlertState::firing ? 1 : -1);
        core::logger("alerts")->info("alert {} alertname={} labels={}", to_string(a.state), name,
                                     a.labels.to_string());
        alerting.on_transition(a);
    }

    /// Applies `next` on the pipeline strand: all or nothing.
    core::Result<void> apply(config::Config next) {
        auto log = core::logger("daemon");
        if (server && next.server.listen != cfg.server.listen) {
            log->warn("server.listen changed from {} to {}; restart to apply it", cfg.server.listen,
                      next.server.listen);
        }
        if (options.log_level) next.logging.level = *options.log_level;
        if (options.log_format) next.logging.format = *options.log_format;
        if (options.shard) next.cluster.shard = *options.shard;
        // Build the new parts first; nothing changes until all of them exist.
        auto ctx = std::make_unique<alerts::ChannelContext>(
            alerts::ChannelContext{http, clock, external_url(next), &mail});
        std::map<std::string, std::shared_ptr<alerts::ChannelBase>> channels;
        for (const auto& rc : next.receivers) {
            auto ch = kinds.receivers.create(rc, *ctx);
            if (!ch) return std::unexpected(ch.error());
            channels.emplace(rc.name, std::shared_ptr<alerts::ChannelBase>(std::move(*ch)));
        }
        for (const auto& p : next.probes) {
            // An explicit switch, but never a silent one.
            if (p.tls_insecure) {
                log->warn("probe {} does not verify TLS certificates (tls_insecure = true)", p.id);
            }
        }
        auto next_summary = config::summary(next);  // counts the probes, so before they move
        // Of several instances on one config, each runs only the probes its shard owns.
        auto next_shard = keep_owned(next);
        if (next_shard.shard.sharded()) {
            next_summary += fmt::format(" (runs {} of the probes)", next_shard.probes_owned);
        }
        // The probes take their configs: from here on the scheduler, not cfg.probes (left
        // empty), has them — one ProbeConfig per probe, not two.
        if (auto r = status_tests.runner.configure(next.status_tests, next.status_reports); !r) return r;
        if (auto r = scheduler->apply(std::exchange(next.probes, {})); !r) return r;
        probes::SchedulerLimits limits;
        limits.max_concurrency = next.probing.max_concurrency;
        limits.history = next.probing.history;
        for (const auto& p : next.providers) {
            if (p.max_concurrency > 0) limits.per_provider.emplace(p.id, p.max_concurrency);
        }
        scheduler->set_limits(std::move(limits));

        std::vector<std::unique_ptr<detect::Detector>> next_rules;
        for (const auto& rc : next.rules) {
            auto rule = kinds.rules.create(rc);
            if (!rule) return std::unexpected(rule.error());
            next_rules.push_back(std::move(*rule));
        }
        alerting.configure(next, std::move(channels));
        channel_ctx = std::move(ctx);
        cfg = std::move(next);
        cfg_summary = std::move(next_summary);
        shard = next_shard;
        cluster_metrics.set(shard);
        // Rules that keep their name and kind keep what they learned.
        evaluator.set_rules(std::move(next_rules), &cfg.providers);

        // Alerts whose rule or probe is gone resolve now rather than hang forever.
        const auto& rules = evaluator.rules();
        evaluator.engine().resolve_if(
            [this, &rules](const alerts::Alert& a) {
                // Pushed alerts have no rule here; they end by their own endsAt.
                if (external.tracks(a.fingerprint())) return false;
                const bool rule_exists = std::any_of(rules.begin(), rules.end(), [&](const auto& r) {
                    return r->config().name == a.alertname();
                });
                auto probe = a.labels.get("probe");
                const bool probe_exists = !probe || scheduler->contains(*probe);
                return !rule_exists || !probe_exists;
            },
            clock.now());
        if (cfg.logging != logging_applied) {
            if (auto r = setup_logging(cfg.logging.level, cfg.logging.format); !r) {
                log->warn("logging settings not applied: {}", r.error().message);
            }
            logging_applied = cfg.logging;
        }
        daemon_metrics.reload_ok.Set(1);
        daemon_metrics.reload_ts.Set(
            std::chrono::duration<double>(clock.now().time_since_epoch()).count());
        return {};
    }

    void reload_failed(const std::string& why) {
        daemon_metrics.reload_ok.Set(0);
        daemon_metrics.reload_failures.Increment();
        core::logger("daemon")->error("configuration reload rejected, keeping the running one:\n{}",
                                      why);
    }

    void request_reload(std::function<void(core::Result<void>)> done) {
        if (options.config_path.empty()) {
            if (done) done(core::fail(core::Errc::unavailable, "no config file to reload from"));
            return;
        }
        core::logger("daemon")->info("reloading configuration from {}", options.config_path);
        notifier.reloading();
        // Reading the file blocks: do it off the io_context, apply on the pipeline strand.
        asio::post(blocking, [this, done = std::move(done)]() mutable {
            auto loaded = config::load_file(options.config_path);
            asio::post(strand, [this, loaded = std::move(loaded), done = std::move(done)]() mutable {
                core::Result<void> result;
                if (!loaded) {
                    auto why = errors_to_string(loaded.error());
                    reload_failed(why);
                    result = core::fail(core::Errc::invalid_argument, why);
                } else {
                    if (auto r = apply(std::move(*loaded)); !r) {
                        reload_failed(r.error().message);
                        result = r;
                    } else {
                        core::logger("daemon")->info("configuration reloaded: {}", cfg_summary);
                    }
                }
                if (!stopping) {  // after STOPPING=1 the service manager expects no READY=1
                    notifier.ready(result ? "running: " + cfg_summary
                                          : "reload rejected, running the previous configuration");
                }
                if (done) done(std::move(result));
            });
        });
    }

    static std::string external_url(const config::Config& c) {
        if (!c.external_url.empty()) return c.external_url;
        return "http://" + c.server.listen;
    }

    void wait_for_signals() {
        signals.async_wait([this](boost::system::error_code ec, int sig) {
            if (ec) return;
            if (sig == SIGHUP) {
                request_reload(nullptr);
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
        if (push) push->stop();
        asio::post(strand, [this] {
            if (server) server->stop();
            scheduler->stop();
            status_tests.runner.stop();
            tick_timer.cancel();
            snapshot_timer.cancel();
            const auto left = alerting.dispatcher().pending();
            if (left > 0) {
                core::logger("daemon")->info("waiting up to {} for {} notification(s)",
                                             core::format_duration(cfg.server.shutdown_timeout),
                                             left);
            }
            alerting.dispatcher().drain(cfg.server.shutdown_timeout, [this](std::size_t undelivered) {
                if (undelivered > 0) {
                    core::logger("daemon")->error(
                        "stopping with {} notification(s) undelivered", undelivered);
                }
                alerting.dispatcher().stop();
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
    impl_->stop_streams();
    impl_->scheduler->stop();
    impl_->alerting.dispatcher().stop();
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
        if (sc.kind == "http") so.body_limit = std::max(so.body_limit, sc.body_limit);
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
    if (auto r = d.apply(std::move(first)); !r) return r;
    // Alerts that were firing, what receivers were told, silences and the undelivered outbox
    // come back; the engine holds the firing alerts again, so a rule that still fires does not
    // page anew and one that stopped resolves them.
    auto restored = d.alerting.restore();
    if (!restored) return std::unexpected(restored.error());
    for (const auto& a : *restored) {
        d.alert_metrics.firing
            .Add({{"alertname", std::string(a.alertname())},
                  {"severity", std::string(a.labels.get("severity").value_or(""))}})
            .Increment();
    }
    d.evaluator.engine().restore(std::move(*restored));

    if (auto r = d.start_streams(); !r) return r;

    if (d.options.handle_signals) {
        d.signals.add(SIGINT);
        d.signals.add(SIGTERM);
        d.signals.add(SIGHUP);
        d.wait_for_signals();
    }
    d.schedule_tick();
    d.status_tests.runner.start_schedules();
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
        auto r = impl_->apply(std::move(config));
        if (!r) impl_->reload_failed(r.error().message);
        done.set_value(std::move(r));
    });
    return fut.get();
}

std::uint16_t Daemon::port() const { return impl_->server ? impl_->server->port() : 0; }

}  // namespace noctua::daemon
