#include <catch2/catch.hpp>

#include "noctua/sim/provider.hpp"
#include "noctua/sim/service.hpp"
#include "sim_test_util.hpp"

using namespace noctua;
using namespace noctua::sim;
using namespace noctua::sim::test;
using namespace std::chrono_literals;

namespace {

struct Env {
    core::ManualClock clock{t0()};
    SimService svc{test_fleet(), clock};
    std::string token = get_token(svc, "acme");

    Reply get(const std::string& target, std::string_view accept = kTopups) {
        return svc.handle(request("GET", target, {}, auth(token, accept)));
    }
    Reply post(const std::string& target, std::string body) {
        return svc.handle(request("POST", target, std::move(body), auth(token)));
    }
    double balance() { return Json{get("/acme/accounts/balance").response.body}.num("balance"); }
};

std::string topup_body(std::string_view phone, double amount = 10, std::string_view custom = {},
                       std::int64_t op = 100) {
    std::string b = "{\"operatorId\":" + std::to_string(op) + ",\"amount\":\"" + std::to_string(amount) +
                    "\",\"useLocalAmount\":false,\"recipientPhone\":{\"countryCode\":\"ES\",\"number\":\"" +
                    std::string{phone} + "\"}";
    if (!custom.empty()) b += ",\"customIdentifier\":\"" + std::string{custom} + "\"";
    return b + "}";
}

}  // namespace

TEST_CASE("format_api_time / parse_api_time: yyyy-MM-dd HH:mm:ss in UTC", "[sim][unit]") {
    CHECK(format_api_time(t0()) == "2024-05-01 10:00:00");
    CHECK(parse_api_time("2024-05-01 10:00:00") == t0());
    CHECK_FALSE(parse_api_time("2024-05-01T10:00:00"));
    CHECK_FALSE(parse_api_time("2024-13-01 10:00:00"));
}

TEST_CASE("oauth/token: issues a bearer token for valid client credentials", "[sim][unit]") {
    Env env;
    auto r = env.svc.handle(request("POST", "/acme/oauth/token",
                                    token_body("acme-client", "acme-secret", "https://topups.reloadly.com"),
                                    {{"Content-Type", "application/json"}}));
    REQUIRE(r.response.status == 200);
    Json j{r.response.body};
    REQUIRE(j.ok());
    CHECK(j.str("access_token").rfind("eyJ", 0) == 0);
    CHECK(j.str("scope") == "developer");
    CHECK(j.num("expires_in") == 5184000);
    CHECK(j.str("token_type") == "Bearer");
}

TEST_CASE("oauth/token: validates every field, credentials and audience", "[sim][unit]") {
    Env env;
    auto call = [&](std::string body, std::string ct = "application/json") {
        return env.svc.handle(request("POST", "/acme/oauth/token", std::move(body), {{"Content-Type", ct}})).response;
    };
    SECTION("each of the four fields is required") {
        for (std::string field : {"client_id", "client_secret", "grant_type", "audience"}) {
            std::string body = token_body("acme-client", "acme-secret", "https://topups.reloadly.com");
            const auto pos = body.find("\"" + field + "\"");
            const auto end = body.find(',', pos);
            body.erase(pos, end == std::string::npos ? body.size() - 1 - pos : end + 1 - pos);
            if (body[body.size() - 2] == ',') body.erase(body.size() - 2, 1);
            INFO(body);
            auto r = call(body);
            CHECK(r.status == 400);
            CHECK(Json{r.body}.str("message") == field + " is required");
        }
    }
    SECTION("wrong secret: 401 INVALID_CREDENTIALS, Access Denied") {
        auto r = call(token_body("acme-client", "nope", "https://topups.reloadly.com"));
        CHECK(r.status == 401);
        Json j{r.body};
        CHECK(j.str("errorCode") == "INVALID_CREDENTIALS");
        CHECK(j.str("message") == "Access Denied");
        CHECK(j.str("path") == "/oauth/token");
        CHECK(is_api_time(j.str("timeStamp")));
        CHECK(j.is_null("infoLink"));
    }
    SECTION("unknown audience: 401 INVALID_AUDIENCE") {
        auto r = call(token_body("acme-client", "acme-secret", "https://example.com"));
        CHECK(r.status == 401);
        CHECK(Json{r.body}.str("errorCode") == "INVALID_AUDIENCE");
        CHECK(Json{r.body}.str("message") == "The provided audience is not valid");
    }
    SECTION("grant_type must be client_credentials") {
        CHECK(call(token_body("acme-client", "acme-secret", "https://topups.reloadly.com", "password")).status == 400);
    }
    SECTION("form-encoded bodies are refused") {
        CHECK(call("client_id=acme-client&client_secret=acme-secret", "application/x-www-form-urlencoded").status == 415);
    }
    SECTION("malformed JSON") { CHECK(call("{nope").status == 400); }
}

