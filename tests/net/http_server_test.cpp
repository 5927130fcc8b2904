#include "noctua/net/http_server.hpp"

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include "net_test_support.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/testing/cases.hpp"

namespace {

using namespace noctua::net::test::names;
using noctua::net::test::RawConnection;

// A server and a client on one io_context, driven by the test thread.
struct Loopback {
    explicit Loopback(const Router& router, HttpServer::Options options = {})
        : server(ioc, router, std::move(options)) {
        noctua::net::test::ensure_curl_global();
        auto started = server.start();
        INFO((started ? std::string() : started.error().message));
        REQUIRE(started);
        REQUIRE(server.port() != 0);
    }
    ~Loopback() {
        server.stop();
        client.stop();
        ioc.poll();
    }
    Loopback(const Loopback&) = delete;
    Loopback& operator=(const Loopback&) = delete;

    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(server.port()) + std::string(path);
    }

    /// What the server answers `bytes` sent on a raw connection, read until it closes it.
    std::string raw_exchange(const std::string& bytes) {
        RawConnection raw(ioc, server.port());
        raw.send(bytes);
        REQUIRE(run_until(
            ioc, [&] { return raw.closed(); }, 5s));
        return raw.received();
    }

    HttpResponse fetch(HttpRequest request) {
        std::optional<HttpResponse> out;
        client.async_request(std::move(request), [&](HttpResponse r) { out = std::move(r); });
        REQUIRE(run_until(
            ioc, [&] { return out.has_value(); }, 10s));
        return std::move(*out);
    }

    HttpResponse get(std::string_view path) {
        HttpRequest request;
        request.url = url(path);
        return fetch(std::move(request));
    }

    asio::io_context ioc;
    CurlHttpClient client{ioc};
    HttpServer server;
};

