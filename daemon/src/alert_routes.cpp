// /api/v1/silences: create, list and expire silences (Alertmanager's API v2 shape, under our
// prefix); /api/v1/alerts/{fingerprint}/ack. Writing needs the admin token unless the server
// listens on loopback only.

#include <simdjson.h>

#include "json_body.hpp"
#include "noctua/alerts/pipeline.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/regex.hpp"
#include "routes.hpp"

namespace noctua::daemon {
namespace {

using core::ServerRequest;
using core::ServerResponse;

// Backpressure on POST /api/v2/alerts: once its alerts are on disk, a push is answered when at
// most one round of attempts (kMaxInFlight groups) waits for a receiver's slot, and after
// kPushHold at the latest. A sender faster than the receivers is slowed to their pace, so that a
// storm's notifications go out in milliseconds rather than queue for seconds; the hold stays far
// under a sender's push timeout (Prometheus: 10 s) whatever the receivers do.
constexpr auto kPushHold = std::chrono::milliseconds(200);

// A silence body is a few matchers and two strings; anything larger is a mistake or an attack.
constexpr std::size_t kMaxSilenceBody = 64 * 1024;

std::string write_silence(const alerts::Silence& s, core::TimePoint now) {
    core::JsonWriter w;
    w.begin_object();
    w.field("id", s.id);
    w.field("matchers", core::to_string(s.matchers));
    w.field("startsAt", core::format_rfc3339(s.starts_at));
    w.field("endsAt", core::format_rfc3339(s.ends_at));
    w.field("createdBy", s.created_by);
    w.field("comment", s.comment);
    w.field("updatedAt", core::format_rfc3339(s.updated_at));
    w.key("status").begin_object().field("state", alerts::to_string(s.state(now))).end_object();
    w.end_object();
    return std::move(w).str();
}

// {"matchers": "provider=\"acme\"" | ["provider=\"acme\"", ...], "endsAt": RFC 3339 or
//  "duration": "2h", "startsAt"?: RFC 3339, "createdBy": "...", "comment": "..."}
core::Result<alerts::Silence> parse_silence(std::string_view body, core::TimePoint now) {
    simdjson::dom::parser parser;
    const auto parsed = parse_json_object(parser, body, kMaxSilenceBody, "silence body");
    if (!parsed) return std::unexpected(parsed.error());
    const simdjson::dom::element root = *parsed;
    alerts::Silence s;
    std::string_view text;
    simdjson::dom::array list;
    if (!root["matchers"].get(text)) {
        auto m = core::parse_matchers(text);
        if (!m) return core::fail(core::Errc::invalid_argument, "matchers: " + m.error().message);
        s.matchers = std::move(*m);
    } else if (!root["matchers"].get(list)) {
        for (auto e : list) {
            std::string_view one;
            if (e.get(one)) {
                return core::fail(core::Errc::invalid_argument, "matchers: expected strings");
            }
            auto m = core::Matcher::parse(one);
            if (!m) return core::fail(core::Errc::invalid_argument, "matchers: " + m.error().message);
            s.matchers.push_back(std::move(*m));
        }
    } else {
        return core::fail(core::Errc::invalid_argument, "matchers is required");
    }
    if (auto span = read_silence_span(root, {"startsAt", "endsAt"}, now, s); !span) {
        return std::unexpected(span.error());
    }
    return s;
}

// {"author": "...", "comment"?: "..."}
struct AckBody {
    std::string author;
    std::string comment;
};

core::Result<AckBody> parse_ack(std::string_view body) {
    simdjson::dom::parser parser;
    const auto parsed = parse_json_object(parser, body, kMaxSilenceBody, "ack body",
                                          R"({"author": "...", "comment": "..."})");
    if (!parsed) return std::unexpected(parsed.error());
    const simdjson::dom::element root = *parsed;
    AckBody out;
    std::string_view text;
    if (root["author"].get(text) || text.empty()) {
        return core::fail(core::Errc::invalid_argument, "author is required (who takes the alert)");
    }
    out.author = std::string(text.substr(0, 256));
    if (!root["comment"].get(text)) out.comment = std::string(text.substr(0, 4096));
    return out;
}

}  // namespace

void add_alert_routes(net::Router& r, Services& s) {
    // Alertmanager's API v2 ingest, so a Prometheus server can name Noctua in its
    // alerting.alertmanagers: its alerts get the same routing, muting and durable delivery.
    // Answered once the resulting alert state is on disk (and the receivers keep up: kPushHold).
    add_admin_route(r, s, "POST", "/api/v2/alerts",
                    [&s](const ServerRequest& req, const net::PathParams&,
                         net::Router::Respond respond) {
                        auto inputs = s.external_alerts().receive(req.body, s.now());
                        if (!inputs) {
                            respond(ServerResponse::json_error(400, inputs.error().message));
                            return;
                        }
                        s.apply_alert_inputs(std::move(*inputs));
                        auto& dispatcher = s.alert_pipeline().dispatcher();
                        dispatcher.after_writes(
                            [&dispatcher, respond = std::move(respond)]() mutable {
                                dispatcher.when_backlog_at_most(
                                    alerts::Dispatcher::kMaxInFlight, kPushHold,
                                    [respond = std::move(respond)] {
                                        respond(ServerResponse::json(200, "{}"));
                                    });
                            });
                    });

    // Acknowledges a firing alert; answered once the ack is on disk.
    add_admin_route(r, s, "POST", "/api/v1/alerts/{fingerprint}/ack",
                    [&s](const ServerRequest& req, const net::PathParams& params,
                         net::Router::Respond respond) {
                        const auto& fp = params.at("fingerprint");
                        auto body = parse_ack(req.body);
                        if (!body) {
                            respond(ServerResponse::json_error(400, body.error().message));
                            return;
                        }
                        auto acked = s.alert_pipeline().acknowledge(fp, std::move(body->author),
                                                                    std::move(body->comment));
                        if (!acked) {
                            const bool unknown = acked.error().code == core::Errc::not_found;
                            respond(ServerResponse::json_error(
                                unknown ? 404 : 400,
                                unknown ? "no firing alert has fingerprint " + core::excerpt(fp) +
                                              " (GET /api/v1/alerts lists them)"
                                        : acked.error().message));
                            return;
                        }
                        core::JsonWriter w;
                        w.begin_object().field("status", "success").key("data").begin_object();
                        w.field("fingerprint", acked->labels.fingerprint_hex());
                        w.key("labels").begin_object();
                        for (const auto& [k, v] : acked->labels.pairs()) w.field(k, v);
                        w.end_object();
                        w.key("ack").begin_object().field("by", acked->ack->by);
                        w.field("comment", acked->ack->comment);
                        w.field("at", core::format_rfc3339(acked->ack->at)).end_object();
                        w.end_object().end_object();
                        s.alert_pipeline().dispatcher().after_writes(
                            [respond = std::move(respond), body = std::move(w).str()]() mutable {
                                respond(ServerResponse::json(200, std::move(body)));
                            });
                    });

    r.add_async("GET", "/api/v1/silences",
                [&s](const ServerRequest&, const net::PathParams&, net::Router::Respond respond) {
                    s.on_pipeline([&s, respond = std::move(respond)] {
                        const auto now = s.now();
                        std::string body = R"({"status":"success","data":[)";
                        bool first = true;
                        for (const auto& sil : s.alert_pipeline().notifier().silences().list()) {
                            if (!first) body += ',';
                            first = false;
                            body += write_silence(sil, now);
                        }
                        body += "]}";
                        respond(ServerResponse::json(200, std::move(body)));
                    });
                });

    add_admin_route(r, s, "POST", "/api/v1/silences",
                    [&s](const ServerRequest& req, const net::PathParams&,
                         net::Router::Respond respond) {
                        respond_added_silence(
                            s, parse_silence(req.body, s.now()), respond,
                            [&s](core::JsonWriter& w, const alerts::Silence& added) {
                                w.key("data").raw(write_silence(added, s.now()));
                                w.field("silenceID", added.id);
                            });
                    });

    add_admin_route(r, s, "DELETE", "/api/v1/silences/{id}",
                    [&s](const ServerRequest&, const net::PathParams& params,
                         net::Router::Respond respond) {
                        const auto& id = params.at("id");
                        auto expired = s.alert_pipeline().expire_silence(id);
                        if (!expired) {
                            respond(ServerResponse::json_error(404, expired.error().message));
                            return;
                        }
                        respond(ServerResponse::json(200, R"({"status":"success"})"));
                    });
}

}  // namespace noctua::daemon
