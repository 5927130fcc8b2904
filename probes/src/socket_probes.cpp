// The `tcp` (connect) and `tls` (handshake, certificate expiry and issuer) probe kinds, on
// Asio sockets of the context's executor. Every run has a deadline timer; whatever happens
// first (completion, error, deadline) ends it, once.
#include <memory>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>

#include "eval.hpp"
#include "kind_parse.hpp"
#include "kinds.hpp"
#include "noctua/probes/kinds/tcp.hpp"
#include "noctua/probes/kinds/tls.hpp"
#include "noctua/core/tls_verify.hpp"

namespace noctua::probes {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::pair<std::string, std::string> split_target(const std::string& target) {
    // "host:port" or "[v6]:port" (validated by config).
    const auto colon = target.rfind(':');
    std::string host = target.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    return {host, target.substr(colon + 1)};
}

std::string name_text(X509_NAME* name) {
    if (name == nullptr) return {};
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr) return {};
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(std::max(0L, len)));
    BIO_free(bio);
    return out;
}

core::TlsCertificate certificate_of(X509* cert) {
    core::TlsCertificate out;
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) out.not_after = static_cast<std::int64_t>(::timegm(&tm));
    out.issuer = name_text(X509_get_issuer_name(cert));
    out.subject = name_text(X509_get_subject_name(cert));
    return out;
}

/// One run of a tcp or tls probe. Owns its sockets and timer; handlers hold it by shared_ptr.
struct Run : std::enable_shared_from_this<Run> {
    Run(asio::any_io_executor ex, const config::ProbeConfig& c, const TlsOptions& o,
        std::shared_ptr<ssl::context> tls, const std::vector<detail::Program>& checks,
        const core::Clock& now, Probe::Done d)
        : config(c), options(o), resolver(ex), socket(ex), timer(ex), tls_ctx(std::move(tls)), expect(checks),
          clock(now), done(std::move(d)) {}

    const config::ProbeConfig& config;
    const TlsOptions& options;  // a tcp probe's with no TLS
    tcp::resolver resolver;
    tcp::socket socket;
    std::unique_ptr<ssl::stream<tcp::socket&>> stream;
    asio::steady_timer timer;
    std::shared_ptr<ssl::context> tls_ctx;
    const std::vector<detail::Program>& expect;
    const core::Clock& clock;
    Probe::Done done;
    Clock::time_point start = Clock::now();
    core::TimePoint started{};
    core::HttpResponse seen;  // timings and certificate, for `expect`
    std::string server_name;  // the name the certificate must be valid for
    bool finished = false;

