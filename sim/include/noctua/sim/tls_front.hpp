#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "noctua/core/result.hpp"
#include "noctua/sim/fault.hpp"

namespace noctua::sim {

/// TLS in front of the simulator's plain HTTP port, so probes can meet real TLS failures.
///
/// At start it makes a CA and, signed by it, a certificate for localhost, <id>.localhost and
/// 127.0.0.1 (plus an expired one and one for the wrong host), and a self-signed certificate.
/// A client names the provider through SNI: `https://acme.localhost:PORT/acme/...` (libcurl
/// resolves *.localhost to loopback itself). When that provider has a `tls_error` fault the
/// handshake presents the faulty certificate or fails; otherwise it succeeds and the bytes are
/// relayed to the plain listener. Trust the CA through ca_pem() / --tls-ca-out.
///
/// Executor: the io_context it is given (the simulator runs it on one thread).
class TlsFront {
public:
    /// Which TLS fault, if any, provider `id` has now. Called during handshakes.
    using FaultLookup = std::function<std::optional<TlsMode>(std::string_view provider_id)>;

    struct Options {
        std::string listen = "127.0.0.1:0";
        std::uint16_t backend_port = 0;  ///< the plain HTTP listener on 127.0.0.1
        /// Providers named in the certificates as <id>.localhost (TLS clients do not accept a
        /// wildcard directly under a top-level name such as *.localhost).
        std::vector<std::string> provider_ids;
    };

    TlsFront(boost::asio::io_context& ioc, Options options, FaultLookup lookup);
    ~TlsFront();
    TlsFront(const TlsFront&) = delete;
    TlsFront& operator=(const TlsFront&) = delete;

    /// Makes the certificates, binds and starts accepting.
    [[nodiscard]] core::Result<void> start();
    [[nodiscard]] std::uint16_t port() const;
    /// The CA certificate (PEM) that signs the healthy, expired and wrong-host certificates.
    [[nodiscard]] const std::string& ca_pem() const;
    /// Stops accepting; open relays finish on their own.
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace noctua::sim
