#include "noctua/sim/app.hpp"

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "noctua/core/version.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/net/router.hpp"
#include "noctua/sim/generator.hpp"
#include "noctua/sim/kafka_sink.hpp"
#include "noctua/sim/runner.hpp"
#include "noctua/sim/scenario.hpp"
#include "noctua/sim/server.hpp"
#include "noctua/sim/service.hpp"
#include "noctua/sim/tls_front.hpp"

namespace noctua::sim {
namespace {

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

std::optional<double> parse_positive(std::string_view s) {
    std::string copy{s};
    char* end = nullptr;
    const double v = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end == nullptr || *end != '\0' || !(v > 0) || v > 1e9) return std::nullopt;
    return v;
}

/// Fans events out to several sinks (e.g. a file and Noctua).
class TeeSink final : public EventSink {
public:
    void add(EventSink& s) { sinks_.push_back(&s); }
    [[nodiscard]] bool empty() const { return sinks_.empty(); }
    void push(const TxEvent& e) override {
        for (auto* s : sinks_) s->push(e);
    }
    [[nodiscard]] bool busy() const override {
        for (auto* s : sinks_) {
            if (s->busy()) return true;
        }
        return false;
    }
    void flush() override {
        for (auto* s : sinks_) s->flush();
    }
    [[nodiscard]] std::size_t pending() const override {
        std::size_t n = 0;
        for (auto* s : sinks_) n += s->pending();
        return n;
    }

private:
    std::vector<EventSink*> sinks_;
};

}  // namespace

std::optional<core::TimePoint> parse_time_arg(std::string_view s) {
    std::string t{s};
    if (t.size() == 10) t += " 00:00:00";
    if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) t.pop_back();
    std::int64_t millis = 0;
    if (auto dot = t.find('.'); dot != std::string::npos && dot == 19) {
        auto frac = t.substr(20);
        t.resize(19);
        if (frac.empty() || frac.size() > 3) return std::nullopt;
        while (frac.size() < 3) frac += '0';
        auto v = parse_u64(frac);
        if (!v) return std::nullopt;
        millis = static_cast<std::int64_t>(*v);
    }
    if (t.size() == 19 && (t[10] == 'T' || t[10] == 't')) t[10] = ' ';
    auto tp = parse_api_time(t);
    if (!tp) return std::nullopt;
    return *tp + std::chrono::milliseconds{millis};
}

