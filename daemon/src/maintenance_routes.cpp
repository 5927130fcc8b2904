// /api/v1/maintenance: providers' maintenance windows. GET lists the recurring ones of the
// config and the ad hoc ones; POST adds an ad hoc window, a persisted silence of the provider's
// alerts tagged as maintenance (expired like any silence, DELETE /api/v1/silences/{id}).
// Writing needs the admin token unless the server listens on loopback only.

#include <algorithm>

#include <simdjson.h>

#include "json_body.hpp"
#include "noctua/alerts/pipeline.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/regex.hpp"
#include "routes.hpp"

namespace noctua::daemon {
namespace {

using core::ServerRequest;
using core::ServerResponse;

constexpr std::size_t kMaxBody = 16 * 1024;

/// {"provider": "acme", "end": RFC 3339 or "duration": "2h", "start"?: RFC 3339,
///  "comment"?: "...", "createdBy"?: "..."}
core::Result<alerts::Silence> parse_window(std::string_view body, const config::Config& cfg,
                                           core::TimePoint now) {
    simdjson::dom::parser parser;
    const auto parsed = parse_json_object(parser, body, kMaxBody, "body");
    if (!parsed) return std::unexpected(parsed.error());
    const simdjson::dom::element root = *parsed;
    std::string_view provider;
    if (root["provider"].get(provider) || provider.empty()) {
        return core::fail(core::Errc::invalid_argument, "provider is required");
    }
    const bool known = std::any_of(cfg.providers.begin(), cfg.providers.end(),
                                   [&](const auto& p) { return p.id == provider; });
    if (!known) {
        return core::fail(core::Errc::invalid_argument,
                          "unknown provider " + core::excerpt(provider));
    }
    alerts::Silence s;
    s.maintenance = true;
    auto m = core::Matcher::make("provider", core::MatchOp::equal, std::string(provider));
    if (!m) return std::unexpected(m.error());
    s.matchers.push_back(std::move(*m));
    s.created_by = "api";
    if (auto span = read_silence_span(root, {"start", "end"}, now, s); !span) {
        return std::unexpected(span.error());
    }
    return s;
}

std::string provider_of(const alerts::Silence& s) {
    for (const auto& m : s.matchers) {
        if (m.name() == "provider" && m.op() == core::MatchOp::equal) return m.value();
    }
    return {};
}

void write_adhoc(core::JsonWriter& w, const alerts::Silence& s, core::TimePoint now) {
    w.begin_object();
    w.field("source", "api");
    w.field("id", s.id);
    w.field("provider", provider_of(s));
    w.field("startsAt", core::format_rfc3339(s.starts_at));
    w.field("endsAt", core::format_rfc3339(s.ends_at));
    w.field("createdBy", s.created_by);
    w.field("comment", s.comment);
    w.field("active", s.state(now) == alerts::Silence::State::active);
    w.key("status").begin_object().field("state", alerts::to_string(s.state(now))).end_object();
    w.end_object();
}

std::string list(Services& s) {
    const auto now = s.now();
    const auto& notifier = s.alert_pipeline().notifier();
    core::JsonWriter w;
    w.begin_object().field("status", "success");
    w.key("data").begin_array();
    for (const auto& p : s.config().providers) {
        for (const auto& m : p.maintenance) {
            w.begin_object();
            w.field("source", "config");
            w.field("provider", p.id);
            w.field("comment", m.comment);
            w.key("time_intervals").begin_array();
            for (const auto& name : m.time_intervals) w.value(name);
            w.end_array();
            w.field("active", notifier.in_maintenance(core::Labels{{"provider", p.id}}, now));
            w.end_object();
        }
    }
    for (const auto& sil : notifier.silences().list()) {
        if (sil.maintenance) write_adhoc(w, sil, now);
    }
    w.end_array();
    w.end_object();
    return std::move(w).str();
}

}  // namespace

void add_maintenance_routes(net::Router& r, Services& s) {
    r.add_async("GET", "/api/v1/maintenance",
                [&s](const ServerRequest&, const net::PathParams&, net::Router::Respond respond) {
                    s.on_pipeline([&s, respond = std::move(respond)] {
                        respond(ServerResponse::json(200, list(s)));
                    });
                });

    add_admin_route(r, s, "POST", "/api/v1/maintenance",
                    [&s](const ServerRequest& req, const net::PathParams&,
                         net::Router::Respond respond) {
                        respond_added_silence(
                            s, parse_window(req.body, s.config(), s.now()), respond,
                            [&s](core::JsonWriter& w, const alerts::Silence& added) {
                                w.field("maintenanceID", added.id);
                                w.key("data");
                                write_adhoc(w, added, s.now());
                            });
                    });
}

}  // namespace noctua::daemon