TEST_CASE("auth: 401 INVALID_TOKEN without a token, TOKEN_EXPIRED after expiry", "[sim][unit]") {
    Env env;
    REQUIRE_FALSE(env.token.empty());
    CHECK(env.get("/acme/accounts/balance").response.status == 200);

    auto anon = env.svc.handle(request("GET", "/acme/accounts/balance", {}, {{"Accept", std::string{kTopups}}}));
    CHECK(anon.response.status == 401);
    CHECK(Json{anon.response.body}.str("errorCode") == "INVALID_TOKEN");
    CHECK(Json{anon.response.body}.str("message") == "Full authentication is required to access this resource");

    auto bogus = env.svc.handle(request("GET", "/acme/accounts/balance", {}, auth("made-up")));
    CHECK(bogus.response.status == 401);
    CHECK(Json{bogus.response.body}.str("errorCode") == "INVALID_TOKEN");

    // A token is bound to its product: a gift-card token is no good for airtime.
    auto gift_token = get_token(env.svc, "acme", "https://giftcards.reloadly.com");
    REQUIRE_FALSE(gift_token.empty());
    auto wrong = env.svc.handle(request("GET", "/acme/accounts/balance", {}, auth(gift_token)));
    CHECK(Json{wrong.response.body}.str("errorCode") == "INVALID_TOKEN");

    env.clock.advance(std::chrono::hours(24 * 60) + 1s);
    auto expired = env.get("/acme/accounts/balance");
    CHECK(expired.response.status == 401);
    CHECK(Json{expired.response.body}.str("errorCode") == "TOKEN_EXPIRED");

    // The static token never expires.
    auto stat = env.svc.handle(request("GET", "/acme/accounts/balance", {}, auth("demo-token")));
    CHECK(stat.response.status == 200);
}

TEST_CASE("content negotiation: 406 without the vendor Accept header", "[sim][unit]") {
    Env env;
    CHECK(env.get("/acme/accounts/balance", "application/json").response.status == 406);
    auto r = env.svc.handle(request("GET", "/acme/accounts/balance", {}, {{"Authorization", "Bearer " + env.token}}));
    CHECK(r.response.status == 406);
    Json j{r.response.body};
    CHECK(j.num("status") == 406);
    CHECK(j.str("error") == "Not Acceptable");
    auto ok = env.get("/acme/accounts/balance");
    CHECK(ok.response.status == 200);
    CHECK(ok.response.content_type == kTopups);
}

TEST_CASE("unknown paths: Spring's 404 shape", "[sim][unit]") {
    Env env;
    auto r = env.get("/acme/accounts/balnce");
    CHECK(r.response.status == 404);
    Json j{r.response.body};
    REQUIRE(j.ok());
    CHECK(is_api_time(j.str("timeStamp")));
    CHECK(j.num("status") == 404);
    CHECK(j.str("error") == "Not Found");
    CHECK(j.str("message") == "No message available");
    CHECK(j.str("path") == "/accounts/balnce");
    CHECK(env.svc.handle(request("GET", "/nosuch/accounts/balance")).response.status == 404);
}

TEST_CASE("GET /accounts/balance: the documented shape", "[sim][unit]") {
    Env env;
    auto r = env.get("/acme/accounts/balance");
    REQUIRE(r.response.status == 200);
    Json j{r.response.body};
    CHECK(j.num("balance") == 1000);
    CHECK(j.str("currencyCode") == "EUR");
    CHECK(j.str("currencyName") == "Euro");
    CHECK(j.str("updatedAt") == "2024-05-01 10:00:00");
}

