#include <charconv>

#include <fmt/format.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/core/version.hpp"

namespace noctua::alerts::detail {

core::HttpRequest HttpChannel::post(std::string url, std::string body,
                                    std::string content_type) const {
    core::HttpRequest req;
    req.method = "POST";
    req.url = std::move(url);
    req.headers = {{"Content-Type", std::move(content_type)},
                   {"User-Agent", "Noctua/" + std::string(core::version())}};
    req.body = std::move(body);
    req.timeout = config().timeout;
    req.max_response_bytes = 64 * 1024;
    // A redirect is a failure, not something to follow with a secret-bearing body.
    req.follow_redirects = false;
    return req;
}

void HttpChannel::send(core::HttpRequest req, Classify classify, Done done) {
    http_.async_request(std::move(req), [classify = std::move(classify),
                                         done = std::move(done)](core::HttpResponse r) {
        if (!r.transport_ok()) {
            done(DeliveryOutcome::retry(std::string(core::to_string(r.error)) + ": " +
                                        r.error_message));
            return;
        }
        done(classify(r));
    });
}

std::optional<DeliveryOutcome> retry_on_429_or_5xx(const core::HttpResponse& r,
                                                   std::string_view what) {
    if (r.status != 429 && r.status < 500) return std::nullopt;
    std::optional<core::Duration> after;
    if (auto h = core::find_header(r.headers, "Retry-After")) {
        long long secs = 0;
        auto [ptr, ec] = std::from_chars(h->data(), h->data() + h->size(), secs);
        if (ec == std::errc{} && secs >= 0) after = std::chrono::seconds(secs);
    }
    return DeliveryOutcome::retry(
        fmt::format("{} answered {}: {}", what, r.status, body_excerpt(r.body)), after);
}

DeliveryOutcome classify_answer(const core::HttpResponse& r, std::string_view what, bool accepted) {
    if (auto retry = retry_on_429_or_5xx(r, what)) return *retry;
    if (accepted) return DeliveryOutcome::delivered();
    return DeliveryOutcome::failed(
        fmt::format("{} answered {}: {}", what, r.status, body_excerpt(r.body)));
}

std::string percent_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

std::string dedup_key(std::string_view group_key, std::size_t max) {
    if (group_key.size() <= max) return std::string(group_key);
    const std::string tail = "#" + group_hash(group_key);
    std::string head = cut_bytes(group_key, max - tail.size());
    // cut_bytes ends with an ellipsis; the hash says the key was cut.
    if (head.ends_with("…")) head.resize(head.size() - std::string_view("…").size());
    return head + tail;
}

std::string group_hash(std::string_view group_key) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, stable across runs and machines
    for (unsigned char c : group_key) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return fmt::format("{:016x}", h);
}

std::string body_excerpt(std::string_view body) { return cut_bytes(body, 200); }

}  // namespace noctua::alerts::detail
