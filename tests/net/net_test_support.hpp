#pragma once

// Helpers for the net tests: drive an io_context until a condition holds, talk raw TCP to a
// server, and play a raw TCP server. Everything stays on 127.0.0.1 and port 0.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "noctua/net/curl_client.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/net/router.hpp"
#include "noctua/testing/run_until.hpp"

namespace noctua::net::test {

using namespace std::chrono_literals;

using noctua::testing::run_until;

/// curl_global_init once for the test process, as main does for the daemon.
inline void ensure_curl_global() {
    static const CurlGlobal global;
}

/// A handler that answers every request 200 with `body` as text/plain.
inline Router::Handler answer_text(std::string body) {
    return [body = std::move(body)](const core::ServerRequest&, const PathParams&) {
        return core::ServerResponse::text(200, body);
    };
}

/// A handler that answers nothing itself: it keeps each request's responder in `held` (which
/// must outlive the route), for the test to answer later.
inline Router::AsyncHandler keep_responder(std::optional<Router::Respond>& held) {
    return [&held](const core::ServerRequest&, const PathParams&, Router::Respond respond) {
        held = std::move(respond);
    };
}

inline const boost::asio::ip::address& loopback() {
    static const auto address = boost::asio::ip::make_address("127.0.0.1");
    return address;
}

/// A client socket for sending arbitrary bytes. Connect and small writes are blocking (the
/// kernel completes them without the server running); reading is asynchronous.
class RawConnection {
public:
    RawConnection(boost::asio::io_context& ioc, std::uint16_t port) : socket_(ioc) {
        socket_.connect({loopback(), port});
        do_read();
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void send(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

    [[nodiscard]] const std::string& received() const { return state_->received; }
    [[nodiscard]] bool closed() const { return state_->closed; }

private:
    struct State {
        std::array<char, 4096> chunk{};
        std::string received;
        bool closed = false;
    };

    void do_read() {
        // Only the success path touches `this`: a destroyed socket completes with an error.
        socket_.async_read_some(
            boost::asio::buffer(state_->chunk),
            [this, state = state_](boost::system::error_code ec, std::size_t n) {
                state->received.append(state->chunk.data(), n);
                if (ec) {
                    state->closed = true;
                    return;
                }
                do_read();
            });
    }

    std::shared_ptr<State> state_ = std::make_shared<State>();
    boost::asio::ip::tcp::socket socket_;
};

/// A TCP server on 127.0.0.1:0 that accepts and holds connections. With a `reply`, it reads
/// each request's head, writes `reply` and half-closes; without, it never answers.
class RawServer {
public:
    explicit RawServer(boost::asio::io_context& ioc, std::string reply = {})
        : state_(std::make_shared<State>(ioc, std::move(reply))) {
        do_accept(state_);
    }
    ~RawServer() {
        boost::system::error_code ignored;
        state_->acceptor.close(ignored);
        for (auto& socket : state_->sockets) socket->close(ignored);
    }
    RawServer(const RawServer&) = delete;
    RawServer& operator=(const RawServer&) = delete;

    [[nodiscard]] std::uint16_t port() const { return state_->acceptor.local_endpoint().port(); }
    [[nodiscard]] std::size_t accepted() const { return state_->sockets.size(); }

private:
    struct State {
        State(boost::asio::io_context& ioc, std::string r)
            : acceptor(ioc, {loopback(), 0}), reply(std::move(r)) {}
        boost::asio::ip::tcp::acceptor acceptor;
        std::string reply;
        std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets;
    };

    static void do_accept(const std::shared_ptr<State>& state) {
        state->acceptor.async_accept([state](boost::system::error_code ec,
                                             boost::asio::ip::tcp::socket socket) {
            if (ec) return;
            auto s = std::make_shared<boost::asio::ip::tcp::socket>(std::move(socket));
            state->sockets.push_back(s);
            if (!state->reply.empty()) answer(state, s);
            do_accept(state);
        });
    }

    static void answer(const std::shared_ptr<State>& state,
                       const std::shared_ptr<boost::asio::ip::tcp::socket>& s) {
        auto head = std::make_shared<std::string>();
        boost::asio::async_read_until(
            *s, boost::asio::dynamic_buffer(*head), "\r\n\r\n",
            [state, s, head](boost::system::error_code ec, std::size_t) {
                if (ec) return;
                boost::asio::async_write(*s, boost::asio::buffer(state->reply),
                                         [state, s](boost::system::error_code, std::size_t) {
                                             boost::system::error_code ignored;
                                             s->shutdown(boost::asio::socket_base::shutdown_send,
                                                         ignored);
                                         });
            });
    }

    std::shared_ptr<State> state_;
};

}  // namespace noctua::net::test

/// The names the client and the server tests both use (`using namespace` in each test).
namespace noctua::net::test::names {
namespace asio = boost::asio;
using noctua::core::find_header;
using noctua::core::HttpRequest;
using noctua::core::HttpResponse;
using noctua::core::ServerRequest;
using noctua::core::ServerResponse;
using noctua::core::TransportError;
using noctua::net::CurlHttpClient;
using noctua::net::HttpServer;
using noctua::net::PathParams;
using noctua::net::Router;
using noctua::net::test::answer_text;
using noctua::net::test::keep_responder;
using noctua::net::test::run_until;
using namespace std::chrono_literals;
}  // namespace noctua::net::test::names