TEST_CASE("GET /operators: Spring pages, 1-based page parameter", "[sim][unit]") {
    Env env;
    Json all{env.get("/acme/operators").response.body};
    const double total = all.num("totalElements");
    CHECK(total == 8);  // 5 Spanish + 3 Portuguese operators
    Json p1{env.get("/acme/operators?size=3&page=1").response.body};
    CHECK(p1.num("size") == 3);
    CHECK(p1.num("number") == 0);
    CHECK(p1.num("numberOfElements") == 3);
    CHECK(p1.num("totalPages") == 3);
    CHECK(p1.root["first"].get_bool().value() == true);
    CHECK(p1.root["last"].get_bool().value() == false);
    CHECK(p1.root["content"].get_array().size() == 3);
    Json p3{env.get("/acme/operators?size=3&page=3").response.body};
    CHECK(p3.num("numberOfElements") == 2);
    CHECK(p3.root["last"].get_bool().value() == true);
    auto op = p1.root["content"].at(0);
    for (auto key : {"id", "operatorId", "name", "bundle", "data", "pin", "supportsLocalAmounts",
                     "denominationType", "senderCurrencyCode", "destinationCurrencyCode", "commission",
                     "minAmount", "maxAmount", "country", "fx", "logoUrls", "fixedAmounts",
                     "suggestedAmounts", "promotions"}) {
        INFO(key);
        CHECK(op[key].error() == simdjson::SUCCESS);
    }
    CHECK(std::string{op["country"]["isoName"].get_string().value()} == "ES");
}

TEST_CASE("GET /operators/countries/{iso} and /operators/{id}", "[sim][unit]") {
    Env env;
    Json pt{env.get("/acme/operators/countries/PT").response.body};
    REQUIRE(pt.root.is_array());
    CHECK(pt.root.get_array().size() == 3);
    CHECK(env.get("/acme/operators/countries/ZZ").response.status == 404);
    CHECK(env.get("/acme/operators/100").response.status == 200);
    auto missing = env.get("/acme/operators/99999");
    CHECK(missing.response.status == 404);
    Json j{missing.response.body};
    CHECK(j.str("message") == "Operator not found for given id");
    CHECK(j.is_null("errorCode"));
}

TEST_CASE("POST /topups: deducts the balance and answers the full transaction", "[sim][unit]") {
    Env env;
    auto r = env.post("/acme/topups", topup_body("34600000001", 10, "probe-1"));
    REQUIRE(r.response.status == 200);
    Json j{r.response.body};
    CHECK(j.str("status") == "SUCCESSFUL");
    CHECK(j.str("customIdentifier") == "probe-1");
    CHECK(j.str("countryCode") == "ES");
    CHECK(j.num("requestedAmount") == 10);
    CHECK(is_api_time(j.str("transactionDate")));
    const double old_b = j.root["balanceInfo"]["oldBalance"].get_double().value();
    const double new_b = j.root["balanceInfo"]["newBalance"].get_double().value();
    CHECK(old_b == 1000);
    CHECK(new_b == Approx(1000 - 10 + j.num("discount")));
    CHECK(env.balance() == Approx(new_b));
}

TEST_CASE("POST /topups: customIdentifier is single-use (never charged twice)", "[sim][unit]") {
    Env env;
    REQUIRE(env.post("/acme/topups", topup_body("34600000001", 10, "order-42")).response.status == 200);
    const double after_first = env.balance();
    env.clock.advance(5min);
    auto again = env.post("/acme/topups", topup_body("34600000001", 10, "order-42"));
    CHECK(again.response.status == 400);
    CHECK(Json{again.response.body}.str("errorCode") == "DUPLICATE_CUSTOM_IDENTIFIER");
    CHECK(env.balance() == after_first);
}

TEST_CASE("POST /topups: INSUFFICIENT_BALANCE when the float is empty", "[sim][unit]") {
    Env env;
    env.svc.find("acme")->set_balance(3);
    auto r = env.post("/acme/topups", topup_body("34600000001", 10));
    CHECK(r.response.status == 400);
    Json j{r.response.body};
    CHECK(j.str("errorCode") == "INSUFFICIENT_BALANCE");
    CHECK(j.str("path") == "/topups");
    CHECK(env.balance() == 3);
}

