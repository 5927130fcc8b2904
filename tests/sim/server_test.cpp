#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "noctua/net/curl_client.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/net/router.hpp"
#include "noctua/sim/app.hpp"
#include "noctua/sim/server.hpp"
#include "noctua/sim/service.hpp"
#include "noctua/testing/run_until.hpp"
#include "sim_test_util.hpp"

using namespace noctua;
using namespace noctua::sim;
using namespace noctua::sim::test;
using namespace std::chrono_literals;

namespace {

struct RouterEnv {
    boost::asio::io_context ioc;
    core::ManualClock clock{t0()};
    SimService svc{test_fleet(), clock};
    ResponseDelayer delayer{ioc};
    net::Router router;
    RouterEnv() { add_sim_routes(router, svc, delayer); }
    core::ServerResponse call(std::string method, std::string target, std::string body = {}) {
        return router.dispatch_sync(request(std::move(method), std::move(target), std::move(body)));
    }
};

}  // namespace

TEST_CASE("control API: list, fault, heal, balance through the Router", "[sim][unit]") {
    RouterEnv env;
    auto list = env.call("GET", "/sim/providers");
    REQUIRE(list.status == 200);
    CHECK(list.content_type == "application/json");
    Json j{list.body};
    REQUIRE(j.ok());
    auto providers = j.root["providers"].get_array();
    REQUIRE(providers.size() == 2);
    CHECK(std::string{providers.at(0)["id"].get_string().value()} == "acme");
    CHECK(providers.at(0)["balance"].get_double().value() == 1000);
    CHECK(providers.at(0)["faults"].get_array().size() == 0);

    auto fault = env.call("POST", "/sim/providers/acme/fault", R"({"kind":"outage","mode":"5xx"})");
    REQUIRE(fault.status == 200);
    Json f{fault.body};
    CHECK(std::string{f.root["faults"].at(0)["kind"].get_string().value()} == "outage");
    CHECK(std::string{f.root["faults"].at(0)["mode"].get_string().value()} == "5xx");
    // The provider API now fails, through the same router.
    auto down = env.router.dispatch_sync(request("GET", "/acme/accounts/balance", {}, auth("demo-token")));
    CHECK(down.status == 503);

    CHECK(env.call("POST", "/sim/providers/acme/heal").status == 200);
    auto up = env.router.dispatch_sync(request("GET", "/acme/accounts/balance", {}, auth("demo-token")));
    CHECK(up.status == 200);

    auto bal = env.call("POST", "/sim/providers/acme/balance", R"({"balance":12.5})");
    CHECK(bal.status == 200);
    CHECK(Json{bal.body}.num("balance") == 12.5);
    CHECK(env.svc.find("acme")->balance() == 12.5);

    SECTION("errors are JSON 4xx") {
        CHECK(env.call("POST", "/sim/providers/nope/fault", R"({"kind":"outage"})").status == 404);
        auto bad_kind = env.call("POST", "/sim/providers/acme/fault", R"({"kind":"meteor"})");
        CHECK(bad_kind.status == 400);
        CHECK(Json{bad_kind.body}.str("error").find("unknown kind") != std::string::npos);
        CHECK(env.call("POST", "/sim/providers/acme/fault", "not json").status == 400);
        CHECK(env.call("POST", "/sim/providers/acme/fault", R"({"kind":"latency"})").status == 400);
        CHECK(env.call("POST", "/sim/providers/acme/fault", R"({"kind":"traffic_shift","to":"ghost"})").status == 400);
        CHECK(env.call("POST", "/sim/providers/acme/balance", R"({"balance":-1})").status == 400);
        CHECK(env.call("GET", "/sim/providers/acme/fault").status == 405);
        CHECK(env.call("GET", "/sim/nothing").status == 404);
    }
    SECTION("every documented fault kind is accepted") {
        for (std::string body : {R"({"kind":"outage","mode":"timeout"})", R"({"kind":"outage","mode":"reset"})",
                                 R"({"kind":"latency","ms":250})", R"({"kind":"balance_drain"})",
                                 R"({"kind":"token_failure"})", R"({"kind":"operator_failure","operator":"MEO"})",
                                 R"({"kind":"country_failure","country":"PT"})",
                                 R"({"kind":"customer_wallet_dry","customer":"cust-0003"})",
                                 R"({"kind":"traffic_drop","factor":0.1})", R"({"kind":"traffic_shift","to":"giftly"})",
                                 R"({"kind":"catalogue_change"})", R"({"kind":"rate_limit","limit":5,"for":"1m"})"}) {
            INFO(body);
            CHECK(env.call("POST", "/sim/providers/acme/fault", body).status == 200);
        }
        CHECK(env.svc.find("acme")->faults().all().size() == 12);
        CHECK(env.call("POST", "/sim/heal").status == 200);
        CHECK(env.svc.find("acme")->faults().empty());
    }
}

