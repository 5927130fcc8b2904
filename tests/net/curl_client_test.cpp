#include "noctua/net/curl_client.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include <boost/asio/executor_work_guard.hpp>
#include <catch2/catch.hpp>

#include "net_test_support.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/testing/child_process.hpp"

namespace {

using namespace noctua::net::test::names;
using noctua::net::test::RawServer;

std::string url_for(std::uint16_t port, std::string_view path) {
    return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// Starts one request and runs the io_context until its handler has run.
HttpResponse fetch(asio::io_context& ioc, CurlHttpClient& client, HttpRequest request,
                   std::chrono::milliseconds limit = 10s) {
    std::optional<HttpResponse> out;
    client.async_request(std::move(request), [&](HttpResponse r) { out = std::move(r); });
    REQUIRE(run_until(
        ioc, [&] { return out.has_value(); }, limit));
    return std::move(*out);
}

/// curl initialised for the process, as main does before anything uses it.
struct CurlReady {
    CurlReady() { noctua::net::test::ensure_curl_global(); }
};

/// A loopback server answering GET / with `body`, and a client, on one io_context.
struct ServedClient : CurlReady {
    asio::io_context ioc;
    Router router;
    HttpServer server{ioc, router, {}};
    CurlHttpClient client{ioc};

    explicit ServedClient(std::string body) {
        router.add("GET", "/", answer_text(std::move(body)));
        REQUIRE(server.start());
    }
};

/// A client on an io_context of the test's own.
struct ClientFixture : CurlReady {
    asio::io_context ioc;
    CurlHttpClient client{ioc};
};

}  // namespace

TEST_CASE("CurlHttpClient: maps curl codes to transport errors", "[net][unit]") {
    using noctua::net::curl_category;
    using noctua::net::to_transport_error;
    auto map = [](CURLcode code) { return to_transport_error({code, curl_category()}); };
    CHECK(map(CURLE_OK) == TransportError::none);
    CHECK(map(CURLE_COULDNT_RESOLVE_HOST) == TransportError::dns);
    CHECK(map(CURLE_COULDNT_CONNECT) == TransportError::connect);
    CHECK(map(CURLE_OPERATION_TIMEDOUT) == TransportError::timeout);
    CHECK(map(CURLE_SSL_CONNECT_ERROR) == TransportError::tls);
    CHECK(map(CURLE_PEER_FAILED_VERIFICATION) == TransportError::tls);
    CHECK(map(CURLE_SSL_CACERT_BADFILE) == TransportError::tls);
    CHECK(map(CURLE_TOO_MANY_REDIRECTS) == TransportError::redirect);
    CHECK(map(CURLE_SEND_ERROR) == TransportError::send);
    CHECK(map(CURLE_RECV_ERROR) == TransportError::receive);
    CHECK(map(CURLE_GOT_NOTHING) == TransportError::receive);
    CHECK(map(CURLE_PARTIAL_FILE) == TransportError::receive);
    CHECK(map(CURLE_FILESIZE_EXCEEDED) == TransportError::too_large);
    CHECK(map(CURLE_UNSUPPORTED_PROTOCOL) == TransportError::other);
    CHECK(to_transport_error(std::make_error_code(std::errc::timed_out)) == TransportError::other);
    CHECK(curl_category().message(CURLE_COULDNT_CONNECT) ==
          curl_easy_strerror(CURLE_COULDNT_CONNECT));
}

TEST_CASE_METHOD(ClientFixture, "CurlHttpClient: connection refused is a connect error",
                 "[net][integration]") {
    // A port that was free a moment ago and has nobody listening now.
    const auto port = noctua::testing::free_loopback_port();
    HttpRequest request;
    request.url = url_for(port, "/");
    auto response = fetch(ioc, client, request);
    CHECK(response.error == TransportError::connect);
    CHECK_FALSE(response.error_message.empty());
    CHECK(response.status == 0);
    CHECK(client.in_flight() == 0);
}

TEST_CASE("CurlHttpClient: a server that never answers times out", "[net][integration]") {
    noctua::net::test::ensure_curl_global();
    asio::io_context ioc;
    RawServer silent(ioc);
    CurlHttpClient client(ioc);
    HttpRequest request;
    request.url = url_for(silent.port(), "/");
    request.timeout = 200ms;
    const auto start = std::chrono::steady_clock::now();
    auto response = fetch(ioc, client, request, 5s);
    CHECK(response.error == TransportError::timeout);
    CHECK(response.error_message == curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(silent.accepted() == 1);
}

TEST_CASE_METHOD(ClientFixture,
                 "CurlHttpClient: a body larger than max_response_bytes is too_large",
                 "[net][integration]") {
    const std::string big(64 * 1024, 'z');
    HttpRequest request;
    request.max_response_bytes = 1024;

    SECTION("announced by Content-Length") {
        Router router;
        router.add("GET", "/big", answer_text(big));
        HttpServer server(ioc, router, {});
        REQUIRE(server.start());
        request.url = url_for(server.port(), "/big");
        auto response = fetch(ioc, client, request);
        CHECK(response.error == TransportError::too_large);
        CHECK(response.body.empty());
    }
    SECTION("streamed without a length") {
        RawServer server(ioc, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big);
        request.url = url_for(server.port(), "/");
        auto response = fetch(ioc, client, request);
        CHECK(response.error == TransportError::too_large);
        CHECK_THAT(response.error_message, Catch::Contains("1024"));
        CHECK(response.body.empty());
    }
    SECTION("exactly at the limit is fine") {
        RawServer server(ioc, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + big.substr(0, 1024));
        request.url = url_for(server.port(), "/");
        auto response = fetch(ioc, client, request);
        REQUIRE(response.transport_ok());
        CHECK(response.body.size() == 1024);
    }
}

TEST_CASE_METHOD(ClientFixture,
                 "CurlHttpClient: a reused easy handle carries nothing over from the last request",
                 "[net][integration]") {
    // Finished transfers return their easy handle to a pool; the next request must start from
    // clean options (method, body, headers) and read a body larger than the 4 KiB buffer whole.
    const std::string big(64 * 1024, 'b');
    Router router;
    auto echo = [](const ServerRequest& r, const PathParams&) {
        auto h = find_header(r.headers, "X-Test");
        return ServerResponse::text(200, r.method + "|" + r.body + "|" + std::string(h ? *h : "-"));
    };
    router.add("POST", "/echo", echo);
    router.add("GET", "/echo", echo);
    router.add("GET", "/big", answer_text(big));
    HttpServer server(ioc, router, {});
    REQUIRE(server.start());

    HttpRequest post;
    post.method = "POST";
    post.url = url_for(server.port(), "/echo");
    post.body = "hello";
    post.headers = {{"X-Test", "one"}};
    CHECK(fetch(ioc, client, post).body == "POST|hello|one");
    for (int i = 0; i < 3; ++i) {
        HttpRequest get;
        get.url = url_for(server.port(), "/echo");
        auto r = fetch(ioc, client, get);
        REQUIRE(r.transport_ok());
        CHECK(r.body == "GET||-");
        HttpRequest large;
        large.url = url_for(server.port(), "/big");
        large.fresh_connection = true;
        auto b = fetch(ioc, client, large);
        REQUIRE(b.transport_ok());
        CHECK(b.body == big);
        CHECK(b.timings.total > 0);
    }
}

TEST_CASE_METHOD(ClientFixture,
                 "CurlHttpClient: error messages never quote the URL, its host or its address",
                 "[net][integration]") {
    // A URL (a webhook's above all) may carry a secret in any part; error messages go to logs
    // and API answers.
    auto check_clean = [](const HttpResponse& r, const std::vector<std::string>& secrets) {
        CHECK_FALSE(r.error_message.empty());
        for (const auto& secret : secrets) {
            INFO(r.error_message);
            CHECK(r.error_message.find(secret) == std::string::npos);
        }
    };

    SECTION("a host name that does not resolve") {
        // 64 characters: too long for a DNS label, so the lookup fails without a query.
        std::string host = "hostsecret" + std::string(54, 'h');
        HttpRequest request;
        request.url = "http://" + host + ".invalid/pathsecret?token=querysecret";
        auto r = fetch(ioc, client, request);
        CHECK(r.error == TransportError::dns);
        check_clean(r, {"hostsecret", "pathsecret", "querysecret"});
    }
    SECTION("an address that refuses the connection") {
        const auto port = noctua::testing::free_loopback_port();
        HttpRequest request;
        request.url = url_for(port, "/pathsecret?token=querysecret");
        auto r = fetch(ioc, client, request);
        CHECK(r.error == TransportError::connect);
        check_clean(r, {"127.0.0.1", std::to_string(port), "pathsecret", "querysecret"});
    }
}

TEST_CASE("CurlHttpClient: a failed name lookup leaves nothing behind in pooled handles",
          "[net][integration]") {
    // A 64-character label cannot be put into a DNS query: curl's threaded resolver fails it
    // inside getaddrinfo, without a packet leaving the machine. The handles of those transfers
    // must not poison the requests that come after them.
    ServedClient served{"ok"};
    auto& [ioc, router, server, client] = served;
    const std::string unresolvable = "http://" + std::string(64, 'u') + ".invalid/";

    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        // Several at once, so that several handles fail and return together.
        std::vector<HttpResponse> failed;
        for (int i = 0; i < 4; ++i) {
            HttpRequest bad;
            bad.url = unresolvable;
            client.async_request(bad, [&](HttpResponse r) { failed.push_back(std::move(r)); });
        }
        REQUIRE(run_until(
            ioc, [&] { return failed.size() == 4; }, 10s));
        for (const auto& r : failed) CHECK(r.error == TransportError::dns);

        std::vector<HttpResponse> healthy;
        for (int i = 0; i < 6; ++i) {
            HttpRequest good;
            good.url = url_for(server.port(), "/");
            client.async_request(good, [&](HttpResponse r) { healthy.push_back(std::move(r)); });
        }
        REQUIRE(run_until(
            ioc, [&] { return healthy.size() == 6; }, 10s));
        for (const auto& r : healthy) {
            CHECK(r.error_message == "");
            CHECK(r.status == 200);
            CHECK(r.body == "ok");
        }
    }
    CHECK(client.in_flight() == 0);
}

TEST_CASE("CurlHttpClient: redirects are followed only when asked", "[net][integration]") {
    noctua::net::test::ensure_curl_global();
    asio::io_context ioc;
    Router router;
    auto redirect = [](std::string location, std::string marker) {
        return [location = std::move(location), marker = std::move(marker)](const ServerRequest&,
                                                                            const PathParams&) {
            auto response = ServerResponse::text(302, "moved");
            response.headers.emplace_back("Location", location);
            response.headers.emplace_back("X-Hop", marker);
            return response;
        };
    };
    router.add("GET", "/loop", redirect("/loop", "loop"));
    router.add("GET", "/a", redirect("/b", "a"));
    router.add("GET", "/b", [](const ServerRequest&, const PathParams&) {
        auto response = ServerResponse::text(200, "final");
        response.headers.emplace_back("X-Final", "yes");
        return response;
    });
    HttpServer server(ioc, router, {});
    REQUIRE(server.start());
    CurlHttpClient client(ioc);

    SECTION("a loop is a redirect error") {
        HttpRequest request;
        request.url = url_for(server.port(), "/loop");
        request.follow_redirects = true;
        request.max_redirects = 3;
        auto response = fetch(ioc, client, request);
        CHECK(response.error == TransportError::redirect);
        CHECK(response.body.empty());
    }
    SECTION("the last response's headers only") {
        HttpRequest request;
        request.url = url_for(server.port(), "/a");
        request.follow_redirects = true;
        auto response = fetch(ioc, client, request);
        REQUIRE(response.transport_ok());
        CHECK(response.status == 200);
        CHECK(response.body == "final");
        CHECK(find_header(response.headers, "X-Final") == "yes");
        CHECK_FALSE(find_header(response.headers, "X-Hop"));
        CHECK_FALSE(find_header(response.headers, "Location"));
    }
    SECTION("not followed by default") {
        HttpRequest request;
        request.url = url_for(server.port(), "/a");
        auto response = fetch(ioc, client, request);
        REQUIRE(response.transport_ok());
        CHECK(response.status == 302);
        CHECK(find_header(response.headers, "Location") == "/b");
        CHECK(response.body == "moved");
    }
}

TEST_CASE_METHOD(ClientFixture, "CurlHttpClient: only http and https URLs are fetched",
                 "[net][integration]") {
    HttpRequest request;
    request.url = "file:///etc/passwd";
    auto response = fetch(ioc, client, request);
    CHECK(response.error == TransportError::other);
    CHECK(response.body.empty());
}

TEST_CASE("CurlHttpClient: stop() cancels requests in flight", "[net][integration]") {
    noctua::net::test::ensure_curl_global();
    asio::io_context ioc;
    RawServer silent(ioc);
    CurlHttpClient client(ioc);

    std::vector<HttpResponse> done;
    HttpRequest request;
    request.url = url_for(silent.port(), "/");
    request.timeout = 60s;
    for (int i = 0; i < 3; ++i) {
        client.async_request(request, [&](HttpResponse r) { done.push_back(std::move(r)); });
    }
    CHECK(client.in_flight() == 3);
    REQUIRE(run_until(
        ioc, [&] { return silent.accepted() == 3; }, 5s));
    CHECK(done.empty());

    client.stop();
    REQUIRE(run_until(
        ioc, [&] { return done.size() == 3; }, 5s));
    for (const auto& r : done) CHECK(r.error == TransportError::cancelled);
    CHECK(client.in_flight() == 0);

    // Later requests are cancelled at once, but still never inline.
    bool called = false;
    HttpResponse later;
    client.async_request(request, [&](HttpResponse r) {
        called = true;
        later = std::move(r);
    });
    CHECK_FALSE(called);
    REQUIRE(run_until(
        ioc, [&] { return called; }, 5s));
    CHECK(later.error == TransportError::cancelled);
}

TEST_CASE("CurlHttpClient: destroying the client cancels requests in flight",
          "[net][integration]") {
    noctua::net::test::ensure_curl_global();
    asio::io_context ioc;
    RawServer silent(ioc);
    std::optional<HttpResponse> done;
    {
        CurlHttpClient client(ioc);
        HttpRequest request;
        request.url = url_for(silent.port(), "/");
        request.timeout = 60s;
        client.async_request(request, [&](HttpResponse r) { done = std::move(r); });
        REQUIRE(run_until(
            ioc, [&] { return silent.accepted() == 1; }, 5s));
    }
    REQUIRE(run_until(
        ioc, [&] { return done.has_value(); }, 5s));
    CHECK(done->error == TransportError::cancelled);
}

TEST_CASE("CurlHttpClient: 200 concurrent requests on two threads all complete",
          "[net][integration]") {
    noctua::net::test::ensure_curl_global();
    asio::io_context ioc;
    Router router;
    router.add("GET", "/n/{n}", [](const ServerRequest&, const PathParams& p) {
        return ServerResponse::text(200, p.at("n"));
    });
    router.add_async("GET", "/async/{n}",
                     [&](const ServerRequest&, const PathParams& p, Router::Respond respond) {
                         asio::post(ioc, [respond = std::move(respond), n = p.at("n")] {
                             respond(ServerResponse::text(200, n));
                         });
                     });
    HttpServer server(ioc, router, {});
    REQUIRE(server.start());
    CurlHttpClient client(ioc);

    constexpr int kRequests = 200;
    std::atomic<int> ok{0};
    std::atomic<int> finished{0};
    std::atomic<int> mismatched{0};

    auto guard = asio::make_work_guard(ioc);
    std::thread helper([&] { ioc.run(); });
    for (int i = 0; i < kRequests; ++i) {
        HttpRequest request;
        const std::string n = std::to_string(i);
        request.url = url_for(server.port(), (i % 2 == 0 ? "/n/" : "/async/") + n);
        client.async_request(request, [&, n](HttpResponse r) {
            if (r.transport_ok() && r.status == 200) {
                if (r.body == n) {
                    ok.fetch_add(1);
                } else {
                    mismatched.fetch_add(1);
                }
            }
            finished.fetch_add(1);
        });
    }
    const bool all = run_until(
        ioc, [&] { return finished.load() == kRequests; }, 60s);
    server.stop();
    client.stop();
    guard.reset();
    ioc.stop();  // the last step, as in the daemon
    helper.join();

    REQUIRE(all);
    CHECK(ok.load() == kRequests);
    CHECK(mismatched.load() == 0);
    CHECK(client.in_flight() == 0);
}

// Client sockets connected to 127.0.0.1:`port` and established (/proc/net/tcp).
std::size_t established_to(std::uint16_t port) {
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line);  // the header
    std::size_t n = 0;
    char remote[64] = {};
    char state[8] = {};
    while (std::getline(in, line)) {
        if (std::sscanf(line.c_str(), "%*s %*s %63s %7s", remote, state) != 2) continue;
        const std::string_view r(remote);
        const auto colon = r.find(':');
        if (colon == std::string_view::npos || std::string_view(state) != "01") continue;
        if (std::stoul(std::string(r.substr(colon + 1)), nullptr, 16) == port) ++n;
    }
    return n;
}

