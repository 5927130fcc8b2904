#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "noctua/core/result.hpp"
#include "noctua/net/router.hpp"

namespace noctua::net {

/// The one HTTP/1.1 server of the process (Beast's advanced-server structure: a listener and a
/// session per connection, each on its own strand). Handlers come from a Router.
///
/// Robustness: every parser has a body limit and header limit, every read a timeout, at most a
/// few pipelined requests are queued; a malformed request gets a 400 JSON body and the
/// connection closes; an exception in a handler becomes a 500. Nothing a client sends can take
/// the server down.
///
/// Thread-safety: start() and stop() may be called from any thread (start() once, before
/// stop()); the Router must outlive the server and not change while it runs. Handlers run on
/// the strand of their connection (so concurrently across connections when the io_context has
/// several threads); async handlers may call `respond` from any thread.
///
/// Lifetime: the destructor calls stop(). Connections hold the server's shared state, so after
/// stop() handlers already dispatched may still run: keep the Router alive until the
/// io_context has stopped running, or until in-flight requests have finished.
class HttpServer {
public:
    struct Options {
        std::string listen = "127.0.0.1:0";  ///< "host:port", IPv4 or [IPv6]; port 0 = any free
        std::size_t body_limit = 1024 * 1024;
        std::chrono::milliseconds read_timeout{10'000};
        std::size_t max_pipelined = 8;
        std::string server_header = "noctua";
        std::size_t header_limit = 16 * 1024;  ///< request line + headers; more answers 431
        std::chrono::milliseconds write_timeout{10'000};  ///< per response write
    };

    HttpServer(boost::asio::io_context& ioc, const Router& router, Options options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds and starts accepting. Errors: bad address (Errc::invalid_argument: the host must
    /// be an IP address, "localhost" or "*"), address in use or not bindable (Errc::io).
    [[nodiscard]] core::Result<void> start();

    /// The bound port (after start()); useful with port 0.
    [[nodiscard]] std::uint16_t port() const;

    /// Stops accepting and closes idle connections; responses already queued or being produced
    /// on a connection are still written (with `Connection: close`), then it closes. No new
    /// request is dispatched once stop() has returned. Asynchronous: takes effect as the
    /// io_context runs. Idempotent.
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

/// Splits "host:port" / "[v6]:port" (brackets removed from the returned host). Errors
/// (Errc::invalid_argument) name what is wrong: missing or non-numeric port, port > 65535,
/// empty host, unbracketed IPv6.
[[nodiscard]] core::Result<std::pair<std::string, std::uint16_t>> parse_listen_address(
    std::string_view listen);

/// True when `host` is a loopback address (IPv4 127/8, ::1, v4-mapped 127/8, brackets allowed)
/// or "localhost".
[[nodiscard]] bool is_loopback_host(std::string_view host);

}  // namespace noctua::net
