// pagerduty: Events API v2. A firing group triggers (dedup_key from the group key, so later
// notifications of the group update the same alert), a resolved group resolves. Severity is
// mapped onto PagerDuty's four; runbook and dashboard are links; the event stays under 512 KB
// by listing fewer alerts in custom_details. At most 120 events per minute by default.
#include <fmt/format.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/alerts/channels/pagerduty.hpp"
#include "noctua/core/json.hpp"

namespace noctua::alerts::detail {
namespace {

constexpr std::string_view kEnqueue = "https://events.pagerduty.com/v2/enqueue";
constexpr std::size_t kEventMax = 512'000;
constexpr std::size_t kDedupMax = 255;
constexpr std::size_t kSummaryMax = 1024;

std::string_view pd_severity(std::string_view s) {
    if (s == "critical" || s == "page" || s == "high") return "critical";
    if (s == "error" || s == "major") return "error";
    if (s == "info" || s == "low" || s == "none") return "info";
    return "warning";
}

void alert_object(core::JsonWriter& w, const Alert& a) {
    w.begin_object().field("status", to_string(a.state));
    w.key("labels").begin_object();
    for (const auto& [k, v] : a.labels.pairs()) w.field(k, v);
    w.end_object().key("annotations").begin_object();
    for (const auto& [k, v] : a.annotations) w.field(k, v);
    w.end_object().field("startsAt", core::format_rfc3339(a.starts_at));
    if (a.state == AlertState::resolved) w.field("endsAt", core::format_rfc3339(a.ends_at));
    w.end_object();
}

std::string event(const Notification& n, const std::string& routing_key,
                  std::string_view external_url, std::size_t listed) {
    const Message m = compose(n);
    core::JsonWriter w;
    w.begin_object().field("routing_key", routing_key);
    w.field("dedup_key", dedup_key(n.group_key, kDedupMax));
    if (n.acknowledged) {
        // The incident stays open; the on-call engineer's ack stops PagerDuty's escalation.
        w.field("event_action", "acknowledge").end_object();
        return std::move(w).str();
    }
    if (!m.firing) {
        w.field("event_action", "resolve").end_object();
        return std::move(w).str();
    }
    w.field("event_action", "trigger");
    const Alert* lead = nullptr;
    for (const auto& a : n.alerts) {
        if (a.state == AlertState::firing &&
            (lead == nullptr || severity_rank(a.labels.get("severity").value_or("")) <
                                    severity_rank(lead->labels.get("severity").value_or("")))) {
            lead = &a;
        }
    }
    std::string summary = m.headline;
    if (!m.how_bad.empty()) summary += ": " + m.how_bad;
    w.key("payload").begin_object();
    w.field("summary", cut_chars(summary, kSummaryMax));
    w.field("source", cut_chars(lead && lead->labels.get("provider")
                                    ? std::string(*lead->labels.get("provider"))
                                    : std::string("noctua"),
                                255));
    w.field("severity", pd_severity(m.severity));
    if (lead != nullptr) {
        w.field("timestamp", core::format_rfc3339(lead->starts_at));
        w.field("group", lead->alertname());
        w.field("class", lead->alertname());
    }
    w.key("custom_details").begin_object();
    w.field("since", m.since);
    if (!m.cause.empty()) w.field("likely_cause", m.cause);
    w.field("group", n.group_labels.to_string());
    w.field("alerts_total", static_cast<std::uint64_t>(n.alerts.size()));
    w.key("alerts").begin_array();
    for (std::size_t i = 0; i < listed; ++i) alert_object(w, n.alerts[i]);
    w.end_array();
    if (listed < n.alerts.size()) {
        w.field("alerts_left_out", static_cast<std::uint64_t>(n.alerts.size() - listed));
    }
    w.end_object().end_object();
    w.key("links").begin_array();
    if (!m.runbook_url.empty()) {
        w.begin_object().field("href", m.runbook_url).field("text", "Runbook").end_object();
    }
    if (!m.dashboard_url.empty()) {
        w.begin_object().field("href", m.dashboard_url).field("text", "Dashboard").end_object();
    }
    w.end_array();
    w.field("client", "Noctua");
    if (!external_url.empty()) w.field("client_url", external_url);
    w.end_object();
    return std::move(w).str();
}

class PagerDutyChannel final : public HttpChannel {
public:
    using HttpChannel::HttpChannel;

protected:
    // ChannelBase
    bool accepts_acks() const override { return true; }
    void do_deliver(const Notification& n, Done done) override {
        const auto& key = config().options.get<PagerDutyOptions>().routing_key->reveal();
        std::string body = fit_alerts(
            n.alerts.size(), [&](std::size_t k) { return event(n, key, external_url(), k); },
            [](const std::string& s) { return s.size() <= kEventMax; });
        const std::string url = config().url ? config().url->reveal() : std::string(kEnqueue);
        send(post(url, std::move(body), "application/json"), classify, std::move(done));
    }

private:
    static DeliveryOutcome classify(const core::HttpResponse& r) {
        if (r.status == 429) {
            // No Retry-After is documented; PagerDuty advises waiting about 30 s.
            return DeliveryOutcome::retry("pagerduty answered 429: " + body_excerpt(r.body),
                                          std::chrono::seconds(30));
        }
        return classify_answer(r, "pagerduty", r.status == 202);
    }
};

}  // namespace

std::unique_ptr<ChannelFactory> make_pagerduty_factory() {
    const auto parse = [](const config::Section& s, config::ReceiverConfig& common) {
        return parse_credential<PagerDutyOptions>(s, common, "routing_key");
    };
    const auto create = [](const config::ReceiverConfig& c, ChannelContext& ctx) {
        return create_with_credential<PagerDutyChannel>(c, ctx, &PagerDutyOptions::routing_key,
                                                        "a routing_key");
    };
    return make_factory({"pagerduty", parse, create, 120, std::chrono::minutes(1)});
}

}  // namespace noctua::alerts::detail
