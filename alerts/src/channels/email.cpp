// email: SMTP through libcurl (the context's MailClient), STARTTLS required on smtp:// unless
// `starttls = false`, AUTH when a username is set. One message per group notification with a
// plain-text and an HTML part (multipart/alternative, both base64 in UTF-8); the subject is
// the headline. Every message of a group refers to the same thread id, so mail clients keep
// a group's firing and resolved messages together.
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/alerts/channels/email.hpp"
#include "noctua/config/receiver_kind.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/html.hpp"
#include "noctua/core/mail.hpp"

namespace noctua::alerts::detail {
namespace {

/// Base64 in lines of 76 characters (RFC 2045).
std::string base64_lines(std::string_view data) {
    const std::string b64 = core::base64_encode(data);
    std::string out;
    for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
    return out;
}

/// An RFC 2047 encoded word for a header holding UTF-8.
std::string encoded_header(std::string_view s) {
    return "=?UTF-8?B?" + core::base64_encode(s) + "?=";
}

std::string plain_text(const Message& m, std::string_view external_url) {
    std::string out = m.plain_lead() + "\n";
    if (!m.runbook_url.empty()) out += "\nRunbook: " + m.runbook_url;
    if (!m.dashboard_url.empty()) out += "\nDashboard: " + m.dashboard_url;
    if (!external_url.empty()) out += "\nNoctua: " + std::string(external_url);
    if (!m.alerts.empty()) out += "\n";
    for (const auto& a : m.alerts) out += "\n- " + a.text;
    return out + "\n";
}

std::string html(const Message& m, std::string_view external_url) {
    std::string out = "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">";
    out += fmt::format("<h2 style=\"color:{}\">{}</h2>", m.firing ? "#b00020" : "#1b5e20",
                       core::html_escape(m.headline));
    if (!m.since.empty()) out += "<p>" + core::html_escape(m.since) + "</p>";
    if (!m.how_bad.empty()) out += "<p><b>" + core::html_escape(m.how_bad) + "</b></p>";
    if (!m.cause.empty()) out += "<p><i>" + core::html_escape(m.cause) + "</i></p>";
    std::vector<std::string> links;
    const auto link = [&](std::string_view text, std::string_view url) {
        links.push_back(fmt::format("<a href=\"{}\">{}</a>", core::html_escape(url), text));
    };
    if (!m.runbook_url.empty()) link("Runbook", m.runbook_url);
    if (!m.dashboard_url.empty()) link("Dashboard", m.dashboard_url);
    if (!external_url.empty()) link("Noctua", external_url);
    if (!links.empty()) out += fmt::format("<p>{}</p>", fmt::join(links, " · "));
    if (!m.alerts.empty()) {
        out += "<ul>";
        for (const auto& a : m.alerts) out += "<li>" + core::html_escape(a.text) + "</li>";
        out += "</ul>";
    }
    return out + "</body></html>";
}

std::string rfc5322_date(core::TimePoint t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return fmt::format("{:%a, %d %b %Y %H:%M:%S} +0000", tm);
}

class EmailChannel final : public ChannelBase {
public:
    EmailChannel(config::ReceiverConfig c, ChannelContext& ctx)
        : ChannelBase(std::move(c), ctx.clock),
          mail_(*ctx.mail),
          clock_(ctx.clock),
          external_url_(ctx.external_url) {}

protected:
    // ChannelBase
    void do_deliver(const Notification& n, Done done) override {
        const auto& o = options();
        core::MailRequest req;
        req.url = config().url->reveal();
        req.from = o.from;
        req.to = o.to;
        req.username = o.username;
        if (o.password) req.password = o.password->reveal();
        req.require_tls = o.starttls;
        req.ca_file = o.ca_file;
        req.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config().timeout);
        req.message = message(n);
        mail_.async_send(std::move(req),
                         [done = std::move(done)](core::MailResponse r) { done(classify(r)); });
    }

private:
    const EmailOptions& options() const { return config().options.get<EmailOptions>(); }

