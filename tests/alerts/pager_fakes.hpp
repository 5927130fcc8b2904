#pragma once

// Loopback fakes of PagerDuty's Events API v2 and Opsgenie's Alert API (docs/receivers.md).

#include <set>

#include "service_fakes.hpp"

namespace noctua::testing {

/// PagerDuty Events API v2: `POST /v2/enqueue`; tracks which dedup keys are open.
class FakePagerDuty : public FakeService {
public:
    std::set<std::string> open;        ///< dedup keys of open alerts
    std::vector<std::string> actions;  ///< event_action of each accepted event
    std::vector<std::string> dropped;  ///< resolves of keys that were not open

    FakePagerDuty() {
        serve_post("/v2/enqueue", [this](const core::ServerRequest& r) { return handle(r); });
        server_.start();
    }

private:
    core::ServerResponse invalid(std::string reason) {
        return refuse(400, reason,
                      fmt::format(R"({{"status":"invalid event","message":"Event object is )"
                                  R"(invalid","errors":["{}"]}})",
                                  reason));
    }

    core::ServerResponse handle(const core::ServerRequest& req) {
        // The 429 carries no Retry-After.
        if (auto r = fault_answer(core::ServerResponse::json(500, "{}"), [] {
                return core::ServerResponse::json(
                    429,
                    R"({"status":"throttle","message":"Requests for this service are arriving too quickly."})");
            })) {
            return *r;
        }
        if (!take_token()) return core::ServerResponse::json(429, "{}");
        if (core::find_header(req.headers, "Content-Type").value_or("") != "application/json") {
            return invalid("Content-Type");
        }
        if (req.body.size() > 512'000) return invalid("Event too large");
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (p.parse(req.body).get(doc) != simdjson::SUCCESS) return invalid("Invalid JSON");
        std::string_view key;
        std::string_view action;
        std::string_view dedup;
        if (doc["routing_key"].get(key) != simdjson::SUCCESS || key.size() != 32) {
            return invalid("Invalid routing key");
        }
        if (doc["event_action"].get(action) != simdjson::SUCCESS ||
            (action != "trigger" && action != "acknowledge" && action != "resolve")) {
            return invalid("Invalid event_action");
        }
        const bool has_dedup = doc["dedup_key"].get(dedup) == simdjson::SUCCESS;
        if (has_dedup && dedup.size() > 255) return invalid("dedup_key too long");
        if (action == "trigger") {
            std::string_view summary;
            std::string_view source;
            std::string_view severity;
            if (doc["payload"]["summary"].get(summary) != simdjson::SUCCESS ||
                doc["payload"]["source"].get(source) != simdjson::SUCCESS ||
                doc["payload"]["severity"].get(severity) != simdjson::SUCCESS) {
                return invalid("payload.summary, source and severity are required");
            }
            if (chars(summary) > 1024) return invalid("summary over 1024 characters");
            if (severity != "critical" && severity != "error" && severity != "warning" &&
                severity != "info") {
                return invalid("Invalid severity");
            }
            if (has_dedup) open.insert(std::string(dedup));
        } else {
            if (!has_dedup) return invalid("dedup_key is required");
            if (!open.contains(std::string(dedup))) {
                dropped.emplace_back(dedup);
            } else if (action == "resolve") {
                open.erase(std::string(dedup));
            }
        }
        accepted.push_back(req.body);
        actions.emplace_back(action);
        return core::ServerResponse::json(
            202,
            fmt::format(R"({{"status":"success","message":"Event processed","dedup_key":"{}"}})",
                        has_dedup ? std::string(dedup) : "generated"));
    }
};

/// Opsgenie Alert API: create (`POST /v2/alerts`) and close by alias.
class FakeOpsgenie : public FakeService {
public:
    std::string api_key = "eb243592-faa2-4ba2-a551q-1afdf565c889";
    std::map<std::string, int> open;  ///< alias -> count of creates while open
    std::vector<std::string> closed;  ///< aliases closed
    std::vector<std::string> unknown_closes;
    std::vector<std::string> acknowledged;  ///< aliases acknowledged while open

