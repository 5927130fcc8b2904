#pragma once

// Pieces of daemon configuration the tests concatenate: a loopback server, providers, probes
// run through the API, the ProviderDown rule and an HTTP push stream. Each piece is a whole
// TOML table (or array entry) and ends with a newline.

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace noctua::testing::toml {

/// `[server]` on 127.0.0.1, port 0, stopping within `shutdown_timeout`; `extra` holds more
/// keys of the table, one per line.
inline std::string server(std::string_view shutdown_timeout = "5s", std::string_view extra = {}) {
    return fmt::format("\n[server]\nlisten = \"127.0.0.1:0\"\nshutdown_timeout = \"{}\"\n{}",
                       shutdown_timeout, extra);
}

/// A `[[providers]]` entry `id` at `base_url`; `extra` holds more keys, one per line.
inline std::string provider(std::string_view id, std::string_view base_url,
                            std::string_view extra = {}) {
    return fmt::format("\n[[providers]]\nid = \"{}\"\nbase_url = \"{}\"\n{}", id, base_url, extra);
}

/// A `[[probes]]` entry: an HTTP GET of `path` at provider `provider` that runs at start and
/// then when the test triggers it (interval 1h, no jitter) with `timeout`; `extra` holds
/// more keys, one per line.
inline std::string probe(std::string_view id, std::string_view provider, std::string_view path,
                         std::string_view extra = {}, std::string_view timeout = "5s") {
    return fmt::format(
        "\n[[probes]]\nid = \"{}\"\nprovider = \"{}\"\npath = \"{}\"\ninterval = \"1h\"\n"
        "jitter = \"0s\"\ntimeout = \"{}\"\n{}",
        id, provider, path, timeout, extra);
}

/// The downtime rule ProviderDown: fires after `failures` failed runs in a row, resolves after
/// one success; `extra` holds more keys (probes, severity, annotations), one per line.
inline std::string provider_down(int failures = 2, std::string_view extra = {}) {
    return fmt::format(
        "\n[[rules]]\nname = \"ProviderDown\"\nkind = \"downtime\"\nfailures = {}\n"
        "successes = 1\n{}",
        failures, extra);
}

/// An HTTP push stream `id` (POST /api/v1/events) whose bearer token is in env var
/// `token_env`; `extra` holds more keys, one per line.
inline std::string push_stream(std::string_view id, std::string_view token_env,
                               std::string_view extra = {}) {
    return fmt::format("\n[[streams]]\nid = \"{}\"\nkind = \"http\"\ntoken_env = \"{}\"\n{}", id,
                       token_env, extra);
}

/// The `[[providers]]` entry "acme" (Acme Topups) of the provider simulator at `host`
/// (host:port), signing in with OAuth 2.0 client credentials as the simulator expects.
inline std::string sim_provider(std::string_view host) {
    return fmt::format(R"(
[[providers]]
id = "acme"
name = "Acme Topups"
base_url = "http://{0}/acme"
auth = {{ type = "oauth2_client_credentials", token_url = "http://{0}/acme/oauth/token", client_id = "acme-client", client_secret = "acme-secret", audience = "https://topups-sandbox.reloadly.com" }}
)",
                       host);
}

/// The `[[status_tests]]` entry "acme-daily": provider acme's suite at 06:00 in Madrid, two
/// products a page; `extra` holds more keys, one per line.
inline std::string daily_status_test(std::string_view extra = {}) {
    return fmt::format(
        "\n[[status_tests]]\nid = \"acme-daily\"\nprovider = \"acme\"\nschedule = \"0 6 * * *\"\n"
        "timezone = \"Europe/Madrid\"\npage_size = 2\n{}",
        extra);
}

}  // namespace noctua::testing::toml
