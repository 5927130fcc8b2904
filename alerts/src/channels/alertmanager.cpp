// alertmanager: pushes the group's alerts to an Alertmanager's POST /api/v2/alerts, so Noctua
// can feed an existing Alertmanager setup. Alertmanager keys alerts by their label set; a
// firing alert is sent with endsAt = now + ends_after and stays active while the route's
// repeat_interval (shorter than ends_after) sends it again; a resolved one is sent with its
// endsAt in the past, which resolves it there at once.
#include <fmt/format.h>

#include "channels/kinds.hpp"
#include "noctua/alerts/channels/alertmanager.hpp"
#include "noctua/config/receiver_kind.hpp"
#include "noctua/core/json.hpp"

namespace noctua::alerts::detail {
namespace {

class AlertmanagerChannel final : public HttpChannel {
public:
    AlertmanagerChannel(config::ReceiverConfig c, ChannelContext& ctx)
        : HttpChannel(std::move(c), ctx), clock_(ctx.clock) {}

protected:
    // ChannelBase
    void do_deliver(const Notification& n, Done done) override {
        std::string base = config().url->reveal();
        while (base.ends_with('/')) base.pop_back();
        send(post(base + "/api/v2/alerts", body(n), "application/json"), classify, std::move(done));
    }

private:
    std::string body(const Notification& n) const {
        const auto valid_until =
            clock_.now() + config().options.get<AlertmanagerOptions>().ends_after;
        core::JsonWriter w;
        w.begin_array();
        for (const auto& a : n.alerts) {
            w.begin_object().key("labels").begin_object();
            for (const auto& [k, v] : a.labels.pairs()) w.field(k, v);
            w.end_object().key("annotations").begin_object();
            for (const auto& [k, v] : a.annotations) w.field(k, v);
            w.end_object();
            w.field("startsAt", core::format_rfc3339(a.starts_at));
            w.field("endsAt", core::format_rfc3339(a.state == AlertState::resolved
                                                       ? a.ends_at
                                                       : std::max(valid_until, a.starts_at)));
            if (!external_url().empty()) w.field("generatorURL", external_url());
            w.end_object();
        }
        w.end_array();
        return std::move(w).str();
    }

    static DeliveryOutcome classify(const core::HttpResponse& r) {
        // A 400 stores the valid alerts of the batch and names the others: resending cannot
        // make them valid.
        return classify_answer(r, "alertmanager", r.status == 200);
    }

    const core::Clock& clock_;
};

config::KindOptions parse(const config::Section& s, config::ReceiverConfig& common) {
    constexpr std::string_view kOwn[] = {"ends_after"};
    config::check_receiver_keys(s, kOwn);
    config::check_receiver_url(s, common, config::UrlUse::required);
    AlertmanagerOptions out;
    s.read_positive_duration("ends_after", out.ends_after);
    return config::KindOptions::of(out);
}

}  // namespace

std::unique_ptr<ChannelFactory> make_alertmanager_factory() {
    return make_factory({"alertmanager", parse, create_with_url<AlertmanagerChannel>});
}

}  // namespace noctua::alerts::detail
