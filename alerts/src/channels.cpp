// The built-in receiver kinds, registered explicitly (STYLE.md §4); each lives in channels/.
#include "channels/kinds.hpp"
#include "noctua/alerts/channel.hpp"

namespace noctua::alerts {

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

void ChannelRegistry::add_parsers(config::KindParsers& out) const {
    for (const auto& kind : kinds()) {
        const ChannelFactory* factory = find(kind);
        out.add_receiver(kind, [factory](const config::Section& s, config::ReceiverConfig& c) {
            return factory->parse(s, c);
        });
    }
}

}  // namespace noctua::alerts
