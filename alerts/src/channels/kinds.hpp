#pragma once

// The built-in receiver kinds (one file each under channels/) and what they share: a POST
// with our User-Agent, no redirects, a bounded answer, and the kind's own reading of it.

#include <functional>
#include <memory>
#include <string>

#include "noctua/alerts/channel.hpp"
#include "noctua/config/receiver_kind.hpp"

namespace noctua::alerts::detail {

/// A receiver kind as its file under channels/ describes it: its name, its config::ReceiverParser
/// and how it makes a channel, with the rate limit it keeps when none is configured.
struct KindSpec {
    std::string_view kind;
    config::KindOptions (*parse)(const config::Section& s, config::ReceiverConfig& common);
    core::Result<std::unique_ptr<ChannelBase>> (*create)(const config::ReceiverConfig& c,
                                                         ChannelContext& ctx);
    int default_rate_limit = 0;  ///< 0: none
    core::Duration default_rate_period = std::chrono::seconds(1);
};

/// The ChannelFactory of `spec`: create() hands `spec.create` the config with the kind's default
/// rate limit when the config sets none.
[[nodiscard]] std::unique_ptr<ChannelFactory> make_factory(KindSpec spec);

/// The error of receiver `c` lacking `what`: `<kind> receiver "<name>" needs <what>`.
[[nodiscard]] std::unexpected<core::Error> needs(const config::ReceiverConfig& c,
                                                 std::string_view what);

/// The parser of a kind whose only key of its own is a required http(s) url.
[[nodiscard]] config::KindOptions parse_url_only(const config::Section& s,
                                                 config::ReceiverConfig& common);

/// create() of a kind that needs nothing but its url: a Channel(c, ctx).
template <class Channel>
core::Result<std::unique_ptr<ChannelBase>> create_with_url(const config::ReceiverConfig& c,
                                                           ChannelContext& ctx) {
    if (!c.url || c.url->empty()) return needs(c, "a url");
    return std::make_unique<Channel>(c, ctx);
}

/// The parser of a kind whose one key of its own is its required credential `key` (with
/// `_env` and `_file`), kept as Options{credential}.
template <class Options>
config::KindOptions parse_credential(const config::Section& s, config::ReceiverConfig& common,
                                     std::string_view key) {
    const std::string_view secrets[] = {key};
    config::check_receiver_keys(s, {}, secrets);
    config::check_receiver_url(s, common, config::UrlUse::optional);
    return config::KindOptions::of(Options{config::read_receiver_secret(s, common, key, true)});
}

/// create() of a kind that needs its credential (`Options::*credential`, named `what` in the
/// error): a Channel(c, ctx).
template <class Channel, class Options>
core::Result<std::unique_ptr<ChannelBase>> create_with_credential(
    const config::ReceiverConfig& c, ChannelContext& ctx,
    std::optional<config::Secret> Options::*credential, std::string_view what) {
    const auto& secret = c.options.get<Options>().*credential;
    if (!secret || secret->empty()) return needs(c, what);
    return std::make_unique<Channel>(c, ctx);
}

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

/// A receiver that speaks HTTP: builds requests and classifies answers. Kinds derive from it
/// and inherit its constructor.
class HttpChannel : public ChannelBase {
public:
    using Classify = std::function<DeliveryOutcome(const core::HttpResponse&)>;

    HttpChannel(config::ReceiverConfig c, ChannelContext& ctx)
        : ChannelBase(std::move(c), ctx.clock), http_(ctx.http), external_url_(ctx.external_url) {}

protected:
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

/// A kind that POSTs `MakeBody(n, external_url)` as JSON to its url and reads the answer with
/// `ReadAnswer`.
template <std::string (*MakeBody)(const Notification&, std::string_view),
          DeliveryOutcome (*ReadAnswer)(const core::HttpResponse&)>
class JsonPostChannel final : public HttpChannel {
public:
    using HttpChannel::HttpChannel;

protected:
    // ChannelBase
    void do_deliver(const Notification& n, Done done) override {
        send(post(config().url->reveal(), MakeBody(n, external_url()), "application/json"),
             ReadAnswer, std::move(done));
    }
};

/// The factory of a JsonPostChannel kind whose one key of its own is its url, sending at most
/// `default_rate_limit` notifications a second unless configured otherwise.
template <std::string (*MakeBody)(const Notification&, std::string_view),
          DeliveryOutcome (*ReadAnswer)(const core::HttpResponse&)>
std::unique_ptr<ChannelFactory> make_json_post_factory(std::string_view kind,
                                                       int default_rate_limit) {
    return make_factory({kind, parse_url_only,
                         create_with_url<JsonPostChannel<MakeBody, ReadAnswer>>, default_rate_limit,
                         std::chrono::seconds(1)});
}

/// A retry on 429 and 5xx with the seconds of a Retry-After header as the hint, or nullopt
/// when the status is neither.
[[nodiscard]] std::optional<DeliveryOutcome> retry_on_429_or_5xx(const core::HttpResponse& r,
                                                                 std::string_view what);

/// How most kinds read an answer: a retry on 429 and 5xx (retry_on_429_or_5xx), delivered when
/// `accepted` (the kind's own test of the answer), else a final failure that names `what`, the
/// status and the start of the body.
[[nodiscard]] DeliveryOutcome classify_answer(const core::HttpResponse& r, std::string_view what,
                                              bool accepted);

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
