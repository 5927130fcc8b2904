// The built-in receiver kinds, registered explicitly (docs/architecture.md, "Kinds and
// registries"); each lives in channels/.
#include "channels/kinds.hpp"
#include "noctua/alerts/channel.hpp"
#include "noctua/config/receiver_kind.hpp"

namespace noctua::alerts {
namespace detail {
namespace {

/// A KindSpec's factory: the spec's functions, with the kind's default rate limit.
class SpecFactory final : public config::SpecFactory<ChannelFactory, KindSpec> {
public:
    using config::SpecFactory<ChannelFactory, KindSpec>::SpecFactory;

    // ChannelFactory
    core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                      ChannelContext& ctx) const override {
        if (c.rate_limit != 0 || spec().default_rate_limit == 0) return spec().create(c, ctx);
        auto limited = c;
        limited.rate_limit = spec().default_rate_limit;
        limited.rate_period = spec().default_rate_period;
        return spec().create(limited, ctx);
    }
};

}  // namespace

std::unique_ptr<ChannelFactory> make_factory(KindSpec spec) {
    return std::make_unique<SpecFactory>(spec);
}

std::unexpected<core::Error> needs(const config::ReceiverConfig& c, std::string_view what) {
    return core::fail(core::Errc::invalid_argument,
                      c.kind + " receiver \"" + c.name + "\" needs " + std::string(what));
}

config::KindOptions parse_url_only(const config::Section& s, config::ReceiverConfig& common) {
    config::check_receiver_keys(s, {});
    config::check_receiver_url(s, common, config::UrlUse::required);
    return {};
}

}  // namespace detail

void register_builtin_channels(ChannelRegistry& registry) {
    registry.add(detail::make_log_factory());
    registry.add(detail::make_webhook_factory());
    registry.add(detail::make_slack_factory());
    registry.add(detail::make_teams_factory());
    registry.add(detail::make_telegram_factory());
    registry.add(detail::make_pagerduty_factory());
    registry.add(detail::make_opsgenie_factory());
    registry.add(detail::make_alertmanager_factory());
    registry.add(detail::make_whatsapp_factory());
    registry.add(detail::make_email_factory());
}

}  // namespace noctua::alerts
