#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/streams/ingest_log.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/pipeline.hpp"
#include "noctua/streams/sources/http.hpp"

namespace noctua::streams {

/// Why a push request was refused with 401 (the `reason` of
/// noctua_ingest_auth_failures_total), or with 503 (`over_capacity`: too many ids inside the
/// tolerance to remember one more).
enum class AuthFailure {
    none,
    missing,
    bad_token,
    bad_signature,
    stale_timestamp,
    replayed,
    over_capacity
};
[[nodiscard]] std::string_view to_string(AuthFailure f);

/// A signed request's `webhook-id` and `webhook-timestamp` (seconds), held from the check
/// until its batch is accepted (commit) or refused (release). An empty id: not signed.
struct ReplayClaim {
    std::string id;
    std::int64_t timestamp = 0;
    [[nodiscard]] bool empty() const { return id.empty(); }
};

/// The most webhook-ids remembered at once (about 3,300 signed pushes a second for the default
/// 5-minute tolerance); beyond it new signed pushes are refused rather than an id forgotten.
inline constexpr std::size_t kMaxRememberedIds = 1'000'000;

/// Checks push credentials: `Authorization: Bearer <token>`, or a Standard Webhooks signature
/// (docs/events.md: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
/// HMAC-SHA256(key, id.timestamp.body)>`, space-separated for rotation), compared in constant
/// time, within ±tolerance of `clock`, each id accepted once.
///
/// An id counts as used only once its batch is accepted: check() verifies, reserve() holds the
/// id for the request in flight, commit() remembers it, release() lets the sender retry it. A
/// remembered id is kept exactly while a request carrying it could pass the timestamp check
/// (until its timestamp + tolerance), whatever their number: memory is bounded by time, and
/// past `max_ids` ids new signed pushes get AuthFailure::over_capacity. The remembered ids
/// survive a restart through the ingest log (encode_remembered(), remember()).
/// Thread-safe (the replay memory is guarded by a mutex; a leaf utility).
class PushAuthenticator {
public:
    PushAuthenticator(const HttpStreamOptions& options, const core::Clock& clock,
                      std::size_t max_ids = kMaxRememberedIds);
    /// Verifies the credentials; for a signed request fills `claim` (nothing is recorded yet).
    [[nodiscard]] AuthFailure check(const core::ServerRequest& request, ReplayClaim& claim);
    /// Holds `claim`'s id for a request in flight: AuthFailure::replayed when it is already
    /// held or remembered, over_capacity when `max_ids` are. An empty claim always succeeds.
    [[nodiscard]] AuthFailure reserve(const ReplayClaim& claim);
    /// The claim's batch was accepted: its id is refused until its timestamp + tolerance.
    void commit(const ReplayClaim& claim);
    /// The claim's batch was refused: its id may be sent again.
    void release(const ReplayClaim& claim);

    /// Remembers an id accepted before a restart; ignored when already outside the tolerance.
    void remember(const ReplayClaim& claim);
    /// The remembered ids still inside the tolerance, encoded for the ingest log.
    [[nodiscard]] std::string encode_remembered();
    /// remember()s every id of an encode_remembered() image; false when it is malformed.
    bool restore_remembered(std::string_view image);
    /// Ids held now (remembered and in flight), after dropping those past the tolerance.
    [[nodiscard]] std::size_t remembered();

private:
    [[nodiscard]] std::int64_t now_s() const;
    void expire(std::int64_t now_s);  // mu_ held

    struct Entry {
        std::int64_t timestamp = 0;
        bool in_flight = false;
    };
    using Expiry = std::pair<std::int64_t, std::string>;  // (timestamp, id)

    std::string token_;
    std::string key_;  // HMAC key bytes (whsec_ prefix removed, base64 decoded)
    bool has_token_;
    bool has_key_;
    std::int64_t tolerance_s_;
    const core::Clock& clock_;
    std::size_t max_ids_;
    std::mutex mu_;  // guards seen_, expiry_
    std::unordered_map<std::string, Entry> seen_;  // webhook-id -> its timestamp (s)
    /// Remembered (not in-flight) ids, oldest timestamp first.
    std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiry_;
};

/// POST /api/v1/events for one `kind = "http"` stream: authenticates, checks the body limit,
/// and hands the body (NDJSON or a JSON array, optionally `Content-Encoding: gzip`) to the
/// IngestPipeline, which parses it on the ingest thread. Answers
/// `200 {"status":"success","accepted":N,"rejected":M,"duplicates":D,"late":L,"errors":[…]}`
/// (with an ingest log: only once the batch is on disk; 503 with Retry-After when the log
/// cannot write it),
/// 401 on bad credentials, 413 over `body_limit` or `max_decompressed`, 415 for other content
/// types, 400 for a corrupt gzip or array body, 429 with `Retry-After` when `queue_limit`
/// batches are waiting, 503 with `Retry-After` while stopping.
///
/// Thread-safety: handle() may run concurrently on any connection strand; `respond` is called
/// once, from the ingest thread or inline. Never throws.
class HttpPush {
public:
    /// `log`: where accepted batches are made durable before the answer (null: they live in
    /// memory until the next window snapshot). It must outlive the handler and be stopped first.
    HttpPush(const config::StreamConfig& config, IngestPipeline& pipeline, StreamMetrics& metrics,
             const core::Clock& clock, IngestLog* log = nullptr);

    /// Replays the ingest log before the pipeline starts, on the calling thread: batches after
    /// `snapshot_seq` are applied again (those up to it are in the restored snapshot), the
    /// webhook-ids of every record still inside the tolerance are remembered; then starts the
    /// log on a new segment. No-op without a log. Errors: the log cannot be read or started.
    [[nodiscard]] core::Result<ReplayStats> recover(std::uint64_t snapshot_seq);

    void handle(const core::ServerRequest& request, std::function<void(core::ServerResponse)> respond);

    [[nodiscard]] const std::string& id() const { return config_.id; }
    /// After this, requests get 503 with Retry-After (the daemon is shutting down).
    void stop() { stopping_ = true; }

private:
    config::StreamConfig config_;
    HttpStreamOptions options_;
    IngestPipeline& pipeline_;
    StreamMetrics& metrics_;
    SourceCounters counters_;
    PushAuthenticator auth_;
    IngestLog* log_;
    /// Held while a batch is queued and appended to the log, so that both see batches in the
    /// same order (this handler is the log's only writer).
    std::mutex submit_mu_;
    std::atomic<bool> stopping_{false};
};

/// `{"status":"success","accepted":…}`: the push response body for `result`.
[[nodiscard]] std::string batch_result_json(const BatchResult& result);

}  // namespace noctua::streams
