#pragma once

// Test-only PKI and HTTPS server: a CA, server and client certificates generated at test time
// with OpenSSL's C API into a temp dir, and a Beast server over Asio SSL on 127.0.0.1:0.

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace noctua::testing {

struct KeyPair {
    std::filesystem::path cert;
    std::filesystem::path key;
};

/// Certificates for one test: ca (CA:TRUE), server (127.0.0.1 + localhost, signed by ca, valid
/// 30 days), client (signed by ca), expired (signed by ca, ended yesterday), self_signed, and
/// wrong_host (signed by ca, valid 30 days, for other.example only).
class Pki {
public:
    Pki() {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() / ("noctua-pki-" + std::to_string(rd()));
        std::filesystem::create_directories(dir_);
        ca_key_ = EVP_EC_gen("P-256");
        ca_ = make_cert(ca_key_, "Noctua Test CA", nullptr, nullptr, -1, 3650, true);
        ca_files = write("ca", ca_, ca_key_);
        server = issue("server", "localhost", 0, 30);
        client = issue("client", "noctua-client", 0, 30);
        expired = issue("expired", "localhost", -10, -1);
        wrong_host = issue("wrong_host", "other.example", 0, 30, "DNS:other.example");
        EVP_PKEY* self_key = EVP_EC_gen("P-256");
        X509* self = make_cert(self_key, "localhost", nullptr, nullptr, -1, 30, false);
        self_signed = write("self", self, self_key);
        X509_free(self);
        EVP_PKEY_free(self_key);
    }
    ~Pki() {
        X509_free(ca_);
        EVP_PKEY_free(ca_key_);
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    Pki(const Pki&) = delete;
    Pki& operator=(const Pki&) = delete;

    KeyPair ca_files, server, client, expired, self_signed, wrong_host;
    /// Server certificate's notAfter, Unix seconds (30 days from creation).
    std::int64_t server_not_after = 0;
    /// The expired certificate's notAfter (yesterday).
    std::int64_t expired_not_after = 0;

private:
    static void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (ext == nullptr) throw std::runtime_error("X509V3_EXT_conf_nid");
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }

    X509* make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long from_days,
                    long to_days, bool is_ca, const char* san = "DNS:localhost,IP:127.0.0.1") {
        X509* cert = X509_new();
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial_);
        X509_gmtime_adj(X509_getm_notBefore(cert), from_days * 86400L);
        X509_gmtime_adj(X509_getm_notAfter(cert), to_days * 86400L);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
        X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
        if (is_ca) {
            add_ext(cert, issuer, NID_basic_constraints, "critical,CA:TRUE");
            add_ext(cert, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        } else {
            add_ext(cert, issuer, NID_basic_constraints, "CA:FALSE");
            add_ext(cert, issuer, NID_subject_alt_name, san);
        }
        X509_sign(cert, issuer_key != nullptr ? issuer_key : key, EVP_sha256());
        return cert;
    }

    KeyPair issue(const std::string& name, const char* cn, long from_days, long to_days,
                  const char* san = "DNS:localhost,IP:127.0.0.1") {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert = make_cert(key, cn, ca_, ca_key_, from_days, to_days, false, san);
        std::tm tm{};
        ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm);
        if (name == "server") server_not_after = static_cast<std::int64_t>(::timegm(&tm));
        if (name == "expired") expired_not_after = static_cast<std::int64_t>(::timegm(&tm));
        auto out = write(name, cert, key);
        X509_free(cert);
        EVP_PKEY_free(key);
        return out;
    }

    KeyPair write(const std::string& name, X509* cert, EVP_PKEY* key) {
        KeyPair kp{dir_ / (name + ".crt"), dir_ / (name + ".key")};
        FILE* f = std::fopen(kp.cert.c_str(), "w");
        PEM_write_X509(f, cert);
        std::fclose(f);
        f = std::fopen(kp.key.c_str(), "w");
        PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(f);
        return kp;
    }

    std::filesystem::path dir_;
    EVP_PKEY* ca_key_ = nullptr;
    X509* ca_ = nullptr;
    long serial_ = 0;
};

/// A TCP acceptor on 127.0.0.1:0 whose io_context runs on a thread of its own: the part the
/// servers below share. A server hands each accepted connection to its handler (on that
/// thread) and calls stop() first in its destructor, so that the thread is gone before its own
/// members are.
class LoopbackAcceptor {
public:
    LoopbackAcceptor(const LoopbackAcceptor&) = delete;
    LoopbackAcceptor& operator=(const LoopbackAcceptor&) = delete;

