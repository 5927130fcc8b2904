#include "noctua/streams/http_push.hpp"

#include <atomic>
#include <charconv>
#include <memory>

#include <openssl/crypto.h>

#include "noctua/core/ascii.hpp"
#include "noctua/core/assert.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/hmac.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/log.hpp"

namespace noctua::streams {
namespace {

bool equal_ct(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool has_media_type(std::string_view content_type, std::string_view type) {
    const auto semi = content_type.find(';');
    auto base = content_type.substr(0, semi);
    while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
    return core::ascii_iequals(base, type);
}

core::ServerResponse with_retry_after(core::ServerResponse r, int seconds) {
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
    return r;
}

// Little-endian fields of the ingest log payloads.
void put_le(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
bool get_le(std::string_view& in, std::uint64_t& v, int bytes) {
    if (in.size() < static_cast<std::size_t>(bytes)) return false;
    v = 0;
    for (int i = 0; i < bytes; ++i) {
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[static_cast<std::size_t>(i)]))
             << (8 * i);
    }
    in.remove_prefix(static_cast<std::size_t>(bytes));
    return true;
}
void put_claim(std::string& out, const ReplayClaim& c) {
    put_le(out, c.id.size(), 2);
    out.append(c.id);
    put_le(out, static_cast<std::uint64_t>(c.timestamp), 8);
}
bool get_claim(std::string_view& in, ReplayClaim& c) {
    std::uint64_t len = 0, ts = 0;
    if (!get_le(in, len, 2) || in.size() < len) return false;
    c.id.assign(in.substr(0, len));
    in.remove_prefix(len);
    if (!get_le(in, ts, 8)) return false;
    c.timestamp = static_cast<std::int64_t>(ts);
    return true;
}

constexpr unsigned kJsonArrayFlag = 1;
constexpr unsigned kGzipFlag = 2;

/// A `batch` record of the ingest log: [u8 format flags][claim][the body as received].
std::string encode_batch(const BatchFormat& format, const ReplayClaim& claim, std::string_view body) {
    std::string out;
    out.reserve(1 + 2 + claim.id.size() + 8 + body.size());
    out.push_back(static_cast<char>((format.json_array ? kJsonArrayFlag : 0) |
                                    (format.gzip ? kGzipFlag : 0)));
    put_claim(out, claim);
    out.append(body);
    return out;
}
bool decode_batch(std::string_view in, BatchFormat& format, ReplayClaim& claim,
                  std::string_view& body) {
    std::uint64_t flags = 0;
    if (!get_le(in, flags, 1) || !get_claim(in, claim)) return false;
    format.json_array = (flags & kJsonArrayFlag) != 0;
    format.gzip = (flags & kGzipFlag) != 0;
    body = in;
    return true;
}

/// A pushed batch waiting for its apply (ingest thread) and, with a log, its fsync (the log's
/// writer): whichever finishes last answers.
struct PendingPush {
    std::function<void(core::ServerResponse)> respond;
    ReplayClaim claim;
    std::uint64_t seq = 0;        // in the ingest log (0: no log)
    BatchResult result;           // set by the apply before it counts down
    core::Result<void> written;   // set by the log before it counts down
    std::atomic<int> remaining{0};
};

void finish_push(PushAuthenticator& auth, PendingPush& p) {
    using core::ServerResponse;
    if (p.result.failed_status != 0) {
        auth.release(p.claim);
        p.respond(ServerResponse::json_error(p.result.failed_status, p.result.failure));
        return;
    }
    if (!p.written) {
        auth.release(p.claim);
        p.respond(with_retry_after(
            ServerResponse::json_error(503, "events not stored: " + p.written.error().message), 1));
        return;
    }
    auth.commit(p.claim);
    p.respond(ServerResponse::json(200, batch_result_json(p.result)));
}

}  // namespace

std::string_view to_string(AuthFailure f) {
    switch (f) {
        case AuthFailure::none: return "none";
        case AuthFailure::missing: return "missing";
        case AuthFailure::bad_token: return "bad_token";
        case AuthFailure::bad_signature: return "bad_signature";
        case AuthFailure::stale_timestamp: return "stale_timestamp";
        case AuthFailure::replayed: return "replayed";
        case AuthFailure::over_capacity: return "over_capacity";
    }
    return "unknown";
}

PushAuthenticator::PushAuthenticator(const HttpStreamOptions& options, const core::Clock& clock,
                                     std::size_t max_ids)
    : has_token_(options.token && !options.token->empty()),
      has_key_(options.hmac_secret && !options.hmac_secret->empty()),
      tolerance_s_(
          std::chrono::duration_cast<std::chrono::seconds>(options.signature_tolerance).count()),
      clock_(clock),
      max_ids_(max_ids) {
    if (has_token_) token_ = options.token->reveal();
    if (has_key_) {
        std::string_view secret = options.hmac_secret->reveal();
        if (secret.starts_with("whsec_")) {
            auto decoded = core::base64_decode(secret.substr(6));
            key_ = decoded ? std::move(*decoded) : std::string(secret);
        } else {
            key_ = std::string(secret);
        }
    }
}

AuthFailure PushAuthenticator::check(const core::ServerRequest& request, ReplayClaim& claim) {
    if (has_token_) {
        if (core::find_header(request.headers, "Authorization")) {
            const auto given = core::bearer_token(request.headers);
            if (given && equal_ct(*given, token_)) return AuthFailure::none;
            if (!has_key_) return AuthFailure::bad_token;
        }
    }
    if (!has_key_) return AuthFailure::missing;
    const auto id = core::find_header(request.headers, "webhook-id");
    const auto ts = core::find_header(request.headers, "webhook-timestamp");
    const auto sig = core::find_header(request.headers, "webhook-signature");
    if (!id || !ts || !sig || id->empty()) {
        return core::find_header(request.headers, "Authorization") ? AuthFailure::bad_token
                                                                   : AuthFailure::missing;
    }
    std::int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(ts->data(), ts->data() + ts->size(), seconds);
    if (ec != std::errc{} || ptr != ts->data() + ts->size()) return AuthFailure::bad_signature;
    const std::int64_t now = now_s();
    if (seconds < now - tolerance_s_ || seconds > now + tolerance_s_) {
        return AuthFailure::stale_timestamp;
    }

    // Sign the raw bytes as received: id.timestamp.body.
    const std::string expected = core::webhook_signature(key_, *id, *ts, request.body);
    bool match = false;
    std::string_view rest = *sig;
    while (!rest.empty()) {
        const auto space = rest.find(' ');
        const auto item = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
        // Every candidate is compared (no early exit on the first match).
        if (item.starts_with("v1,") && equal_ct(item.substr(3), expected)) match = true;
    }
    if (!match) return AuthFailure::bad_signature;

    claim.id = std::string(*id);
    claim.timestamp = seconds;
    return AuthFailure::none;
}

std::int64_t PushAuthenticator::now_s() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

void PushAuthenticator::expire(std::int64_t now) {
    // A request with timestamp t passes the check until now > t + tolerance: keep its id until
    // then, and not a second longer.
    while (!expiry_.empty() && expiry_.top().first < now - tolerance_s_) {
        const auto it = seen_.find(expiry_.top().second);
        if (it != seen_.end() && !it->second.in_flight) seen_.erase(it);
        expiry_.pop();
    }
}

AuthFailure PushAuthenticator::reserve(const ReplayClaim& claim) {
    if (claim.empty()) return AuthFailure::none;
    const std::int64_t now = now_s();
    std::lock_guard lock(mu_);
    expire(now);
    if (seen_.contains(claim.id)) return AuthFailure::replayed;
    if (seen_.size() >= max_ids_) return AuthFailure::over_capacity;
    seen_.emplace(claim.id, Entry{claim.timestamp, true});
    return AuthFailure::none;
}

void PushAuthenticator::commit(const ReplayClaim& claim) {
    if (claim.empty()) return;
    std::lock_guard lock(mu_);
    auto& entry = seen_[claim.id];
    entry = Entry{claim.timestamp, false};
    expiry_.emplace(claim.timestamp, claim.id);
}

void PushAuthenticator::release(const ReplayClaim& claim) {
    if (claim.empty()) return;
    std::lock_guard lock(mu_);
    if (const auto it = seen_.find(claim.id); it != seen_.end() && it->second.in_flight) {
        seen_.erase(it);
    }
}

void PushAuthenticator::remember(const ReplayClaim& claim) {
    if (claim.empty() || claim.timestamp < now_s() - tolerance_s_) return;
    std::lock_guard lock(mu_);
    if (seen_.emplace(claim.id, Entry{claim.timestamp, false}).second) {
        expiry_.emplace(claim.timestamp, claim.id);
    }
}

std::string PushAuthenticator::encode_remembered() {
    const std::int64_t now = now_s();
    std::lock_guard lock(mu_);
    expire(now);
    std::string out;
    for (const auto& [id, e] : seen_) {
        if (!e.in_flight) put_claim(out, ReplayClaim{id, e.timestamp});
    }
    return out;
}

bool PushAuthenticator::restore_remembered(std::string_view image) {
    while (!image.empty()) {
        ReplayClaim c;
        if (!get_claim(image, c)) return false;
        remember(c);
    }
    return true;
}

std::size_t PushAuthenticator::remembered() {
    const std::int64_t now = now_s();
    std::lock_guard lock(mu_);
    expire(now);
    return seen_.size();
}

std::string batch_result_json(const BatchResult& r) {
    core::JsonWriter w;
    w.begin_object()
        .field("status", "success")
        .field("accepted", static_cast<std::uint64_t>(r.accepted))
        .field("rejected", static_cast<std::uint64_t>(r.rejected))
        .field("duplicates", static_cast<std::uint64_t>(r.duplicates))
        .field("late", static_cast<std::uint64_t>(r.late));
    w.key("errors").begin_array();
    for (const auto& e : r.errors) {
        w.begin_object().field("line", static_cast<std::uint64_t>(e.line)).field("reason", to_string(e.reason));
        if (!e.field.empty()) w.field("field", e.field);
        w.end_object();
    }
    w.end_array().end_object();
    return std::move(w).str();
}

HttpPush::HttpPush(const config::StreamConfig& config, IngestPipeline& pipeline,
                   StreamMetrics& metrics, const core::Clock& clock, IngestLog* log)
    : config_(config),
      options_(config.options.get<HttpStreamOptions>()),
      pipeline_(pipeline),
      metrics_(metrics),
      counters_(metrics, config.id),
      auth_(options_, clock),
      log_(log) {}

core::Result<ReplayStats> HttpPush::recover(std::uint64_t snapshot_seq) {
    if (!log_) return ReplayStats{};
    std::size_t applied = 0, held = 0, malformed = 0;
    std::string text;
    auto stats = log_->replay([&](const LogRecord& rec) {
        if (rec.kind == LogRecordKind::carry) {
            if (!auth_.restore_remembered(rec.payload)) ++malformed;
            return;
        }
        BatchFormat format;
        format.max_decompressed = options_.max_decompressed;
        ReplayClaim claim;
        std::string_view body;
        if (!decode_batch(rec.payload, format, claim, body)) {
            ++malformed;
            return;
        }
        if (rec.seq <= snapshot_seq) {  // the restored snapshot holds it
            auth_.remember(claim);
            ++held;
            return;
        }
        text.reserve(body.size() + kJsonPadding);
        text.assign(body);
        // A batch answered 400/413 was logged too (it is written while applied): its id
        // stays usable.
        if (pipeline_.apply_batch(counters_, text, format).failed_status == 0) {
            auth_.remember(claim);
        }
        ++applied;
    });
    if (!stats) return stats;
    if (malformed > 0) {
        core::logger("streams")->warn("ingest log: {} record(s) of an unknown layout skipped", malformed);
    }
    log_->resume_after(snapshot_seq);
    if (auto r = log_->start([this] { return auth_.encode_remembered(); }); !r) {
        return std::unexpected(r.error());
    }
    core::logger("streams")->info(
        "ingest log replayed: {} batch(es) applied again, {} already in the snapshot (seq <= {}), "
        "{} torn tail(s) cut",
        applied, held, snapshot_seq, stats->truncations);
    return stats;
}

void HttpPush::handle(const core::ServerRequest& request,
                      std::function<void(core::ServerResponse)> respond) {
    using core::ServerResponse;
    if (stopping_) {
        respond(with_retry_after(ServerResponse::json_error(503, "shutting down"), 5));
        return;
    }
    auto refuse = [&](AuthFailure failure) {
        metrics_.auth_failures.Add({{"source", config_.id}, {"reason", std::string(to_string(failure))}})
            .Increment();
        auto r = ServerResponse::json_error(401, "invalid credentials: " + std::string(to_string(failure)));
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        respond(std::move(r));
    };
    ReplayClaim claim;
    if (const auto failure = auth_.check(request, claim); failure != AuthFailure::none) {
        refuse(failure);
        return;
    }
    if (request.body.size() > options_.body_limit) {
        respond(ServerResponse::json_error(
            413, "body exceeds " + std::to_string(options_.body_limit) + " bytes"));
        return;
    }
    const auto content_type = core::find_header(request.headers, "Content-Type").value_or("");
    BatchFormat format;
    format.max_decompressed = options_.max_decompressed;
    if (const auto enc = core::find_header(request.headers, "Content-Encoding")) {
        if (has_media_type(*enc, "gzip") || has_media_type(*enc, "x-gzip")) {
            format.gzip = true;
        } else if (!has_media_type(*enc, "identity")) {
            respond(ServerResponse::json_error(415, "unsupported Content-Encoding (use gzip)"));
            return;
        }
    }
    if (has_media_type(content_type, "application/json")) {
        format.json_array = true;
    } else if (!content_type.empty() && !has_media_type(content_type, "application/x-ndjson")) {
        respond(ServerResponse::json_error(
            415, "Content-Type must be application/x-ndjson or application/json"));
        return;
    }
    // A JSON array may also come as NDJSON's content type: look at the first byte.
    if (!format.gzip && !format.json_array) {
        const auto first = request.body.find_first_not_of(" \t\r\n");
        format.json_array = first != std::string::npos && request.body[first] == '[';
    }
    // With room for the parser's padding, so the ingest thread does not copy the body again.
    std::string body;
    body.reserve(request.body.size() + kJsonPadding);
    body.assign(request.body);
    // The id is used up only by an accepted batch: a refused one may be retried as sent.
    if (const auto failure = auth_.reserve(claim); failure == AuthFailure::over_capacity) {
        metrics_.saturated.Add({{"source", config_.id}}).Increment();
        respond(with_retry_after(
            ServerResponse::json_error(503, "too many signed pushes inside the tolerance, retry later"),
            1));
        return;
    } else if (failure != AuthFailure::none) {
        refuse(failure);
        return;
    }
    // With a log the batch is written while it is applied (the fsync overlaps the parse), in
    // the order the ingest thread applies batches: the sequence number a batch gets is known
    // before it is queued, and the apply reports it (a snapshot holds exactly the batches up to
    // the last one reported).
    auto op = std::make_shared<PendingPush>();
    op->respond = respond;
    op->claim = claim;
    op->remaining = log_ ? 2 : 1;
    std::string record;
    std::unique_lock order(submit_mu_, std::defer_lock);
    if (log_) {
        record = encode_batch(format, claim, request.body);
        order.lock();
        op->seq = log_->last_seq() + 1;
    }
    const bool queued = pipeline_.try_submit(
        counters_, std::move(body), format, options_.queue_limit, [this, op](BatchResult result) {
            if (log_) log_->mark_applied(op->seq);
            op->result = std::move(result);
            if (op->remaining.fetch_sub(1) == 1) finish_push(auth_, *op);
        });
    if (!queued) {
        if (order.owns_lock()) order.unlock();
        auth_.release(claim);
        metrics_.saturated.Add({{"source", config_.id}}).Increment();
        respond(with_retry_after(ServerResponse::json_error(429, "ingest queue full, retry later"), 1));
        return;
    }
    if (log_) {
        // 200 means kept: answered once the log's fsync holds the batch too.
        [[maybe_unused]] const auto seq =
            log_->append(std::move(record), [this, op](core::Result<void> written) {
                op->written = std::move(written);
                if (op->remaining.fetch_sub(1) == 1) finish_push(auth_, *op);
            });
        NOCTUA_ASSERT(seq == op->seq || seq == 0);
    }
}

}  // namespace noctua::streams
