#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "noctua/config/kind_options.hpp"
#include "noctua/config/shared.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/labels.hpp"
#include "noctua/core/matcher.hpp"
#include "noctua/core/result.hpp"
#include "noctua/core/shard.hpp"
#include "noctua/core/time_interval.hpp"

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

/// How a provider's probes authenticate (`[providers.auth]`); shared by all its probes.
struct AuthConfig {
    std::string type;  ///< bearer | basic | api_key | oauth2_client_credentials
    std::optional<Secret> token;     ///< bearer: `Authorization: Bearer <token>`
    std::string username;            ///< basic
    std::optional<Secret> password;  ///< basic
    std::string header = "X-API-Key";  ///< api_key: the header carrying the key
    std::optional<Secret> key;         ///< api_key
    // oauth2_client_credentials
    std::string token_url;
    std::optional<Secret> client_id;
    std::optional<Secret> client_secret;
    std::string audience;  ///< Reloadly: the product URL the token is for
    std::string scope;
    /// "json": Reloadly's JSON body with audience; "form": RFC 6749 form-encoded body with
    /// HTTP Basic client authentication.
    std::string style = "json";
    core::Duration refresh_before = std::chrono::seconds(60);  ///< refresh this long before expiry
    core::Duration timeout = std::chrono::seconds(10);         ///< for the token request
    friend bool operator==(const AuthConfig&, const AuthConfig&) = default;
};

/// `[[providers.maintenance]]`: a recurring window in which the provider's alerts are muted
/// (as a silence would; a page already sent still gets its resolve).
struct MaintenanceWindow {
    /// The inline period (times, weekdays, days_of_month, months, years, location); none when
    /// the window only names `time_intervals`.
    std::optional<core::TimeRange> period;
    std::vector<std::string> time_intervals;  ///< names of `[[time_intervals]]`
    std::string comment;
    friend bool operator==(const MaintenanceWindow&, const MaintenanceWindow&) = default;
};

struct ProviderConfig {
    std::string id;
    std::string name;      ///< display name; defaults to id
    std::string base_url;  ///< "https://topups.example"; probes with `path` are relative to it
    core::Labels labels;   ///< extra labels put on this provider's series and alerts
    Shared<AuthConfig> auth;  ///< used by every probe of this provider
    int max_concurrency = 0;         ///< probe runs in flight at once for it; 0 = unlimited
    std::vector<MaintenanceWindow> maintenance;  ///< recurring windows muting its alerts
    friend bool operator==(const ProviderConfig&, const ProviderConfig&) = default;
};

struct ProbeConfig {
    std::string id;
    std::string provider;  ///< a ProviderConfig id
    std::string kind = "http";
    core::Duration interval = std::chrono::seconds(30);
    core::Duration timeout = std::chrono::seconds(10);
    /// Random delay in [0, jitter) added to each interval; when non-zero the first run is spread
    /// over [0, interval) (probes::Scheduler). Default: 10% of
    /// interval (set when loading; zero turns jitter off).
    core::Duration jitter = core::Duration{-1};
    core::Labels labels;
    /// The kind's own keys (its target, request, expectations, transport options), read by the
    /// kind's parser into the struct declared beside it
    /// (probes/include/noctua/probes/kinds/<kind>.hpp).
    KindOptions options;
    Shared<AuthConfig> auth;  ///< resolved from the provider (the same object, not a copy)
    friend bool operator==(const ProbeConfig&, const ProbeConfig&) = default;
};

struct RuleConfig {
    std::string name;  ///< the alertname, e.g. "ProviderDown"
    std::string kind = "downtime";
    /// Probes this rule watches; empty means every probe (for the kinds that take `probes`).
    std::vector<std::string> probes;
    std::string severity = "critical";  ///< for the kinds that take `severity`
    /// Extra labels on the alert; values may hold `{{ }}` templates over `.Labels`.
    core::Labels labels;
    /// e.g. summary, description, runbook_url, dashboard_url; values may hold `{{ }}` templates
    /// over `.Labels`, `.Value`, `.Values` and `.Annotations` (docs/alerting.md).
    std::map<std::string, std::string> annotations;
    /// Only series carrying all of these labels (e.g. provider, currency) are watched.
    core::Labels match;
    /// The kind's own keys (thresholds, windows, `for`, …), read by the kind's parser into the
    /// struct declared beside its detector (detect/include/noctua/detect/kinds/<kind>.hpp).
    KindOptions options;
    /// Once firing, the alert stays firing this long after its condition cleared (0: resolves
    /// at once), so a condition that flaps does not resolve and re-page.
    core::Duration keep_firing_for{};
    friend bool operator==(const RuleConfig&, const RuleConfig&) = default;
};

