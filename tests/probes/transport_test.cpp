// http (through the real libcurl client), tcp and tls kinds against loopback servers: TLS with a
// CA generated at test time, client certificates, insecure mode, expired and self-signed
// certificates, and the bad-input cases (silent servers, endless bodies, redirect loops).
#include <catch2/catch.hpp>

#include <optional>

#include "noctua/net/curl_client.hpp"
#include "noctua/probes/auth.hpp"
#include "noctua/probes/kinds/http.hpp"
#include "noctua/probes/kinds/tcp.hpp"
#include "noctua/probes/kinds/tls.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"
#include "probe_runner.hpp"
#include "tls_support.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

using Fixture = testing::ProbeRunner<>;

/// A probe as these tests vary it, whatever its kind (http, tcp or tls); it converts to the
/// probe's config with the kind's options built from these fields.
struct Draft {
    std::string kind = "http";
    std::string url;     // http
    std::string target;  // tcp, tls
    core::Duration timeout = 5s;
    std::vector<std::string> expect;
    std::string tls_ca_file, tls_cert_file, tls_key_file;
    bool tls_insecure = false;
    std::string tls_server_name;  // tls
    std::size_t max_response_bytes = 1024 * 1024;
    bool follow_redirects = false;
    int max_redirects = 5;

    operator config::ProbeConfig() const {  // NOLINT(google-explicit-constructor)
        config::ProbeConfig c;
        c.id = kind == "http" ? "p" : "s";
        c.provider = "acme";
        c.kind = kind;
        c.timeout = timeout;
        c.jitter = 0ms;
        const probes::TlsClientOptions tls{tls_insecure, tls_ca_file, tls_cert_file, tls_key_file};
        if (kind == "http") {
            probes::HttpOptions o;
            o.url = url;
            o.expect = expect;
            o.transport.tls = tls;
            o.transport.max_response_bytes = max_response_bytes;
            o.transport.follow_redirects = follow_redirects;
            o.transport.max_redirects = max_redirects;
            c.options = config::KindOptions::of(std::move(o));
        } else if (kind == "tls") {
            c.options = config::KindOptions::of(probes::TlsOptions{target, expect, 0, tls,
                                                                   tls_server_name});
        } else {
            c.options = config::KindOptions::of(probes::TcpOptions{target, expect, 0});
        }
        return c;
    }
};

Draft http_probe(std::string url) {
    Draft c;
    c.url = std::move(url);
    return c;
}

Draft socket_probe(std::string kind, std::uint16_t port) {
    Draft c;
    c.kind = std::move(kind);
    c.target = "127.0.0.1:" + std::to_string(port);
    return c;
}

}  // namespace

TEST_CASE("http over TLS: custom CA, certificate expiry and issuer", "[probes][integration]") {
    testing::Pki pki;
    testing::TlsHttpServer server(pki.server);
    Fixture f;
    auto c = http_probe(server.url("/balance"));
    c.tls_ca_file = pki.ca_files.cert.string();
    c.expect = {"cert.expires_in > 14d", "cert.issuer contains 'Noctua Test CA'", "body.ok == true"};
    auto r = f.run(c);
    INFO(r.message);
    REQUIRE(r.success);
    REQUIRE(r.certificate.has_value());
    CHECK(r.certificate->not_after == pki.server_not_after);
    CHECK(r.timings.tls > 0);
    const auto ph = probes::phases(r.timings);
    CHECK(ph.tls > 0);

    c.expect = {"cert.expires_in > 60d"};
    r = f.run(c);
    CHECK(r.failure_reason == "assertion");
    CHECK_THAT(r.message, Catch::StartsWith("cert.expires_in > 60d: cert.expires_in is "));

    SECTION("without the CA the server is not trusted") {
        c.tls_ca_file.clear();
        c.expect.clear();
        r = f.run(c);
        CHECK(r.failure_reason == "tls");
    }
}

