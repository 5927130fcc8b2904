// The simulator's TLS front: per-provider certificate faults chosen by SNI, relayed to a plain
// HTTP backend. A blocking libcurl client on the test thread; servers on an io thread.
#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <thread>

#include <curl/curl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/executor_work_guard.hpp>

#include "noctua/net/http_server.hpp"
#include "noctua/sim/tls_front.hpp"

using namespace noctua;

namespace {

struct Outcome {
    CURLcode code = CURLE_OK;
    long verify_result = 0;
    long status = 0;
    std::string body;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

Outcome fetch(const std::string& url, const std::string& ca_pem) {
    Outcome o;
    CURL* h = curl_easy_init();
    curl_blob ca{const_cast<char*>(ca_pem.data()), ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &o.body);
    o.code = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &o.verify_result);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &o.status);
    curl_easy_cleanup(h);
    return o;
}

}  // namespace

TEST_CASE("TlsFront: healthy providers pass TLS, faulty ones fail the way they should",
          "[sim][integration]") {
    boost::asio::io_context ioc;
    auto work = boost::asio::make_work_guard(ioc);
    net::Router router;
    router.add("GET", "/acme/accounts/balance", [](const core::ServerRequest&, const net::PathParams&) {
        return core::ServerResponse::json(200, R"({"balance":1})");
    });
    net::HttpServer backend{ioc, router, {}};
    REQUIRE(backend.start().has_value());

    std::mutex mu;
    std::map<std::string, sim::TlsMode, std::less<>> faults;  // guarded by mu
    sim::TlsFront front{ioc, {"127.0.0.1:0", backend.port(), {"acme", "zeta"}},
                        [&](std::string_view id) -> std::optional<sim::TlsMode> {
                            std::lock_guard lock(mu);
                            auto it = faults.find(id);
                            if (it == faults.end()) return std::nullopt;
                            return it->second;
                        }};
    REQUIRE(front.start().has_value());
    REQUIRE(front.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    std::thread io([&] { ioc.run(); });
    auto set_fault = [&](std::optional<sim::TlsMode> m) {
        std::lock_guard lock(mu);
        if (m) faults["acme"] = *m; else faults.erase("acme");
    };
    const auto url = "https://acme.localhost:" + std::to_string(front.port()) + "/acme/accounts/balance";

    auto ok = fetch(url, front.ca_pem());
    CHECK(ok.code == CURLE_OK);
    CHECK(ok.status == 200);
    CHECK(ok.body == R"({"balance":1})");

    set_fault(sim::TlsMode::expired);
    auto expired = fetch(url, front.ca_pem());
    CHECK(expired.code == CURLE_PEER_FAILED_VERIFICATION);
    CHECK(expired.verify_result == X509_V_ERR_CERT_HAS_EXPIRED);

    set_fault(sim::TlsMode::self_signed);
    auto self_signed = fetch(url, front.ca_pem());
    CHECK(self_signed.code == CURLE_PEER_FAILED_VERIFICATION);
    CHECK(self_signed.verify_result == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);

    set_fault(sim::TlsMode::wrong_host);
    CHECK(fetch(url, front.ca_pem()).code == CURLE_PEER_FAILED_VERIFICATION);

    set_fault(sim::TlsMode::handshake);
    CHECK(fetch(url, front.ca_pem()).code == CURLE_SSL_CONNECT_ERROR);

    // The fault is per provider: another name on the same port is unaffected.
    auto other = fetch("https://zeta.localhost:" + std::to_string(front.port()) + "/nope", front.ca_pem());
    CHECK(other.code == CURLE_OK);
    CHECK(other.status == 404);

    set_fault(std::nullopt);
    CHECK(fetch(url, front.ca_pem()).status == 200);

    front.stop();
    backend.stop();
    work.reset();
    ioc.stop();
    io.join();
}
