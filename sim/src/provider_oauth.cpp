// The simulated provider's OAuth2 token endpoint (client credentials).
#include "noctua/sim/provider.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/ascii.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/json.hpp"
#include "provider_http.hpp"

namespace noctua::sim {

// ---------------------------------------------------------------------------------------------
// OAuth2

Reply ProviderSim::token(const ServerRequest& req, std::string_view path) {
    if (faults_.has(FaultKind::token_failure)) {
        return Reply{spring_error(503, "Service Unavailable",
                                  "The authorization server is temporarily unavailable", path)};
    }
    auto ct = core::find_header(req.headers, "Content-Type");
    if (!ct || !core::ascii_istarts_with(*ct, "application/json")) {
        return Reply{spring_error(
            415, "Unsupported Media Type",
            fmt::format("Content type '{}' not supported", ct ? *ct : std::string_view{""}), path)};
    }
    JsonBody body;
    if (!parse_body(body, req.body)) {
        return Reply{spring_error(400, "Bad Request", "JSON parse error", path)};
    }
    std::string fields[4];
    constexpr std::array<std::string_view, 4> kNames{"client_id", "client_secret", "grant_type",
                                                    "audience"};
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        auto v = json_string(body.obj, kNames[i]);
        if (!v || v->empty()) {
            return Reply{app_error(400, fmt::format("{} is required", kNames[i]), std::nullopt, path)};
        }
        fields[i] = std::move(*v);
    }
    const auto& [client_id, client_secret, grant_type, audience] = fields;
    if (grant_type != "client_credentials") {
        return Reply{app_error(400, "Unsupported grant type", std::nullopt, path)};
    }
    if (client_id != spec_.client_id || client_secret != spec_.client_secret) {
        return Reply{app_error(401, "Access Denied", "INVALID_CREDENTIALS", path)};
    }
    if (std::find(kAllAudiences.begin(), kAllAudiences.end(), audience) == kAllAudiences.end()) {
        return Reply{app_error(401, "The provided audience is not valid", "INVALID_AUDIENCE", path)};
    }

    const auto now = clock_.now();
    if (tokens_.size() >= kMaxTokens) {
        std::erase_if(tokens_, [&](const auto& kv) { return kv.second.expires <= now; });
        if (tokens_.size() >= kMaxTokens) tokens_.clear();
    }
    const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(spec_.token_ttl).count();
    std::string sig;
    for (int i = 0; i < 4; ++i) {
        const auto x = rng_.next();
        sig.append(reinterpret_cast<const char*>(&x), sizeof x);
    }
    JsonWriter payload;
    payload.begin_object()
        .field("sub", client_id)
        .field("aud", audience)
        .field("scope", "developer")
        .field("iat", static_cast<std::int64_t>(iat))
        .field("exp", static_cast<std::int64_t>(iat + ttl))
        .field("jti", fmt::format("{:016x}", rng_.next()))
        .end_object();
    std::string token = core::base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                        core::base64url_encode(payload.str()) + "." + core::base64url_encode(sig);
    tokens_[token] = Token{now + spec_.token_ttl, audience};

    JsonWriter w;
    w.begin_object()
        .field("access_token", token)
        .field("scope", "developer")
        .field("expires_in", static_cast<std::int64_t>(ttl))
        .field("token_type", "Bearer")
        .end_object();
    return Reply{ServerResponse::json(200, std::move(w).str())};
}

}  // namespace noctua::sim