TEST_CASE("parse_cli: flags, values and errors", "[sim][unit]") {
    auto o = parse_cli({"--listen", "127.0.0.1:0", "--fleet=f.toml", "--speed", "60", "--backfill", "14d",
                        "--seed", "9", "--rate", "120", "--out", "-", "--count", "10"});
    REQUIRE(o);
    CHECK(o->listen == "127.0.0.1:0");
    CHECK(o->fleet == "f.toml");
    CHECK(o->speed == 60);
    CHECK(o->backfill == std::chrono::hours(24 * 14));
    CHECK(o->seed == 9u);
    CHECK(o->rate == 120.0);
    CHECK(o->count == 10u);
    CHECK_FALSE(parse_cli({"--bogus"}));
    CHECK_FALSE(parse_cli({"--speed", "fast"}));
    CHECK_FALSE(parse_cli({"--speed", "max"}));  // would never end
    CHECK(parse_cli({"--speed", "max", "--duration", "1h"}));
    CHECK_FALSE(parse_cli({"--listen"}));
    CHECK_FALSE(parse_cli({"--log-level", "loud"}));
    CHECK(parse_time_arg("2024-05-01T10:00:00Z") == t0());
    CHECK(parse_time_arg("2024-05-01T10:00:00.250Z") == t0() + 250ms);
    CHECK(parse_time_arg("2024-05-01") == t0() - 10h);
    CHECK_FALSE(parse_time_arg("yesterday"));
}

TEST_CASE("usage: documents every flag", "[sim][unit]") {
    const auto text = usage();
    for (auto flag : {"--listen", "--fleet", "--scenario", "--seed", "--out", "--events-url", "--events-token",
                      "--batch", "--rate", "--speed", "--start", "--backfill", "--duration", "--count",
                      "--log-level", "--help", "--version"}) {
        INFO(flag);
        CHECK(text.find(flag) != std::string::npos);
    }
}

TEST_CASE("over a socket: provider API, control API and a held response", "[sim][integration]") {
    boost::asio::io_context ioc;
    core::SystemClock clock;
    SimService svc{test_fleet(), clock};
    ResponseDelayer delayer{ioc};
    net::Router router;
    add_sim_routes(router, svc, delayer);
    net::HttpServer server{ioc, router, net::HttpServer::Options{}};
    REQUIRE(server.start());
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    net::CurlHttpClient client{ioc};

    auto exchange = [&](std::string method, std::string path, std::string body = {},
                        core::Headers headers = {}) {
        std::optional<core::HttpResponse> out;
        core::HttpRequest req;
        req.method = std::move(method);
        req.url = base + path;
        req.body = std::move(body);
        req.headers = std::move(headers);
        req.timeout = 5s;
        client.async_request(req, [&](core::HttpResponse r) { out = std::move(r); });
        REQUIRE(testing::run_until(ioc, [&] { return out.has_value(); }));
        return *out;
    };

    auto token = exchange("POST", "/acme/oauth/token",
                          token_body("acme-client", "acme-secret", "https://topups.reloadly.com"),
                          {{"Content-Type", "application/json"}});
    REQUIRE(token.status == 200);
    const auto access = Json{token.body}.str("access_token");
    auto bal = exchange("GET", "/acme/accounts/balance", {}, auth(access));
    CHECK(bal.status == 200);
    CHECK(core::find_header(bal.headers, "Content-Type") == kTopups);
    CHECK(Json{bal.body}.num("balance") == 1000);

    CHECK(exchange("POST", "/sim/providers/acme/fault", R"({"kind":"outage","mode":"5xx"})").status == 200);
    CHECK(exchange("GET", "/acme/accounts/balance", {}, auth("demo-token")).status == 503);
    CHECK(exchange("POST", "/sim/providers/acme/heal").status == 200);

    // A latency fault holds the answer on a timer; the io_context keeps serving meanwhile.
    CHECK(exchange("POST", "/sim/providers/acme/fault", R"({"kind":"latency","ms":300})").status == 200);
    const auto t = std::chrono::steady_clock::now();
    auto slow = exchange("GET", "/acme/accounts/balance", {}, auth("demo-token"));
    CHECK(slow.status == 200);
    CHECK(std::chrono::steady_clock::now() - t >= 300ms);

    // A timeout fault never answers before the client gives up.
    CHECK(exchange("POST", "/sim/providers/acme/fault", R"({"kind":"outage","mode":"timeout"})").status == 200);
    core::HttpRequest req;
    req.url = base + "/acme/accounts/balance";
    req.timeout = 300ms;
    std::optional<core::HttpResponse> timed_out;
    client.async_request(req, [&](core::HttpResponse r) { timed_out = std::move(r); });
    REQUIRE(testing::run_until(ioc, [&] { return timed_out.has_value(); }));
    CHECK(timed_out->error == core::TransportError::timeout);
    CHECK(delayer.pending() == 1);
    delayer.cancel_all();
    CHECK(delayer.pending() == 0);

    client.stop();
    server.stop();
    testing::run_until(ioc, [] { return false; }, 100ms);
}