    FakeOpsgenie() {
        serve_post("/v2/alerts", [this](const core::ServerRequest& r) { return create(r); });
        serve_post("/v2/alerts/{alias}/acknowledge", [this](const core::ServerRequest& req, const net::PathParams& p) {
            return acknowledge(req, p.at("alias"));
        });
        serve_post("/v2/alerts/{alias}/close", [this](const core::ServerRequest& req, const net::PathParams& p) {
            return close(req, p.at("alias"));
        });
        server_.start();
    }

private:
    std::optional<core::ServerResponse> common(const core::ServerRequest& req) {
        if (auto r = fault_answer(core::ServerResponse::json(503, "{}"), [] {
                auto limited = core::ServerResponse::json(429, R"({"message":"Too many requests"})");
                limited.headers.emplace_back("X-RateLimit-State", "THROTTLED");
                limited.headers.emplace_back("X-RateLimit-Period-In-Sec", "1");
                return limited;
            })) {
            return *r;
        }
        if (core::find_header(req.headers, "Authorization").value_or("") != "GenieKey " + api_key) {
            return refuse(401, "auth", R"({"message":"Key format is not valid!","took":0.0})");
        }
        if (core::find_header(req.headers, "Content-Type").value_or("") != "application/json") {
            return refuse(415, "content type", R"({"message":"Unsupported Media Type"})");
        }
        return std::nullopt;
    }
    core::ServerResponse accepted_answer(const core::ServerRequest& req) {
        accepted.push_back(req.body);
        return core::ServerResponse::json(
            202,
            R"({"result":"Request will be processed","took":0.302,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"})");
    }
    core::ServerResponse unprocessable(std::string reason) {
        return refuse(
            422, reason,
            fmt::format(R"({{"message":"Request body is not processable. Please )"
                        R"(check the errors.","errors":{{"message":"{}"}},"took":0.001}})",
                        reason));
    }
    core::ServerResponse create(const core::ServerRequest& req) {
        if (auto r = common(req)) return *r;
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        if (p.parse(req.body).get(doc) != simdjson::SUCCESS) {
            return refuse(400, "JSON", R"({"message":"Invalid JSON"})");
        }
        std::string_view message;
        std::string_view alias;
        std::string_view priority = "P3";
        std::string_view description;
        if (doc["message"].get(message) != simdjson::SUCCESS || message.empty()) {
            return unprocessable("Message can not be empty.");
        }
        if (chars(message) > 130) return unprocessable("Message can not be longer than 130");
        if (doc["alias"].get(alias) == simdjson::SUCCESS && chars(alias) > 512) {
            return unprocessable("Alias can not be longer than 512");
        }
        if (doc["description"].get(description) == simdjson::SUCCESS &&
            chars(description) > 15'000) {
            return unprocessable("Description can not be longer than 15000");
        }
        if (doc["priority"].error() == simdjson::SUCCESS &&
            (doc["priority"].get(priority) != simdjson::SUCCESS || priority.size() != 2 ||
             priority[0] != 'P' || priority[1] < '1' || priority[1] > '5')) {
            return unprocessable("Priority should be one of P1, P2, P3, P4, P5");
        }
        std::size_t details = 0;
        simdjson::dom::object d;
        if (doc["details"].get(d) == simdjson::SUCCESS) {
            for (auto [k, v] : d) {
                std::string_view s;
                if (v.get(s) != simdjson::SUCCESS) return unprocessable("details are strings");
                details += chars(k) + chars(s);
            }
        }
        if (details > 8000) return unprocessable("Details can not be longer than 8000");
        ++open[std::string(alias)];
        return accepted_answer(req);
    }
    core::ServerResponse acknowledge(const core::ServerRequest& req, const std::string& alias) {
        if (auto r = common(req)) return *r;
        if (core::query_param(req.query, "identifierType").value_or("id") != "alias") {
            return refuse(404, "identifierType", R"({"message":"Alert not found"})");
        }
        if (open.contains(alias)) acknowledged.push_back(alias);
        return accepted_answer(req);
    }

    core::ServerResponse close(const core::ServerRequest& req, const std::string& alias) {
        if (auto r = common(req)) return *r;
        if (core::query_param(req.query, "identifierType").value_or("id") != "alias") {
            return refuse(404, "identifierType", R"({"message":"Alert not found"})");
        }
        // Accepted either way; an unknown alias fails only in the request status.
        if (open.erase(alias) == 0) {
            unknown_closes.push_back(alias);
        } else {
            closed.push_back(alias);
        }
        return accepted_answer(req);
    }
};

}  // namespace noctua::testing
