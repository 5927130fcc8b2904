#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "noctua/core/duration.hpp"
#include "noctua/core/labels.hpp"
#include "noctua/core/result.hpp"

namespace noctua::config {

/// A secret value resolved from an `*_env` or `*_file` key (or, discouraged, inline).
/// It never prints itself: use `reveal()` only where the value is put on the wire.
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value, std::string source)
        : value_(std::move(value)), source_(std::move(source)) {}
    [[nodiscard]] const std::string& reveal() const { return value_; }
    /// Where it came from, safe to print: "env NOCTUA_X", "file /etc/x", "inline".
    [[nodiscard]] const std::string& source() const { return source_; }
    [[nodiscard]] bool empty() const { return value_.empty(); }
    friend bool operator==(const Secret&, const Secret&) = default;

private:
    std::string value_;
    std::string source_;
};

/// A position in a config file, 1-based; zero when unknown.
struct SourcePos {
    int line = 0;
    int column = 0;
    friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

/// One problem found in a config file; printed as `FILE:LINE:COL: key.path: message`.
struct ConfigError {
    std::string file;
    SourcePos pos;
    std::string key_path;  ///< dotted, with array indices: "probes[2].interval"
    std::string message;
    [[nodiscard]] std::string to_string() const;
};

enum class LogFormat { text, json };

struct LoggingConfig {
    std::string level = "info";  ///< trace|debug|info|warn|error|critical|off
    LogFormat format = LogFormat::text;
    friend bool operator==(const LoggingConfig&, const LoggingConfig&) = default;
};

struct ServerConfig {
    std::string listen = "127.0.0.1:9464";  ///< "host:port"; port 0 picks a free port
    /// Bearer token for admin routes; required unless `listen` is a loopback address.
    std::optional<Secret> admin_token;
    std::size_t body_limit_bytes = 1024 * 1024;
    core::Duration read_timeout = std::chrono::seconds(10);
    /// How long shutdown waits for in-flight deliveries.
    core::Duration shutdown_timeout = std::chrono::seconds(10);
    friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

struct ProviderConfig {
    std::string id;
    std::string name;      ///< display name; defaults to id
    std::string base_url;  ///< "https://topups.example"; probes with `path` are relative to it
    core::Labels labels;   ///< extra labels put on this provider's series and alerts
    friend bool operator==(const ProviderConfig&, const ProviderConfig&) = default;
};

/// An inclusive HTTP status range; `expected_status = 200` is {200, 200}.
struct StatusRange {
    int low = 200;
    int high = 299;
    friend bool operator==(const StatusRange&, const StatusRange&) = default;
};

struct ProbeConfig {
    std::string id;
    std::string provider;  ///< a ProviderConfig id
    std::string kind = "http";
    std::string method = "GET";
    std::string url;  ///< resolved: base_url + path, or the probe's own url
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    core::Duration interval = std::chrono::seconds(30);
    core::Duration timeout = std::chrono::seconds(10);
    /// Random delay in [0, jitter) added to the first run and each interval. Default: 10% of
    /// interval (set when loading; zero turns jitter off).
    core::Duration jitter = core::Duration{-1};
    std::vector<StatusRange> expected_status{StatusRange{200, 299}};
    std::size_t max_response_bytes = 1024 * 1024;
    bool follow_redirects = false;
    bool tls_insecure = false;
    core::Labels labels;
    friend bool operator==(const ProbeConfig&, const ProbeConfig&) = default;
};

struct RuleConfig {
    std::string name;  ///< the alertname, e.g. "ProviderDown"
    std::string kind = "downtime";
    /// Probes this rule watches; empty means every probe.
    std::vector<std::string> probes;
    int failures = 3;   ///< consecutive failures to fire
    int successes = 2;  ///< consecutive successes to resolve
    std::string severity = "critical";
    core::Labels labels;                             ///< extra labels on the alert
    std::map<std::string, std::string> annotations;  ///< e.g. runbook_url, dashboard
    friend bool operator==(const RuleConfig&, const RuleConfig&) = default;
};

struct ReceiverConfig {
    std::string name;
    std::string kind;  ///< "log" | "webhook"
    /// webhook: the target URL (a secret: webhook URLs often embed a token).
    std::optional<Secret> url;
    core::Duration timeout = std::chrono::seconds(10);
    bool send_resolved = true;
    int max_attempts = 10;  ///< delivery attempts before giving up (outbox comes later)
    core::Duration initial_backoff = std::chrono::seconds(1);
    core::Duration max_backoff = std::chrono::minutes(5);
    friend bool operator==(const ReceiverConfig&, const ReceiverConfig&) = default;
};

struct RouteConfig {
    std::string receiver;
    friend bool operator==(const RouteConfig&, const RouteConfig&) = default;
};

/// The whole validated configuration: immutable once loaded, swapped whole on reload.
struct Config {
    std::string path;  ///< the file it came from, for messages
    LoggingConfig logging;
    ServerConfig server;
    std::string external_url;  ///< where humans reach this daemon; default http://<listen>
    std::vector<ProviderConfig> providers;
    std::vector<ProbeConfig> probes;
    std::vector<RuleConfig> rules;
    std::vector<ReceiverConfig> receivers;
    RouteConfig route;

    [[nodiscard]] const ProviderConfig* find_provider(std::string_view id) const;
    [[nodiscard]] const ReceiverConfig* find_receiver(std::string_view name) const;
};

using LoadResult = std::expected<Config, std::vector<ConfigError>>;

/// Reads and validates `path`. Every problem is collected, not only the first, and returned
/// in file order; key paths use 0-based indices (`probes[0].interval`). On success every
/// derived default is resolved (probe jitter, probe url, provider name, external_url).
/// Environment variables and secret files are read here (and only here); a relative `*_file`
/// path is relative to the directory of `path`. Blocking I/O: call at startup or from a
/// reload worker, never on an io_context thread. Reads the environment, so it must not race
/// with setenv(). Throws only std::bad_alloc.
[[nodiscard]] LoadResult load_file(const std::filesystem::path& path);

/// Validates TOML text as load_file() does; `file` names it in errors and relative `*_file`
/// paths are relative to the current directory.
[[nodiscard]] LoadResult load_string(std::string_view toml, std::string_view file = "<string>");

/// A one-line summary for `noctua check`:
/// "config OK: 3 providers, 4 probes, 1 rule, 2 receivers". Never contains a secret.
[[nodiscard]] std::string summary(const Config& config);

/// Parses a size with a unit: "100B", "10MB" (powers of 1000), "512KiB", "1MiB" (powers of
/// 1024); B, KB, MB, GB, TB, KiB, MiB, GiB, TiB. A bare number is an error (STYLE.md §10).
[[nodiscard]] core::Result<std::size_t> parse_size(std::string_view text);

}  // namespace noctua::config
