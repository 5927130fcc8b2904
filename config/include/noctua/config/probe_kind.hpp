#pragma once

// What a probe kind's parser (config::ProbeParser, beside the kind in probes/) reads a
// `[[probes]]` entry with: the keys config reads itself for every kind, and the checks of
// values the kinds share (choices, names, URLs, header values, addresses, files).

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "noctua/config/config.hpp"
#include "noctua/config/section.hpp"

namespace noctua::config {

/// The keys of every `[[probes]]` entry, which config reads into ProbeConfig.
inline constexpr std::string_view kProbeCommonKeys[] = {"id",     "interval", "jitter", "kind",
                                                        "labels", "provider", "timeout"};

/// Reads `key` as one of `allowed`; an unknown value is reported as an unknown `noun`, listing
/// the known `plural`. False when absent, mistyped or unknown (`out` unchanged).
bool read_choice(const Section& s, std::string_view key, std::string_view noun,
                 std::string_view plural, std::span<const std::string_view> allowed,
                 std::string& out);

/// Reads `key` as a path to a readable regular file of at most kMaxFileBytes, relative to the
/// configuration file's directory, into `out` as an absolute path (so that a reload from
/// elsewhere means the same file). Reports an empty path or an unreadable file.
void read_file_path(const Section& s, std::string_view key, std::string& out);

/// The text of the file at `path` (read_file_path()), or nullopt when it cannot be read.
[[nodiscard]] std::optional<std::string> read_text_file(const std::string& path);

/// Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`.
[[nodiscard]] bool is_label_name(std::string_view name);
/// HTTP header field names (RFC 9110 token characters).
[[nodiscard]] bool is_header_name(std::string_view name);
/// url_problem() for `http` and `https`.
[[nodiscard]] std::optional<std::string> http_url_problem(std::string_view url);
/// Why `path` cannot follow a base URL (a space or control character); nullopt when it can.
[[nodiscard]] std::optional<std::string> path_problem(std::string_view path);
/// `text` with each template hole `{{ … }}` replaced by `x`, so that its literal parts can be
/// checked; an unclosed hole runs to the end.
[[nodiscard]] std::string fill_template_holes(std::string_view text);
/// Why `value` cannot be sent as an HTTP header field value; nullopt when it can. The message
/// names the byte and its offset, never the value.
[[nodiscard]] std::optional<std::string> header_value_problem(std::string_view value);
/// Whether `text` is "host:port" or "[v6]:port" with a host and a port from 1 to 65535.
[[nodiscard]] bool is_host_port(std::string_view text);

}  // namespace noctua::config