struct ReceiverConfig {
    std::string name;
    /// alertmanager | email | log | opsgenie | pagerduty | slack | teams | telegram | webhook |
    /// whatsapp (docs/receivers.md)
    std::string kind;
    /// The endpoint (a secret: webhook URLs often embed a token). Whether a kind requires it,
    /// and which schemes it takes, is the kind's to check.
    std::optional<Secret> url;
    /// The kind's own keys (its credential, recipients, …), read by the kind's parser into the
    /// struct declared beside it (alerts/include/noctua/alerts/channels/<kind>.hpp).
    KindOptions options;
    /// At most `rate_limit` sends per `rate_period` (0: the kind's default: slack and
    /// telegram 1 per second, pagerduty 120 per minute, teams 4 per second); a send over it
    /// waits for the next slot.
    int rate_limit = 0;
    core::Duration rate_period = std::chrono::seconds(1);
    core::Duration timeout = std::chrono::seconds(10);
    bool send_resolved = true;
    int max_attempts = 10;  ///< delivery attempts before giving up
    core::Duration initial_backoff = std::chrono::seconds(1);
    core::Duration max_backoff = std::chrono::minutes(5);
    friend bool operator==(const ReceiverConfig&, const ReceiverConfig&) = default;
};

/// `[route]` and its nested `[[route.routes]]`: the routing tree (Alertmanager's). An alert
/// goes down the first child whose matchers all match, on to later siblings too when that child
/// has `continue = true`, and stays at a node no child takes. A child inherits every option it
/// does not set; the root must name a receiver.
struct RouteConfig {
    core::Matchers matchers;  ///< `matchers = ['provider="acme"']` and/or `match = { k = "v" }`
    bool continue_matching = false;  ///< `continue`
    std::string receiver;            ///< empty: inherited
    std::optional<std::vector<std::string>> group_by;  ///< `["..."]`: every label
    std::optional<core::Duration> group_wait;
    std::optional<core::Duration> group_interval;
    std::optional<core::Duration> repeat_interval;
    std::optional<std::vector<std::string>> mute_time_intervals;
    std::optional<std::vector<std::string>> active_time_intervals;
    /// The `[[escalations]]` policy of the route's groups; "" turns an inherited one off.
    std::optional<std::string> escalation;
    std::vector<RouteConfig> routes;
    friend bool operator==(const RouteConfig&, const RouteConfig&) = default;
};

/// `[[inhibit]]`: while an alert matching `source` fires, alerts matching `target` with the
/// same values of the `equal` labels are muted.
struct InhibitConfig {
    core::Matchers source;
    core::Matchers target;
    std::vector<std::string> equal;
    friend bool operator==(const InhibitConfig&, const InhibitConfig&) = default;
};

/// One step of an escalation chain: `after` the group's first page, if the group still fires
/// unacknowledged, `receiver` is told too.
struct EscalationStepConfig {
    core::Duration after{};
    std::string receiver;
    friend bool operator==(const EscalationStepConfig&, const EscalationStepConfig&) = default;
};

/// `[[escalations]]`: a named chain of steps (PagerDuty's escalation policy, Zabbix's
/// escalation steps) that a route names with `escalation = "name"`. Steps are in increasing
/// `after` order, each measured from the group's first page.
struct EscalationConfig {
    std::string name;
    std::vector<EscalationStepConfig> steps;
    friend bool operator==(const EscalationConfig&, const EscalationConfig&) = default;
};

