#include "noctua/net/router.hpp"

#include <memory>
#include <optional>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "net_test_support.hpp"

namespace {

using noctua::core::ServerRequest;
using noctua::core::ServerResponse;
using noctua::net::PathParams;
using noctua::net::Router;
using noctua::net::test::keep_responder;

ServerRequest make_request(std::string method, std::string path) {
    ServerRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.target = r.path;
    return r;
}

Router::Handler answer(std::string body) {
    return [body = std::move(body)](const ServerRequest&, const PathParams&) {
        return ServerResponse::text(200, body);
    };
}

}  // namespace

TEST_CASE("Router: matches literal routes and captures {name} segments", "[net][unit]") {
    Router router;
    router.add("GET", "/", answer("root"));
    router.add("GET", "/api/v1/status", answer("status"));
    router.add("POST", "/api/v1/probes/{id}/run",
               [](const ServerRequest&, const PathParams& params) {
                   return ServerResponse::text(200, "run " + params.at("id"));
               });
    router.add("GET", "/a/{x}/b/{y}", [](const ServerRequest&, const PathParams& params) {
        return ServerResponse::text(200, params.at("x") + "," + params.at("y"));
    });

    CHECK(router.dispatch_sync(make_request("GET", "/")).body == "root");
    CHECK(router.dispatch_sync(make_request("GET", "/api/v1/status")).body == "status");
    CHECK(router.dispatch_sync(make_request("POST", "/api/v1/probes/bank-a/run")).body ==
          "run bank-a");
    CHECK(router.dispatch_sync(make_request("GET", "/a/1/b/2")).body == "1,2");

    SECTION("segments must match exactly") {
        CHECK(router.dispatch_sync(make_request("GET", "/api/v1/status/")).status == 404);
        CHECK(router.dispatch_sync(make_request("GET", "/api/v1")).status == 404);
        CHECK(router.dispatch_sync(make_request("GET", "/api//status")).status == 404);
        CHECK(router.dispatch_sync(make_request("POST", "/api/v1/probes//run")).status == 404);
    }
}

TEST_CASE("Router: captures are percent-decoded", "[net][unit]") {
    Router router;
    router.add("GET", "/probes/{id}", [](const ServerRequest&, const PathParams& params) {
        return ServerResponse::text(200, params.at("id"));
    });
    CHECK(router.dispatch_sync(make_request("GET", "/probes/a%20b%2Fc+d")).body == "a b/c+d");
    CHECK(router.dispatch_sync(make_request("GET", "/probes/100%")).body == "100%");
}

TEST_CASE("Router: literal segments win over captures", "[net][unit]") {
    Router router;
    router.add("GET", "/probes/{id}", answer("capture"));
    router.add("GET", "/probes/summary", answer("literal"));
    router.add("GET", "/{a}/x", answer("capture-first"));
    router.add("GET", "/things/{b}", answer("literal-first"));

    CHECK(router.dispatch_sync(make_request("GET", "/probes/summary")).body == "literal");
    CHECK(router.dispatch_sync(make_request("GET", "/probes/other")).body == "capture");
    // Both match "/things/x"; the earlier literal segment decides, not registration order.
    CHECK(router.dispatch_sync(make_request("GET", "/things/x")).body == "literal-first");
    CHECK(router.dispatch_sync(make_request("GET", "/zz/x")).body == "capture-first");
}

TEST_CASE("Router: unknown path answers 404 with a JSON error", "[net][unit]") {
    Router router;
    router.add("GET", "/known", answer("ok"));
    auto response = router.dispatch_sync(make_request("GET", "/unknown"));
    CHECK(response.status == 404);
    CHECK(response.content_type == "application/json");
    CHECK(response.body == R"({"status":"error","error":"not found"})");
}

