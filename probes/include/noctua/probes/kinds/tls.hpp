#pragma once

#include <string>
#include <vector>

namespace noctua::probes {

/// How a probe's TLS client verifies and identifies itself (`tls_insecure`, `tls_ca_file`,
/// `tls_cert_file`, `tls_key_file`); the http, scenario and tls kinds read these keys.
struct TlsClientOptions {
    bool insecure = false;
    std::string ca_file;    ///< PEM bundle to verify the server with (absolute path)
    std::string cert_file;  ///< client certificate (PEM)
    std::string key_file;   ///< its private key (PEM)
    friend bool operator==(const TlsClientOptions&, const TlsClientOptions&) = default;
};

/// `kind = "tls"`: its own keys of a `[[probes]]` entry: a TLS handshake with `target`, and
/// the certificate's facts for `expect` (docs/configuration.md).
struct TlsOptions {
    std::string target;               ///< "host:port"
    std::vector<std::string> expect;  ///< expressions over cert, latency, phase
    int ip_version = 0;               ///< 0 any, 4 or 6
    TlsClientOptions tls;
    std::string server_name;  ///< `tls_server_name`: SNI and name to verify; default the host
    friend bool operator==(const TlsOptions&, const TlsOptions&) = default;
};

}  // namespace noctua::probes