TEST_CASE("POST /topups: PHONE_RECENTLY_RECHARGED within two minutes", "[sim][unit]") {
    Env env;
    REQUIRE(env.post("/acme/topups", topup_body("34600000009")).response.status == 200);
    env.clock.advance(90s);
    auto r = env.post("/acme/topups", topup_body("34600000009"));
    CHECK(r.response.status == 400);
    CHECK(Json{r.response.body}.str("errorCode") == "PHONE_RECENTLY_RECHARGED");
    env.clock.advance(31s);
    CHECK(env.post("/acme/topups", topup_body("34600000009")).response.status == 200);
}

TEST_CASE("POST /topups: validation errors", "[sim][unit]") {
    Env env;
    CHECK(Json{env.post("/acme/topups", topup_body("12ab")).response.body}.str("errorCode") == "INVALID_RECIPIENT_PHONE");
    CHECK(Json{env.post("/acme/topups", topup_body("34600000001", 9999)).response.body}.str("errorCode") ==
          "INVALID_AMOUNT_FOR_OPERATOR");
    CHECK(env.post("/acme/topups", topup_body("34600000001", 10, {}, 4242)).response.status == 404);
    CHECK(env.post("/acme/topups", R"({"amount":5})").response.status == 400);
    CHECK(env.svc.handle(request("GET", "/acme/topups", {}, auth(env.token))).response.status == 405);
}

TEST_CASE("POST /topups-async: PROCESSING, then a final status", "[sim][unit]") {
    Env env;
    auto r = env.post("/acme/topups-async", topup_body("34600000001"));
    REQUIRE(r.response.status == 200);
    const auto id = static_cast<std::int64_t>(Json{r.response.body}.num("transactionId"));
    const std::string status_path = "/acme/topups/" + std::to_string(id) + "/status";
    Json first{env.get(status_path).response.body};
    CHECK(first.str("status") == "PROCESSING");
    CHECK(first.is_null("code"));
    CHECK(first.root["transaction"]["transactionId"].get_int64().value() == id);
    env.clock.advance(9s);
    Json done{env.get(status_path).response.body};
    const auto status = done.str("status");
    CHECK((status == "SUCCESSFUL" || status == "FAILED" || status == "REFUNDED"));
    CHECK(env.get("/acme/topups/777/status").response.status == 404);
}

TEST_CASE("GET /topups/reports/transactions: page of transactions, filters", "[sim][unit]") {
    Env env;
    REQUIRE(env.post("/acme/topups", topup_body("34600000001", 10, "a")).response.status == 200);
    REQUIRE(env.post("/acme/topups", topup_body("34600000002", 15, "b")).response.status == 200);
    Json all{env.get("/acme/topups/reports/transactions").response.body};
    CHECK(all.num("totalElements") == 2);
    CHECK(all.root["content"].at(0)["balanceInfo"].is_null());
    Json one{env.get("/acme/topups/reports/transactions?customIdentifier=b").response.body};
    CHECK(one.num("totalElements") == 1);
    Json none{env.get("/acme/topups/reports/transactions?startDate=2030-01-01%2000:00:00").response.body};
    CHECK(none.num("totalElements") == 0);
    CHECK(env.get("/acme/topups/reports/transactions?startDate=yesterday").response.status == 400);
    CHECK(env.get("/acme/topups/reports/transactions/1").response.status == 200);
}

TEST_CASE("rate limit: 429 with X-RateLimit-* headers, reset at the next minute", "[sim][unit]") {
    Env env;
    Fault f;
    f.kind = FaultKind::rate_limit;
    f.limit = 3;
    env.svc.find("acme")->add_fault(f);
    for (int i = 0; i < 3; ++i) CHECK(env.get("/acme/accounts/balance").response.status == 200);
    auto r = env.get("/acme/accounts/balance");
    CHECK(r.response.status == 429);
    CHECK(core::find_header(r.response.headers, "X-RateLimit-Limit") == "3");
    CHECK(core::find_header(r.response.headers, "X-RateLimit-Remaining") == "0");
    // 10:00:00 → the window resets at 10:01:00.
    CHECK(core::find_header(r.response.headers, "X-RateLimit-Reset") == "1714557660");
    CHECK(core::find_header(r.response.headers, "Retry-After") == "60");
    env.clock.advance(60s);
    CHECK(env.get("/acme/accounts/balance").response.status == 200);
}