    void begin() {
        started = clock.now();
        timer.expires_after(config.timeout);
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || self->finished) return;
            self->fail("timeout", fmt::format("timeout: no answer within {}", core::format_duration(self->config.timeout)));
        });
        auto [host, port] = split_target(options.target);
        const auto flags = options.ip_version == 4 ? tcp::v4() : tcp::v6();
        auto on_resolve = [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type results) {
            self->on_resolved(ec, std::move(results));
        };
        if (options.ip_version == 0) {
            resolver.async_resolve(host, port, std::move(on_resolve));
        } else {
            resolver.async_resolve(flags, host, port, std::move(on_resolve));
        }
    }

    void on_resolved(boost::system::error_code ec, tcp::resolver::results_type results) {
        if (finished) return;
        seen.timings.dns = since(start);
        if (ec) {
            fail("dns", fmt::format("dns: cannot resolve {}: {}", split_target(options.target).first, ec.message()));
            return;
        }
        asio::async_connect(socket, results, [self = shared_from_this()](boost::system::error_code e, const tcp::endpoint&) {
            self->on_connected(e);
        });
    }

    void on_connected(boost::system::error_code ec) {
        if (finished) return;
        seen.timings.connect = since(start);
        if (ec) {
            fail("connect", fmt::format("connect: {}: {}", options.target, ec.message()));
            return;
        }
        if (!tls_ctx) {
            succeed();
            return;
        }
        stream = std::make_unique<ssl::stream<tcp::socket&>>(socket, *tls_ctx);
        SSL* handle = stream->native_handle();
        server_name =
            options.server_name.empty() ? split_target(options.target).first : options.server_name;
        boost::system::error_code not_ip;
        // SNI is for names only; an IP address is sent without it (RFC 6066 §3).
        (void)asio::ip::make_address(server_name, not_ip);
        // SSL_set_tlsext_host_name is a macro with an old-style cast.
        if (not_ip) {
            SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(server_name.c_str()));
        }
        if (!options.tls.insecure) {
            stream->set_verify_mode(ssl::verify_peer);
            // OpenSSL checks the name itself, so a mismatch is reported as one
            // (X509_V_ERR_HOSTNAME_MISMATCH), not as an unspecified failure.
            if (not_ip) {
                SSL_set1_host(handle, server_name.c_str());
            } else {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), server_name.c_str());
            }
        } else {
            stream->set_verify_mode(ssl::verify_none);
        }
        // Records the leaf the server presented before the verdict: a certificate that fails
        // verification is still reported (its expiry above all). Runs within the handshake,
        // while this Run is alive; changes no verdict.
        stream->set_verify_callback([this](bool preverified, ssl::verify_context& ctx) {
            if (!seen.certificate) {
                if (X509* leaf = X509_STORE_CTX_get0_cert(ctx.native_handle())) {
                    seen.certificate = certificate_of(leaf);
                }
            }
            return preverified;
        });
        stream->async_handshake(ssl::stream_base::client, [self = shared_from_this()](boost::system::error_code e) {
            self->on_handshake(e);
        });
    }

    void on_handshake(boost::system::error_code ec) {
        if (finished) return;
        seen.timings.tls = since(start);
        if (X509* peer = SSL_get_peer_certificate(stream->native_handle())) {
            seen.certificate = certificate_of(peer);  // the same leaf, after the handshake
            X509_free(peer);
        }
        if (ec) {
            std::string why = ec.message();
            const long verify = SSL_get_verify_result(stream->native_handle());
            if (const auto what = core::tls_verify_failure(verify); !what.empty()) {
                why = fmt::format("certificate verification failed ({}): {}", what,
                                  what == "hostname mismatch"
                                      ? fmt::format("certificate is not valid for {}", server_name)
                                      : std::string(X509_verify_cert_error_string(verify)));
            }
            fail("tls", fmt::format("tls: handshake with {} failed: {}", options.target, why));
            return;
        }
        succeed();
    }

    void succeed() {
        seen.timings.total = since(start);
        seen.timings.first_byte = 0;
        ProbeResult r = result();
        const detail::ResponseScope scope(seen, clock.now());
        r.success = true;
        for (const auto& e : expect) {
            if (auto why = e.check(scope)) {
                r.success = false;
                r.failure_reason = "assertion";
                r.message = *why;
                break;
            }
        }
        finish(std::move(r));
    }

    void fail(std::string reason, std::string message) {
        if (finished) return;
        seen.timings.total = since(start);
        ProbeResult r = result();
        r.failure_reason = std::move(reason);
        r.message = std::move(message);
        finish(std::move(r));
    }

    ProbeResult result() const {
        auto r = ProbeResult::of(
            config, started,
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start));
        r.timings = seen.timings;
        r.certificate = seen.certificate;
        return r;
    }

    void finish(ProbeResult r) {
        finished = true;
        timer.cancel();
        resolver.cancel();
        boost::system::error_code ignored;
        socket.close(ignored);  // no TLS close_notify: the check is done, the peer may linger
        auto d = std::move(done);
        d(std::move(r));
    }
};

class SocketProbe final : public Probe {
public:
    SocketProbe(config::ProbeConfig c, TlsOptions options, ProbeContext& ctx,
                std::shared_ptr<ssl::context> tls, std::vector<detail::Program> expect)
        : config_(std::move(c)), options_(std::move(options)), ctx_(ctx), tls_(std::move(tls)),
          expect_(std::move(expect)) {}

    // Probe
    const config::ProbeConfig& config() const override { return config_; }
    void async_run(Done done) override {
        auto run = std::make_shared<Run>(ctx_.executor, config_, options_, tls_, expect_, ctx_.clock,
                                         std::move(done));
        run->begin();
    }

private:
    config::ProbeConfig config_;
    TlsOptions options_;
    ProbeContext ctx_;
    std::shared_ptr<ssl::context> tls_;
    std::vector<detail::Program> expect_;
};

