#pragma once

// What failed when a TLS peer's certificate did not verify, shared by the http (libcurl) and
// tls (Asio) probes so that both say it alike. Uses OpenSSL's verify codes: include it only
// from targets that link OpenSSL (through noctua::asio).

#include <string_view>

#include <openssl/x509_vfy.h>

namespace noctua::core {

/// The class of an OpenSSL certificate verification result, in the words an operator acts
/// on: "expired", "not yet valid", "self-signed", "unknown CA", "hostname mismatch", or
/// "untrusted" for any other failure; "" for X509_V_OK.
[[nodiscard]] inline std::string_view tls_verify_failure(long verify_result) {
    switch (verify_result) {
        case X509_V_OK: return "";
        case X509_V_ERR_CERT_HAS_EXPIRED: return "expired";
        case X509_V_ERR_CERT_NOT_YET_VALID: return "not yet valid";
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: return "self-signed";
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return "unknown CA";
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH: return "hostname mismatch";
        default: return "untrusted";
    }
}

}  // namespace noctua::core
