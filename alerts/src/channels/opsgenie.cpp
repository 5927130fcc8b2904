// opsgenie: Alert API. A firing group creates an alert whose alias is the group key (Opsgenie
// keeps one open alert per alias and counts repeats), a resolved group closes it by alias.
// Priority from severity; message at most 130 characters, description 15,000, details 8,000.
#include <charconv>

#include <fmt/format.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/alerts/channels/opsgenie.hpp"
#include "noctua/core/json.hpp"

namespace noctua::alerts::detail {
namespace {

constexpr std::string_view kApi = "https://api.opsgenie.com";
constexpr std::size_t kMessageMax = 130;
constexpr std::size_t kAliasMax = 512;
constexpr std::size_t kDescriptionMax = 15'000;

std::string_view priority(std::string_view s) {
    if (s == "critical" || s == "page") return "P1";
    if (s == "error" || s == "major") return "P2";
    if (s == "warning") return "P3";
    if (s == "info") return "P5";
    return "P3";
}

std::string description(const Message& m) {
    std::string text = m.plain_lead();
    const auto render = [&](std::size_t k) {
        std::string out = text;
        for (std::size_t i = 0; i < k; ++i) out += "\n- " + m.alerts[i].text;
        if (auto more = more_line(m.alerts.size() - k); !more.empty()) out += "\n" + more;
        return out;
    };
    return cut_chars(fit_alerts(m.alerts.size(), render,
                                [](const std::string& s) {
                                    return s.size() <= kDescriptionMax;  // bytes ≥ characters
                                }),
                     kDescriptionMax);
}

std::string create_body(const Notification& n, const Message& m) {
    core::JsonWriter w;
    w.begin_object();
    w.field("message", cut_chars(m.headline, kMessageMax));
    w.field("alias", dedup_key(n.group_key, kAliasMax));
    w.field("description", description(m));
    w.field("priority", priority(m.severity));
    w.field("source", "Noctua");
    const auto common = n.common_labels();
    if (auto p = common.get("provider")) w.field("entity", cut_chars(*p, 512));
    w.key("tags").begin_array();
    int tags = 0;
    for (const auto& [k, v] : common.pairs()) {
        if (++tags > 20) break;
        w.value(cut_chars(k + ":" + v, 50));
    }
    w.end_array();
    // Details: at most 8,000 characters in all; each value is short.
    w.key("details").begin_object();
    if (!m.runbook_url.empty()) w.field("runbook_url", cut_chars(m.runbook_url, 2000));
    if (!m.dashboard_url.empty()) w.field("dashboard_url", cut_chars(m.dashboard_url, 2000));
    if (!m.cause.empty()) w.field("likely_cause", cut_chars(m.cause, 1000));
    w.field("since", cut_chars(m.since, 500));
    w.field("alerts", std::to_string(n.alerts.size()));
    w.end_object();
    w.end_object();
    return std::move(w).str();
}

/// Who acknowledged and why, from the first acknowledged alert of the group.
std::string ack_body(const Notification& n) {
    core::JsonWriter w;
    w.begin_object().field("source", "Noctua");
    for (const auto& a : n.alerts) {
        if (!a.ack) continue;
        if (!a.ack->by.empty()) w.field("user", cut_chars(a.ack->by, 100));
        if (!a.ack->comment.empty()) w.field("note", cut_chars(a.ack->comment, 25'000));
        break;
    }
    w.end_object();
    return std::move(w).str();
}

class OpsgenieChannel final : public HttpChannel {
public:
    using HttpChannel::HttpChannel;

protected:
    // ChannelBase
    bool accepts_acks() const override { return true; }
    void do_deliver(const Notification& n, Done done) override {
        const Message m = compose(n);
        const std::string base = config().url ? config().url->reveal() : std::string(kApi);
        const std::string alias = percent_encode(dedup_key(n.group_key, kAliasMax));
        core::HttpRequest req;
        if (n.acknowledged) {
            req = post(base + "/v2/alerts/" + alias + "/acknowledge?identifierType=alias",
                       ack_body(n), "application/json");
        } else if (m.firing) {
            req = post(base + "/v2/alerts", create_body(n, m), "application/json");
        } else {
            core::JsonWriter w;
            w.begin_object().field("source", "Noctua");
            w.field("note", cut_chars(m.headline + ". " + m.since, 25'000)).end_object();
            req = post(base + "/v2/alerts/" + alias + "/close?identifierType=alias",
                       std::move(w).str(), "application/json");
        }
        req.headers.emplace_back(
            "Authorization",
            "GenieKey " + config().options.get<OpsgenieOptions>().api_key->reveal());
        send(std::move(req), classify, std::move(done));
    }

private:
    static DeliveryOutcome classify(const core::HttpResponse& r) {
        if (r.status == 429) {
            // Throttled: the window to wait is in X-RateLimit-Period-In-Sec.
            std::optional<core::Duration> hint;
            if (auto h = core::find_header(r.headers, "X-RateLimit-Period-In-Sec")) {
                long long secs = 0;
                auto [p, ec] = std::from_chars(h->data(), h->data() + h->size(), secs);
                if (ec == std::errc{} && secs >= 0) hint = std::chrono::seconds(secs);
            }
            return DeliveryOutcome::retry("opsgenie answered 429: " + body_excerpt(r.body), hint);
        }
        return classify_answer(r, "opsgenie", r.status == 202);
    }
};

}  // namespace

std::unique_ptr<ChannelFactory> make_opsgenie_factory() {
    const auto parse = [](const config::Section& s, config::ReceiverConfig& common) {
        return parse_credential<OpsgenieOptions>(s, common, "api_key");
    };
    const auto create = [](const config::ReceiverConfig& c, ChannelContext& ctx) {
        return create_with_credential<OpsgenieChannel>(c, ctx, &OpsgenieOptions::api_key,
                                                       "an api_key");
    };
    return make_factory({"opsgenie", parse, create});
}

}  // namespace noctua::alerts::detail