std::string usage() {
    return R"(noctua-sim: a Reloadly-shaped provider fleet simulator with traffic and fault injection.

Usage: noctua-sim [options]

Serving provider APIs (provider ID is served under http://HOST:PORT/ID/...):
  --listen HOST:PORT     serve every provider and the /sim control API on one port
                         (port 0 picks a free port; "listening on HOST:PORT" is printed)
  --tls-listen HOST:PORT the same API over TLS; SNI ID.localhost selects the provider whose
                         tls_error fault applies (https://acme.localhost:PORT/acme/...)
  --tls-ca-out FILE      write the CA certificate that signs the TLS front's certificates
  --fleet FILE           fleet file (TOML); default: one provider "acme" (ES, EUR,
                         static token "demo-token")

Traffic (generated only when a sink or a scenario is given):
  --out PATH             write events as JSON lines to PATH ("-" = stdout)
  --events-url URL       POST events as NDJSON batches to Noctua, e.g.
                         http://127.0.0.1:9464/api/v1/events
  --events-token TOKEN   bearer token for --events-url (default: $NOCTUA_SIM_EVENTS_TOKEN)
  --batch N              events per POST (default 500)
  --kafka-brokers LIST   produce events to Kafka (bootstrap servers, e.g. 127.0.0.1:9092),
                         keyed by provider so each provider stays in one partition
  --kafka-topic TOPIC    topic for --kafka-brokers (default transactions)
  --rate N               fleet events per minute at the weekly peak (default: fleet file, 600)
  --speed X|max          event time runs X times faster than the wall clock (default 1;
                         60 = an hour per minute; max = as fast as possible)
  --start TIME           event time of the start, RFC 3339 UTC (default: now - backfill)
  --backfill DURATION    start DURATION in the past ("14d"); history is produced at once,
                         then traffic continues at --speed
  --duration DURATION    stop generating after this much event time ("2h")
  --count N              stop after N events
  --scenario FILE        fault timeline (TOML); offsets count from the start

General:
  --seed N               random seed (default: the fleet file's, else 1); same seed, same run
  --log-level LEVEL      trace|debug|info|warn|error|off (default info); logs go to stderr
  --help                 this text
  --version              print the version

Control API (JSON): GET /sim/providers, GET /sim/providers/ID,
  POST /sim/providers/ID/fault {"kind":"outage","mode":"5xx"}, POST /sim/providers/ID/heal,
  POST /sim/providers/ID/balance {"balance":100}, POST /sim/heal.
Fault kinds: outage (mode 5xx|timeout|reset), latency {"ms"}, balance_drain {"over"},
  token_failure, operator_failure {"operator"}, country_failure {"country"},
  customer_wallet_dry {"customer"}, traffic_drop {"factor"}, traffic_shift {"to","factor"},
  catalogue_change, rate_limit {"limit"},
  tls_error (mode expired|self_signed|wrong_host|handshake; on the --tls-listen port);
  every kind takes an optional "for":"15m".
SIGINT/SIGTERM stop the simulator cleanly (exit 0). Exit codes: 0 ok, 1 runtime failure,
2 bad usage or bad files. Details: docs/simulator.md.
)";
}

core::Result<CliOptions> parse_cli(const std::vector<std::string>& args) {
    CliOptions o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> inline_value;
        if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
            inline_value = flag.substr(eq + 1);
            flag.resize(eq);
        }
        auto value = [&]() -> core::Result<std::string> {
            if (inline_value) return *inline_value;
            if (i + 1 >= args.size()) return core::fail(core::Errc::invalid_argument, flag + ": missing value");
            return args[++i];
        };
        auto bad = [&](std::string_view why) {
            return core::fail(core::Errc::invalid_argument, fmt::format("{}: {}", flag, why));
        };
        if (flag == "--help" || flag == "-h") {
            o.help = true;
            continue;
        }
        if (flag == "--version") {
            o.version = true;
            continue;
        }
        auto v = value();
        if (!v) return std::unexpected(v.error());
        if (flag == "--listen") o.listen = *v;
        else if (flag == "--fleet") o.fleet = *v;
        else if (flag == "--scenario") o.scenario = *v;
        else if (flag == "--out") o.out = *v;
        else if (flag == "--events-url") o.events_url = *v;
        else if (flag == "--events-token") o.events_token = *v;
        else if (flag == "--kafka-brokers") o.kafka_brokers = *v;
        else if (flag == "--tls-listen") o.tls_listen = *v;
        else if (flag == "--tls-ca-out") o.tls_ca_out = *v;
        else if (flag == "--kafka-topic") o.kafka_topic = *v;
        else if (flag == "--log-level") {
            constexpr std::array<std::string_view, 7> kLevels{"trace", "debug", "info", "warn",
                                                             "error", "critical", "off"};
            if (std::find(kLevels.begin(), kLevels.end(), *v) == kLevels.end()) {
                return bad("expected trace|debug|info|warn|error|critical|off");
            }
            o.log_level = *v;
        }
        else if (flag == "--seed") {
            if (!(o.seed = parse_u64(*v))) return bad("expected a non-negative integer");
        } else if (flag == "--count") {
            if (!(o.count = parse_u64(*v)) || *o.count == 0) return bad("expected a positive integer");
        } else if (flag == "--batch") {
            auto b = parse_u64(*v);
            if (!b || *b == 0 || *b > 100'000) return bad("expected 1..100000");
            o.batch = static_cast<std::size_t>(*b);
        } else if (flag == "--rate") {
            if (!(o.rate = parse_positive(*v))) return bad("expected a positive number");
        } else if (flag == "--speed") {
            if (*v == "max") {
                o.speed = 0;
            } else if (auto s = parse_positive(*v)) {
                o.speed = *s;
            } else {
                return bad("expected a positive number or \"max\"");
            }
        } else if (flag == "--start") {
            if (!(o.start = parse_time_arg(*v))) return bad("expected RFC 3339 UTC, e.g. 2024-05-01T10:00:00Z");
        } else if (flag == "--backfill" || flag == "--duration") {
            auto d = core::parse_duration(*v);
            if (!d || d->count() <= 0) return bad("expected a positive duration like \"14d\" or \"2h\"");
            if (flag == "--backfill") o.backfill = *d;
            else o.duration = *d;
        } else {
            return core::fail(core::Errc::invalid_argument, fmt::format("unknown option {} (see --help)", flag));
        }
    }
    if (o.events_token.empty()) {
        if (const char* env = std::getenv("NOCTUA_SIM_EVENTS_TOKEN")) o.events_token = env;
    }
    if (o.speed == 0 && !o.duration && !o.count && !o.help && !o.version) {
        return core::fail(core::Errc::invalid_argument, "--speed max needs --duration or --count (or it never ends)");
    }
    return o;
}

int run(const CliOptions& o) {
    auto logger = spdlog::stderr_logger_mt("sim");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(o.log_level));

    FleetSpec fleet = default_fleet();
    if (!o.fleet.empty()) {
        auto loaded = load_fleet(o.fleet);
        if (!loaded) {
            std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
            return 2;
        }
        fleet = std::move(*loaded);
    }
    if (o.seed) fleet.seed = *o.seed;
    if (o.rate) fleet.traffic.peak_per_minute = *o.rate;

    core::SystemClock wall;
    boost::asio::io_context ioc;
    // Registered before anything slow, so an early SIGTERM is queued rather than lost.
    boost::asio::signal_set signals{ioc, SIGINT, SIGTERM};
    SimService service{fleet, wall};

    std::optional<Scenario> scenario;
    if (!o.scenario.empty()) {
        auto loaded = load_scenario(o.scenario);
        if (!loaded) {
            std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
            return 2;
        }
        if (auto unknown = unknown_providers(*loaded, service); !unknown.empty()) {
            std::fprintf(stderr, "%s: unknown providers: %s\n", o.scenario.c_str(),
                         fmt::format("{}", fmt::join(unknown, ", ")).c_str());
            return 2;
        }
        scenario = std::move(*loaded);
    }

    const bool traffic = !o.out.empty() || !o.events_url.empty() || !o.kafka_brokers.empty() ||
                         scenario.has_value();
    if (o.listen.empty() && !traffic) {
        std::fprintf(stderr, "nothing to do: give --listen and/or --out, --events-url, --kafka-brokers (see --help)\n");
        return 2;
    }

    ResponseDelayer delayer{ioc};
    net::Router router;
    add_sim_routes(router, service, delayer);
    std::unique_ptr<net::HttpServer> server;
    if (!o.listen.empty()) {
        auto addr = net::parse_listen_address(o.listen);
        if (!addr) {
            std::fprintf(stderr, "--listen: %s\n", addr.error().message.c_str());
            return 2;
        }
        net::HttpServer::Options so;
        so.listen = o.listen;
        so.server_header = "noctua-sim";
        server = std::make_unique<net::HttpServer>(ioc, router, so);
        if (auto started = server->start(); !started) {
            std::fprintf(stderr, "--listen %s: %s\n", o.listen.c_str(), started.error().message.c_str());
            return 1;
        }
        std::printf("listening on %s:%u\n", addr->first.c_str(), static_cast<unsigned>(server->port()));
        std::fflush(stdout);
        spdlog::info("serving providers={} port={}", fleet.providers.size(), server->port());
    }
    std::unique_ptr<TlsFront> tls;
    auto provider_ids = [](SimService& svc) {
        std::vector<std::string> ids;
        for (auto& p : svc.providers()) ids.push_back(p->id());
        return ids;
    };
    if (!o.tls_listen.empty()) {
        if (!server) {
            std::fprintf(stderr, "--tls-listen needs --listen (TLS is relayed to that port)\n");
            return 2;
        }
        tls = std::make_unique<TlsFront>(
            ioc, TlsFront::Options{o.tls_listen, server->port(), provider_ids(service)},
            [&service, &wall](std::string_view id) -> std::optional<TlsMode> {
                auto* p = service.find(id);
                if (p == nullptr) return std::nullopt;
                p->expire_faults(wall.now());
                const auto* f = p->faults().find(FaultKind::tls_error);
                return f == nullptr ? std::nullopt : std::optional<TlsMode>{f->tls};
            });
        if (auto started = tls->start(); !started) {
            std::fprintf(stderr, "--tls-listen %s: %s\n", o.tls_listen.c_str(),
                         started.error().message.c_str());
            return 1;
        }
        if (!o.tls_ca_out.empty()) {
            std::FILE* f = std::fopen(o.tls_ca_out.c_str(), "w");
            if (f == nullptr) {
                std::fprintf(stderr, "--tls-ca-out %s: cannot open for writing\n", o.tls_ca_out.c_str());
                return 2;
            }
            std::fwrite(tls->ca_pem().data(), 1, tls->ca_pem().size(), f);
            std::fclose(f);
        }
        auto taddr = net::parse_listen_address(o.tls_listen);
        std::printf("tls listening on %s:%u\n", taddr ? taddr->first.c_str() : "?",
                    static_cast<unsigned>(tls->port()));
        std::fflush(stdout);
    }

    // Sinks and the runner.
    std::FILE* out_file = nullptr;
    std::unique_ptr<JsonLinesSink> lines;
    std::unique_ptr<net::CurlHttpClient> client;
    std::unique_ptr<HttpPushSink> push;
    NullSink null_sink;
    TeeSink tee;
    if (!o.out.empty()) {
        out_file = o.out == "-" ? stdout : std::fopen(o.out.c_str(), "w");
        if (out_file == nullptr) {
            std::fprintf(stderr, "--out %s: cannot open for writing\n", o.out.c_str());
            return 2;
        }
        lines = std::make_unique<JsonLinesSink>(out_file);
        tee.add(*lines);
    }
    if (!o.events_url.empty()) {
        client = std::make_unique<net::CurlHttpClient>(ioc);
        push = std::make_unique<HttpPushSink>(*client, HttpPushSink::Options{o.events_url, o.events_token, o.batch});
        tee.add(*push);
    }
    std::unique_ptr<KafkaSink> kafka;
    if (!o.kafka_brokers.empty()) {
        auto made = KafkaSink::create({o.kafka_brokers, o.kafka_topic});
        if (!made) {
            std::fprintf(stderr, "--kafka-brokers: %s\n", made.error().message.c_str());
            return 2;
        }
        kafka = std::move(*made);
        tee.add(*kafka);
    }
    if (tee.empty()) tee.add(null_sink);

    const auto now = wall.now();
    const auto start = o.start.value_or(now - o.backfill);
    std::optional<Generator> generator;
    std::unique_ptr<TrafficRunner> runner;
    bool shutting_down = false;
    auto shutdown_deadline = std::chrono::steady_clock::time_point::max();

    auto shutdown = [&] {
        if (shutting_down) return;
        shutting_down = true;
        shutdown_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        if (runner) runner->stop();
        tee.flush();
        delayer.cancel_all();
        if (server) server->stop();
        if (tls) tls->stop();
        if (client) client->stop();
        signals.cancel();
    };

    if (traffic) {
        generator.emplace(service, fleet.traffic, fleet.seed, start);
        if (scenario) generator->set_timeline(Timeline{*scenario, start});
        TrafficRunner::Options ro;
        ro.speed = o.speed;
        if (o.duration) ro.end = start + *o.duration;
        ro.max_events = o.count;
        runner = std::make_unique<TrafficRunner>(ioc, *generator, tee, wall, ro, [&] {
            spdlog::info("traffic done events={}", runner->emitted());
            if (kafka) {
                const auto st = kafka->stats();
                spdlog::info("events kafka delivered={} failed={}", st.delivered, st.failed);
            }
            if (push) {
                const auto st = push->stats();
                spdlog::info("events push sent={} dropped={} failed_requests={}", st.sent_events,
                             st.dropped_events, st.failed_requests);
            }
            if (!server) shutdown();
        });
        runner->start();
        spdlog::info("traffic start={} speed={} seed={}", core::format_rfc3339(start),
                     o.speed == 0 ? std::string{"max"} : fmt::format("{}", o.speed), fleet.seed);
    }

    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal={} stopping", sig);
        shutdown();
    });

    // Run until there is no work left; after a shutdown request, give in-flight work a few
    // seconds, then stop the loop as the very last step.
    for (;;) {
        ioc.run_for(std::chrono::milliseconds(200));
        if (ioc.stopped()) break;
        if (shutting_down && std::chrono::steady_clock::now() > shutdown_deadline) {
            ioc.stop();
            break;
        }
    }
    tee.flush();
    if (out_file != nullptr && out_file != stdout) std::fclose(out_file);
    return 0;
}

}  // namespace noctua::sim
