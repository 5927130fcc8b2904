#pragma once

// Private to noctua::config: one small parser per TOML section. Each checks its own keys,
// types and values and reports into the Section's LoadContext; cross-references between
// sections (ids, dangling names, resolved URLs) are checked afterwards in config.cpp.

#include <optional>
#include <string>
#include <string_view>

#include "noctua/config/config.hpp"
#include "section.hpp"

namespace noctua::config::detail {

inline constexpr std::string_view kProbeKinds[] = {"http"};
inline constexpr std::string_view kRuleKinds[] = {"downtime"};
inline constexpr std::string_view kReceiverKinds[] = {"log", "webhook"};

/// A parsed entry plus the Section it came from, kept for the cross-reference pass.
template <class T>
struct Parsed {
    T config;
    Section section;
};

/// A probe before its URL is resolved against its provider's base_url.
struct ParsedProbe {
    ProbeConfig config;
    Section section;
    std::optional<std::string> path;  ///< set when the probe gave a valid `path`
};

void parse_logging(const Section& s, LoggingConfig& out);
void parse_server(const Section& s, ServerConfig& out);
[[nodiscard]] ProviderConfig parse_provider(const Section& s);
[[nodiscard]] ParsedProbe parse_probe(const Section& s);
[[nodiscard]] RuleConfig parse_rule(const Section& s);
[[nodiscard]] ReceiverConfig parse_receiver(const Section& s);
void parse_route(const Section& s, RouteConfig& out);

/// Reads a secret from `<base>_env`, `<base>_file` or (when `inline_allowed`) `<base>` itself.
/// Reports more than one of them, an unset or empty variable, an unreadable or empty file; the
/// value never appears in a message. Returns nullopt when none is given or on error.
[[nodiscard]] std::optional<Secret> read_secret(const Section& s, std::string_view base,
                                                bool inline_allowed);

/// Reads a whole file; the error message names the path and the OS reason.
[[nodiscard]] core::Result<std::string> read_file(const std::filesystem::path& path);

/// Reports `key` as invalid when `value` is not an id (`[a-zA-Z0-9_.-]+`).
void check_id(const Section& s, std::string_view key, const std::string& value);

}  // namespace noctua::config::detail
