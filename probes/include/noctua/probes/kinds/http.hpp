#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "noctua/probes/kinds/tls.hpp"

namespace noctua::probes {

/// An inclusive HTTP status range; `expected_status = 200` is {200, 200}.
struct StatusRange {
    int low = 200;
    int high = 299;
    friend bool operator==(const StatusRange&, const StatusRange&) = default;
};

/// `extract = { balance = "body.balance" }`: a named number taken from each response.
struct ExtractConfig {
    std::string name;
    std::string expression;
    friend bool operator==(const ExtractConfig&, const ExtractConfig&) = default;
};

/// `extract_labels = { currency = { from = "body.currencyCode", allow = ["USD"] } }`: a string
/// that becomes a label of the extracted values when it is in `allow` (else "other").
struct ExtractLabelConfig {
    std::string name;
    std::string expression;
    std::vector<std::string> allow;
    friend bool operator==(const ExtractLabelConfig&, const ExtractLabelConfig&) = default;
};

/// What every HTTP exchange of an http or scenario probe shares: limits, redirects, TLS,
/// address family, proxy and connection reuse.
struct HttpTransport {
    std::size_t max_response_bytes = 1024 * 1024;  ///< `max_response_size`
    bool follow_redirects = false;
    int max_redirects = 5;
    TlsClientOptions tls;
    int ip_version = 0;       ///< 0 any, 4 or 6
    std::string proxy;        ///< http(s) or socks5 proxy URL; empty: none
    bool keep_alive = false;  ///< reuse connections (phases then omit connect/tls)
    friend bool operator==(const HttpTransport&, const HttpTransport&) = default;
};

/// `kind = "http"`: its own keys of a `[[probes]]` entry: one request, judged by status,
/// `expect`, then `extract` (docs/configuration.md).
struct HttpOptions {
    std::string method = "GET";
    std::string url;  ///< resolved: the provider's base_url + path (+ query), or the probe's url
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  ///< `body`, or the content of `body_file`
    std::vector<StatusRange> expected_status{StatusRange{200, 299}};
    std::vector<std::string> expect;                 ///< expressions, all must hold
    std::vector<ExtractConfig> extract;              ///< named numbers
    std::vector<ExtractLabelConfig> extract_labels;  ///< allow-listed strings as labels
    HttpTransport transport;
    friend bool operator==(const HttpOptions&, const HttpOptions&) = default;
};

}  // namespace noctua::probes
