#include "noctua/sim/tls_front.hpp"

#include <array>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <spdlog/spdlog.h>

#include "noctua/net/http_server.hpp"

namespace noctua::sim {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

struct PkeyDeleter {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Deleter {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using Cert = std::unique_ptr<X509, X509Deleter>;

constexpr long kDay = 24L * 3600;

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext != nullptr) {
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
}

/// A certificate for `cn` with `san`, valid [now+from, now+to], signed by issuer (or itself).
Cert make_cert(EVP_PKEY* key, const char* cn, const char* san, long from, long to, X509* issuer,
               EVP_PKEY* issuer_key, bool ca, long serial) {
    Cert cert{X509_new()};
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), from);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), to);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("noctua-sim"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509* signer = issuer != nullptr ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    if (ca) {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(cert.get(), signer, NID_subject_alt_name, san);
    }
    X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256());
    return cert;
}

std::string to_pem(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
}

std::unique_ptr<ssl::context> server_context(EVP_PKEY* key, X509* cert) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    SSL_CTX_use_certificate(ctx->native_handle(), cert);
    SSL_CTX_use_PrivateKey(ctx->native_handle(), key);
    return ctx;
}

/// One client connection: TLS handshake, then bytes relayed both ways to the plain port.
class Relay : public std::enable_shared_from_this<Relay> {
public:
    Relay(tcp::socket socket, ssl::context& ctx, std::uint16_t backend_port)
        : tls_(std::move(socket), ctx), backend_(tls_.get_executor()), backend_port_(backend_port) {}

    void start() {
        auto self = shared_from_this();
        tls_.async_handshake(ssl::stream_base::server, [self](boost::system::error_code ec) {
            if (ec) return;  // the fault did its job, or the client gave up
            self->backend_.async_connect(
                tcp::endpoint(asio::ip::address_v4::loopback(), self->backend_port_),
                [self](boost::system::error_code ec2) {
                    if (ec2) return self->close();
                    pump(self, self->tls_, self->backend_, self->up_);    // client -> backend
                    pump(self, self->backend_, self->tls_, self->down_);  // backend -> client
                });
        });
    }

private:
    using Buffer = std::array<char, 16 * 1024>;

    // Relays what `from` reads to `to` through `buffer` until either side fails, then closes
    // both. `from`, `to` and `buffer` are members of `self`, which the handlers keep alive.
    template <class From, class To>
    static void pump(const std::shared_ptr<Relay>& self, From& from, To& to, Buffer& buffer) {
        from.async_read_some(
            asio::buffer(buffer),
            [self, &from, &to, &buffer](boost::system::error_code ec, std::size_t n) {
                if (ec) return self->close();
                asio::async_write(
                    to, asio::buffer(buffer.data(), n),
                    [self, &from, &to, &buffer](boost::system::error_code ec2, std::size_t) {
                        if (ec2) return self->close();
                        pump(self, from, to, buffer);
                    });
            });
    }
    void close() {
        boost::system::error_code ignored;
        backend_.close(ignored);
        tls_.lowest_layer().close(ignored);
    }

    ssl::stream<tcp::socket> tls_;
    tcp::socket backend_;
    std::uint16_t backend_port_;
    Buffer up_{};
    Buffer down_{};
};

}  // namespace