TEST_CASE("gift cards: products, price validation, orders and cards", "[sim][unit]") {
    core::ManualClock clock{t0()};
    SimService svc{test_fleet(), clock};
    const auto token = get_token(svc, "giftly", "https://giftcards-sandbox.reloadly.com");
    REQUIRE_FALSE(token.empty());
    auto get = [&](const std::string& t) { return svc.handle(request("GET", t, {}, auth(token, kGift))); };
    CHECK(get("/giftly/operators").response.status == 404);  // not a gift-card endpoint
    Json products{get("/giftly/products?size=2").response.body};
    CHECK(products.num("totalElements") == 7);
    auto first = products.root["content"].at(0);
    const auto pid = first["productId"].get_int64().value();
    const double price = first["fixedRecipientDenominations"].at(0).get_double().value();
    auto order = [&](double unit) {
        std::string body = "{\"productId\":" + std::to_string(pid) + ",\"quantity\":1,\"unitPrice\":" +
                           std::to_string(unit) + ",\"senderName\":\"NOC\",\"recipientEmail\":\"noc@example.com\"}";
        return svc.handle(request("POST", "/giftly/orders", body, auth(token, kGift)));
    };
    auto bad = order(price + 1);
    CHECK(bad.response.status == 400);
    CHECK(Json{bad.response.body}.str("message") == "Invalid price, please ensure you selected the right price.");
    auto ok = order(price);
    REQUIRE(ok.response.status == 200);
    Json j{ok.response.body};
    CHECK(j.str("status") == "SUCCESSFUL");
    CHECK(j.root["product"]["productId"].get_int64().value() == pid);
    CHECK(svc.find("giftly")->balance() == Approx(500 - j.num("amount")));
    auto cards = get("/giftly/orders/transactions/" + std::to_string(static_cast<std::int64_t>(j.num("transactionId"))) + "/cards");
    CHECK(cards.response.status == 200);
    CHECK(Json{cards.response.body}.root.get_array().size() == 1);
}

TEST_CASE("faults: outage, latency, token failure, operator failure, drain, catalogue", "[sim][unit]") {
    Env env;
    auto& acme = *env.svc.find("acme");
    auto add = [&](std::string_view json) {
        auto f = parse_fault_json(json);
        REQUIRE(f);
        acme.add_fault(*f);
    };
    SECTION("outage 5xx: 503 everywhere, token endpoint included") {
        add(R"({"kind":"outage","mode":"5xx"})");
        CHECK(env.get("/acme/accounts/balance").response.status == 503);
        CHECK(get_token(env.svc, "acme").empty());
        acme.heal();
        CHECK(env.get("/acme/accounts/balance").response.status == 200);
    }
    SECTION("outage timeout: the answer is held, not sent") {
        add(R"({"kind":"outage","mode":"timeout","hold_ms":5000})");
        auto r = env.get("/acme/accounts/balance");
        CHECK(r.delay == 5000ms);
        CHECK(r.response.status == 504);
    }
    SECTION("latency adds a delay to answers") {
        add(R"({"kind":"latency","ms":800})");
        auto r = env.get("/acme/accounts/balance");
        CHECK(r.response.status == 200);
        CHECK(r.delay == 800ms);
    }
    SECTION("token failure: 503 on /oauth/token only") {
        add(R"({"kind":"token_failure"})");
        CHECK(get_token(env.svc, "acme").empty());
        CHECK(env.get("/acme/accounts/balance").response.status == 200);
    }
    SECTION("operator and country failures") {
        add(R"({"kind":"operator_failure","operator":"Movistar Spain"})");
        auto r = env.post("/acme/topups", topup_body("34600000001"));
        CHECK(Json{r.response.body}.str("errorCode") == "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE");
        acme.heal();
        add(R"({"kind":"country_failure","country":"ES"})");
        CHECK(Json{env.post("/acme/topups", topup_body("34600000001")).response.body}.str("errorCode") ==
              "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE");
    }
    SECTION("balance drain: zero at once, or linearly; heal restores") {
        add(R"({"kind":"balance_drain"})");
        CHECK(env.balance() == 0);
        CHECK(Json{env.post("/acme/topups", topup_body("34600000001")).response.body}.str("errorCode") ==
              "INSUFFICIENT_BALANCE");
        acme.heal();
        CHECK(env.balance() == 1000);
        add(R"({"kind":"balance_drain","over":"10m"})");
        env.clock.advance(5min);
        CHECK(env.balance() == Approx(500));
        env.clock.advance(6min);
        CHECK(env.balance() == 0);
    }
    SECTION("catalogue change, undone by heal") {
        const auto before = env.get("/acme/operators").response.body;
        add(R"({"kind":"catalogue_change"})");
        const auto during = env.get("/acme/operators").response.body;
        CHECK(during != before);
        CHECK(during.find("(rebranded)") != std::string::npos);
        acme.heal();
        CHECK(env.get("/acme/operators").response.body == before);
    }
    SECTION("faults with \"for\" expire by themselves") {
        add(R"({"kind":"outage","for":"5m"})");
        CHECK(env.get("/acme/accounts/balance").response.status == 503);
        env.clock.advance(5min);
        CHECK(env.get("/acme/accounts/balance").response.status == 200);
    }
}