    [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

protected:
    LoopbackAcceptor() {
        acceptor_.open(boost::asio::ip::tcp::v4());
        acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
    }
    ~LoopbackAcceptor() { stop(); }

    /// Accepts connections, each handed to `on_accept`, until stop().
    void run(std::function<void(boost::asio::ip::tcp::socket)> on_accept) {
        on_accept_ = std::move(on_accept);
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }

    /// Closes the acceptor and runs `close_more` on the io thread, then stops it and joins.
    void stop(std::function<void()> close_more = {}) {
        if (!thread_.joinable()) return;
        boost::asio::post(ioc_, [this, close_more = std::move(close_more)] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
            if (close_more) close_more();
        });
        work_.reset();
        ioc_.stop();
        thread_.join();
    }

private:
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
            if (ec) return;
            on_accept_(std::move(s));
            accept();
        });
    }

    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{ioc_.get_executor()};
    boost::asio::ip::tcp::acceptor acceptor_{ioc_};
    std::function<void(boost::asio::ip::tcp::socket)> on_accept_;
    std::thread thread_;
};

/// HTTPS on 127.0.0.1:0 answering every request with 200 and `body`, on its own thread.
/// With `client_ca`, a client certificate signed by it is required.
class TlsHttpServer : public LoopbackAcceptor {
public:
    TlsHttpServer(const KeyPair& server, std::optional<std::filesystem::path> client_ca = {},
                  std::string body = R"({"ok":true})")
        : ctx_(boost::asio::ssl::context::tls_server), body_(std::move(body)) {
        ctx_.use_certificate_chain_file(server.cert.string());
        ctx_.use_private_key_file(server.key.string(), boost::asio::ssl::context::pem);
        if (client_ca) {
            ctx_.load_verify_file(client_ca->string());
            ctx_.set_verify_mode(boost::asio::ssl::verify_peer | boost::asio::ssl::verify_fail_if_no_peer_cert);
        }
        run([this](boost::asio::ip::tcp::socket s) {
            std::make_shared<Session>(std::move(s), ctx_, *this)->start();
        });
    }
    ~TlsHttpServer() { stop(); }
    [[nodiscard]] std::string url(std::string_view path = "/") const {
        return "https://127.0.0.1:" + std::to_string(port()) + std::string(path);
    }
    std::atomic<int> handshakes{0};

private:
    struct Session : std::enable_shared_from_this<Session> {
        Session(boost::asio::ip::tcp::socket s, boost::asio::ssl::context& ctx, TlsHttpServer& srv)
            : stream(std::move(s), ctx), server(srv) {}
        boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream;
        TlsHttpServer& server;
        boost::beast::flat_buffer buffer;
        boost::beast::http::request<boost::beast::http::string_body> req;
        boost::beast::http::response<boost::beast::http::string_body> res;

        void start() {
            stream.async_handshake(boost::asio::ssl::stream_base::server, [self = shared_from_this()](auto ec) {
                if (ec) return;
                ++self->server.handshakes;
                boost::beast::http::async_read(self->stream, self->buffer, self->req,
                                               [self](auto e, std::size_t) { self->on_read(e); });
            });
        }
        void on_read(boost::system::error_code ec) {
            if (ec) return;
            res.result(200);
            res.set(boost::beast::http::field::content_type, "application/json");
            res.keep_alive(false);
            res.body() = server.body_;
            res.prepare_payload();
            boost::beast::http::async_write(stream, res, [self = shared_from_this()](auto, std::size_t) {
                boost::system::error_code ignored;
                self->stream.lowest_layer().close(ignored);
            });
        }
    };

    boost::asio::ssl::context ctx_;
    std::string body_;
};

/// Accepts TCP connections and never answers (nor closes them): the "hangs" case.
class SilentServer : public LoopbackAcceptor {
public:
    SilentServer() {
        run([this](boost::asio::ip::tcp::socket s) { held_.push_back(std::move(s)); });
    }
    ~SilentServer() {
        stop([this] {
            boost::system::error_code ignored;
            for (auto& s : held_) s.close(ignored);
        });
    }

private:
    std::vector<boost::asio::ip::tcp::socket> held_;
};

}  // namespace noctua::testing
