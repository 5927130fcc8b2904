#include "noctua/streams/http_push.hpp"

#include <charconv>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "noctua/core/ascii.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/log.hpp"

namespace noctua::streams {
namespace {

constexpr std::size_t kMaxRememberedIds = 100'000;

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

}  // namespace

std::string_view to_string(AuthFailure f) {
    switch (f) {
        case AuthFailure::none: return "none";
        case AuthFailure::missing: return "missing";
        case AuthFailure::bad_token: return "bad_token";
        case AuthFailure::bad_signature: return "bad_signature";
        case AuthFailure::stale_timestamp: return "stale_timestamp";
        case AuthFailure::replayed: return "replayed";
    }
    return "unknown";
}

PushAuthenticator::PushAuthenticator(const config::StreamConfig& config, const core::Clock& clock)
    : has_token_(config.token && !config.token->empty()),
      has_key_(config.hmac_secret && !config.hmac_secret->empty()),
      tolerance_(config.signature_tolerance),
      clock_(clock) {
    if (has_token_) token_ = config.token->reveal();
    if (has_key_) {
        std::string_view secret = config.hmac_secret->reveal();
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
        if (auto h = core::find_header(request.headers, "Authorization")) {
            if (h->starts_with("Bearer ") && equal_ct(h->substr(7), token_)) return AuthFailure::none;
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
    const std::int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    const std::int64_t tol_s = std::chrono::duration_cast<std::chrono::seconds>(tolerance_).count();
    if (seconds < now_s - tol_s || seconds > now_s + tol_s) return AuthFailure::stale_timestamp;

    // Sign the raw bytes as received: id.timestamp.body.
    std::string message;
    message.reserve(id->size() + ts->size() + request.body.size() + 2);
    message.append(*id).append(".").append(*ts).append(".").append(request.body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
             &mac_len) == nullptr) {
        return AuthFailure::bad_signature;
    }
    const std::string expected =
        core::base64_encode({reinterpret_cast<const char*>(mac), mac_len});
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

AuthFailure PushAuthenticator::reserve(const ReplayClaim& claim) {
    if (claim.empty()) return AuthFailure::none;
    const std::int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    const std::int64_t tol_s = std::chrono::duration_cast<std::chrono::seconds>(tolerance_).count();
    std::lock_guard lock(mu_);
    while (!order_.empty() &&
           (order_.front().first < now_s - tol_s || order_.size() > kMaxRememberedIds)) {
        seen_.erase(order_.front().second);
        order_.pop_front();
    }
    if (!seen_.emplace(claim.id, claim.timestamp).second) return AuthFailure::replayed;
    return AuthFailure::none;
}

void PushAuthenticator::commit(const ReplayClaim& claim) {
    if (claim.empty()) return;
    std::lock_guard lock(mu_);
    order_.emplace_back(claim.timestamp, claim.id);
}

void PushAuthenticator::release(const ReplayClaim& claim) {
    if (claim.empty()) return;
    std::lock_guard lock(mu_);
    seen_.erase(claim.id);
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
                   StreamMetrics& metrics, const core::Clock& clock)
    : config_(config),
      pipeline_(pipeline),
      metrics_(metrics),
      counters_(metrics, config.id),
      auth_(config, clock) {}

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
    if (request.body.size() > config_.body_limit) {
        respond(ServerResponse::json_error(413, "body exceeds " + std::to_string(config_.body_limit) + " bytes"));
        return;
    }
    const auto content_type = core::find_header(request.headers, "Content-Type").value_or("");
    BatchFormat format;
    format.max_decompressed = config_.max_decompressed;
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
    } else if (!content_type.empty() && !has_media_type(content_type, "application/x-ndjson") &&
               !has_media_type(content_type, "application/jsonl") &&
               !has_media_type(content_type, "text/plain")) {
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
    if (const auto failure = auth_.reserve(claim); failure != AuthFailure::none) {
        refuse(failure);
        return;
    }
    const bool queued = pipeline_.try_submit(
        counters_, std::move(body), format, config_.queue_limit,
        [this, respond, claim](BatchResult result) {
            if (result.failed_status != 0) {
                auth_.release(claim);
                respond(ServerResponse::json_error(result.failed_status, result.failure));
                return;
            }
            auth_.commit(claim);
            respond(ServerResponse::json(200, batch_result_json(result)));
        });
    if (!queued) {
        auth_.release(claim);
        metrics_.saturated.Add({{"source", config_.id}}).Increment();
        respond(with_retry_after(ServerResponse::json_error(429, "ingest queue full, retry later"), 1));
    }
}

}  // namespace noctua::streams
