#include "noctua/probes/auth.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/base64.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/log.hpp"

namespace noctua::probes {
namespace {

const std::string& reveal(const std::optional<config::Secret>& s) {
    static const std::string empty;
    return s ? s->reveal() : empty;
}

/// errorCode or error from a token endpoint's error body, for the failure message.
std::string error_code(const std::string& body) {
    simdjson::dom::parser parser;
    auto doc = parser.parse(body);
    if (doc.error()) return {};
    for (const char* key : {"errorCode", "error"}) {
        auto v = doc[key].get_string();
        if (!v.error()) return std::string(v.value_unsafe());
    }
    return {};
}

}  // namespace

bool token_expired(const core::HttpResponse& response) {
    if (response.status != 401) return false;
    if (response.body.find("TOKEN_EXPIRED") != std::string::npos) return true;
    auto www = core::find_header(response.headers, "WWW-Authenticate");
    return www && www->find("invalid_token") != std::string_view::npos;
}

std::string Authenticator::key(const std::string& provider, const config::AuthConfig& auth) {
    // Different credentials or audiences of one provider are different tokens.
    return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", provider, auth.token_url, reveal(auth.client_id),
                       auth.audience, auth.scope, auth.style);
}

void Authenticator::async_headers(const std::string& provider, const config::AuthConfig& auth,
                                  Done done) {
    if (auth.type == "bearer") {
        done(core::Headers{{"Authorization", "Bearer " + reveal(auth.token)}});
        return;
    }
    if (auth.type == "basic") {
        const auto credentials = auth.username + ":" + reveal(auth.password);
        done(core::Headers{{"Authorization", "Basic " + core::base64_encode(credentials)}});
        return;
    }
    if (auth.type == "api_key") {
        done(core::Headers{{auth.header, reveal(auth.key)}});
        return;
    }
    const auto k = key(provider, auth);
    std::string token;
    {
        std::lock_guard lock(mu_);
        auto& e = entries_[k];
        if (!e.token.empty() && clock_.now() < e.refresh_at) {
            token = e.token;
        } else {
            e.waiters.push_back(std::move(done));
            if (e.fetching) return;
            e.fetching = true;
            ++requests_;
        }
    }
    if (!token.empty()) {
        done(core::Headers{{"Authorization", "Bearer " + token}});
        return;
    }
    fetch(k, auth);
}

void Authenticator::fetch(const std::string& k, const config::AuthConfig& auth) {
    core::HttpRequest req;
    req.method = "POST";
    req.url = auth.token_url;
    req.timeout = auth.timeout;
    req.max_response_bytes = 64 * 1024;
    req.headers.emplace_back("Accept", "application/json");
    if (auth.style == "json") {
        core::JsonWriter w;
        w.begin_object()
            .field("client_id", reveal(auth.client_id))
            .field("client_secret", reveal(auth.client_secret))
            .field("grant_type", "client_credentials");
        if (!auth.audience.empty()) w.field("audience", auth.audience);
        if (!auth.scope.empty()) w.field("scope", auth.scope);
        w.end_object();
        req.body = std::move(w).str();
        req.headers.emplace_back("Content-Type", "application/json");
    } else {
        // RFC 6749 §2.3.1: client credentials in HTTP Basic, form-encoded first.
        const auto credentials = core::percent_encode(reveal(auth.client_id), true) + ":" +
                                 core::percent_encode(reveal(auth.client_secret), true);
        req.headers.emplace_back("Authorization", "Basic " + core::base64_encode(credentials));
        req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        req.body = "grant_type=client_credentials";
        if (!auth.scope.empty()) req.body += "&scope=" + core::percent_encode(auth.scope, true);
        if (!auth.audience.empty()) req.body += "&audience=" + core::percent_encode(auth.audience, true);
    }
    http_.async_request(std::move(req), [this, k, auth](core::HttpResponse r) {
        on_token(k, auth, std::move(r));
    });
}

void Authenticator::on_token(const std::string& k, const config::AuthConfig& auth,
                             core::HttpResponse r) {
    core::Result<std::string> token = core::fail(core::Errc::unavailable, "");
    double expires_in = 3600;  // RFC 6749 makes expires_in optional
    if (!r.transport_ok()) {
        token = core::fail(core::Errc::unavailable,
                           fmt::format("token request failed: {}: {}", core::to_string(r.error),
                                       r.error_message));
    } else if (r.status != 200) {
        const auto code = error_code(r.body);
        token = core::fail(core::Errc::unavailable,
                           fmt::format("token request answered {}{}", r.status,
                                       code.empty() ? "" : " " + code));
    } else {
        simdjson::dom::parser parser;
        auto doc = parser.parse(r.body);
        auto access = doc["access_token"].get_string();
        if (doc.error() || access.error() || access.value_unsafe().empty()) {
            token = core::fail(core::Errc::unavailable, "token response has no access_token");
        } else {
            token = std::string(access.value_unsafe());
            if (auto e = doc["expires_in"].get_double(); !e.error()) expires_in = e.value_unsafe();
            else if (auto i = doc["expires_in"].get_int64(); !i.error()) expires_in = static_cast<double>(i.value_unsafe());
        }
    }
    std::vector<Done> waiters;
    {
        std::lock_guard lock(mu_);
        auto& e = entries_[k];
        e.fetching = false;
        waiters.swap(e.waiters);
        if (token) {
            e.token = *token;
            const auto lifetime = std::chrono::milliseconds(static_cast<std::int64_t>(expires_in * 1000));
            e.refresh_at = clock_.now() + std::max(std::chrono::milliseconds{0},
                                                   lifetime - auth.refresh_before);
        } else {
            e.token.clear();
        }
    }
    if (!token) {
        // The provider, not the token URL: a URL may carry credentials of its own.
        core::logger("probes")->warn("oauth2 token fetch failed provider={} reason=\"{}\"",
                                     std::string_view{k}.substr(0, k.find('\n')),
                                     token.error().message);
    }
    for (auto& w : waiters) {
        if (token) {
            w(core::Headers{{"Authorization", "Bearer " + *token}});
        } else {
            w(std::unexpected(token.error()));
        }
    }
}

void Authenticator::invalidate(const std::string& provider, const config::AuthConfig& auth,
                               const std::string& token) {
    if (auth.type != "oauth2_client_credentials") return;
    std::lock_guard lock(mu_);
    auto it = entries_.find(key(provider, auth));
    if (it == entries_.end()) return;
    const std::string bearer = "Bearer " + it->second.token;
    if (it->second.token == token || bearer == token) it->second.token.clear();
}

std::size_t Authenticator::token_requests() const {
    std::lock_guard lock(mu_);
    return requests_;
}

}  // namespace noctua::probes