TEST_CASE("CurlHttpClient: a burst's connections are kept open for the next burst",
          "[net][integration]") {
    // Held answers make each burst need kBurst connections at once; once it ends, every one of
    // them stays in the cache, however few transfers are left running.
    noctua::net::test::ensure_curl_global();
    asio::io_context ioc;
    constexpr std::size_t kBurst = 16;
    std::vector<Router::Respond> held;
    Router router;
    router.add_async("GET", "/held",
                     [&](const ServerRequest&, const PathParams&, Router::Respond respond) {
                         held.push_back(std::move(respond));
                         if (held.size() < kBurst) return;
                         for (auto& r : held) r(ServerResponse::text(200, "ok"));
                         held.clear();
                     });
    HttpServer server(ioc, router, {});
    REQUIRE(server.start());
    CurlHttpClient client(ioc);
    for (int burst = 0; burst < 2; ++burst) {
        std::size_t ok = 0;
        for (std::size_t i = 0; i < kBurst; ++i) {
            HttpRequest request;
            request.url = url_for(server.port(), "/held");
            client.async_request(request, [&](HttpResponse r) {
                if (r.transport_ok() && r.status == 200) ++ok;
            });
        }
        REQUIRE(run_until(
            ioc, [&] { return ok == kBurst; }, 10s));
        CHECK(established_to(server.port()) == kBurst);
    }
}

// Opt-in, hidden: exercises curl's threaded resolver (its socketpair is a socket curl makes
// without on_open_socket). Set NOCTUA_TEST_HOSTS_NAMES to names that /etc/hosts maps to
// 127.0.0.1 (so nothing is looked up in DNS), e.g. NOCTUA_TEST_HOSTS_NAMES="vm runsc".
TEST_CASE("CurlHttpClient: host names from /etc/hosts resolve through curl's resolver",
          "[.][net][integration][hosts]") {
    const char* names = std::getenv("NOCTUA_TEST_HOSTS_NAMES");
    if (names == nullptr) {
        WARN("NOCTUA_TEST_HOSTS_NAMES not set; skipped");
        return;
    }
    ServedClient served{"resolved"};
    auto& [ioc, router, server, client] = served;

    std::string list = names;
    std::size_t start = 0;
    while (start < list.size()) {
        auto end = list.find(' ', start);
        auto name = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? list.size() : end + 1;
        if (name.empty()) continue;
        INFO("host " << name);
        HttpRequest request;
        request.url = "http://" + name + ":" + std::to_string(server.port()) + "/";
        auto response = fetch(ioc, client, request);
        REQUIRE(response.transport_ok());
        CHECK(response.body == "resolved");
    }
}