/// One set of dimensions transaction windows are kept by (`[[windows.sets]]`), e.g.
/// `by = ["provider", "country"]`.
struct DimensionSetConfig {
    std::string name;             ///< default: the dimensions joined by "_" ("provider_country")
    std::vector<std::string> by;  ///< provider|operator|country|product|customer|currency|<label>
    std::size_t max_series = 10000;  ///< beyond it new series go to the `__other__` series
    bool metrics = false;  ///< also export `noctua_window_transactions_total` for this set
    friend bool operator==(const DimensionSetConfig&, const DimensionSetConfig&) = default;
};

/// `[windows]`: live per-dimension aggregation of the transaction streams (docs/events.md).
struct WindowsConfig {
    core::Duration bucket = std::chrono::minutes(1);
    core::Duration recent = std::chrono::hours(3);  ///< how long `bucket`-sized buckets are kept
    core::Duration history_bucket = std::chrono::hours(1);  ///< coarser buckets for baselines
    core::Duration retention = std::chrono::days(35);       ///< how long history is kept
    core::Duration allowed_lateness = std::chrono::minutes(2);
    core::Duration max_future = std::chrono::minutes(5);  ///< events further ahead are rejected
    core::Duration dedup_horizon = std::chrono::minutes(10);
    std::size_t dedup_max_ids = 2'000'000;  ///< ids remembered per horizon at most
    std::size_t max_event_bytes = 64 * 1024;
    /// Event `labels` that are kept (and may be used as dimensions); others are dropped.
    std::vector<std::string> labels;
    /// Default when `[[windows.sets]]` is absent: provider, provider_country, provider_operator.
    std::vector<DimensionSetConfig> sets;
    core::Duration snapshot_interval = std::chrono::minutes(5);
    friend bool operator==(const WindowsConfig&, const WindowsConfig&) = default;
};

/// One transaction source (`[[streams]]`): the keys every kind shares.
struct StreamConfig {
    std::string id;
    std::string kind;  ///< "file" | "http" | "kafka"
    /// The kind's own keys (a push stream's credentials and limits, the files a tail follows, a
    /// consumer's brokers and topics), read by the kind's parser into the struct declared
    /// beside it (streams/include/noctua/streams/sources/<kind>.hpp).
    KindOptions options;
    friend bool operator==(const StreamConfig&, const StreamConfig&) = default;
};

/// `[storage]`: the SQLite database (offsets, window snapshots).
struct StorageConfig {
    std::string path;  ///< empty: nothing is persisted
    friend bool operator==(const StorageConfig&, const StorageConfig&) = default;
};

/// `[probing]`: limits of the probe scheduler.
struct ProbingConfig {
    /// Probe runs in flight at once, whole process; 0 = unlimited. Bounds memory under
    /// overload (each run in flight holds libcurl buffers, ~20-30 KB).
    int max_concurrency = 1000;
    std::size_t history = 10;  ///< results kept per probe for GET /api/v1/probes/{id}
    friend bool operator==(const ProbingConfig&, const ProbingConfig&) = default;
};

/// `[cluster]`: running several instances on one configuration (docs/operations.md,
/// "Scale out").
struct ClusterConfig {
    /// `shard = "i/N"`: this instance runs the probes and status tests whose id
    /// core::shard_of() gives to `i`, and evaluates stream rules only for the providers whose
    /// Kafka partitions it is assigned. `noctua run --shard` overrides it.
    core::Shard shard;
    friend bool operator==(const ClusterConfig&, const ClusterConfig&) = default;
};

/// One step of a status-test suite with its own retries and per-request timeout.
struct StatusTestStepConfig {
    std::string name;  ///< authenticate | balance | catalogue | transaction | status
    int retries = 1;   ///< failed exchanges sent again (not failed expectations)
    core::Duration timeout = std::chrono::seconds(10);  ///< per request
    friend bool operator==(const StatusTestStepConfig&, const StatusTestStepConfig&) = default;
};