    std::string message(const Notification& n) const {
        const Message m = compose(n);
        const std::string thread = fmt::format("<{}@noctua>", group_hash(n.group_key));
        const std::string boundary = fmt::format("noctua-{}-{}", group_hash(n.group_key), n.id);
        std::string to;
        for (const auto& a : options().to) to += (to.empty() ? "" : ", ") + a;
        std::string out;
        out += "Date: " + rfc5322_date(clock_.now()) + "\r\n";
        out += "From: Noctua <" + options().from + ">\r\n";
        out += "To: " + to + "\r\n";
        out += "Subject: " + encoded_header(cut_chars(m.headline, 200)) + "\r\n";
        out += fmt::format("Message-ID: <{}.{}.{}@noctua>\r\n", group_hash(n.group_key), n.id,
                           clock_.now().time_since_epoch().count());
        out += "References: " + thread + "\r\n";
        out += "In-Reply-To: " + thread + "\r\n";
        out += "MIME-Version: 1.0\r\n";
        out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
        out += "--" + boundary + "\r\n";
        out +=
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        out += base64_lines(plain_text(m, external_url_));
        out += "--" + boundary + "\r\n";
        out +=
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        out += base64_lines(html(m, external_url_));
        out += "--" + boundary + "--\r\n";
        return out;
    }

    static DeliveryOutcome classify(const core::MailResponse& r) {
        if (r.ok()) return DeliveryOutcome::delivered();
        const std::string msg = fmt::format("smtp {} (last reply {}): {}", core::to_string(r.error),
                                            r.smtp_code, r.error_message);
        // Refused login and 5xx replies are permanent; 4xx replies and the network are not.
        if (r.login_denied || (r.smtp_code >= 500 && r.smtp_code < 600)) {
            return DeliveryOutcome::failed(msg);
        }
        return DeliveryOutcome::retry(msg);
    }

    core::MailClient& mail_;
    const core::Clock& clock_;
    std::string external_url_;
};

config::KindOptions parse(const config::Section& s, config::ReceiverConfig& common) {
    constexpr std::string_view kOwn[] = {"to", "from", "username", "starttls", "ca_file"};
    constexpr std::string_view kSecrets[] = {"password"};
    constexpr std::string_view kSchemes[] = {"smtp", "smtps"};
    config::check_receiver_keys(s, kOwn, kSecrets);
    config::check_receiver_url(s, common, config::UrlUse::required, kSchemes);
    EmailOptions out;
    // Optional: without a username there is no AUTH.
    out.password = config::read_receiver_secret(s, common, "password", false);
    if (s.require("to") && s.read_string_list("to", out.to) && out.to.empty()) {
        s.error("to", "must name at least one address");
    }
    for (const auto& a : out.to) {
        if (a.find('@') == std::string::npos || a.find_first_of("<>\r\n") != std::string::npos) {
            s.error("to", fmt::format("{} is not an e-mail address", config::quoted(a)));
        }
    }
    if (s.require("from")) s.read_string("from", out.from);
    if (out.from.find_first_of("<>\r\n") != std::string::npos) {
        s.error("from", "must be a bare address");
    }
    s.read_string("username", out.username);
    s.read_bool("starttls", out.starttls);
    s.read_string("ca_file", out.ca_file);
    if (!out.username.empty() && !out.password) {
        s.error("username", "needs one of password, password_env or password_file");
    }
    return config::KindOptions::of(std::move(out));
}

core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                  ChannelContext& ctx) {
    if (ctx.mail == nullptr) {
        return core::fail(core::Errc::invalid_argument,
                          "email receiver \"" + c.name + "\": no mail client");
    }
    const auto& o = c.options.get<EmailOptions>();
    if (!c.url || o.to.empty() || o.from.empty()) {
        return needs(c, "url, from and to");
    }
    return std::make_unique<EmailChannel>(c, ctx);
}

}  // namespace

std::unique_ptr<ChannelFactory> make_email_factory() {
    return make_factory({"email", parse, create});
}

}  // namespace noctua::alerts::detail
