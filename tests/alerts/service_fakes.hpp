#pragma once

// Loopback fakes of the chat and pager services, each enforcing its contract as docs/receivers.md
// states it: required fields, limits, auth, the exact success answer, and scripted faults (429 with
// the service's own hint, 5xx, connection reset).

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/http.hpp"
#include "noctua/testing/loopback.hpp"

namespace noctua::testing {

enum class Fault { rate_limited, server_error, reset };

/// Code points of UTF-8 text.
inline std::size_t chars(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

/// What every fake shares: a loopback server, scripted faults, what was accepted and refused,
/// and a token bucket of the service's rate (a send over it is answered 429 and counted).
class FakeService {
public:
    std::deque<Fault> faults;           ///< consumed one per request, before anything else
    std::vector<std::string> accepted;  ///< bodies that passed the contract
    std::vector<std::string> refusals;  ///< why requests were refused (contract breaches)
    int requests = 0;
    int over_rate = 0;  ///< requests over the service's rate (429s not scripted)

    [[nodiscard]] std::string url(std::string_view path = "") const { return server_.url(path); }

    /// Locks the recorded state for the test thread.
    [[nodiscard]] std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }

    /// The service's rate: at most `burst` at once, refilled at `per_second`.
    void set_rate(double per_second, double burst) {
        rate_ = per_second;
        burst_ = burst;
        tokens_ = burst;
    }

protected:
    LoopbackHttpServer server_;
    std::mutex mutex_;  // guards every field above and below

    /// Serves `POST pattern` with `handle(request, params)`, or `handle(request)` when it takes
    /// no path parameters, called under the lock.
    template <class Handle>
    void serve_post(std::string pattern, Handle handle) {
        server_.router.add("POST", std::move(pattern),
                           [this, handle](const core::ServerRequest& req, const net::PathParams& p) {
                               std::lock_guard lock(mutex_);
                               if constexpr (std::is_invocable_v<Handle, const core::ServerRequest&>) {
                                   return handle(req);
                               } else {
                                   return handle(req, p);
                               }
                           });
    }

    /// Under the lock: the next scripted fault, if any.
    std::optional<Fault> next_fault() {
        ++requests;
        if (faults.empty()) return std::nullopt;
        auto f = faults.front();
        faults.pop_front();
        return f;
    }
    /// Under the lock: the answer to the next scripted fault, if any: a reset, `server_error`, or
    /// what `rate_limited()` makes of the service's 429.
    template <class RateLimited>
    std::optional<core::ServerResponse> fault_answer(core::ServerResponse server_error,
                                                     RateLimited rate_limited) {
        const auto f = next_fault();
        if (!f) return std::nullopt;
        if (*f == Fault::reset) return reset();
        if (*f == Fault::server_error) return server_error;
        return rate_limited();
    }
    /// Under the lock: false when this request is over the service's rate.
    bool take_token() {
        if (rate_ <= 0) return true;
        const auto now = std::chrono::steady_clock::now();
        if (last_ != std::chrono::steady_clock::time_point{}) {
            tokens_ = std::min(
                burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
        }
        last_ = now;
        if (tokens_ < 1) {
            ++over_rate;
            return false;
        }
        tokens_ -= 1;
        return true;
    }
    core::ServerResponse refuse(int status, std::string reason, std::string body,
                                std::string content_type = "application/json") {
        refusals.push_back(std::move(reason));
        core::ServerResponse r;
        r.status = status;
        r.body = std::move(body);
        r.content_type = std::move(content_type);
        return r;
    }
    static core::ServerResponse reset() {
        core::ServerResponse r;
        r.reset_connection = true;
        return r;
    }

private:
    double rate_ = 0;
    double burst_ = 0;
    double tokens_ = 0;
    std::chrono::steady_clock::time_point last_{};
};

/// Slack incoming webhook: `POST /services/T…/B…/<secret>`.
class FakeSlack : public FakeService {
public:
    FakeSlack() {
        serve_post("/services/{t}/{b}/{secret}", [this](const core::ServerRequest& r) { return handle(r); });
        server_.start();
    }

private:
    core::ServerResponse handle(const core::ServerRequest& req) {
        const auto text = [](int status, std::string body) {
            core::ServerResponse r;
            r.status = status;
            r.content_type = "text/html";
            r.body = std::move(body);
            return r;
        };
        if (auto r = fault_answer(text(500, "rollup_error"), [&] {
                auto limited = text(429, "rate_limited");
                limited.headers.emplace_back("Retry-After", "1");
                return limited;
            })) {
            return *r;
        }
        if (!take_token()) {
            auto r = text(429, "rate_limited");
            r.headers.emplace_back("Retry-After", "1");
            return r;
        }
        if (core::find_header(req.headers, "Content-Type").value_or("") != "application/json") {
            return refuse(400, "content type", "invalid_payload", "text/html");
        }
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (p.parse(req.body).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
            return refuse(400, "not a JSON object", "invalid_payload", "text/html");
        }
        simdjson::dom::array blocks;
        const bool has_blocks = doc["blocks"].get(blocks) == simdjson::SUCCESS;
        std::string_view fallback;
        const bool has_text = doc["text"].get(fallback) == simdjson::SUCCESS;
        if (!has_text && !has_blocks) return refuse(400, "no text", "no_text", "text/html");
        if (has_blocks) {
            if (blocks.size() > 50)
                return refuse(400, "over 50 blocks", "invalid_blocks", "text/html");
            for (auto b : blocks) {
                std::string_view type;
                if (b["type"].get(type) != simdjson::SUCCESS) {
                    return refuse(400, "block without type", "invalid_blocks", "text/html");
                }
                std::string_view t;
                if (type == "section" &&
                    (b["text"]["text"].get(t) != simdjson::SUCCESS || chars(t) > 3000)) {
                    return refuse(400, "section text", "invalid_blocks", "text/html");
                }
            }
        }
        accepted.push_back(req.body);
        return text(200, "ok");
    }
};

/// Teams Workflows webhook: an Adaptive Card no newer than 1.4, within 28 KB.
class FakeTeams : public FakeService {
public:
    FakeTeams() {
        serve_post("/workflows/{id}/triggers/manual/paths/invoke",
                   [this](const core::ServerRequest& r) { return handle(r); });
        server_.start();
    }

private:
    core::ServerResponse handle(const core::ServerRequest& req) {
        if (auto r = fault_answer(core::ServerResponse::text(502, "Bad Gateway"), [] {
                auto limited = core::ServerResponse::text(429, "");
                limited.headers.emplace_back("Retry-After", "1");
                return limited;
            })) {
            return *r;
        }
        if (!core::query_param(req.query, "sig")) return refuse(401, "no sig", "");
        if (req.body.size() > 28 * 1024) return refuse(413, "over 28 KB", "");
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (p.parse(req.body).get(doc) != simdjson::SUCCESS) return refuse(400, "JSON", "");
        std::string_view type;
        std::string_view content_type;
        std::string_view card_type;
        std::string_view version;
        if (doc["type"].get(type) != simdjson::SUCCESS || type != "message" ||
            doc["attachments"].at(0)["contentType"].get(content_type) != simdjson::SUCCESS ||
            content_type != "application/vnd.microsoft.card.adaptive" ||
            doc["attachments"].at(0)["content"]["type"].get(card_type) != simdjson::SUCCESS ||
            card_type != "AdaptiveCard" ||
            doc["attachments"].at(0)["content"]["version"].get(version) != simdjson::SUCCESS) {
            return refuse(400, "not an Adaptive Card message", "");
        }
        if (std::stod(std::string(version)) > 1.4) return refuse(400, "card version", "");
        accepted.push_back(req.body);
        core::ServerResponse r;
        r.status = 202;
        r.content_type = "text/plain";
        return r;
    }
};

/// Telegram Bot API sendMessage.
class FakeTelegram : public FakeService {
public:
    std::string token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    std::vector<std::string> texts;  ///< the text of each accepted message, tags stripped

    FakeTelegram() {
        serve_post("/{bot}/sendMessage", [this](const core::ServerRequest& req, const net::PathParams& p) {
            return handle(req, p.at("bot"));
        });
        server_.start();
    }

    /// The text Telegram shows: tags removed, the five entities decoded; nullopt when the
    /// HTML does not parse (a raw '<' or '&', or a tag Telegram does not know).
    static std::optional<std::string> parse_html(std::string_view s) {
        static const std::vector<std::string_view> kTags = {"b",    "/b",    "i",   "/i",  "/a",
                                                            "code", "/code", "pre", "/pre"};
        std::string out;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '<') {
                const auto end = s.find('>', i);
                if (end == std::string_view::npos) return std::nullopt;
                const auto tag = s.substr(i + 1, end - i - 1);
                const bool known = std::find(kTags.begin(), kTags.end(), tag) != kTags.end() ||
                                   tag.starts_with("a href=\"");
                if (!known) return std::nullopt;
                i = end;
            } else if (s[i] == '&') {
                bool matched = false;
                for (auto [e, c] :
                     {std::pair{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}}) {
                    if (s.substr(i).starts_with(e)) {
                        out += c;
                        i += std::string_view(e).size() - 1;
                        matched = true;
                        break;
                    }
                }
                if (!matched) return std::nullopt;
            } else if (s[i] == '>') {
                return std::nullopt;
            } else {
                out += s[i];
            }
        }
        return out;
    }

private:
    core::ServerResponse handle(const core::ServerRequest& req, const std::string& bot) {
        const auto error = [](int code, std::string_view description, int retry_after = -1) {
            std::string body = fmt::format(R"({{"ok":false,"error_code":{},"description":"{}")",
                                           code, description);
            if (retry_after >= 0)
                body += fmt::format(R"(,"parameters":{{"retry_after":{}}})", retry_after);
            return core::ServerResponse::json(code, body + "}");
        };
        if (auto r = fault_answer(error(502, "Bad Gateway"),
                                  [&] { return error(429, "Too Many Requests: retry after 1", 1); })) {
            return *r;
        }
        if (!take_token()) return error(429, "Too Many Requests: retry after 1", 1);
        if (bot != "bot" + token) {
            refusals.push_back("token");
            return error(401, "Unauthorized");
        }
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (p.parse(req.body).get(doc) != simdjson::SUCCESS) {
            refusals.push_back("JSON");
            return error(400, "Bad Request: can't parse JSON");
        }
        std::string_view text;
        std::string_view mode;
        if (doc["chat_id"].error() != simdjson::SUCCESS) {
            refusals.push_back("chat_id");
            return error(400, "Bad Request: chat_id is empty");
        }
        if (doc["text"].get(text) != simdjson::SUCCESS || text.empty()) {
            refusals.push_back("text");
            return error(400, "Bad Request: message text is empty");
        }
        if (doc["parse_mode"].get(mode) == simdjson::SUCCESS && mode != "HTML" &&
            mode != "MarkdownV2" && mode != "Markdown") {
            refusals.push_back("parse_mode");
            return error(400, "Bad Request: unsupported parse_mode");
        }
        auto shown = mode == "HTML" ? parse_html(text) : std::optional<std::string>(text);
        if (!shown) {
            refusals.push_back("entities");
            return error(400, "Bad Request: can't parse entities");
        }
        std::size_t units = 0;
        for (unsigned char c : *shown) {
            if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
        }
        if (units > 4096) {
            refusals.push_back("too long");
            return error(400, "Bad Request: message is too long");
        }
        accepted.push_back(req.body);
        texts.push_back(*shown);
        return core::ServerResponse::json(
            200, fmt::format(R"({{"ok":true,"result":{{"message_id":{},"date":1700000000,)"
                             R"("chat":{{"id":-100123,"type":"supergroup"}},"text":"…"}}}})",
                             accepted.size()));
    }
};

}  // namespace noctua::testing