TEST_CASE("http over TLS: expired and self-signed certificates fail as tls; insecure passes",
          "[probes][integration]") {
    testing::Pki pki;
    Fixture f;
    {
        testing::TlsHttpServer server(pki.expired);
        auto c = http_probe(server.url());
        c.tls_ca_file = pki.ca_files.cert.string();
        auto r = f.run(c);
        CHECK(r.failure_reason == "tls");
        CHECK_THAT(r.message, Catch::Contains("expired"));
    }
    {
        testing::TlsHttpServer server(pki.self_signed);
        auto c = http_probe(server.url());
        c.tls_ca_file = pki.ca_files.cert.string();
        CHECK(f.run(c).failure_reason == "tls");
        c.tls_insecure = true;
        auto r = f.run(c);
        INFO(r.message);
        CHECK(r.success);
    }
}

TEST_CASE("http over TLS: a client certificate when the server requires one", "[probes][integration]") {
    testing::Pki pki;
    testing::TlsHttpServer server(pki.server, pki.ca_files.cert);
    Fixture f;
    auto c = http_probe(server.url());
    c.tls_ca_file = pki.ca_files.cert.string();
    auto r = f.run(c);
    CHECK_FALSE(r.success);
    c.tls_cert_file = pki.client.cert.string();
    c.tls_key_file = pki.client.key.string();
    r = f.run(c);
    INFO(r.message);
    CHECK(r.success);
}

TEST_CASE("http: bad targets fail with their reason, never past the timeout", "[probes][integration]") {
    Fixture f;
    SECTION("nothing listens") {
        auto r = f.run(http_probe("http://127.0.0.1:1/"));
        CHECK(r.failure_reason == "connect");
    }
    SECTION("a server that accepts and never answers") {
        testing::SilentServer silent;
        auto c = http_probe("http://127.0.0.1:" + std::to_string(silent.port()) + "/");
        c.timeout = 300ms;
        const auto t0 = std::chrono::steady_clock::now();
        auto r = f.run(c);
        CHECK(r.failure_reason == "timeout");
        CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    }
    SECTION("endless bodies, redirect loops, invalid JSON") {
        testing::LoopbackHttpServer server;
        server.router.add("GET", "/big", [](const core::ServerRequest&, const net::PathParams&) {
            return core::ServerResponse::text(200, std::string(256 * 1024, 'x'));
        });
        server.router.add("GET", "/loop", [](const core::ServerRequest&, const net::PathParams&) {
            auto r = core::ServerResponse::text(302, "");
            r.headers.emplace_back("Location", "/loop");
            return r;
        });
        server.router.add("GET", "/json", [](const core::ServerRequest&, const net::PathParams&) {
            return core::ServerResponse::json(200, "{\"balance\": 12,");
        });
        server.start();
        auto c = http_probe(server.url("/big"));
        c.max_response_bytes = 1024;
        CHECK(f.run(c).failure_reason == "body_too_large");
        c = http_probe(server.url("/loop"));
        c.follow_redirects = true;
        c.max_redirects = 3;
        CHECK(f.run(c).failure_reason == "redirect");
        c = http_probe(server.url("/json"));
        c.expect = {"body.balance > 0"};
        auto r = f.run(c);
        CHECK(r.failure_reason == "assertion");
        CHECK_THAT(r.message, Catch::Contains("not valid JSON"));
    }
}

TEST_CASE("tcp probe: connects, or fails with connect", "[probes][integration]") {
    testing::SilentServer server;
    Fixture f;
    auto c = socket_probe("tcp", server.port());
    c.expect = {"phase.connect < 5s"};
    auto r = f.run(c);
    INFO(r.message);
    CHECK(r.success);
    CHECK(r.timings.connect > 0);
    // A loopback connect takes microseconds: the duration must not round down to 0 ms.
    CHECK(r.duration.count() > 0);
    r = f.run(socket_probe("tcp", 1));
    CHECK(r.failure_reason == "connect");
}

