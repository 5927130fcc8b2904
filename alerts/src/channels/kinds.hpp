#pragma once

// The built-in receiver kinds (one file each under channels/) and what they share: a POST
// with our User-Agent, no redirects, a bounded answer, and the kind's own reading of it.

#include <functional>
#include <memory>
#include <string>

#include "noctua/alerts/channel.hpp"

namespace noctua::alerts::detail {

[[nodiscard]] std::unique_ptr<ChannelFactory> make_log_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_webhook_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_slack_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_teams_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_telegram_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_pagerduty_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_opsgenie_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_alertmanager_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_whatsapp_factory();
[[nodiscard]] std::unique_ptr<ChannelFactory> make_email_factory();

/// `c` with the kind's default rate limit when none is configured.
[[nodiscard]] config::ReceiverConfig with_default_rate(config::ReceiverConfig c, int limit,
                                                       core::Duration period);

/// A receiver that speaks HTTP: builds requests and classifies answers.
class HttpChannel : public ChannelBase {
public:
    using Classify = std::function<DeliveryOutcome(const core::HttpResponse&)>;

protected:
    HttpChannel(config::ReceiverConfig c, ChannelContext& ctx)
        : ChannelBase(std::move(c), ctx.clock), http_(ctx.http), external_url_(ctx.external_url) {}

    /// A POST of `body` to `url` with the receiver's timeout.
    [[nodiscard]] core::HttpRequest post(std::string url, std::string body,
                                         std::string content_type) const;
    /// Sends `req`; `done` gets `classify` of the answer (transport errors are retried).
    void send(core::HttpRequest req, Classify classify, Done done);

    [[nodiscard]] const std::string& external_url() const { return external_url_; }

private:
    core::HttpClient& http_;
    std::string external_url_;
};

/// A retry on 429 and 5xx with the seconds of a Retry-After header as the hint, or nullopt
/// when the status is neither.
[[nodiscard]] std::optional<DeliveryOutcome> retry_on_429_or_5xx(const core::HttpResponse& r,
                                                                 std::string_view what);

/// RFC 3986 percent-encoding of everything but unreserved characters.
[[nodiscard]] std::string percent_encode(std::string_view s);

/// The group key as a service's dedup key of at most `max` bytes: itself when short enough,
/// else its start and a hash of the whole.
[[nodiscard]] std::string dedup_key(std::string_view group_key, std::size_t max);

/// 16 hex digits of a stable 64-bit hash (FNV-1a) of the group key: the same on every run
/// and machine.
[[nodiscard]] std::string group_hash(std::string_view group_key);

/// The first `max` bytes of an answer body, for error messages.
[[nodiscard]] std::string body_excerpt(std::string_view body);

}  // namespace noctua::alerts::detail
