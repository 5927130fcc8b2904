// log: one line per alert of a notification to the "notify" logger.
#include "noctua/core/log.hpp"
#include "channels/kinds.hpp"
#include "noctua/config/receiver_kind.hpp"

namespace noctua::alerts::detail {
namespace {

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

config::KindOptions parse(const config::Section& s, config::ReceiverConfig& common) {
    config::check_receiver_keys(s, {});
    config::check_receiver_url(s, common, config::UrlUse::none);
    return {};
}

core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                  ChannelContext&) {
    return std::make_unique<LogChannel>(c);
}

}  // namespace

std::unique_ptr<ChannelFactory> make_log_factory() { return make_factory({"log", parse, create}); }

}  // namespace noctua::alerts::detail
