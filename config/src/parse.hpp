#pragma once

// Private to noctua::config: one small parser per TOML section. Each checks its own keys,
// types and values and reports into the Section's LoadContext; cross-references between
// sections (ids, dangling names, resolved URLs) are checked afterwards in config.cpp.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/config/section.hpp"

namespace noctua::config::detail {

/// A parsed entry plus the Section it came from, kept for the cross-reference pass.
template <class T>
struct Parsed {
    T config;
    Section section;
};

using ParsedProbe = Parsed<ProbeConfig>;

/// The provider of a given id (the first defined), or null when none is defined.
using ProviderLookup = std::function<const ProviderConfig*(std::string_view id)>;

/// Whether `value` is one of `allowed`.
[[nodiscard]] bool one_of(std::string_view value, std::span<const std::string_view> allowed);
/// Reads `key` as one of `allowed`; an unknown value is reported as an unknown `noun`, listing
/// the known `plural`. False when absent, mistyped or unknown (`out` unchanged).
bool read_choice(const Section& s, std::string_view key, std::string_view noun,
                 std::string_view plural, std::span<const std::string_view> allowed,
                 std::string& out);
/// Reads `kind` as one of `family`'s kinds (read_choice).
bool read_kind(const Section& s, const KindFamily& family, std::string& out);

/// "<key> applies to kind \"a\" <entries>, not \"<kind>\"", or "kinds \"a\", \"b\"" when
/// several kinds read `key`; `readers` are those kinds, in order.
[[nodiscard]] std::string applies_to_message(std::string_view key,
                                             std::span<const std::string_view> readers,
                                             std::string_view entries, std::string_view kind);

/// One kind's own keys, as its parser publishes them.
struct KindKeys {
    std::string_view kind;
    std::span<const std::string> keys;
};
/// Checks the keys of an entry `s` of kind `kind` (empty when unknown) of a family whose
/// `entries` ("rules", "streams", …) share `common` and whose kinds read `kinds`: a key none of
/// them reads is unknown; one that only other kinds read gets applies_to_message().
void check_family_keys(const Section& s, std::span<const std::string_view> common,
                       std::span<const KindKeys> kinds, std::string_view kind,
                       std::string_view entries);
/// check_family_keys() with the keys the kinds' `parsers` publish.
template <class Parser>
void check_family_keys(const Section& s, std::span<const std::string_view> common,
                       const KeyedParsers<Parser>& parsers, std::string_view kind,
                       std::string_view entries) {
    std::vector<KindKeys> kinds;
    for (const auto& [name, parser] : parsers) kinds.push_back({name, parser.keys});
    check_family_keys(s, common, kinds, kind, entries);
}

void parse_logging(const Section& s, LoggingConfig& out);
void parse_server(const Section& s, ServerConfig& out);
[[nodiscard]] ProviderConfig parse_provider(const Section& s);
/// The common keys of a `[[probes]]` entry, then its kind's own keys through the kind's parser
/// in `kinds`, which resolves paths against the probe's provider from `providers`
/// (probe_section.cpp).
[[nodiscard]] ParsedProbe parse_probe(const Section& s, const KindParsers& kinds,
                                      const ProviderLookup& providers);
/// The common keys of a `[[rules]]` entry, then its kind's own keys through the kind's parser
/// in `kinds`.
[[nodiscard]] RuleConfig parse_rule(const Section& s,
                                    const KindParsers& kinds);  // rule_section.cpp
/// Checks the `{{ }}` templates in a rule's `labels` and `annotations` (rule_templates.cpp).
void check_rule_templates(const Section& rule);
/// The common keys of a `[[receivers]]` entry, then its kind's own keys through the kind's
/// parser in `kinds` (receiver_kind.cpp).
[[nodiscard]] ReceiverConfig parse_receiver(const Section& s, const KindParsers& kinds);
/// The routing tree; `receivers`, `intervals` and `escalations` are the names it may refer to.
void parse_route(const Section& s, RouteConfig& out, const std::vector<std::string>& receivers,
                 const std::vector<std::string>& intervals,
                 const std::vector<std::string>& escalations);  // route_section.cpp
/// One `[[escalations]]` chain; its steps name `receivers`.
[[nodiscard]] EscalationConfig parse_escalation(
    const Section& s, const std::vector<std::string>& receivers);  // escalation_section.cpp
[[nodiscard]] InhibitConfig parse_inhibit(const Section& s);      // route_section.cpp
[[nodiscard]] core::TimeInterval parse_time_interval(const Section& s);  // route_section.cpp
/// One period's keys (times, weekdays, days_of_month, months, years, location); the caller
/// checks for unknown keys.
[[nodiscard]] core::TimeRange parse_period(const Section& p);  // route_section.cpp
/// A provider's `[[providers.maintenance]]` windows (maintenance_section.cpp).
[[nodiscard]] std::vector<MaintenanceWindow> parse_maintenance(const Section& provider);
/// Reports maintenance windows naming an unknown `[[time_intervals]]` entry.
void check_maintenance_references(const Section& provider, const ProviderConfig& config,
                                  const std::vector<std::string>& interval_names);
/// `[probing]`: scheduler limits.
void parse_probing(const Section& s, ProbingConfig& out);  // probe_section.cpp
/// `[cluster]`: this instance's shard.
void parse_cluster(const Section& s, ClusterConfig& out);  // sections.cpp
/// `[providers.auth]`, or nullopt when absent or invalid (reported).
[[nodiscard]] std::optional<AuthConfig> parse_auth(const Section& provider);        // provider_auth.cpp
/// The common keys of a `[[streams]]` entry, then its kind's own keys through the kind's
/// parser in `kinds`.
[[nodiscard]] StreamConfig parse_stream(const Section& s,
                                        const KindParsers& kinds);  // stream_section.cpp
void parse_windows(const Section& s, WindowsConfig& out);       // stream_section.cpp
void parse_storage(const Section& s, StorageConfig& out);       // stream_section.cpp
/// The common keys of a `[[status_tests]]` entry, then its kind's own keys (and steps) through
/// the kind's parser in `kinds`.
[[nodiscard]] StatusTestConfig parse_status_test(const Section& s, const KindParsers& kinds);        // status_test_section.cpp
void parse_status_reports(const Section& s, StatusReportsConfig& out);   // status_test_section.cpp
/// The default `[[windows.sets]]` when none are configured.
[[nodiscard]] std::vector<DimensionSetConfig> default_dimension_sets();

/// `secret` when it can be sent in an HTTP header; otherwise reports it at `<base>_env`,
/// `<base>_file` or `<base>` (whichever is given), naming where it came from but not the
/// value, and returns nullopt.
[[nodiscard]] std::optional<Secret> header_safe(const Section& s, std::string_view base,
                                                std::optional<Secret> secret);

/// Reads a whole regular file of at most `max_bytes`; anything else (a directory, device, FIFO
/// or socket, a larger file) is an error that names the path and the reason. Never blocks on
/// a FIFO and never reads more than `max_bytes + 1` bytes.
[[nodiscard]] core::Result<std::string> read_file(const std::filesystem::path& path,
                                                  std::size_t max_bytes);

/// Reports `key` as invalid when `value` is not an id (`[a-zA-Z0-9_.-]+`).
void check_id(const Section& s, std::string_view key, const std::string& value);

}  // namespace noctua::config::detail
