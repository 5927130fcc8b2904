#include "routes.hpp"

#include <openssl/crypto.h>
#include <prometheus/text_serializer.h>

#include "noctua/alerts/codec.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/version.hpp"

namespace noctua::daemon {
namespace {

using core::ServerRequest;
using core::ServerResponse;

void write_result(core::JsonWriter& w, const probes::ProbeResult& r) {
    w.begin_object();
    w.field("started", core::format_rfc3339(r.started));
    w.field("duration_seconds", std::chrono::duration<double>(r.duration).count());
    w.field("success", r.success);
    if (!r.success) {
        w.field("failure_reason", r.failure_reason);
        w.field("message", r.message);
    }
    if (r.http_status != 0) w.field("http_status", r.http_status);
    // Phases, certificate, extracted values, scenario steps.
    if (r.timings.total > 0) {
        const auto p = probes::phases(r.timings);
        w.key("phases").begin_object();
        w.field("dns", p.dns).field("connect", p.connect).field("tls", p.tls);
        w.field("first_byte", p.first_byte).field("transfer", p.transfer);
        w.end_object();
    }
    if (r.certificate) {
        w.key("certificate").begin_object();
        w.field("not_after", core::format_rfc3339(core::TimePoint{std::chrono::seconds{r.certificate->not_after}}));
        w.field("issuer", r.certificate->issuer);
        w.field("subject", r.certificate->subject);
        w.end_object();
    }
    if (!r.values.empty()) {
        w.key("values").begin_object();
        for (const auto& v : r.values) w.field(v.name, v.value);
        w.end_object();
        if (!r.value_labels.empty()) {
            w.key("value_labels").begin_object();
            for (const auto& [k, v] : r.value_labels.pairs()) w.field(k, v);
            w.end_object();
        }
    }
    if (!r.steps.empty()) {
        w.key("steps").begin_array();
        for (const auto& s : r.steps) {
            w.begin_object();
            w.field("name", s.name);
            w.field("success", s.success);
            if (s.skipped) w.field("skipped", true);
            if (!s.failure_reason.empty()) w.field("failure_reason", s.failure_reason);
            if (!s.message.empty()) w.field("message", s.message);
            if (s.http_status != 0) w.field("http_status", s.http_status);
            if (s.attempts > 1) w.field("attempts", s.attempts);
            w.field("duration_seconds", std::chrono::duration<double>(s.duration).count());
            w.end_object();
        }
        w.end_array();
    }
    w.end_object();
}

/// The answer to POST /api/v1/probes/{id}/run: 202 when a run started or waits for a slot,
/// 409 when it was skipped because one is in flight or waiting already.
ServerResponse run_now_response(const std::string& id, const probes::Scheduler::RunNow& r) {
    using Outcome = probes::Scheduler::RunNow::Outcome;
    core::JsonWriter w;
    switch (r.outcome) {
        case Outcome::unknown_probe:
            return ServerResponse::json_error(404, "no probe \"" + id + "\"");
        case Outcome::started:
        case Outcome::queued:
            w.begin_object().field("status", "success");
            w.field("run", r.outcome == Outcome::started ? "started" : "queued").end_object();
            return ServerResponse::json(202, std::move(w).str());
        case Outcome::already_running:
            w.begin_object().field("status", "error");
            w.field("error", "a run of probe \"" + id + "\" is in flight; this one is skipped");
            if (r.running_since) w.field("running_since", core::format_rfc3339(*r.running_since));
            w.end_object();
            return ServerResponse::json(409, std::move(w).str());
        case Outcome::already_waiting:
            break;
    }
    return ServerResponse::json_error(
        409, "a run of probe \"" + id + "\" is waiting for a concurrency slot; this one is skipped");
}

void write_probe(core::JsonWriter& w, const probes::ProbeStatus& p, bool with_history = false) {
    w.begin_object();
    w.field("id", p.config.id);
    w.field("provider", p.config.provider);
    w.field("kind", p.config.kind);
    w.field("interval", core::format_duration(p.config.interval));
    w.field("running", p.running);
    w.field("runs", static_cast<std::uint64_t>(p.runs));
    w.key("last");
    if (p.last) {
        write_result(w, *p.last);
    } else {
        w.null();
    }
    if (with_history) {
        w.key("history").begin_array();
        for (const auto& r : p.history) write_result(w, r);
        w.end_array();
    }
    w.end_object();
}

void write_alert(core::JsonWriter& w, const alerts::Alert& a) {
    w.begin_object();
    w.field("fingerprint", a.labels.fingerprint_hex());
    w.field("state", to_string(a.state));
    alerts::write_labels_and_annotations(w, a);
    w.field("startsAt", core::format_rfc3339(a.starts_at));
    if (a.ack) {
        w.key("ack").begin_object();
        w.field("by", a.ack->by).field("comment", a.ack->comment);
        w.field("at", core::format_rfc3339(a.ack->at)).end_object();
    }
    w.end_object();
}

ServerResponse ok_json(std::string body) { return ServerResponse::json(200, std::move(body)); }

/// GET `path`: `{"status": "success", "data": [...]}`, the entries written by `entries` on the
/// pipeline.
void add_data_list(net::Router& r, Services& s, std::string path,
                   std::function<void(core::JsonWriter&)> entries) {
    r.add_async("GET", std::move(path),
                [&s, entries = std::move(entries)](const ServerRequest&, const net::PathParams&,
                                                   net::Router::Respond respond) {
                    s.on_pipeline([&entries, respond = std::move(respond)] {
                        core::JsonWriter w;
                        w.begin_object().field("status", "success").key("data").begin_array();
                        entries(w);
                        w.end_array().end_object();
                        respond(ok_json(std::move(w).str()));
                    });
                });
}

}  // namespace

bool admin_authorized(const ServerRequest& request, const config::ServerConfig& server) {
    if (!server.admin_token) return true;  // config check: loopback-only listen
    const auto token = core::bearer_token(request.headers);
    if (!token) return false;
    const auto given = *token;
    const auto& want = server.admin_token->reveal();
    return given.size() == want.size() &&
           CRYPTO_memcmp(given.data(), want.data(), want.size()) == 0;
}

void respond_added_silence(
    Services& s, core::Result<alerts::Silence> parsed, const net::Router::Respond& respond,
    const std::function<void(core::JsonWriter&, const alerts::Silence&)>& body) {
    if (!parsed) {
        respond(ServerResponse::json_error(400, parsed.error().message));
        return;
    }
    auto added = s.alert_pipeline().add_silence(std::move(*parsed));
    if (!added) {
        respond(ServerResponse::json_error(400, added.error().message));
        return;
    }
    core::JsonWriter w;
    w.begin_object().field("status", "success");
    body(w, *added);
    w.end_object();
    respond(ServerResponse::json(200, std::move(w).str()));
}

void add_admin_route(net::Router& r, Services& s, std::string method, std::string pattern,
                     net::Router::AsyncHandler handler) {
    r.add_async(std::move(method), std::move(pattern),
                [&s, handler = std::move(handler)](const ServerRequest& req,
                                                   const net::PathParams& params,
                                                   net::Router::Respond respond) {
                    s.on_pipeline([&s, &handler, req, params, respond = std::move(respond)]() mutable {
                        if (!admin_authorized(req, s.config().server)) {
                            respond(ServerResponse::json_error(401, "admin token required"));
                            return;
                        }
                        handler(req, params, std::move(respond));
                    });
                });
}

net::Router make_router(Services& s) {
    net::Router r;

    // Off the io thread: with thousands of probes the body is megabytes and takes tens of
    // milliseconds to write, during which due probe runs would wait and then start as a herd.
    r.add_async("GET", "/metrics",
                [&s](const ServerRequest&, const net::PathParams&, net::Router::Respond respond) {
                    s.off_loop([&s, respond = std::move(respond)] {
                        auto body = prometheus::TextSerializer().Serialize(
                            s.metrics_registry().Collect());
                        s.write_extra_metrics(body);
                        ServerResponse resp = ServerResponse::text(200, std::move(body));
                        resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
                        respond(std::move(resp));
                    });
                });

    // The status page: self-contained, so the policy forbids loading anything at all.
    r.add_async("GET", "/",
                [&s](const ServerRequest&, const net::PathParams&, net::Router::Respond respond) {
                    s.on_pipeline([&s, respond = std::move(respond)] {
                        auto html = s.status_page();
                        if (!html) {
                            respond(ServerResponse::json_error(404, "no status page"));
                            return;
                        }
                        ServerResponse resp = ServerResponse::text(200, std::move(*html));
                        resp.content_type = "text/html; charset=utf-8";
                        resp.headers = {{"Content-Security-Policy",
                                         "default-src 'none'; style-src 'unsafe-inline'; img-src data:"},
                                        {"Cache-Control", "no-store"}};
                        respond(std::move(resp));
                    });
                });

    r.add("GET", "/healthz", [](const ServerRequest&, const net::PathParams&) {
        return ServerResponse::text(200, "ok\n");
    });

    r.add("GET", "/readyz", [&s](const ServerRequest&, const net::PathParams&) {
        return s.is_ready() ? ServerResponse::text(200, "ready\n")
                            : ServerResponse::text(503, "not ready\n");
    });

    r.add_async("GET", "/api/v1/status",
                [&s](const ServerRequest&, const net::PathParams&, net::Router::Respond respond) {
                    s.on_pipeline([&s, respond = std::move(respond)] {
                        core::JsonWriter w;
                        w.begin_object();
                        w.field("status", "success");
                        w.field("version", std::string(core::version()));
                        w.field("ready", s.is_ready());
                        w.field("config", s.config_summary());
                        write_shard(w, s.shard_status());
                        w.key("probes").begin_array();
                        for (const auto& p : s.probe_scheduler().status(false)) write_probe(w, p);
                        w.end_array();
                        w.key("alerts").begin_array();
                        for (const auto& a : s.alert_engine().firing()) write_alert(w, a);
                        w.end_array();
                        w.field("notifications_pending",
                                static_cast<std::uint64_t>(s.notifications_pending()));
                        w.end_object();
                        respond(ok_json(std::move(w).str()));
                    });
                });

    add_data_list(r, s, "/api/v1/alerts", [&s](core::JsonWriter& w) {
        // The engine knows what fires; the pipeline knows who acknowledged it.
        const auto& held = s.alert_pipeline().notifier().firing();
        for (auto a : s.alert_engine().firing()) {
            if (auto it = held.find(a.fingerprint()); it != held.end()) a.ack = it->second.ack;
            write_alert(w, a);
        }
    });

    add_data_list(r, s, "/api/v1/probes", [&s](core::JsonWriter& w) {
        for (const auto& p : s.probe_scheduler().status(false)) write_probe(w, p);
    });

    r.add_async("GET", "/api/v1/probes/{id}",
                [&s](const ServerRequest&, const net::PathParams& params,
                     net::Router::Respond respond) {
                    s.on_pipeline([&s, id = params.at("id"), respond = std::move(respond)] {
                        auto p = s.probe_scheduler().status_of(id);
                        if (!p) {
                            respond(ServerResponse::json_error(404, "no probe \"" + id + "\""));
                            return;
                        }
                        core::JsonWriter w;
                        w.begin_object().field("status", "success").key("data");
                        write_probe(w, *p, true);
                        w.end_object();
                        respond(ok_json(std::move(w).str()));
                    });
                });

    add_admin_route(r, s, "POST", "/api/v1/probes/{id}/run",
                    [&s](const ServerRequest&, const net::PathParams& params,
                         net::Router::Respond respond) {
                        const auto& id = params.at("id");
                        respond(run_now_response(id, s.probe_scheduler().run_now(id)));
                    });

    add_admin_route(r, s, "POST", "/api/v1/reload",
                    [&s](const ServerRequest&, const net::PathParams&,
                         net::Router::Respond respond) {
                        s.reload_from_file([respond = std::move(respond)](core::Result<void> result) {
                            respond(result ? ServerResponse::json(200, R"({"status":"success"})")
                                           : ServerResponse::json_error(400, result.error().message));
                        });
                    });

    // Push heartbeats: the probe's own token, as a bearer token or ?token=; not the
    // admin token, so a cron job can beat without admin rights.
    r.add("POST", "/api/v1/heartbeats/{id}",
          [&s](const ServerRequest& req, const net::PathParams& params) {
              std::string token;
              if (auto bearer = core::bearer_token(req.headers)) {
                  token = std::string(*bearer);
              } else if (auto q = core::query_param(req.query, "token")) {
                  token = std::move(*q);
              }
              switch (s.heartbeat_board().beat(params.at("id"), token)) {
                  case probes::HeartbeatBoard::BeatResult::ok:
                      return ServerResponse::json(202, R"({"status":"success"})");
                  case probes::HeartbeatBoard::BeatResult::bad_token:
                      return ServerResponse::json_error(401, "invalid heartbeat token");
                  case probes::HeartbeatBoard::BeatResult::unknown_id:
                      break;
              }
              return ServerResponse::json_error(404, "no heartbeat probe \"" + params.at("id") + "\"");
          });

    // Ingest: authenticated by the stream's token or HMAC signature, not the admin
    // token; parsed on the ingest thread, never on the connection's.
    r.add_async("POST", "/api/v1/events",
                [&s](const ServerRequest& req, const net::PathParams&, net::Router::Respond respond) {
                    s.ingest_events(req, std::move(respond));
                });

    add_status_test_routes(r, s);
    add_alert_routes(r, s);
    add_maintenance_routes(r, s);
    return r;
}

}  // namespace noctua::daemon