struct TlsFront::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, Options o, FaultLookup l)
        : ioc(io), options(std::move(o)), lookup(std::move(l)), acceptor(io) {}

    asio::io_context& ioc;
    Options options;
    FaultLookup lookup;
    tcp::acceptor acceptor;
    std::string ca_pem;
    // Index by TlsMode; `healthy` is the listening context whose SNI callback switches.
    std::unique_ptr<ssl::context> healthy, expired, self_signed, wrong_host;
    bool stopped = false;

    static int on_sni(SSL* s, int* alert, void* arg) {
        auto* self = static_cast<Impl*>(arg);
        const char* host = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
        if (host == nullptr) return SSL_TLSEXT_ERR_OK;
        std::string_view h{host};
        constexpr std::string_view kSuffix = ".localhost";
        if (h.size() <= kSuffix.size() || !h.ends_with(kSuffix)) return SSL_TLSEXT_ERR_OK;
        auto fault = self->lookup(h.substr(0, h.size() - kSuffix.size()));
        if (!fault) return SSL_TLSEXT_ERR_OK;
        switch (*fault) {
            case TlsMode::expired: SSL_set_SSL_CTX(s, self->expired->native_handle()); break;
            case TlsMode::self_signed: SSL_set_SSL_CTX(s, self->self_signed->native_handle()); break;
            case TlsMode::wrong_host: SSL_set_SSL_CTX(s, self->wrong_host->native_handle()); break;
            case TlsMode::handshake:
                *alert = SSL_AD_HANDSHAKE_FAILURE;
                return SSL_TLSEXT_ERR_ALERT_FATAL;
        }
        return SSL_TLSEXT_ERR_OK;
    }

    void make_certificates() {
        Pkey ca_key{EVP_EC_gen("P-256")};
        Pkey key{EVP_EC_gen("P-256")};
        Pkey rogue_key{EVP_EC_gen("P-256")};
        Cert ca = make_cert(ca_key.get(), "noctua-sim CA", nullptr, -kDay, 365 * kDay, nullptr,
                            nullptr, true, 1);
        std::string san_text = "DNS:localhost,IP:127.0.0.1";
        for (const auto& id : options.provider_ids) san_text += ",DNS:" + id + ".localhost";
        const char* san = san_text.c_str();
        Cert good = make_cert(key.get(), "localhost", san, -kDay, 90 * kDay, ca.get(),
                              ca_key.get(), false, 2);
        Cert old = make_cert(key.get(), "localhost", san, -60 * kDay, -kDay, ca.get(),
                             ca_key.get(), false, 3);
        Cert other = make_cert(key.get(), "wrong.example", "DNS:wrong.example", -kDay,
                               90 * kDay, ca.get(), ca_key.get(), false, 4);
        Cert rogue = make_cert(rogue_key.get(), "localhost", san, -kDay, 90 * kDay, nullptr,
                               nullptr, false, 5);
        ca_pem = to_pem(ca.get());
        healthy = server_context(key.get(), good.get());
        expired = server_context(key.get(), old.get());
        wrong_host = server_context(key.get(), other.get());
        self_signed = server_context(rogue_key.get(), rogue.get());
        // The macro SSL_CTX_set_tlsext_servername_callback casts old-style; spell it out.
        SSL_CTX_callback_ctrl(healthy->native_handle(), SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                              reinterpret_cast<void (*)()>(&Impl::on_sni));
        SSL_CTX_set_tlsext_servername_arg(healthy->native_handle(), this);
    }

    void do_accept() {
        acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                          tcp::socket socket) {
            if (self->stopped) return;
            if (!ec) {
                std::make_shared<Relay>(std::move(socket), *self->healthy,
                                        self->options.backend_port)
                    ->start();
            }
            self->do_accept();
        });
    }
};

TlsFront::TlsFront(asio::io_context& ioc, Options options, FaultLookup lookup)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(lookup))) {}

TlsFront::~TlsFront() { stop(); }

core::Result<void> TlsFront::start() {
    auto addr = net::parse_listen_address(impl_->options.listen);
    if (!addr) return std::unexpected(addr.error());
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(addr->first == "localhost" ? "127.0.0.1" : addr->first, ec);
    if (ec) return core::fail(core::Errc::invalid_argument, "tls listen: " + ec.message());
    impl_->make_certificates();
    tcp::endpoint ep{ip, addr->second};
    impl_->acceptor.open(ep.protocol(), ec);
    if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) impl_->acceptor.bind(ep, ec);
    if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return core::fail(core::Errc::unavailable, "tls listen " + impl_->options.listen + ": " + ec.message());
    impl_->do_accept();
    return {};
}

std::uint16_t TlsFront::port() const {
    boost::system::error_code ec;
    auto ep = impl_->acceptor.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

const std::string& TlsFront::ca_pem() const { return impl_->ca_pem; }

void TlsFront::stop() {
    if (!impl_ || impl_->stopped) return;
    impl_->stopped = true;
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
}

}  // namespace noctua::sim