/// `[[status_tests]]`: a provider's daily end-to-end check (docs/status-tests.md).
struct StatusTestConfig {
    std::string id;
    std::string provider;             ///< a ProviderConfig id
    std::string kind = "reloadly";    ///< the provider API's shape
    std::string schedule = "0 6 * * *";  ///< cron, five fields (core::CronSchedule)
    std::string timezone = "UTC";     ///< IANA zone the schedule is read in
    /// In order; default: every step of the kind. Read by the kind's parser
    /// (read_suite_steps()).
    std::vector<StatusTestStepConfig> steps;
    /// The kind's own keys (what its steps send and expect), read by the kind's parser into the
    /// struct declared beside it (probes/include/noctua/probes/suites/<kind>.hpp).
    KindOptions options;
    /// Receivers told the summary of each run of this suite, besides [status_reports].receivers.
    std::vector<std::string> notify;
    // Resolved from the provider.
    std::string provider_name;
    std::string base_url;
    Shared<AuthConfig> auth;
    friend bool operator==(const StatusTestConfig&, const StatusTestConfig&) = default;
};

/// `[status_reports]`: where status-test reports and catalogues are kept.
struct StatusReportsConfig {
    /// State directory: reports/ and catalogue/ below it. Default: the directory of
    /// storage.path; empty when neither is set (nothing is kept).
    std::string dir;
    core::Duration retention = std::chrono::hours(24 * 30);  ///< older reports are deleted
    /// Receivers told a short summary of every run, with a link to its HTML report.
    std::vector<std::string> receivers;
    /// Where people reach the reports: the link is
    /// `<link_base>/api/v1/reports/<date>?format=html`. Default: external_url.
    std::string link_base;
    friend bool operator==(const StatusReportsConfig&, const StatusReportsConfig&) = default;
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
    std::vector<InhibitConfig> inhibit;
    /// `[[time_intervals]]`: named recurring periods routes mute or send in.
    std::vector<core::TimeInterval> time_intervals;
    /// `[[escalations]]`: chains routes name with `escalation`.
    std::vector<EscalationConfig> escalations;
    std::vector<StreamConfig> streams;
    WindowsConfig windows;
    StorageConfig storage;
    ProbingConfig probing;
    ClusterConfig cluster;
    std::vector<StatusTestConfig> status_tests;
    StatusReportsConfig status_reports;

    [[nodiscard]] const ProviderConfig* find_provider(std::string_view id) const;
    [[nodiscard]] const ReceiverConfig* find_receiver(std::string_view name) const;
};

using LoadResult = std::expected<Config, std::vector<ConfigError>>;

/// The largest config file, and the largest file a config names (`body_file`, `tls_*_file`),
/// that load_file() reads. Only regular files are read: a device, FIFO or socket is refused
/// before a byte is read from it.
inline constexpr std::size_t kMaxFileBytes = std::size_t{16} * 1024 * 1024;
/// The largest secret file (`*_file` keys) load_file() reads.
inline constexpr std::size_t kMaxSecretFileBytes = std::size_t{64} * 1024;

/// Reads and validates `path`. Every problem is collected, not only the first, and returned
/// in file order; key paths use 0-based indices (`probes[0].interval`). On success every
/// derived default is resolved (probe jitter, probe url, provider name, external_url).
/// Environment variables and secret files are read here (and only here); a relative `*_file`
/// path is relative to the directory of `path`. Blocking I/O: call at startup or from a
/// reload worker, never on an io_context thread. Reads the environment, so it must not race
/// with setenv(). Throws only std::bad_alloc.
/// Each entry of a family of kinds is handed to its kind's parser in `kinds` (the daemon's
/// are daemon::builtin_kind_parsers()).
[[nodiscard]] LoadResult load_file(const std::filesystem::path& path,
                                   const KindParsers& kinds = {});

/// Validates TOML text as load_file() does; `file` names it in errors and relative `*_file`
/// paths are relative to the current directory.
[[nodiscard]] LoadResult load_string(std::string_view toml, std::string_view file = "<string>",
                                     const KindParsers& kinds = {});

/// A one-line summary for `noctua check`:
/// "config OK: 3 providers, 4 probes, 1 rule, 2 receivers". Never contains a secret.
[[nodiscard]] std::string summary(const Config& config);

/// Parses a size with a unit: "100B", "10MB" (powers of 1000), "512KiB", "1MiB" (powers of 1024);
/// B, KB, MB, GB, TB, KiB, MiB, GiB, TiB. A bare number is an error (docs/contributing.md,
/// "Configuration").
[[nodiscard]] core::Result<std::size_t> parse_size(std::string_view text);

}  // namespace noctua::config