std::size_t count(std::string_view haystack, std::string_view needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string_view::npos;
         pos = haystack.find(needle, pos + needle.size())) {
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("HttpServer: is_loopback_host loopback addresses and localhost", "[net][unit]") {
    const std::pair<std::string_view, bool> hosts[] = {
        {"localhost", true}, {"LocalHost", true}, {"127.0.0.1", true},        {"127.1.2.3", true},
        {"::1", true},       {"[::1]", true},     {"::ffff:127.0.0.1", true}, {"0.0.0.0", false},
        {"10.0.0.1", false}, {"::", false},       {"example.com", false},     {"", false},
    };
    noctua::testing::check_each(
        hosts, [](std::string_view host) { return noctua::net::is_loopback_host(host); });
}

TEST_CASE("HttpServer: start reports bad addresses and addresses in use", "[net][integration]") {
    asio::io_context ioc;
    Router router;
    HttpServer first(ioc, router, {});
    REQUIRE(first.start());

    SECTION("address in use") {
        HttpServer second(ioc, router, {.listen = "127.0.0.1:" + std::to_string(first.port())});
        auto r = second.start();
        REQUIRE_FALSE(r);
        CHECK(r.error().code == noctua::core::Errc::io);
        CHECK_THAT(r.error().message, Catch::Contains("bind"));
    }
    SECTION("host names are not resolved") {
        HttpServer second(ioc, router, {.listen = "example.invalid:80"});
        auto r = second.start();
        REQUIRE_FALSE(r);
        CHECK(r.error().code == noctua::core::Errc::invalid_argument);
    }
    SECTION("started twice") {
        auto r = first.start();
        REQUIRE_FALSE(r);
        CHECK(r.error().code == noctua::core::Errc::invalid_argument);
    }
    SECTION("localhost binds loopback") {
        HttpServer second(ioc, router, {.listen = "localhost:0"});
        REQUIRE(second.start());
        CHECK(second.port() != 0);
    }
}

TEST_CASE("HttpServer: GET and POST round trip with headers and body", "[net][integration]") {
    Router router;
    std::optional<ServerRequest> seen;
    router.add("GET", "/hello/{name}", [&](const ServerRequest& request, const PathParams& p) {
        seen = request;
        auto response = ServerResponse::text(200, "hello " + p.at("name"));
        response.headers.emplace_back(
            "X-Echo", std::string(find_header(request.headers, "X-Test").value_or("missing")));
        response.headers.emplace_back("Set-Cookie", "a=1");
        response.headers.emplace_back("Set-Cookie", "b=2");
        response.headers.emplace_back("X-Evil", "x\r\nInjected: yes");
        return response;
    });
    router.add("POST", "/echo", [&](const ServerRequest& request, const PathParams&) {
        seen = request;
        return ServerResponse::json(201, request.body);
    });
    Loopback loop(router);

    SECTION("GET") {
        HttpRequest request;
        request.url = loop.url("/hello/noc?verbose=1&x=%20y");
        request.headers.emplace_back("X-Test", "42");
        bool called = false;
        loop.client.async_request(request, [&](HttpResponse) { called = true; });
        CHECK_FALSE(called);  // never inline
        auto response = loop.fetch(request);

        REQUIRE(response.transport_ok());
        CHECK(response.status == 200);
        CHECK(response.body == "hello noc");
        CHECK(find_header(response.headers, "x-echo") == "42");
        CHECK(find_header(response.headers, "Server") == "noctua");
        CHECK(find_header(response.headers, "Content-Type") == "text/plain; charset=utf-8");
        CHECK(find_header(response.headers, "Content-Length") == "9");
        CHECK_FALSE(find_header(response.headers, "Injected"));
        CHECK_FALSE(find_header(response.headers, "X-Evil"));
        int cookies = 0;
        for (const auto& [name, value] : response.headers) cookies += name == "Set-Cookie";
        CHECK(cookies == 2);
        CHECK(response.timings.total > 0);
        CHECK(response.timings.total >= response.timings.connect);

        REQUIRE(seen);
        CHECK(seen->method == "GET");
        CHECK(seen->target == "/hello/noc?verbose=1&x=%20y");
        CHECK(seen->path == "/hello/noc");
        CHECK(seen->query == "verbose=1&x=%20y");
        CHECK(noctua::core::query_param(seen->query, "x") == " y");
        CHECK(find_header(seen->headers, "x-test") == "42");
        CHECK(seen->remote_address == "127.0.0.1");
        CHECK(seen->remote_is_loopback);
        CHECK(seen->body.empty());
    }
    SECTION("POST") {
        HttpRequest request;
        request.method = "POST";
        request.url = loop.url("/echo");
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = R"({"hello":"world"})";
        auto response = loop.fetch(request);

        REQUIRE(response.transport_ok());
        CHECK(response.status == 201);
        CHECK(response.body == request.body);
        CHECK(find_header(response.headers, "Content-Type") == "application/json");
        REQUIRE(seen);
        CHECK(seen->method == "POST");
        CHECK(seen->body == request.body);
        CHECK(find_header(seen->headers, "Content-Type") == "application/json");
        CHECK_FALSE(find_header(seen->headers, "Expect"));
    }
    SECTION("a large POST is sent without Expect: 100-continue") {
        HttpRequest request;
        request.method = "POST";
        request.url = loop.url("/echo");
        request.body.assign(200 * 1024, 'x');
        request.max_response_bytes = 1024 * 1024;
        auto response = loop.fetch(request);
        REQUIRE(response.transport_ok());
        CHECK(response.status == 201);
        CHECK(response.body.size() == request.body.size());
        REQUIRE(seen);
        CHECK_FALSE(find_header(seen->headers, "Expect"));
    }
}

TEST_CASE("HttpServer: 404 and 405 answer JSON over the wire", "[net][integration]") {
    Router router;
    router.add("GET", "/only-get", answer_text("ok"));
    Loopback loop(router);

    auto missing = loop.get("/nope");
    REQUIRE(missing.transport_ok());
    CHECK(missing.status == 404);
    CHECK(find_header(missing.headers, "Content-Type") == "application/json");
    CHECK(missing.body == R"({"status":"error","error":"not found"})");

    HttpRequest post;
    post.method = "POST";
    post.url = loop.url("/only-get");
    post.body = "x";
    auto wrong = loop.fetch(post);
    REQUIRE(wrong.transport_ok());
    CHECK(wrong.status == 405);
    CHECK(find_header(wrong.headers, "Allow") == "GET, HEAD");
    CHECK(wrong.body == R"({"status":"error","error":"method not allowed"})");
}

TEST_CASE("HttpServer: HEAD gets the GET route's headers without a body", "[net][integration]") {
    Router router;
    router.add("GET", "/metrics", answer_text("twelve bytes"));
    Loopback loop(router);
    HttpRequest head;
    head.method = "HEAD";
    head.url = loop.url("/metrics");
    auto response = loop.fetch(head);
    REQUIRE(response.transport_ok());
    CHECK(response.status == 200);
    CHECK(response.body.empty());
    CHECK(find_header(response.headers, "Content-Length") == "12");
    // The connection is still usable afterwards.
    CHECK(loop.get("/metrics").body == "twelve bytes");
}

TEST_CASE("HttpServer: a throwing handler answers 500 and the server keeps serving",
          "[net][integration]") {
    Router router;
    router.add("GET", "/boom", [](const ServerRequest&, const PathParams&) -> ServerResponse {
        throw std::runtime_error("boom");
    });
    router.add("GET", "/bad-status", [](const ServerRequest&, const PathParams&) {
        return ServerResponse::text(42, "not a status");
    });
    router.add("GET", "/ok", answer_text("ok"));
    Loopback loop(router);
    auto response = loop.get("/boom");
    REQUIRE(response.transport_ok());
    CHECK(response.status == 500);
    CHECK(response.body == R"({"status":"error","error":"internal error"})");
    CHECK(loop.get("/bad-status").status == 500);
    CHECK(loop.get("/ok").body == "ok");
}

TEST_CASE("HttpServer: a malformed request gets 400 and the server keeps serving",
          "[net][integration]") {
    Router router;
    router.add("GET", "/ok", answer_text("ok"));
    Loopback loop(router);

    RawConnection raw(loop.ioc, loop.server.port());
    SECTION("garbage") { raw.send("this is not http\r\n\r\n"); }
    SECTION("bad header line") { raw.send("GET /ok HTTP/1.1\r\nno colon here\r\n\r\n"); }
    SECTION("bad content length") {
        raw.send("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n");
    }
    REQUIRE(run_until(
        loop.ioc, [&] { return raw.closed(); }, 5s));
    CHECK(raw.received().starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK_THAT(raw.received(), Catch::Contains("Connection: close"));
    CHECK_THAT(raw.received(), Catch::Contains("Content-Type: application/json"));
    CHECK_THAT(raw.received(), Catch::Contains(R"({"status":"error","error":"malformed request)"));

    CHECK(loop.get("/ok").body == "ok");
}

TEST_CASE("HttpServer: limits answer 413 and 431", "[net][integration]") {
    Router router;
    router.add("POST", "/ingest", [](const ServerRequest& request, const PathParams&) {
        return ServerResponse::text(200, std::to_string(request.body.size()));
    });
    Loopback loop(router, {.body_limit = 1024, .header_limit = 1024});

    SECTION("announced body over the limit, over a raw socket") {
        const auto answer =
            loop.raw_exchange("POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
        CHECK(answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n"));
        CHECK_THAT(answer, Catch::Contains(R"("error":"request body too large")"));
    }
    SECTION("chunked body over the limit") {
        CHECK(loop.raw_exchange(
                      "POST /ingest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                      std::string("800\r\n") + std::string(0x800, 'a') + "\r\n")
                  .starts_with("HTTP/1.1 413 "));
    }
    SECTION("body over the limit from the client") {
        HttpRequest request;
        request.method = "POST";
        request.url = loop.url("/ingest");
        request.body.assign(64 * 1024, 'x');
        auto response = loop.fetch(request);
        REQUIRE(response.transport_ok());
        CHECK(response.status == 413);
    }
    SECTION("headers over the limit") {
        CHECK(loop.raw_exchange("GET /ingest HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                std::string(2048, 'b') + "\r\n\r\n")
                  .starts_with("HTTP/1.1 431 "));
    }
    SECTION("a body at the limit is accepted") {
        HttpRequest request;
        request.method = "POST";
        request.url = loop.url("/ingest");
        request.body.assign(1024, 'x');
        auto response = loop.fetch(request);
        REQUIRE(response.transport_ok());
        CHECK(response.status == 200);
        CHECK(response.body == "1024");
    }
}

TEST_CASE("HttpServer: read timeout closes an idle connection", "[net][integration]") {
    Router router;
    router.add("GET", "/ok", answer_text("ok"));
    Loopback loop(router, {.read_timeout = 200ms});

    RawConnection raw(loop.ioc, loop.server.port());
    SECTION("nothing sent") {}
    SECTION("a partial request") { raw.send("GET /ok HTTP/1.1\r\nHost: x\r\n"); }
    SECTION("idle after a keep-alive response") {
        raw.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(run_until(
            loop.ioc, [&] { return raw.received().ends_with("ok"); }, 5s));
    }
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(run_until(
        loop.ioc, [&] { return raw.closed(); }, 5s));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(count(raw.received(), "HTTP/1.1 ") <= 1);

    CHECK(loop.get("/ok").body == "ok");
}

TEST_CASE("HttpServer: a slow handler is not cut off by the read timeout", "[net][integration]") {
    Router router;
    std::optional<Router::Respond> held;
    router.add_async("GET", "/slow", keep_responder(held));
    Loopback loop(router, {.read_timeout = 200ms});

    RawConnection raw(loop.ioc, loop.server.port());
    raw.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(run_until(
        loop.ioc, [&] { return held.has_value(); }, 5s));
    // Twice the read timeout passes while the handler works; the client is waiting, not idle.
    const auto until = std::chrono::steady_clock::now() + 400ms;
    CHECK_FALSE(run_until(
        loop.ioc, [&] { return raw.closed(); }, 400ms));
    REQUIRE(std::chrono::steady_clock::now() >= until);
    (*held)(ServerResponse::text(200, "slow"));
    REQUIRE(run_until(
        loop.ioc, [&] { return raw.received().ends_with("slow"); }, 5s));
    CHECK_FALSE(raw.closed());

    // Idle again: the read timeout applies once more.
    const auto idle_since = std::chrono::steady_clock::now();
    REQUIRE(run_until(
        loop.ioc, [&] { return raw.closed(); }, 5s));
    CHECK(std::chrono::steady_clock::now() - idle_since >= 50ms);
    CHECK(count(raw.received(), "HTTP/1.1 ") == 1);
}

TEST_CASE("HttpServer: keep-alive serves several requests on one connection",
          "[net][integration]") {
    Router router;
    router.add("GET", "/n/{n}", [](const ServerRequest&, const PathParams& p) {
        return ServerResponse::text(200, "<" + p.at("n") + ">");
    });
    Loopback loop(router);
    RawConnection raw(loop.ioc, loop.server.port());
    raw.send("GET /n/1 HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(run_until(
        loop.ioc, [&] { return raw.received().ends_with("<1>"); }, 5s));
    CHECK_FALSE(raw.closed());
    raw.send("GET /n/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    REQUIRE(run_until(
        loop.ioc, [&] { return raw.closed(); }, 5s));
    CHECK(raw.received().ends_with("<2>"));
    CHECK(count(raw.received(), "HTTP/1.1 200 OK") == 2);
}

TEST_CASE("HttpServer: pipelined requests are answered in order", "[net][integration]") {
    Router router;
    std::vector<std::pair<std::string, Router::Respond>> pending;
    std::size_t most_pending = 0;
    router.add_async("GET", "/p/{n}",
                     [&](const ServerRequest&, const PathParams& p, Router::Respond respond) {
                         pending.emplace_back(p.at("n"), std::move(respond));
                         most_pending = std::max(most_pending, pending.size());
                     });
    Loopback loop(router, {.max_pipelined = 2});

    RawConnection raw(loop.ioc, loop.server.port());
    std::string requests;
    for (int i = 1; i <= 6; ++i) {
        requests += "GET /p/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n" +
                    (i == 6 ? "Connection: close\r\n" : "") + "\r\n";
    }
    raw.send(requests);

    // Answer whatever is outstanding in reverse order; the wire must still be in order.
    int answered = 0;
    while (answered < 6) {
        REQUIRE(run_until(
            loop.ioc, [&] { return pending.size() == 2; }, 5s));
        auto batch = std::move(pending);
        pending.clear();
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
            it->second(ServerResponse::text(200, "[" + it->first + "]"));
            ++answered;
        }
    }
    REQUIRE(run_until(
        loop.ioc, [&] { return raw.closed(); }, 5s));
    CHECK(most_pending == 2);
    const auto& wire = raw.received();
    CHECK(count(wire, "HTTP/1.1 200 OK") == 6);
    std::size_t last = 0;
    for (int i = 1; i <= 6; ++i) {
        auto pos = wire.find("[" + std::to_string(i) + "]");
        REQUIRE(pos != std::string::npos);
        CHECK(pos > last);
        last = pos;
    }
}

TEST_CASE("HttpServer: an async handler responds later from a posted task or another thread",
          "[net][integration]") {
    Router router;
    asio::io_context* ioc_ptr = nullptr;
    std::vector<std::thread> threads;
    router.add_async("GET", "/posted",
                     [&](const ServerRequest&, const PathParams&, Router::Respond respond) {
                         asio::post(*ioc_ptr, [respond = std::move(respond)] {
                             respond(ServerResponse::text(200, "later"));
                         });
                     });
    router.add_async("GET", "/thread",
                     [&](const ServerRequest&, const PathParams&, Router::Respond respond) {
                         threads.emplace_back([respond = std::move(respond)] {
                             respond(ServerResponse::text(200, "from a thread"));
                         });
                     });
    Loopback loop(router);
    ioc_ptr = &loop.ioc;

    CHECK(loop.get("/posted").body == "later");
    CHECK(loop.get("/thread").body == "from a thread");
    for (auto& t : threads) t.join();
}

TEST_CASE("HttpServer: stop closes idle connections and lets in-flight responses finish",
          "[net][integration]") {
    Router router;
    std::optional<Router::Respond> held;
    router.add("GET", "/ok", answer_text("ok"));
    router.add_async("GET", "/hold", keep_responder(held));
    Loopback loop(router);
    const auto port = loop.server.port();

    RawConnection idle(loop.ioc, port);
    idle.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(run_until(
        loop.ioc, [&] { return idle.received().ends_with("ok"); }, 5s));

    RawConnection busy(loop.ioc, port);
    busy.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(run_until(
        loop.ioc, [&] { return held.has_value(); }, 5s));

    loop.server.stop();
    REQUIRE(run_until(
        loop.ioc, [&] { return idle.closed(); }, 5s));
    CHECK_FALSE(busy.closed());

    // New connections are refused once the acceptor is closed.
    asio::ip::tcp::socket late(loop.ioc);
    boost::system::error_code ec;
    late.connect({noctua::net::test::loopback(), port}, ec);
    CHECK(ec);

    (*held)(ServerResponse::text(200, "finished"));
    REQUIRE(run_until(
        loop.ioc, [&] { return busy.closed(); }, 5s));
    CHECK(busy.received().starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK_THAT(busy.received(), Catch::Contains("Connection: close"));
    CHECK(busy.received().ends_with("finished"));
}

TEST_CASE("HttpServer: reset_connection drops the connection instead of answering",
          "[net][integration]") {
    Router router;
    router.add("GET", "/reset", [](const ServerRequest&, const PathParams&) {
        ServerResponse r = ServerResponse::json_error(502, "never sent");
        r.reset_connection = true;
        return r;
    });
    router.add("GET", "/ok", answer_text("ok"));
    Loopback lb{router};
    auto reset = lb.get("/reset");
    CHECK(reset.error == TransportError::receive);
    CHECK(reset.status == 0);
    CHECK(lb.get("/ok").status == 200);  // the server carries on
}

TEST_CASE("HttpServer: a transfer coding other than chunked gets 501, not a garbled body",
          "[net][integration]") {
    int calls = 0;
    Router router;
    router.add("POST", "/in", [&](const ServerRequest& request, const PathParams&) {
        ++calls;
        return ServerResponse::text(200, "got " + request.body);
    });
    Loopback loop(router);
    const std::string chunked_body = "5\r\nhello\r\n0\r\n\r\n";
    const std::string head = "POST /in HTTP/1.1\r\nHost: x\r\n";

    for (const std::string_view codings :
         {"Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: GZIP,chunked\r\n",
          "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
          "Transfer-Encoding: chunked, chunked\r\n"}) {
        INFO(codings);
        const auto answer = loop.raw_exchange(head + std::string(codings) + "\r\n" + chunked_body);
        CHECK(answer.starts_with("HTTP/1.1 501 Not Implemented\r\n"));
        CHECK_THAT(answer, Catch::Contains("Content-Encoding"));
        CHECK_THAT(answer, Catch::Contains("Connection: close"));
    }
    CHECK(calls == 0);

    // Chunked alone, in any case, is decoded.
    const auto answer = loop.raw_exchange(
        head + "Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n" + chunked_body);
    CHECK(answer.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK_THAT(answer, Catch::EndsWith("got hello"));
    CHECK(calls == 1);
}