core::Result<std::vector<detail::Program>> compile(const std::vector<std::string>& expect) {
    std::vector<detail::Program> out;
    for (const auto& e : expect) {
        auto p = detail::Program::compile(e);
        if (!p) return std::unexpected(p.error());
        out.push_back(std::move(*p));
    }
    return out;
}

core::Result<std::shared_ptr<ssl::context>> tls_context(const TlsClientOptions& c) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    if (!c.ca_file.empty()) {
        ctx->load_verify_file(c.ca_file, ec);
    } else {
        ctx->set_default_verify_paths(ec);
    }
    if (ec) return core::fail(core::Errc::invalid_argument, "tls_ca_file: " + ec.message());
    if (!c.cert_file.empty()) {
        ctx->use_certificate_chain_file(c.cert_file, ec);
        if (!ec) ctx->use_private_key_file(c.key_file.empty() ? c.cert_file : c.key_file, ssl::context::pem, ec);
        if (ec) return core::fail(core::Errc::invalid_argument, "tls client certificate: " + ec.message());
    }
    return ctx;
}

constexpr std::string_view kTcpKeys[] = {"expect", "ip_version", "target"};
constexpr std::string_view kTlsKeys[] = {"expect",        "ip_version",   "target",
                                         "tls_ca_file",   "tls_cert_file", "tls_insecure",
                                         "tls_key_file",  "tls_server_name"};
constexpr std::string_view kTcpRoots[] = {"latency", "phase"};
constexpr std::string_view kTlsRoots[] = {"cert", "latency", "phase"};

/// The tcp and tls kinds: a connect, and for tls a handshake, to `target`.
class SocketFactory final : public ProbeFactory {
public:
    explicit SocketFactory(bool tls) : tls_(tls) {}

    // ProbeFactory
    std::string_view kind() const override { return tls_ ? "tls" : "tcp"; }
    std::span<const std::string_view> keys() const override {
        return tls_ ? std::span<const std::string_view>(kTlsKeys) : kTcpKeys;
    }
    config::KindOptions parse(const config::Section& s, const config::ProbeConfig& /*common*/,
                              const config::ProviderConfig* /*provider*/) const override {
        if (!tls_) {
            TcpOptions out;
            detail::read_target(s, out.target);
            detail::read_expect(s, kTcpRoots, nullptr, out.expect);
            detail::read_ip_version(s, out.ip_version);
            return config::KindOptions::of(std::move(out));
        }
        TlsOptions out;
        detail::read_target(s, out.target);
        detail::read_expect(s, kTlsRoots, nullptr, out.expect);
        detail::read_ip_version(s, out.ip_version);
        detail::read_tls_client(s, out.tls);
        s.read_string("tls_server_name", out.server_name);
        return config::KindOptions::of(std::move(out));
    }
    core::Result<std::unique_ptr<Probe>> create(config::ProbeConfig c, ProbeContext& ctx) const override {
        if (!ctx.executor) return core::fail(core::Errc::invalid_argument, "tcp/tls probes need an executor");
        TlsOptions options;
        if (tls_) {
            options = c.options.get<TlsOptions>();
        } else {
            const auto& plain = c.options.get<TcpOptions>();
            options.target = plain.target;
            options.expect = plain.expect;
            options.ip_version = plain.ip_version;
        }
        auto expect = compile(options.expect);
        if (!expect) return std::unexpected(expect.error());
        std::shared_ptr<ssl::context> context;
        if (tls_) {
            auto made = tls_context(options.tls);
            if (!made) return std::unexpected(made.error());
            context = std::move(*made);
        }
        return std::make_unique<SocketProbe>(std::move(c), std::move(options), ctx,
                                             std::move(context), std::move(*expect));
    }

private:
    bool tls_;
};

}  // namespace

std::unique_ptr<ProbeFactory> make_tcp_factory() { return std::make_unique<SocketFactory>(false); }
std::unique_ptr<ProbeFactory> make_tls_factory() { return std::make_unique<SocketFactory>(true); }

}  // namespace noctua::probes
