#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "noctua/core/http.hpp"

namespace noctua::net {

/// Holds curl_global_init/cleanup for the process; create one in main before any thread.
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
/// with TransportError::cancelled. Must be destroyed before the io_context.
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

}  // namespace noctua::net
