#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/core/result.hpp"

namespace noctua::probes {

/// Adds a provider's credentials to probe requests (bearer, basic, API key, OAuth2 client
/// credentials) and caches OAuth2 tokens per provider.
///
/// OAuth2 tokens are fetched on first use, reused until `refresh_before` ahead of their
/// `expires_in`, and dropped by invalidate() (a 401 TOKEN_EXPIRED). Concurrent requests for the
/// same provider share one token fetch. Two styles: "json" (Reloadly: JSON body with
/// client_id, client_secret, grant_type and audience) and "form" (RFC 6749 §4.4: form body,
/// client credentials in HTTP Basic).
///
/// Thread-safe (a leaf utility: one mutex guards the cache; callbacks run without it held).
/// Callbacks run on a thread of the HttpClient's io_context, or inline when the answer is
/// cached. Must outlive every probe using it.
class Authenticator {
public:
    /// The credentials to add, or an error whose message says why the token fetch failed
    /// (never containing a secret).
    using Done = std::function<void(core::Result<core::Headers>)>;

    Authenticator(core::HttpClient& http, const core::Clock& clock) : http_(http), clock_(clock) {}
    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    /// Calls `done` with the headers `auth` needs. `provider` keys the token cache.
    void async_headers(const std::string& provider, const config::AuthConfig& auth, Done done);

    /// Forgets `provider`'s token if it is still `token` (so one 401 does not discard a
    /// token another probe has just fetched).
    void invalidate(const std::string& provider, const config::AuthConfig& auth,
                    const std::string& token);

    /// Token requests sent so far (for tests and metrics).
    [[nodiscard]] std::size_t token_requests() const;

private:
    struct Entry {
        std::string token;
        core::TimePoint refresh_at{};
        bool fetching = false;
        std::vector<Done> waiters;
    };
    static std::string key(const std::string& provider, const config::AuthConfig& auth);
    void fetch(const std::string& key, const config::AuthConfig& auth);
    void on_token(const std::string& key, const config::AuthConfig& auth, core::HttpResponse r);

    core::HttpClient& http_;
    const core::Clock& clock_;
    mutable std::mutex mu_;  // guards entries_, requests_
    std::map<std::string, Entry> entries_;
    std::size_t requests_ = 0;
};

/// True when `response` says an OAuth2 access token expired: 401 with Reloadly's
/// `TOKEN_EXPIRED` error code or RFC 6750's `invalid_token`.
[[nodiscard]] bool token_expired(const core::HttpResponse& response);

}  // namespace noctua::probes
