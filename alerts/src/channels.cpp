// The built-in receiver kinds: log and webhook (Alertmanager-compatible v4 payload).
#include "noctua/alerts/channel.hpp"
#include "noctua/core/log.hpp"
#include "noctua/core/version.hpp"

namespace noctua::alerts {
namespace {

/// Writes one line per notification to the "notify" logger.
class LogChannel final : public ChannelBase {
public:
    explicit LogChannel(config::ReceiverConfig c) : ChannelBase(std::move(c)) {}

protected:
    // ChannelBase
    bool accepts_acks() const override { return true; }
    void do_deliver(const Notification& n, Done done) override {
        auto log = core::logger("notify");
        if (n.acknowledged) {
            for (const auto& a : n.alerts) {
                if (!a.ack) continue;
                log->warn("ALERT acknowledged receiver={} alertname={} labels={} by=\"{}\" "
                          "comment=\"{}\"",
                          name(), a.alertname(), a.labels.to_string(), a.ack->by, a.ack->comment);
            }
            done(DeliveryOutcome::delivered());
            return;
        }
        for (const auto& a : n.alerts) {
            auto summary = a.annotations.find("summary");
            log->warn("ALERT {} receiver={} alertname={} labels={} starts_at={}{} summary=\"{}\"",
                      to_string(a.state), name(), a.alertname(), a.labels.to_string(),
                      core::format_rfc3339(a.starts_at),
                      a.state == AlertState::resolved
                          ? " ends_at=" + core::format_rfc3339(a.ends_at)
                          : std::string{},
                      summary == a.annotations.end() ? "" : summary->second);
        }
        done(DeliveryOutcome::delivered());
    }
};

/// POSTs the Alertmanager webhook payload (version 4) to the configured URL.
class WebhookChannel final : public ChannelBase {
public:
    WebhookChannel(config::ReceiverConfig c, ChannelContext& ctx)
        : ChannelBase(std::move(c)), http_(ctx.http), external_url_(ctx.external_url) {}

protected:
    // ChannelBase
    void do_deliver(const Notification& n, Done done) override {
        core::HttpRequest req;
        req.method = "POST";
        req.url = config().url->reveal();
        req.headers = {{"Content-Type", "application/json"},
                       {"User-Agent", "Noctua/" + std::string(core::version())}};
        req.body = to_alertmanager_webhook_json(n, external_url_);
        req.timeout = config().timeout;
        req.max_response_bytes = 64 * 1024;
        // Standard Webhooks: a redirect is a failure, not something to follow.
        req.follow_redirects = false;
        http_.async_request(std::move(req), [done = std::move(done)](core::HttpResponse r) {
            done(classify_http_response(r));
        });
    }

private:
    core::HttpClient& http_;
    std::string external_url_;
};

class LogFactory final : public ChannelFactory {
public:
    std::string_view kind() const override { return "log"; }
    core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                      ChannelContext&) const override {
        return std::make_unique<LogChannel>(c);
    }
};

class WebhookFactory final : public ChannelFactory {
public:
    std::string_view kind() const override { return "webhook"; }
    core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                      ChannelContext& ctx) const override {
        if (!c.url || c.url->empty()) {
            return core::fail(core::Errc::invalid_argument,
                              "webhook receiver \"" + c.name + "\" needs a url");
        }
        return std::make_unique<WebhookChannel>(c, ctx);
    }
};

}  // namespace

void register_builtin_channels(ChannelRegistry& registry) {
    registry.add(std::make_unique<LogFactory>());
    registry.add(std::make_unique<WebhookFactory>());
}

}  // namespace noctua::alerts