TEST_CASE("Router: 405 lists allowed methods", "[net][unit]") {
    Router router;
    router.add("GET", "/things/{id}", answer("get"));
    router.add("DELETE", "/things/{id}", answer("delete"));
    router.add("PUT", "/things/special", answer("put"));

    auto response = router.dispatch_sync(make_request("POST", "/things/special"));
    CHECK(response.status == 405);
    CHECK(response.content_type == "application/json");
    CHECK(response.body == R"({"status":"error","error":"method not allowed"})");
    REQUIRE(noctua::core::find_header(response.headers, "allow"));
    CHECK(*noctua::core::find_header(response.headers, "Allow") == "DELETE, GET, HEAD, PUT");

    auto other = router.dispatch_sync(make_request("PUT", "/things/7"));
    CHECK(other.status == 405);
    CHECK(*noctua::core::find_header(other.headers, "Allow") == "DELETE, GET, HEAD");
}

TEST_CASE("Router: HEAD is answered by the GET route", "[net][unit]") {
    Router router;
    router.add("GET", "/metrics", answer("body"));
    auto response = router.dispatch_sync(make_request("HEAD", "/metrics"));
    CHECK(response.status == 200);
    CHECK(response.body == "body");  // the server drops it and keeps Content-Length

    router.add("HEAD", "/metrics", answer("head"));
    CHECK(router.dispatch_sync(make_request("HEAD", "/metrics")).body == "head");
}

TEST_CASE("Router: a throwing handler becomes a 500", "[net][unit]") {
    Router router;
    router.add("GET", "/std", [](const ServerRequest&, const PathParams&) -> ServerResponse {
        throw std::runtime_error("boom");
    });
    router.add("GET", "/other", [](const ServerRequest&, const PathParams&) -> ServerResponse {
        throw 42;
    });
    router.add_async("GET", "/after-respond",
                     [](const ServerRequest&, const PathParams&, Router::Respond respond) {
                         respond(ServerResponse::text(200, "answered"));
                         throw std::runtime_error("late");
                     });

    for (const char* path : {"/std", "/other"}) {
        auto response = router.dispatch_sync(make_request("GET", path));
        CHECK(response.status == 500);
        CHECK(response.body == R"({"status":"error","error":"internal error"})");
    }
    int calls = 0;
    router.dispatch(make_request("GET", "/after-respond"), [&](ServerResponse r) {
        ++calls;
        CHECK(r.body == "answered");
    });
    CHECK(calls == 1);
}

TEST_CASE("Router: respond is called exactly once", "[net][unit]") {
    Router router;
    std::optional<Router::Respond> kept;
    router.add_async("GET", "/twice",
                     [](const ServerRequest&, const PathParams&, Router::Respond respond) {
                         respond(ServerResponse::text(200, "first"));
                         respond(ServerResponse::text(200, "second"));
                     });
    router.add_async("GET", "/dropped",
                     [](const ServerRequest&, const PathParams&, const Router::Respond&) {});
    router.add_async("GET", "/later", keep_responder(kept));

    std::vector<ServerResponse> got;
    auto collect = [&](ServerResponse r) { got.push_back(std::move(r)); };

    SECTION("a second call is ignored") {
        router.dispatch(make_request("GET", "/twice"), collect);
        REQUIRE(got.size() == 1);
        CHECK(got[0].body == "first");
    }
    SECTION("dropping respond answers 500") {
        router.dispatch(make_request("GET", "/dropped"), collect);
        REQUIRE(got.size() == 1);
        CHECK(got[0].status == 500);
        CHECK(got[0].body == R"({"status":"error","error":"handler did not respond"})");
    }
    SECTION("an async handler answers after dispatch returns") {
        router.dispatch(make_request("GET", "/later"), collect);
        CHECK(got.empty());
        REQUIRE(kept);
        auto copy = *kept;  // copies share the once-only state
        (*kept)(ServerResponse::text(202, "later"));
        copy(ServerResponse::text(200, "again"));
        kept.reset();
        REQUIRE(got.size() == 1);
        CHECK(got[0].status == 202);
    }
}

TEST_CASE("Router: dispatch_sync on a route that answers later returns 500", "[net][unit]") {
    Router router;
    std::optional<Router::Respond> kept;
    router.add_async("GET", "/later", keep_responder(kept));
    auto response = router.dispatch_sync(make_request("GET", "/later"));
    CHECK(response.status == 500);
    REQUIRE(kept);
    (*kept)(ServerResponse::text(200, "too late"));  // harmless
}
