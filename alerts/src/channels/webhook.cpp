// webhook: the Alertmanager webhook payload (version 4) POSTed to the configured URL; with a
// `secret`, signed as Standard Webhooks say (webhook-id, webhook-timestamp, webhook-signature
// v1 = base64 HMAC-SHA256 of "id.timestamp.body"), plus X-Hub-Signature-256 for GitHub-style
// consumers. The id is the same on every attempt of a notification: receivers dedup on it.
#include <fmt/format.h>

#include "channels/kinds.hpp"
#include "noctua/alerts/channels/webhook.hpp"
#include "noctua/config/receiver_kind.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/hmac.hpp"

namespace noctua::alerts::detail {
namespace {

std::string hex(std::string_view bytes) {
    std::string out;
    for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
    return out;
}

class WebhookChannel final : public HttpChannel {
public:
    WebhookChannel(config::ReceiverConfig c, ChannelContext& ctx, std::string key)
        : HttpChannel(std::move(c), ctx), clock_(ctx.clock), key_(std::move(key)) {}

protected:
    // ChannelBase
    void do_deliver(const Notification& n, Done done) override {
        auto req = post(config().url->reveal(), to_alertmanager_webhook_json(n, external_url()),
                        "application/json");
        if (!key_.empty()) sign(n, req);
        send(std::move(req), classify, std::move(done));
    }

private:
    void sign(const Notification& n, core::HttpRequest& req) const {
        const std::string id = fmt::format("msg_{}_{}", group_hash(n.group_key), n.id);
        const auto ts =
            std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch())
                .count();
        const std::string timestamp = std::to_string(ts);
        req.headers.emplace_back("webhook-id", id);
        req.headers.emplace_back("webhook-timestamp", timestamp);
        req.headers.emplace_back("webhook-signature",
                                 "v1," + core::webhook_signature(key_, id, timestamp, req.body));
        req.headers.emplace_back("X-Hub-Signature-256",
                                 "sha256=" + hex(core::hmac_sha256(key_, req.body)));
    }

    static DeliveryOutcome classify(const core::HttpResponse& r) {
        auto outcome = classify_http_response(r);
        // 410 Gone: the endpoint asks not to be sent to again.
        if (r.status == 410) outcome.message += " (410 Gone: the endpoint is retired)";
        return outcome;
    }

    const core::Clock& clock_;
    std::string key_;  // the signing key's bytes; empty: unsigned
};

config::KindOptions parse(const config::Section& s, config::ReceiverConfig& common) {
    constexpr std::string_view kSecrets[] = {"secret"};
    config::check_receiver_keys(s, {}, kSecrets);
    config::check_receiver_url(s, common, config::UrlUse::required);
    // Optional: without it requests are not signed.
    return config::KindOptions::of(
        WebhookOptions{config::read_receiver_secret(s, common, "secret", false)});
}

core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                  ChannelContext& ctx) {
    if (!c.url || c.url->empty()) {
        return needs(c, "a url");
    }
    std::string key;
    if (const auto& given = c.options.get<WebhookOptions>().secret) {
        // "whsec_<base64>" is the Standard Webhooks form; anything else is the key itself.
        const auto& secret = given->reveal();
        if (secret.starts_with("whsec_")) {
            auto decoded = core::base64_decode(std::string_view(secret).substr(6));
            if (!decoded) {
                return core::fail(core::Errc::invalid_argument,
                                  "webhook receiver \"" + c.name +
                                      "\": secret starts with whsec_ but is not base64");
            }
            key = std::move(*decoded);
        } else {
            key = secret;
        }
    }
    return std::make_unique<WebhookChannel>(c, ctx, std::move(key));
}

}  // namespace

std::unique_ptr<ChannelFactory> make_webhook_factory() {
    return make_factory({"webhook", parse, create});
}

}  // namespace noctua::alerts::detail
