#pragma once

// Helpers shared by the simulator tests: building requests, parsing JSON answers.

#include <string>
#include <string_view>

#include <simdjson.h>

#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/core/regex.hpp"
#include "noctua/sim/fleet.hpp"
#include "noctua/sim/service.hpp"

namespace noctua::sim::test {

inline constexpr std::string_view kTopups = "application/com.reloadly.topups-v1+json";
inline constexpr std::string_view kGift = "application/com.reloadly.giftcards-v1+json";

/// 2024-05-01 10:00:00 UTC, a Wednesday.
inline core::TimePoint t0() { return core::TimePoint{std::chrono::milliseconds{1'714'557'600'000}}; }

inline core::ServerRequest request(std::string method, std::string target, std::string body = {},
                                   core::Headers headers = {}) {
    core::ServerRequest r;
    r.method = std::move(method);
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.remote_address = "127.0.0.1";
    r.remote_is_loopback = true;
    return r;
}

/// A parsed JSON document that keeps its parser alive.
struct Json {
    explicit Json(const std::string& text) : padded(text) {
        error = parser.parse(padded).get(root);
    }
    simdjson::padded_string padded;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::error_code error;
    [[nodiscard]] bool ok() const { return error == simdjson::SUCCESS; }
    [[nodiscard]] std::string str(std::string_view key) const {
        std::string_view v;
        return root[key].get_string().get(v) == simdjson::SUCCESS ? std::string{v} : std::string{"<none>"};
    }
    [[nodiscard]] double num(std::string_view key) const {
        double v = -1;
        return root[key].get_double().get(v) == simdjson::SUCCESS ? v : -1;
    }
    [[nodiscard]] bool is_null(std::string_view key) const {
        simdjson::dom::element el;
        return root[key].get(el) == simdjson::SUCCESS && el.is_null();
    }
};

inline bool is_api_time(std::string_view s) {
    static const core::Regex re =
        *core::Regex::compile(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})", core::Regex::Anchor::full_match);
    return re.matches(s);
}

/// A small fleet: acme (airtime, ES/PT, EUR) and giftly (gift cards, US, USD).
inline FleetSpec test_fleet() {
    FleetSpec f;
    f.seed = 7;
    ProviderSpec a;
    a.id = "acme";
    a.countries = {"ES", "PT"};
    a.currency = "EUR";
    a.balance = 1000;
    a.static_token = "demo-token";
    a.utc_offset_minutes = 60;
    complete_defaults(a);
    ProviderSpec g;
    g.id = "giftly";
    g.flavour = Flavour::giftcards;
    g.countries = {"US"};
    g.balance = 500;
    complete_defaults(g);
    f.providers = {a, g};
    return f;
}

inline std::string token_body(std::string_view id, std::string_view secret, std::string_view aud,
                              std::string_view grant = "client_credentials") {
    return "{\"client_id\":\"" + std::string{id} + "\",\"client_secret\":\"" + std::string{secret} +
           "\",\"grant_type\":\"" + std::string{grant} + "\",\"audience\":\"" + std::string{aud} + "\"}";
}

/// Gets an OAuth2 token for `provider` from the service; empty on failure.
inline std::string get_token(SimService& svc, std::string_view provider,
                             std::string_view aud = "https://topups-sandbox.reloadly.com") {
    auto r = svc.handle(request("POST", "/" + std::string{provider} + "/oauth/token",
                                token_body(std::string{provider} + "-client",
                                           std::string{provider} + "-secret", aud),
                                {{"Content-Type", "application/json"}}));
    Json j{r.response.body};
    return r.response.status == 200 ? j.str("access_token") : std::string{};
}

inline core::Headers auth(std::string_view token, std::string_view accept = kTopups) {
    return {{"Authorization", "Bearer " + std::string{token}}, {"Accept", std::string{accept}},
            {"Content-Type", "application/json"}};
}

}  // namespace noctua::sim::test
