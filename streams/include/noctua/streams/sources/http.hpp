#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "noctua/config/config.hpp"
#include "noctua/core/duration.hpp"

namespace noctua::streams {

/// `kind = "http"`: its own keys of a `[[streams]]` entry, the stream pushed to at
/// `POST /api/v1/events` (docs/events.md). A token, an HMAC secret or both are required.
struct HttpStreamOptions {
    /// `token_env` / `token_file`: `Authorization: Bearer <token>`.
    std::optional<config::Secret> token;
    /// `hmac_secret_env` / `hmac_secret_file`: Standard Webhooks key ("whsec_<base64>" or raw).
    std::optional<config::Secret> hmac_secret;
    core::Duration signature_tolerance = std::chrono::minutes(5);
    std::size_t body_limit = 1024 * 1024;
    std::size_t max_decompressed = 16 * 1024 * 1024;  ///< gzip bodies inflate to at most this
    std::size_t queue_limit = 64;                     ///< batches waiting to be applied before 429
    friend bool operator==(const HttpStreamOptions&, const HttpStreamOptions&) = default;
};

}  // namespace noctua::streams
