#pragma once

// Private to noctua::config: small string checks and message builders shared by the parsers.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/utf8.hpp"

namespace noctua::config {
class Section;
}

namespace noctua::config::detail {

/// Levenshtein distance, for "did you mean" suggestions.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` within `max_distance` edits and fewer edits than `word` has
/// characters (ties: the smallest name).
[[nodiscard]] std::optional<std::string> closest(std::string_view word,
                                                 std::span<const std::string> candidates,
                                                 std::size_t max_distance = 2);

/// `"text"` with quotes, backslashes and control characters escaped.
[[nodiscard]] std::string quote(std::string_view text);

/// `unknown <noun> "value" (did you mean "x"?); known <plural>: a, b` — `known` is sorted and
/// shown quoted when `quote_known`; with nothing known: `; no <plural> are defined`.
[[nodiscard]] std::string unknown_message(std::string_view noun, std::string_view plural,
                                          std::string_view value, std::vector<std::string> known,
                                          bool quote_known);

/// Ids of providers, probes, rules and receivers: `[a-zA-Z0-9_.-]+`.
[[nodiscard]] bool is_valid_id(std::string_view id);
/// Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`.
[[nodiscard]] bool is_label_name(std::string_view name);
/// HTTP header field names (RFC 9110 token characters).
[[nodiscard]] bool is_header_name(std::string_view name);
/// Why `url` is not a URL with one of `schemes` ("http", "socks5") that curl's URL parser
/// accepts, with a host, and without spaces or control characters; nullopt when it is.
/// The message never repeats the URL (it may hold a token).
[[nodiscard]] std::optional<std::string> url_problem(std::string_view url,
                                                     std::span<const std::string_view> schemes);
/// url_problem() for `http` and `https`.
[[nodiscard]] std::optional<std::string> http_url_problem(std::string_view url);
/// Reads `key` of `s`, when present, as an http(s) URL that paths are appended to, without its
/// trailing slashes; its problem (http_url_problem()) is reported at the key. True when `out`
/// was set.
bool read_base_url(const Section& s, std::string_view key, std::string& out);
/// Why `path` cannot follow a base URL (a space or control character); nullopt when it can.
[[nodiscard]] std::optional<std::string> path_problem(std::string_view path);
/// `text` with each template hole `{{ … }}` replaced by `x`, so that its literal parts can be
/// checked; an unclosed hole runs to the end.
[[nodiscard]] std::string fill_template_holes(std::string_view text);
/// Why `value` cannot be sent as an HTTP header field value (a control character other than
/// tab: CR or LF would start a header of its own, NUL would cut it); nullopt when it can.
/// The message names the byte and its offset, never the value.
[[nodiscard]] std::optional<std::string> header_value_problem(std::string_view value);

struct HostPort {
    std::string host;  ///< without IPv6 brackets
    int port = 0;
};

/// "host:port", "[v6]:port"; port 0–65535. nullopt when malformed.
[[nodiscard]] std::optional<HostPort> parse_host_port(std::string_view text);
/// localhost, 127.0.0.0/8 and ::1.
[[nodiscard]] bool is_loopback_host(std::string_view host);

using core::first_invalid_utf8;

/// "1 rule" / "2 rules".
[[nodiscard]] std::string count_noun(std::size_t n, std::string_view singular,
                                     std::string_view plural);

}  // namespace noctua::config::detail
