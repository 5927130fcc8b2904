#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace noctua::core {

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;

/// Case-insensitive header lookup; the first match wins.
[[nodiscard]] std::optional<std::string_view> find_header(const Headers& headers,
                                                          std::string_view name);

/// The credentials of the `Authorization` header when its scheme is Bearer, the scheme matched
/// without regard to case (RFC 9110 §11.1: `bearer x` is `Bearer x`); nullopt without the
/// header, with another scheme or with no credentials.
[[nodiscard]] std::optional<std::string_view> bearer_token(const Headers& headers);

// ---------------------------------------------------------------------------------------------
// Outbound HTTP (probes, receivers)

/// One outbound HTTP request.
struct HttpRequest {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    /// Total time allowed for the exchange, connection included.
    std::chrono::milliseconds timeout{10'000};
    /// Connect phase only; zero means "same as timeout".
    std::chrono::milliseconds connect_timeout{0};
    /// Larger bodies abort the transfer with TransportError::too_large.
    std::size_t max_response_bytes = 1024 * 1024;
    bool follow_redirects = false;
    int max_redirects = 5;
    bool verify_tls = true;
    std::string ca_file;           ///< PEM bundle to verify the server with; empty: system store
    std::string client_cert_file;  ///< PEM client certificate (mutual TLS); empty: none
    std::string client_key_file;   ///< its key; empty: in client_cert_file
    int ip_version = 0;            ///< 0 any, 4 or 6
    std::string proxy;             ///< proxy URL; empty: libcurl's default (environment)
    /// A new connection that is closed afterwards, so every exchange measures DNS, connect and
    /// TLS (probes, like blackbox_exporter). Off: connections are reused.
    bool fresh_connection = false;
    /// Read the server certificate's expiry and issuer (needs a new connection to see it).
    bool want_certificate = false;
};

/// What a probe needs to know of the server's leaf certificate.
struct TlsCertificate {
    std::int64_t not_after = 0;  ///< Unix seconds
    std::string issuer;
    std::string subject;
};

/// Why an exchange failed before an HTTP status was known. A bounded set: it becomes a label.
enum class TransportError {
    none,
    dns,
    connect,
    tls,
    timeout,
    too_large,
    redirect,
    send,
    receive,
    cancelled,
    other,
};
[[nodiscard]] std::string_view to_string(TransportError e);

/// Per-phase durations in seconds, from the start of the exchange (libcurl's timing model).
struct HttpTimings {
    double dns = 0;
    double connect = 0;
    double tls = 0;
    double first_byte = 0;
    double total = 0;
};

/// The outcome of an exchange: a transport error, or a status with headers and body.
/// A transport error is kept apart from the HTTP status; never one int for both.
struct HttpResponse {
    TransportError error = TransportError::none;
    /// Detail for logs when error != none: never a URL or a part of one (host, path, query).
    std::string error_message;
    int status = 0;
    Headers headers;
    std::string body;
    HttpTimings timings;
    /// Set when the request asked for it and a TLS handshake took place.
    std::optional<TlsCertificate> certificate;

    [[nodiscard]] bool transport_ok() const { return error == TransportError::none; }
};

/// Asynchronous HTTP client. Probes and channels reach the network only through this.
class HttpClient {
public:
    using Handler = std::function<void(HttpResponse)>;
    virtual ~HttpClient() = default;

    /// Starts `request`. `handler` runs exactly once, never inline from this call, on a thread
    /// running the client's io_context; callers that own a strand post back to it.
    /// When the client is stopped, pending handlers complete with TransportError::cancelled.
    virtual void async_request(HttpRequest request, Handler handler) = 0;
};

// ---------------------------------------------------------------------------------------------
// Inbound HTTP (our server): plain values, so handlers are testable without sockets.

struct ServerRequest {
    std::string method;  ///< "GET", "POST", …
    std::string target;  ///< raw request target, "/api/v1/status?x=1"
    std::string path;    ///< target without the query, percent-decoding not applied
    std::string query;   ///< after '?', may be empty
    Headers headers;
    std::string body;
    std::string remote_address;
    bool remote_is_loopback = false;
};

struct ServerResponse {
    int status = 200;
    std::string content_type = "application/json";
    Headers headers;
    std::string body;
    /// Drop the connection with a TCP reset instead of answering (fault-injecting fakes and
    /// the simulator's "connection reset" outage).
    bool reset_connection = false;

    /// `{"status":"error","error":"<message>"}` with the given status code.
    [[nodiscard]] static ServerResponse json_error(int status, std::string_view message);
    [[nodiscard]] static ServerResponse json(int status, std::string body);
    [[nodiscard]] static ServerResponse text(int status, std::string body);
};

/// Decodes %XX escapes; malformed escapes stay as they are. `plus_as_space` for query strings
/// (application/x-www-form-urlencoded), off for path segments (RFC 3986).
[[nodiscard]] std::string percent_decode(std::string_view s, bool plus_as_space);
/// Encodes every byte but the unreserved characters (RFC 3986: letters, digits, `-._~`) as
/// %XX; with `space_as_plus` a space becomes `+` (application/x-www-form-urlencoded).
[[nodiscard]] std::string percent_encode(std::string_view s, bool space_as_plus);

/// The non-empty segments of a URL path: "/acme//accounts/balance" → {"acme", "accounts",
/// "balance"}. The views point into `path`.
[[nodiscard]] std::vector<std::string_view> split_path(std::string_view path);

/// The value of query parameter `name` in `query` ("a=1&b=2"), percent-decoded.
[[nodiscard]] std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace noctua::core
