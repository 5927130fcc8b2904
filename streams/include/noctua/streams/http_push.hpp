#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/pipeline.hpp"

namespace noctua::streams {

/// Why a push request was refused with 401 (the `reason` of
/// noctua_ingest_auth_failures_total).
enum class AuthFailure { none, missing, bad_token, bad_signature, stale_timestamp, replayed };
[[nodiscard]] std::string_view to_string(AuthFailure f);

/// A signed request's `webhook-id` and `webhook-timestamp` (seconds), held from the check
/// until its batch is accepted (commit) or refused (release). An empty id: not signed.
struct ReplayClaim {
    std::string id;
    std::int64_t timestamp = 0;
    [[nodiscard]] bool empty() const { return id.empty(); }
};

/// Checks push credentials: `Authorization: Bearer <token>`, or a Standard Webhooks signature
/// (docs/events.md: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
/// HMAC-SHA256(key, id.timestamp.body)>`, space-separated for rotation), compared in constant
/// time, within ±tolerance of `clock`, each id accepted once while it is within the
/// tolerance. An id counts as used only once its batch is accepted: check() verifies,
/// reserve() holds the id for the request in flight, commit() remembers it, release() lets the
/// sender retry it. Thread-safe (the replay memory is guarded by a mutex; a leaf utility).
class PushAuthenticator {
public:
    PushAuthenticator(const config::StreamConfig& config, const core::Clock& clock);
    /// Verifies the credentials; for a signed request fills `claim` (nothing is recorded yet).
    [[nodiscard]] AuthFailure check(const core::ServerRequest& request, ReplayClaim& claim);
    /// Holds `claim`'s id for a request in flight: AuthFailure::replayed when it is already
    /// held or remembered. An empty claim always succeeds.
    [[nodiscard]] AuthFailure reserve(const ReplayClaim& claim);
    /// The claim's batch was accepted: its id is refused until its timestamp + tolerance.
    void commit(const ReplayClaim& claim);
    /// The claim's batch was refused: its id may be sent again.
    void release(const ReplayClaim& claim);

private:
    std::string token_;
    std::string key_;  // HMAC key bytes (whsec_ prefix removed, base64 decoded)
    bool has_token_;
    bool has_key_;
    std::chrono::milliseconds tolerance_;
    const core::Clock& clock_;
    std::mutex mu_;  // guards seen_, order_
    std::unordered_map<std::string, std::int64_t> seen_;  // webhook-id -> timestamp (s)
    std::deque<std::pair<std::int64_t, std::string>> order_;
};

/// POST /api/v1/events for one `kind = "http"` stream: authenticates, checks the body limit,
/// and hands the body (NDJSON or a JSON array, optionally `Content-Encoding: gzip`) to the
/// IngestPipeline, which parses it on the ingest thread. Answers
/// `200 {"status":"success","accepted":N,"rejected":M,"duplicates":D,"late":L,"errors":[…]}`,
/// 401 on bad credentials, 413 over `body_limit` or `max_decompressed`, 415 for other content
/// types, 400 for a corrupt gzip or array body, 429 with `Retry-After` when `queue_limit`
/// batches are waiting, 503 with `Retry-After` while stopping.
///
/// Thread-safety: handle() may run concurrently on any connection strand; `respond` is called
/// once, from the ingest thread or inline. Never throws.
class HttpPush {
public:
    HttpPush(const config::StreamConfig& config, IngestPipeline& pipeline, StreamMetrics& metrics,
             const core::Clock& clock);

    void handle(const core::ServerRequest& request, std::function<void(core::ServerResponse)> respond);

    [[nodiscard]] const std::string& id() const { return config_.id; }
    /// After this, requests get 503 with Retry-After (the daemon is shutting down).
    void stop() { stopping_ = true; }

private:
    config::StreamConfig config_;
    IngestPipeline& pipeline_;
    StreamMetrics& metrics_;
    SourceCounters counters_;
    PushAuthenticator auth_;
    std::atomic<bool> stopping_{false};
};

/// `{"status":"success","accepted":…}`: the push response body for `result`.
[[nodiscard]] std::string batch_result_json(const BatchResult& result);

}  // namespace noctua::streams
