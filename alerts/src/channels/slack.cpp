// slack: an incoming webhook; Block Kit blocks with a text fallback, one message per group
// notification (a resolve is a follow-up message). Sections stay under 3,000 characters by
// listing fewer alerts; at most 1 message per second by default, as Slack asks.
#include <fmt/format.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/core/html.hpp"
#include "noctua/core/json.hpp"

namespace noctua::alerts::detail {
namespace {

constexpr std::size_t kSectionMax = 3000;   // characters of a section's text
constexpr std::size_t kFallbackMax = 3000;  // Slack shows ~4,000; keep the fallback short

/// Slack mrkdwn escapes only `&`, `<` and `>`.
std::string escape(std::string_view s) { return core::html_escape(s, /*quotes=*/false); }

void section(core::JsonWriter& w, std::string_view mrkdwn) {
    w.begin_object().field("type", "section").key("text").begin_object();
    w.field("type", "mrkdwn").field("text", mrkdwn).end_object().end_object();
}

void button(core::JsonWriter& w, std::string_view text, std::string_view url) {
    w.begin_object().field("type", "button").key("text").begin_object();
    w.field("type", "plain_text").field("text", text).end_object();
    w.field("url", cut_bytes(url, 3000)).end_object();
}

/// The webhook body: the first lines in one section, the alert list in another.
std::string slack_body(const Notification& n, std::string_view external_url) {
    const Message m = compose(n);
    std::string lead = "*" + escape(m.headline) + "*";
    if (!m.since.empty()) lead += "\n" + escape(m.since);
    if (!m.how_bad.empty()) lead += "\n" + escape(m.how_bad);
    if (!m.cause.empty()) lead += "\n_" + escape(m.cause) + "_";
    lead = cut_chars(lead, kSectionMax);

    const auto list = [&](std::size_t k) {
        std::string out;
        for (std::size_t i = 0; i < k && i < m.alerts.size(); ++i) {
            out += "• " + escape(m.alerts[i].text) + "\n";
        }
        out += more_line(m.alerts.size() - k);
        return out;
    };
    const std::string alerts =
        m.alerts.empty() ? std::string{}
                         : fit_alerts(m.alerts.size(), list,
                                      [](const std::string& s) { return s.size() <= kSectionMax; });

    core::JsonWriter w;
    w.begin_object();
    w.field("text", cut_chars(m.plain_lead(), kFallbackMax));
    w.key("blocks").begin_array();
    section(w, lead);
    if (!alerts.empty()) section(w, cut_chars(alerts, kSectionMax));
    if (!m.runbook_url.empty() || !m.dashboard_url.empty() || !external_url.empty()) {
        w.begin_object().field("type", "actions").key("elements").begin_array();
        if (!m.runbook_url.empty()) button(w, "Runbook", m.runbook_url);
        if (!m.dashboard_url.empty()) button(w, "Dashboard", m.dashboard_url);
        if (!external_url.empty()) button(w, "Noctua", external_url);
        w.end_array().end_object();
    }
    w.begin_object().field("type", "context").key("elements").begin_array();
    w.begin_object().field("type", "mrkdwn");
    w.field("text", cut_chars(escape("Noctua · group " + n.group_labels.to_string()), 3000));
    w.end_object().end_array().end_object();
    w.end_array();
    w.end_object();
    return std::move(w).str();
}

DeliveryOutcome classify(const core::HttpResponse& r) {
    // Success is exactly the plain-text body "ok"; errors name themselves in the body.
    return classify_answer(r, "slack", r.status == 200 && r.body == "ok");
}

}  // namespace

std::unique_ptr<ChannelFactory> make_slack_factory() {
    return make_json_post_factory<slack_body, classify>("slack", 1);
}

}  // namespace noctua::alerts::detail
