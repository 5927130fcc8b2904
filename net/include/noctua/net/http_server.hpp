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
/// Thread-safety: start() and stop() may be called from any thread; the Router must outlive
/// the server and not change while it runs.
class HttpServer {
public:
    struct Options {
        std::string listen = "127.0.0.1:0";  ///< "host:port", IPv4 or [IPv6]; port 0 = any free
        std::size_t body_limit = 1024 * 1024;
        std::chrono::milliseconds read_timeout{10'000};
        std::size_t max_pipelined = 8;
        std::string server_header = "noctua";
    };

    HttpServer(boost::asio::io_context& ioc, const Router& router, Options options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds and starts accepting. Errors: bad address, address in use.
    [[nodiscard]] core::Result<void> start();

    /// The bound port (after start()); useful with port 0.
    [[nodiscard]] std::uint16_t port() const;

    /// Stops accepting and closes idle connections; responses already being written finish.
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

/// Splits "host:port" / "[v6]:port". Errors name what is wrong.
[[nodiscard]] core::Result<std::pair<std::string, std::uint16_t>> parse_listen_address(
    std::string_view listen);

/// True when `host` is a loopback address or "localhost".
[[nodiscard]] bool is_loopback_host(std::string_view host);

}  // namespace noctua::net
