// The keys of each receiver kind beyond the common ones (name, kind, url, timeouts, retries).
#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

/// Every kind may set its rate limit.
constexpr std::string_view kRateKeys[] = {"rate_limit", "rate_period"};

/// The key a kind's credential is read from, or empty when it has none.
std::string_view credential_key(std::string_view kind, std::string_view provider) {
    if (kind == "pagerduty") return "routing_key";
    if (kind == "opsgenie") return "api_key";
    if (kind == "telegram") return "bot_token";
    if (kind == "whatsapp") return provider == "twilio" ? "auth_token" : "access_token";
    if (kind == "email") return "password";
    if (kind == "webhook") return "secret";
    return {};
}

/// The kind's own keys other than its credential.
std::vector<std::string_view> own_keys(std::string_view kind) {
    if (kind == "telegram") return {"chat_id"};
    if (kind == "email") return {"to", "from", "username", "starttls", "ca_file"};
    if (kind == "whatsapp") {
        return {"provider", "to", "from", "account_sid", "phone_number_id", "template", "language"};
    }
    if (kind == "alertmanager") return {"ends_after"};
    return {};
}

bool is_e164(std::string_view n) {
    return n.size() >= 8 && n.size() <= 16 && n.front() == '+' &&
           std::all_of(n.begin() + 1, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void parse_whatsapp(const Section& s, ReceiverConfig& out) {
    if (s.contains("provider")) {
        s.read_string("provider", out.provider);
        if (out.provider != "meta" && out.provider != "twilio") {
            s.error("provider", fmt::format("unknown whatsapp provider {} (known: meta, twilio)",
                                            quote(out.provider)));
        }
    }
    if (s.require("to") && s.read_string_list("to", out.to)) {
        if (out.to.empty()) s.error("to", "must name at least one number");
        for (const auto& n : out.to) {
            if (!is_e164(n)) s.error("to", fmt::format("{} is not an E.164 number", quote(n)));
        }
    }
    if (s.require("template")) s.read_string("template", out.template_name);
    s.read_string("language", out.language);
    if (out.provider == "twilio") {
        if (s.require("account_sid")) s.read_string("account_sid", out.account_sid);
        if (s.require("from")) s.read_string("from", out.from);
        for (std::string_view key : {"phone_number_id", "language"}) {
            if (s.contains(key)) s.error(key, "only for provider = \"meta\"");
        }
    } else {
        if (s.require("phone_number_id")) s.read_string("phone_number_id", out.phone_number_id);
        for (std::string_view key : {"account_sid", "from"}) {
            if (s.contains(key)) s.error(key, "only for provider = \"twilio\"");
        }
    }
}

void parse_email(const Section& s, ReceiverConfig& out) {
    if (s.require("to") && s.read_string_list("to", out.to) && out.to.empty()) {
        s.error("to", "must name at least one address");
    }
    for (const auto& a : out.to) {
        if (a.find('@') == std::string::npos || a.find_first_of("<>\r\n") != std::string::npos) {
            s.error("to", fmt::format("{} is not an e-mail address", quote(a)));
        }
    }
    if (s.require("from")) s.read_string("from", out.from);
    if (out.from.find_first_of("<>\r\n") != std::string::npos) {
        s.error("from", "must be a bare address");
    }
    s.read_string("username", out.username);
    s.read_bool("starttls", out.starttls);
    s.read_string("ca_file", out.ca_file);
    if (!out.username.empty() && !out.credential) {
        s.error("username", "needs one of password, password_env or password_file");
    }
}

}  // namespace

std::optional<std::string> receiver_url_problem(std::string_view kind, std::string_view url) {
    if (kind != "email") return http_url_problem(url);
    constexpr std::string_view kSchemes[] = {"smtp", "smtps"};
    return url_problem(url, kSchemes);
}

void parse_receiver_kind(const Section& s, std::span<const std::string_view> common,
                         ReceiverConfig& out) {
    std::string provider = "meta";
    if (out.kind == "whatsapp") s.read_string("provider", provider);
    const auto cred = credential_key(out.kind, provider);
    std::vector<std::string_view> known(common.begin(), common.end());
    known.insert(known.end(), std::begin(kRateKeys), std::end(kRateKeys));
    const auto own = own_keys(out.kind);
    known.insert(known.end(), own.begin(), own.end());
    std::vector<std::string> cred_keys;
    if (!cred.empty()) {
        cred_keys = {std::string(cred), std::string(cred) + "_env", std::string(cred) + "_file"};
        known.insert(known.end(), cred_keys.begin(), cred_keys.end());
    }
    s.check_keys(known);

    if (!cred.empty()) {
        // The webhook's signing key and the e-mail password are optional.
        const bool required = out.kind != "webhook" && out.kind != "email";
        out.credential = read_secret(s, cred, true);
        if (required && !out.credential) {
            bool given = false;
            for (const auto& k : cred_keys) given = given || s.contains(k);
            if (!given) {
                s.error(fmt::format("{} receivers need one of {}, {}_env or {}_file", out.kind,
                                    cred, cred, cred));
            }
        }
    }
    s.read_int("rate_limit", out.rate_limit, 0, 1'000'000);
    s.read_positive_duration("rate_period", out.rate_period);
    if (out.kind == "telegram" && s.require("chat_id")) s.read_string("chat_id", out.chat_id);
    if (out.kind == "whatsapp") parse_whatsapp(s, out);
    if (out.kind == "email") parse_email(s, out);
    if (out.kind == "alertmanager") s.read_positive_duration("ends_after", out.ends_after);
}

}  // namespace noctua::config::detail
