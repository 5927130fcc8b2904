// teams: a Workflows webhook ("When a Teams webhook request is received") with an Adaptive
// Card, version 1.4 (Teams renders nothing newer), kept within the 28 KB a message may have
// by listing fewer alerts. At most 4 messages per second by default.
#include <fmt/format.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/core/json.hpp"

namespace noctua::alerts::detail {
namespace {

constexpr std::size_t kBodyMax = 27 * 1024;  // under the ~28 KB limit, with room for headers

void text_block(core::JsonWriter& w, std::string_view text, bool strong = false,
                std::string_view color = {}) {
    w.begin_object().field("type", "TextBlock").field("text", text).field("wrap", true);
    if (strong) w.field("weight", "Bolder").field("size", "Medium");
    if (!color.empty()) w.field("color", color);
    w.end_object();
}

void open_url(core::JsonWriter& w, std::string_view title, std::string_view url) {
    w.begin_object().field("type", "Action.OpenUrl").field("title", title).field("url", url);
    w.end_object();
}

std::string card(const Notification& n, const Message& m, std::string_view external_url,
                 std::size_t listed) {
    core::JsonWriter w;
    w.begin_object().field("type", "message").key("attachments").begin_array();
    w.begin_object().field("contentType", "application/vnd.microsoft.card.adaptive");
    w.key("contentUrl").null();
    w.key("content").begin_object();
    w.field("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    w.field("type", "AdaptiveCard").field("version", "1.4");
    w.key("body").begin_array();
    text_block(w, m.headline, true, m.firing ? "Attention" : "Good");
    if (!m.since.empty()) text_block(w, m.since);
    if (!m.how_bad.empty()) text_block(w, m.how_bad);
    if (!m.cause.empty()) text_block(w, m.cause);
    for (std::size_t i = 0; i < listed; ++i) text_block(w, "- " + m.alerts[i].text);
    if (auto more = more_line(m.alerts.size() - listed); !more.empty()) text_block(w, more);
    text_block(w, "Noctua · group " + n.group_labels.to_string());
    w.end_array();
    if (!m.runbook_url.empty() || !m.dashboard_url.empty() || !external_url.empty()) {
        w.key("actions").begin_array();
        if (!m.runbook_url.empty()) open_url(w, "Runbook", m.runbook_url);
        if (!m.dashboard_url.empty()) open_url(w, "Dashboard", m.dashboard_url);
        if (!external_url.empty()) open_url(w, "Noctua", external_url);
        w.end_array();
    }
    w.key("msteams").begin_object().field("width", "Full").end_object();
    w.end_object().end_object().end_array().end_object();
    return std::move(w).str();
}

std::string teams_body(const Notification& n, std::string_view external_url) {
    Message m = compose(n);
    // The first lines are cut only when they alone would break the limit.
    m.how_bad = cut_bytes(m.how_bad, kBodyMax / 4);
    m.cause = cut_bytes(m.cause, kBodyMax / 8);
    return fit_alerts(
        m.alerts.size(), [&](std::size_t k) { return card(n, m, external_url, k); },
        [](const std::string& s) { return s.size() <= kBodyMax; });
}

DeliveryOutcome classify(const core::HttpResponse& r) {
    // The flow runs asynchronously: any 2xx (202 with an empty body) is all we learn.
    return classify_answer(r, "teams", r.status >= 200 && r.status < 300);
}

}  // namespace

std::unique_ptr<ChannelFactory> make_teams_factory() {
    return make_json_post_factory<teams_body, classify>("teams", 4);
}

}  // namespace noctua::alerts::detail