TEST_CASE("parse_fault_json: outage and tls_error modes, their defaults and names", "[sim][unit]") {
    struct Case {
        std::string json;
        std::optional<OutageMode> mode;  ///< outage: the mode read
        std::optional<TlsMode> tls;      ///< tls_error: the mode read
        std::string error;               ///< else the error
    };
    const Case cases[] = {
        {R"({"kind":"outage"})", OutageMode::http_5xx, {}, ""},
        {R"({"kind":"outage","mode":"5xx"})", OutageMode::http_5xx, {}, ""},
        {R"({"kind":"outage","mode":"timeout"})", OutageMode::timeout, {}, ""},
        {R"({"kind":"outage","mode":"reset"})", OutageMode::reset, {}, ""},
        {R"({"kind":"outage","mode":"http_5xx"})",
         {},
         {},
         "\"mode\" must be 5xx, timeout or reset"},
        {R"({"kind":"outage","mode":""})",
         {},
         {},
         "\"mode\" (non-empty string) is required for outage"},
        {R"({"kind":"tls_error"})", {}, TlsMode::expired, ""},
        {R"({"kind":"tls_error","mode":"expired"})", {}, TlsMode::expired, ""},
        {R"({"kind":"tls_error","mode":"self_signed"})", {}, TlsMode::self_signed, ""},
        {R"({"kind":"tls_error","mode":"wrong_host"})", {}, TlsMode::wrong_host, ""},
        {R"({"kind":"tls_error","mode":"handshake"})", {}, TlsMode::handshake, ""},
        {R"({"kind":"tls_error","mode":"5xx"})",
         {},
         {},
         "\"mode\" must be expired, self_signed, wrong_host or handshake"},
    };
    for (const auto& c : cases) {
        INFO(c.json);
        const auto f = parse_fault_json(c.json);
        if (!c.error.empty()) {
            REQUIRE_FALSE(f);
            CHECK(f.error().message == c.error);
            continue;
        }
        REQUIRE(f);
        if (c.mode) CHECK(f->mode == *c.mode);
        if (c.tls) CHECK(f->tls == *c.tls);
    }
    CHECK(to_string(OutageMode::http_5xx) == "5xx");
    CHECK(to_string(OutageMode::timeout) == "timeout");
    CHECK(to_string(OutageMode::reset) == "reset");
    CHECK(to_string(TlsMode::expired) == "expired");
    CHECK(to_string(TlsMode::self_signed) == "self_signed");
    CHECK(to_string(TlsMode::wrong_host) == "wrong_host");
    CHECK(to_string(TlsMode::handshake) == "handshake");
    CHECK(to_string(FaultKind::tls_error) == "tls_error");
    CHECK(parse_fault_kind("rate_limit") == FaultKind::rate_limit);
    CHECK_FALSE(parse_fault_kind("bogus"));
}
