// telegram: Bot API sendMessage in HTML parse mode (everything of ours escaped), at most
// 4,096 characters (UTF-16) by listing fewer alerts; a 429's parameters.retry_after is the
// retry hint. At most 1 message per second per chat by default, as Telegram asks.
#include <fmt/format.h>
#include <simdjson.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/alerts/channels/telegram.hpp"
#include "noctua/config/receiver_kind.hpp"
#include "noctua/core/html.hpp"
#include "noctua/core/json.hpp"

namespace noctua::alerts::detail {
namespace {

constexpr std::size_t kTextMax = 4096;
constexpr std::string_view kApi = "https://api.telegram.org";

std::string link(std::string_view text, std::string_view url) {
    return "<a href=\"" + core::html_escape(url) + "\">" + std::string(text) + "</a>";
}

std::string telegram_text(const Notification& n, std::string_view external_url) {
    Message m = compose(n);
    // The first lines always fit: they are cut before the list is.
    m.how_bad = cut_chars(m.how_bad, 1500);
    m.cause = cut_chars(m.cause, 500);
    std::string lead = "<b>" + core::html_escape(m.headline) + "</b>";
    if (!m.since.empty()) lead += "\n" + core::html_escape(m.since);
    if (!m.how_bad.empty()) lead += "\n" + core::html_escape(m.how_bad);
    if (!m.cause.empty()) lead += "\n<i>" + core::html_escape(m.cause) + "</i>";
    std::vector<std::string> links;
    if (!m.runbook_url.empty()) links.push_back(link("Runbook", m.runbook_url));
    if (!m.dashboard_url.empty()) links.push_back(link("Dashboard", m.dashboard_url));
    if (!external_url.empty()) links.push_back(link("Noctua", external_url));
    if (!links.empty()) lead += fmt::format("\n{}", fmt::join(links, " · "));
    const auto render = [&](std::size_t k) {
        std::string out = lead;
        if (!m.alerts.empty()) out += "\n";
        for (std::size_t i = 0; i < k; ++i) out += "\n• " + core::html_escape(m.alerts[i].text);
        if (auto more = more_line(m.alerts.size() - k); !more.empty()) out += "\n" + more;
        return out;
    };
    // Counting the markup too over-estimates the parsed length: safe.
    return fit_alerts(m.alerts.size(), render,
                      [](const std::string& s) { return utf16_length(s) <= kTextMax; });
}

class TelegramChannel final : public HttpChannel {
public:
    using HttpChannel::HttpChannel;

protected:
    // ChannelBase
    void do_deliver(const Notification& n, Done done) override {
        core::JsonWriter w;
        w.begin_object();
        // A numeric chat id goes as a number, "@channel" as a string.
        const auto& chat = options().chat_id;
        if (!chat.empty() && chat.find_first_not_of("-0123456789") == std::string::npos) {
            w.key("chat_id").raw(chat);
        } else {
            w.field("chat_id", chat);
        }
        w.field("text", telegram_text(n, external_url())).field("parse_mode", "HTML");
        w.key("link_preview_options").begin_object().field("is_disabled", true).end_object();
        w.end_object();
        const std::string base = config().url ? config().url->reveal() : std::string(kApi);
        // The token is in the path: the URL is never logged.
        send(post(base + "/bot" + options().bot_token->reveal() + "/sendMessage",
                  std::move(w).str(), "application/json"),
             classify, std::move(done));
    }

private:
    const TelegramOptions& options() const { return config().options.get<TelegramOptions>(); }

    static DeliveryOutcome classify(const core::HttpResponse& r) {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        const bool json = parser.parse(r.body).get(doc) == simdjson::SUCCESS && doc.is_object();
        bool ok = false;
        std::string_view description;
        std::optional<core::Duration> hint;
        if (json) {
            if (doc["ok"].get(ok) != simdjson::SUCCESS) ok = false;
            if (doc["description"].get(description) != simdjson::SUCCESS) description = {};
            std::int64_t after = 0;
            if (doc["parameters"]["retry_after"].get(after) == simdjson::SUCCESS && after >= 0) {
                hint = std::chrono::seconds(after);
            }
        }
        if (r.status == 200 && ok) return DeliveryOutcome::delivered();
        const std::string msg = fmt::format("telegram answered {}: {}", r.status,
                                            json ? std::string(description) : body_excerpt(r.body));
        if (r.status == 429 || r.status >= 500) {
            if (!hint) {
                if (auto retry = retry_on_429_or_5xx(r, "telegram")) hint = retry->retry_after;
            }
            return DeliveryOutcome::retry(msg, hint);
        }
        return DeliveryOutcome::failed(msg);
    }
};

config::KindOptions parse(const config::Section& s, config::ReceiverConfig& common) {
    constexpr std::string_view kOwn[] = {"chat_id"};
    constexpr std::string_view kSecrets[] = {"bot_token"};
    config::check_receiver_keys(s, kOwn, kSecrets);
    config::check_receiver_url(s, common, config::UrlUse::optional);
    TelegramOptions out;
    out.bot_token = config::read_receiver_secret(s, common, "bot_token", true);
    if (s.require("chat_id")) s.read_string("chat_id", out.chat_id);
    return config::KindOptions::of(std::move(out));
}

core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                  ChannelContext& ctx) {
    const auto& o = c.options.get<TelegramOptions>();
    if (!o.bot_token || o.bot_token->empty() || o.chat_id.empty()) {
        return needs(c, "bot_token and chat_id");
    }
    return std::make_unique<TelegramChannel>(c, ctx);
}

}  // namespace

std::unique_ptr<ChannelFactory> make_telegram_factory() {
    return make_factory({"telegram", parse, create, 1, std::chrono::seconds(1)});
}

}  // namespace noctua::alerts::detail
