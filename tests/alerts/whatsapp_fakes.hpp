#pragma once

// Loopback fakes of Meta's WhatsApp Cloud API and Twilio's Messages API (docs/receivers.md).

#include "noctua/core/base64.hpp"
#include "service_fakes.hpp"

namespace noctua::testing {

/// Meta Cloud API: `POST /vNN.N/<phone id>/messages`, Bearer token, Graph error envelope; the
/// 24-hour window is closed, so only templates are accepted.
class FakeWhatsAppMeta : public FakeService {
public:
    std::string token = "EAAGm0PX4ZCpsBA";
    std::vector<std::string> recipients;           ///< `to` of each accepted message
    std::vector<std::vector<std::string>> params;  ///< body parameters of each

    FakeWhatsAppMeta() {
        serve_post("/{version}/{phone}/messages", [this](const core::ServerRequest& req, const net::PathParams& p) {
            return handle(req, p.at("version"), p.at("phone"));
        });
        server_.start();
    }

private:
    core::ServerResponse graph_error(int status, int code, std::string_view message) {
        refusals.emplace_back(message);
        return core::ServerResponse::json(
            status, fmt::format(R"({{"error":{{"message":"{}","type":"OAuthException","code":{},)"
                                R"("fbtrace_id":"AbCd"}}}})",
                                message, code));
    }
    core::ServerResponse handle(const core::ServerRequest& req, const std::string& version,
                                const std::string& phone) {
        if (auto r = fault_answer(core::ServerResponse::json(500, "{}"), [&] {
                auto limited = graph_error(429, 130429, "(#130429) Rate limit hit");
                refusals.pop_back();  // a scripted 429 is no contract breach
                return limited;
            })) {
            return *r;
        }
        if (!version.starts_with('v') ||
            phone.find_first_not_of("0123456789") != std::string::npos) {
            return graph_error(400, 100, "Unsupported post request");
        }
        if (core::find_header(req.headers, "Authorization").value_or("") != "Bearer " + token) {
            return graph_error(401, 190, "Invalid OAuth access token");
        }
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (p.parse(req.body).get(doc) != simdjson::SUCCESS) {
            return graph_error(400, 100, "Invalid JSON");
        }
        std::string_view product;
        std::string_view type;
        std::string_view to;
        if (doc["messaging_product"].get(product) != simdjson::SUCCESS || product != "whatsapp") {
            return graph_error(400, 100, "messaging_product must be whatsapp");
        }
        if (doc["to"].get(to) != simdjson::SUCCESS) return graph_error(400, 100, "to is required");
        if (doc["type"].get(type) != simdjson::SUCCESS) type = "text";
        if (type != "template") {
            return graph_error(400, 131047, "Re-engagement message");
        }
        std::string_view name;
        std::string_view language;
        if (doc["template"]["name"].get(name) != simdjson::SUCCESS ||
            doc["template"]["language"]["code"].get(language) != simdjson::SUCCESS) {
            return graph_error(400, 132001, "Template name does not exist in the translation");
        }
        std::vector<std::string> values;
        simdjson::dom::array ps;
        if (doc["template"]["components"].at(0)["parameters"].get(ps) == simdjson::SUCCESS) {
            for (auto param : ps) {
                std::string_view text;
                if (param["text"].get(text) != simdjson::SUCCESS) continue;
                if (text.find_first_of("\n\t") != std::string_view::npos ||
                    text.find("     ") != std::string_view::npos || chars(text) > 1024) {
                    return graph_error(400, 132018, "There was an issue with the parameters");
                }
                values.emplace_back(text);
            }
        }
        accepted.push_back(req.body);
        recipients.emplace_back(to);
        params.push_back(std::move(values));
        return core::ServerResponse::json(
            200, fmt::format(R"({{"messaging_product":"whatsapp","contacts":[{{"input":"{}",)"
                             R"("wa_id":"{}"}}],"messages":[{{"id":"wamid.HBgL{}"}}]}})",
                             to, to.substr(1), accepted.size()));
    }
};

/// Twilio Messages API: Basic auth, a form body, `whatsapp:` numbers, 201 with the resource.
class FakeTwilio : public FakeService {
public:
    std::string account_sid = "AC0123456789abcdef0123456789abcdef";
    std::string auth_token = "twilio-auth-token";
    std::vector<std::map<std::string, std::string>> forms;  ///< each accepted form

    FakeTwilio() {
        serve_post("/2010-04-01/Accounts/{sid}/Messages.json", [this](const core::ServerRequest& req, const net::PathParams& p) {
            return handle(req, p.at("sid"));
        });
        server_.start();
    }

private:
    core::ServerResponse twilio_error(int status, int code, std::string_view message) {
        refusals.emplace_back(message);
        return core::ServerResponse::json(
            status, fmt::format(R"({{"code":{},"message":"{}","more_info":"https://www.twilio.)"
                                R"(com/docs/errors/{}","status":{}}})",
                                code, message, code, status));
    }
    core::ServerResponse handle(const core::ServerRequest& req, const std::string& sid) {
        if (auto r = fault_answer(core::ServerResponse::json(503, "{}"), [&] {
                auto limited = twilio_error(429, 20429, "Too Many Requests");
                refusals.pop_back();  // a scripted 429 is no contract breach
                return limited;
            })) {
            return *r;
        }
        const auto auth = core::find_header(req.headers, "Authorization").value_or("");
        if (sid != account_sid ||
            auth != "Basic " + core::base64_encode(account_sid + ":" + auth_token)) {
            return twilio_error(401, 20003, "Authenticate");
        }
        if (core::find_header(req.headers, "Content-Type").value_or("") !=
            "application/x-www-form-urlencoded") {
            return twilio_error(400, 21620, "Invalid content type");
        }
        std::map<std::string, std::string> form;
        for (std::string_view rest = req.body; !rest.empty();) {
            const auto amp = rest.find('&');
            const auto pair = rest.substr(0, amp);
            const auto eq = pair.find('=');
            form[core::percent_decode(pair.substr(0, eq), true)] =
                eq == std::string_view::npos ? "" : core::percent_decode(pair.substr(eq + 1), true);
            rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
        }
        if (!form["To"].starts_with("whatsapp:+") || !form["From"].starts_with("whatsapp:+")) {
            return twilio_error(400, 21211, "The 'To' number is not a valid phone number.");
        }
        if (form["ContentSid"].empty() && form["Body"].empty()) {
            return twilio_error(400, 21619, "A text message body or media url must be specified.");
        }
        if (chars(form["Body"]) > 1600) return twilio_error(400, 21617, "Body too long");
        accepted.push_back(req.body);
        forms.push_back(form);
        return core::ServerResponse::json(
            201, fmt::format(R"({{"sid":"SM{:032x}","status":"queued","to":"{}","from":"{}",)"
                             R"("error_code":null,"error_message":null}})",
                             accepted.size(), form["To"], form["From"]));
    }
};

}  // namespace noctua::testing
