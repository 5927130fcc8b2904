#pragma once

#include <memory>
#include <system_error>

#include <boost/asio/io_context.hpp>

#include "noctua/core/http.hpp"

namespace noctua::net {

/// Holds curl_global_init/cleanup for the process; create one in main before any thread.
/// Throws std::runtime_error when curl_global_init fails.
class CurlGlobal {
public:
    CurlGlobal();
    ~CurlGlobal();
    CurlGlobal(const CurlGlobal&) = delete;
    CurlGlobal& operator=(const CurlGlobal&) = delete;
};

/// core::HttpClient on libcurl's multi interface, driven by Asio through
/// CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION (no thread per request, nothing blocks the
/// io_context). The multi handle lives on its own strand; handlers are posted to the
/// io_context.
///
/// Every request sets CURLOPT_NOSIGNAL, connect and total timeouts, a response size limit
/// enforced in the write callback, and explicit redirect and TLS-verification settings.
///
/// Lifetime: stop() (or the destructor) cancels all in-flight requests; their handlers run
/// with TransportError::cancelled. Must be destroyed before the io_context. Both stop() and
/// the destructor are asynchronous (they post to the strand): cancelled handlers run as the
/// io_context runs, possibly after the destructor has returned.
///
/// Thread-safety: async_request(), stop() and in_flight() may be called from any thread.
/// Handlers are posted to the io_context (not the strand), so they may run on any of its
/// threads. On a transport error, `status` and `headers` hold what had arrived (often 0 and
/// nothing), `body` is empty, and `error_message` is a fixed text for the error (never a host
/// name, address or other part of the URL, which may carry a secret). Connections and DNS results
/// are cached and reused across requests, as libcurl does by default.
class CurlHttpClient final : public core::HttpClient {
public:
    explicit CurlHttpClient(boost::asio::io_context& ioc);
    ~CurlHttpClient() override;
    CurlHttpClient(const CurlHttpClient&) = delete;
    CurlHttpClient& operator=(const CurlHttpClient&) = delete;

    // core::HttpClient
    void async_request(core::HttpRequest request, Handler handler) override;

    /// Cancels everything in flight; later requests complete at once with `cancelled`.
    void stop();

    /// Requests currently in flight (for metrics and tests).
    [[nodiscard]] std::size_t in_flight() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

/// The category of libcurl's CURLcode values (messages from curl_easy_strerror), so curl
/// errors can travel as std::error_code.
[[nodiscard]] const std::error_category& curl_category() noexcept;

/// Maps an error of curl_category() to the bounded TransportError set; other categories and
/// unknown codes give `other`, a zero code `none`.
[[nodiscard]] core::TransportError to_transport_error(std::error_code ec) noexcept;

}  // namespace noctua::net
