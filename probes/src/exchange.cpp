#include "exchange.hpp"

#include <fmt/format.h>

#include "noctua/probes/auth.hpp"

namespace noctua::probes::detail {
namespace {

std::string describe_expected(const std::vector<StatusRange>& ranges) {
    std::string out;
    for (const auto& r : ranges) {
        if (!out.empty()) out += ", ";
        out += r.low == r.high ? std::to_string(r.low) : fmt::format("{}-{}", r.low, r.high);
    }
    return out;
}

struct ExchangeState {
    ProbeContext& ctx;
    const config::ProbeConfig& config;
    core::HttpRequest request;
    std::function<void(Exchanged)> done;
    std::string token_header;  // the Authorization value sent, for invalidate()
    bool retried = false;
};

void send(const std::shared_ptr<ExchangeState>& st, bool use_auth);

void send_with(const std::shared_ptr<ExchangeState>& st, core::Headers extra) {
    core::HttpRequest req = st->request;
    for (auto& [name, value] : extra) {
        if (core::find_header(req.headers, name)) continue;  // the probe's own header wins
        if (name == "Authorization") st->token_header = value;
        req.headers.emplace_back(std::move(name), std::move(value));
    }
    st->ctx.http.async_request(std::move(req), [st](core::HttpResponse r) {
        const auto& auth = st->config.auth;
        if (!st->retried && auth && auth->type == "oauth2_client_credentials" &&
            st->ctx.auth != nullptr && token_expired(r)) {
            // One refresh per run: a second TOKEN_EXPIRED is the provider's problem.
            st->retried = true;
            st->ctx.auth->invalidate(st->config.provider, *auth, st->token_header);
            send(st, true);
            return;
        }
        st->done(Exchanged{std::move(r), {}});
    });
}

void send(const std::shared_ptr<ExchangeState>& st, bool use_auth) {
    const auto& auth = st->config.auth;
    if (!use_auth || !auth) {
        send_with(st, {});
        return;
    }
    if (st->ctx.auth == nullptr) {
        Exchanged x;
        x.auth_error = "no authenticator available";
        st->done(std::move(x));
        return;
    }
    st->ctx.auth->async_headers(st->config.provider, *auth, [st](core::Result<core::Headers> h) {
        if (!h) {
            Exchanged x;
            x.auth_error = h.error().message;
            st->done(std::move(x));
            return;
        }
        send_with(st, std::move(*h));
    });
}

}  // namespace

core::Result<Checks> Checks::compile(const std::vector<std::string>& expect,
                                     const std::vector<ExtractConfig>& extract,
                                     const std::vector<ExtractLabelConfig>& labels) {
    Checks c;
    for (const auto& e : expect) {
        auto p = Program::compile(e);
        if (!p) return std::unexpected(p.error());
        c.expect.push_back(std::move(*p));
    }
    for (const auto& e : extract) {
        auto p = Program::compile(e.expression);
        if (!p) return std::unexpected(p.error());
        c.extract.push_back({e.name, std::move(*p)});
    }
    for (const auto& l : labels) {
        auto p = Program::compile(l.expression);
        if (!p) return std::unexpected(p.error());
        c.labels.push_back({l.name, std::move(*p), l.allow});
    }
    return c;
}

void async_exchange(ProbeContext& ctx, const config::ProbeConfig& config, core::HttpRequest request,
                    bool use_auth, std::function<void(Exchanged)> done) {
    auto st = std::make_shared<ExchangeState>(
        ExchangeState{ctx, config, std::move(request), std::move(done), {}, false});
    send(st, use_auth);
}

core::HttpRequest base_request(const config::ProbeConfig& c, const HttpTransport& t) {
    core::HttpRequest req;
    req.timeout = c.timeout;
    req.max_response_bytes = t.max_response_bytes;
    req.follow_redirects = t.follow_redirects;
    req.max_redirects = t.max_redirects;
    req.verify_tls = !t.tls.insecure;
    req.ca_file = t.tls.ca_file;
    req.client_cert_file = t.tls.cert_file;
    req.client_key_file = t.tls.key_file;
    req.ip_version = t.ip_version;
    req.proxy = t.proxy;
    req.fresh_connection = !t.keep_alive;
    req.want_certificate = !t.keep_alive;
    return req;
}

void judge(const Exchanged& x, const config::ProbeConfig& c,
           const std::vector<StatusRange>& expected, const Checks& checks, core::TimePoint now,
           ProbeResult& out) {
    const auto& r = x.response;
    out.http_status = r.status;
    out.timings = r.timings;
    out.certificate = r.certificate;
    out.success = false;
    if (!x.auth_error.empty()) {
        out.failure_reason = "auth";
        out.message = "auth: " + x.auth_error;
        return;
    }
    if (!r.transport_ok()) {
        out.failure_reason = std::string(core::to_string(r.error));
        out.message = fmt::format("{}: {}", out.failure_reason, r.error_message);
        return;
    }
    if (!expected.empty()) {
        bool ok = false;
        for (const auto& range : expected) ok = ok || (r.status >= range.low && r.status <= range.high);
        if (!ok) {
            // A rejected credential is an auth problem, not the endpoint's.
            out.failure_reason = (r.status == 401 && c.auth) ? "auth" : "status";
            out.message = fmt::format("status {}, expected {}", r.status, describe_expected(expected));
            return;
        }
    }
    // One parser per thread, reused: its buffers are allocated once, not per run.
    thread_local simdjson::dom::parser parser;
    const ResponseScope scope(r, now, &parser);
    for (const auto& e : checks.expect) {
        if (auto why = e.check(scope)) {
            out.failure_reason = "assertion";
            out.message = *why;
            return;
        }
    }
    out.values.clear();
    for (const auto& e : checks.extract) {
        const Value v = e.program.evaluate(scope);
        auto n = to_number(v);
        if (!n) {
            out.failure_reason = "extraction";
            out.message = fmt::format("extract {} = {}: {}", e.name, e.program.expression().source(),
                                      v.type == Value::Type::missing ? v.why
                                                                     : "not a number: " + describe(v));
            return;
        }
        out.values.push_back({e.name, *n});
    }
    for (const auto& l : checks.labels) {
        auto text = to_text(l.program.evaluate(scope));
        // Only allow-listed values: a label must stay bounded whatever the provider sends.
        const bool allowed = text && std::find(l.allow.begin(), l.allow.end(), *text) != l.allow.end();
        out.value_labels.set(l.name, allowed ? *text : "other");
    }
    out.success = true;
}

}  // namespace noctua::probes::detail
