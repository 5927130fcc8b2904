#pragma once

// What a receiver kind's parser (config::ReceiverParser, beside the kind) reads a
// `[[receivers]]` entry with: the keys config reads itself for every kind, and the checks the
// kinds share (their keys, a credential, the url).

#include <optional>
#include <span>
#include <string_view>

#include "noctua/config/config.hpp"
#include "noctua/config/section.hpp"

namespace noctua::config {

/// The keys of every `[[receivers]]` entry, which config reads into ReceiverConfig.
inline constexpr std::string_view kReceiverCommonKeys[] = {
    "initial_backoff", "kind",          "max_attempts", "max_backoff", "name",    "rate_limit",
    "rate_period",     "send_resolved", "timeout",      "url",         "url_env", "url_file"};

inline constexpr std::string_view kHttpSchemes[] = {"http", "https"};

/// Reports each key of the entry `s` that is neither common (kReceiverCommonKeys) nor the
/// kind's own: one of `own`, or one of `secrets` as `<key>`, `<key>_env` or `<key>_file`.
void check_receiver_keys(const Section& s, std::span<const std::string_view> own,
                         std::span<const std::string_view> secrets = {});

/// The kind's secret `key` from `<key>`, `<key>_env` or `<key>_file` (read_secret()). When
/// `required` and none of them is given, reports "<kind> receivers need one of <key>,
/// <key>_env or <key>_file" at the entry.
[[nodiscard]] std::optional<Secret> read_receiver_secret(const Section& s,
                                                         const ReceiverConfig& common,
                                                         std::string_view key, bool required);

/// How a receiver kind takes `url`.
enum class UrlUse { none, optional, required };

/// Checks the entry's url (read by config into `common.url`) for a kind that takes it as `use`,
/// with one of `schemes`: "<kind> receivers take no url", "… need one of url, url_env or
/// url_file", or why the URL does not suit, naming where it came from but never its value.
/// Clears `common.url` when it does not suit.
void check_receiver_url(const Section& s, ReceiverConfig& common, UrlUse use,
                        std::span<const std::string_view> schemes = kHttpSchemes);

}  // namespace noctua::config