TEST_CASE("tls probe: handshake, expiry, issuer; bad certificates and silent servers",
          "[probes][integration]") {
    testing::Pki pki;
    Fixture f;
    {
        testing::TlsHttpServer server(pki.server);
        auto c = socket_probe("tls", server.port());
        c.tls_ca_file = pki.ca_files.cert.string();
        c.expect = {"cert.expires_in > 14d", "cert.issuer == 'CN=Noctua Test CA'"};
        auto r = f.run(c);
        INFO(r.message);
        CHECK(r.success);
        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->not_after == pki.server_not_after);
        CHECK(r.certificate->subject == "CN=localhost");
        // The name checked is the target's host unless tls_server_name says otherwise.
        c.tls_server_name = "other.example";
        CHECK(f.run(c).failure_reason == "tls");
    }
    {
        testing::TlsHttpServer server(pki.expired);
        auto c = socket_probe("tls", server.port());
        c.tls_ca_file = pki.ca_files.cert.string();
        auto r = f.run(c);
        CHECK(r.failure_reason == "tls");
        CHECK_THAT(r.message, Catch::Contains("expired"));
        // Insecure: the handshake passes, the expiry assertion still catches it.
        c.tls_insecure = true;
        c.expect = {"cert.expires_in > 0s"};
        r = f.run(c);
        CHECK(r.failure_reason == "assertion");
    }
    {
        testing::SilentServer silent;
        auto c = socket_probe("tls", silent.port());
        c.timeout = 300ms;
        auto r = f.run(c);
        CHECK(r.failure_reason == "timeout");
    }
}

TEST_CASE("TLS probes report the certificate presented when it fails verification, and say "
          "what failed",
          "[probes][integration]") {
    testing::Pki pki;
    Fixture f;
    struct Fault {
        const char* what;
        const testing::KeyPair* cert;
        bool our_ca;  // false: the system's CAs, which do not know the test CA
    };
    const Fault faults[] = {
        {"expired", &pki.expired, true},
        {"self-signed", &pki.self_signed, true},
        {"unknown CA", &pki.server, false},
        {"hostname mismatch", &pki.wrong_host, true},
    };
    for (const auto& fault : faults) {
        testing::TlsHttpServer server(*fault.cert);
        for (const std::string kind : {"http", "tls"}) {
            auto c = kind == "http" ? http_probe(server.url()) : socket_probe("tls", server.port());
            if (fault.our_ca) c.tls_ca_file = pki.ca_files.cert.string();
            auto r = f.run(c);
            INFO(kind << " against " << fault.what << ": " << r.message);
            CHECK(r.failure_reason == "tls");
            CHECK_THAT(r.message, Catch::Contains(std::string("certificate verification failed (") +
                                                  fault.what + ")"));
            // What the server presented, though it failed: its expiry is what to alert on.
            REQUIRE(r.certificate.has_value());
            if (fault.cert == &pki.expired) CHECK(r.certificate->not_after == pki.expired_not_after);
            if (fault.cert == &pki.server) CHECK(r.certificate->not_after == pki.server_not_after);
            CHECK_THAT(r.certificate->subject,
                       Catch::Contains(fault.cert == &pki.wrong_host ? "other.example" : "localhost"));
            // The same fields as for a certificate that passes (insecure runs skip the checks).
            c.tls_insecure = true;
            auto insecure = f.run(c);
            INFO(insecure.message);
            CHECK(insecure.success);
            REQUIRE(insecure.certificate.has_value());
            CHECK(insecure.certificate->not_after == r.certificate->not_after);
            CHECK(insecure.certificate->subject == r.certificate->subject);
            CHECK(insecure.certificate->issuer == r.certificate->issuer);
        }
    }
    {
        // The tls kind names the host it checked.
        testing::TlsHttpServer server(pki.server);
        auto c = socket_probe("tls", server.port());
        c.tls_ca_file = pki.ca_files.cert.string();
        c.tls_server_name = "other.example";
        auto r = f.run(c);
        CHECK_THAT(r.message, Catch::Contains("hostname mismatch") &&
                                  Catch::Contains("certificate is not valid for other.example"));
    }
}
