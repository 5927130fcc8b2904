#include "noctua/net/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "noctua/core/ascii.hpp"
#include "noctua/core/assert.hpp"

namespace noctua::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

// After an error response we stop sending but keep reading for a while, so that unread request
// bytes do not make the kernel answer with RST and destroy the response in flight.
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;
// Backoff when accept fails for a reason that may persist (EMFILE, ENOBUFS).
constexpr std::chrono::milliseconds kAcceptBackoff{100};

bool is_loopback(const asio::ip::address& address) {
    if (address.is_loopback()) return true;
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
    }
    return false;
}

bool has_control_chars(std::string_view s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// No Transfer-Encoding, or "chunked" alone: the parser decodes chunked framing and nothing
// else, so a body under any other coding ("gzip, chunked") would pass as plain bytes.
bool only_chunked_coding(const http::request<http::string_body>& request) {
    std::size_t codings = 0;
    bool chunked = true;
    for (const auto& field : request) {
        if (field.name() != http::field::transfer_encoding) continue;
        std::string_view rest = field.value();
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            auto coding = rest.substr(0, comma);
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            while (coding.starts_with(' ') || coding.starts_with('\t')) coding.remove_prefix(1);
            while (coding.ends_with(' ') || coding.ends_with('\t')) coding.remove_suffix(1);
            if (coding.empty()) continue;  // list syntax allows empty elements
            ++codings;
            chunked = chunked && core::ascii_iequals(coding, "chunked");
        }
    }
    return chunked && codings <= 1;
}

const std::error_category& http_error_category() {
    static const std::error_category& category =
        http::make_error_code(http::error::end_of_stream).category();
    return category;
}

}  // namespace

class HttpSession;

// Accepts connections and keeps weak references to them for stop().
struct Listener : std::enable_shared_from_this<Listener> {
    Listener(asio::io_context& io, const Router& r, HttpServer::Options o)
        : ioc(io),
          router(r),
          options(std::move(o)),
          strand(asio::make_strand(io)),
          acceptor(strand),
          accept_backoff(strand) {}

    void do_accept();
    void on_accept(Strand session_strand, beast::error_code ec, tcp::socket socket);
    void do_stop();

    asio::io_context& ioc;
    const Router& router;
    const HttpServer::Options options;
    std::atomic<std::uint16_t> port{0};
    std::atomic<bool> started{false};
    // Set by stop() on the caller's thread, read by sessions before dispatching.
    std::atomic<bool> stopping{false};

    // Executor: strand (the listener strand). Everything below is touched only there, except
    // in start(), before the first accept is posted.
    Strand strand;
    tcp::acceptor acceptor;
    asio::steady_timer accept_backoff;
    std::vector<std::weak_ptr<HttpSession>> sessions;
};

// One connection. Requests are read ahead while fewer than `max_pipelined` responses are
// outstanding; responses (which async handlers may produce out of order) are written in
// request order.
//
// Executor: strand_ (one per connection); every member is touched only there.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(tcp::socket&& socket, Strand strand, std::shared_ptr<Listener> server)
        : strand_(std::move(strand)), stream_(std::move(socket)), server_(std::move(server)) {
        beast::error_code ec;
        auto endpoint = stream_.socket().remote_endpoint(ec);
        if (!ec) {
            remote_address_ = endpoint.address().to_string();
            remote_is_loopback_ = is_loopback(endpoint.address());
        }
    }

    void run() {
        asio::dispatch(strand_,
                       beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
    }

    /// Any thread.
    void stop() {
        asio::post(strand_, beast::bind_front_handler(&HttpSession::do_stop, shared_from_this()));
    }

private:
    struct Slot {
        std::uint64_t id = 0;
        bool keep_alive = true;
        std::optional<http::response<http::string_body>> response;
    };

    const HttpServer::Options& options() const { return server_->options; }

    void do_read() {
        NOCTUA_ASSERT(strand_.running_in_this_thread());
        if (closed_ || read_done_ || reading_) return;
        // The pipeline is full: on_write resumes reading once a response has gone out.
        if (queue_.size() >= std::max<std::size_t>(options().max_pipelined, 1)) return;
        if (!parser_) {
            parser_.emplace();
            parser_->body_limit(options().body_limit);
            parser_->header_limit(static_cast<std::uint32_t>(
                std::min<std::size_t>(options().header_limit, UINT32_MAX)));
        }
        // An idle connection gets the read timeout. While responses are outstanding the
        // client is waiting for us, so a slow handler must not time the connection out;
        // on_write re-arms the deadline when the queue drains.
        if (queue_.empty()) {
            stream_.expires_after(options().read_timeout);
            read_deadline_ = true;
        } else {
            stream_.expires_never();
            read_deadline_ = false;
        }
        reading_ = true;
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t /*bytes*/) {
        NOCTUA_ASSERT(strand_.running_in_this_thread());
        reading_ = false;
        const bool rearm = std::exchange(rearm_read_, false);
        if (closed_) return;
        if (rearm && ec == asio::error::operation_aborted) {
            do_read();
            return;
        }
        if (ec == http::error::end_of_stream) {
            read_done_ = true;
            if (queue_.empty()) do_close();
            return;
        }
        if (ec == beast::error::timeout) {
            // tcp_stream has already closed the socket.
            closed_ = true;
            return;
        }
        if (ec == http::error::body_limit) {
            fail_request(413, "request body too large");
            return;
        }
        if (ec == http::error::header_limit) {
            fail_request(431, "request header fields too large");
            return;
        }
        if (ec && ec.category() == http_error_category()) {
            fail_request(400, "malformed request: " + ec.message());
            return;
        }
        if (ec) {
            do_close();
            return;
        }
        if (!only_chunked_coding(parser_->get())) {
            // RFC 9112 §6.1: a transfer coding the server does not understand gets 501.
            fail_request(501,
                         "transfer codings other than chunked are not supported; "
                         "compress with Content-Encoding instead");
            return;
        }
        if (stopping_ || server_->stopping.load()) {
            // Shutting down: a request that arrives now is not started; the client sees the
            // connection close and may retry elsewhere.
            read_done_ = true;
            if (queue_.empty()) do_close();
            return;
        }
        auto request = parser_->release();
        parser_.reset();
        dispatch(std::move(request));
        do_read();
    }

    void dispatch(http::request<http::string_body>&& request) {
        const auto id = next_id_++;
        const bool keep_alive = request.keep_alive();
        const unsigned version = request.version();
        const bool head = request.method() == http::verb::head;
        if (!keep_alive) read_done_ = true;
        queue_.push_back(Slot{id, keep_alive, std::nullopt});

        core::ServerRequest sr;
        try {
            sr.method = std::string(request.method_string());
            sr.target = std::string(request.target());
            auto question = sr.target.find('?');
            sr.path = sr.target.substr(0, question);
            if (question != std::string::npos) sr.query = sr.target.substr(question + 1);
            sr.headers.reserve(static_cast<std::size_t>(
                std::distance(request.begin(), request.end())));
            for (const auto& field : request) {
                sr.headers.emplace_back(std::string(field.name_string()),
                                        std::string(field.value()));
            }
            sr.body = std::move(request.body());
            sr.remote_address = remote_address_;
            sr.remote_is_loopback = remote_is_loopback_;
        } catch (...) {
            on_response(id, version, head, core::ServerResponse::json_error(500, "internal error"));
            return;
        }

        // The response always comes back through post, even from a synchronous handler, so
        // the write path never re-enters this function.
        auto self = shared_from_this();
        server_->router.dispatch(sr, [self, id, version, head](core::ServerResponse response) {
            asio::post(self->strand_, [self, id, version, head,
                                       response = std::move(response)]() mutable {
                self->on_response(id, version, head, std::move(response));
            });
        });
    }

    void on_response(std::uint64_t id, unsigned version, bool head, core::ServerResponse response) {
        NOCTUA_ASSERT(strand_.running_in_this_thread());
        if (closed_ || queue_.empty() || id < queue_.front().id) return;
        const auto index = static_cast<std::size_t>(id - queue_.front().id);
        if (index >= queue_.size()) return;
        if (response.reset_connection) {
            // SO_LINGER with a zero timeout makes close() send RST: the client sees a reset.
            beast::error_code ignored;
            stream_.socket().set_option(boost::asio::socket_base::linger(true, 0), ignored);
            closed_ = true;
            stream_.close();
            return;
        }
        queue_[index].response = build_response(version, head, std::move(response));
        do_write();
    }

    http::response<http::string_body> build_response(unsigned version, bool head,
                                                     core::ServerResponse response) const {
        try {
            http::response<http::string_body> res;
            res.version(version);
            // 1xx are not final answers and 0/1000+ are not statuses: a handler bug.
            const bool valid = response.status >= 200 && response.status <= 999;
            res.result(static_cast<unsigned>(valid ? response.status : 500));
            res.set(http::field::server, options().server_header);
            if (!response.content_type.empty() && !has_control_chars(response.content_type)) {
                res.set(http::field::content_type, response.content_type);
            }
            for (auto& [name, value] : response.headers) {
                // Framing headers are ours; a CR or LF would let a value inject headers.
                using core::ascii_iequals;
                if (name.empty() || has_control_chars(name) || has_control_chars(value) ||
                    ascii_iequals(name, "Content-Length") ||
                    ascii_iequals(name, "Transfer-Encoding") || ascii_iequals(name, "Connection")) {
                    continue;
                }
                if (ascii_iequals(name, "Server") || ascii_iequals(name, "Content-Type")) {
                    res.set(name, value);
                } else {
                    res.insert(name, value);
                }
            }
            const bool no_body = res.result() == http::status::no_content ||
                                 res.result() == http::status::not_modified;
            if (head) {
                res.content_length(response.body.size());
            } else if (!no_body) {
                res.body() = std::move(response.body);
                res.prepare_payload();
            }
            return res;
        } catch (...) {
            http::response<http::string_body> res{http::status::internal_server_error, version};
            res.set(http::field::server, options().server_header);
            res.set(http::field::content_type, "application/json");
            res.body() = R"({"status":"error","error":"internal error"})";
            res.prepare_payload();
            return res;
        }
    }

    // Answers a request we could not parse, then closes the connection.
    void fail_request(int status, std::string_view message) {
        read_done_ = true;
        const auto id = next_id_++;
        queue_.push_back(Slot{id, false, std::nullopt});
        queue_.back().response =
            build_response(11, false, core::ServerResponse::json_error(status, message));
        do_write();
    }

    void do_write() {
        NOCTUA_ASSERT(strand_.running_in_this_thread());
        if (writing_ || closed_ || queue_.empty() || !queue_.front().response) return;
        auto& slot = queue_.front();
        // When stopping, the last outstanding response closes the connection.
        const bool last_while_stopping = stopping_ && queue_.size() == 1;
        slot.response->keep_alive(slot.keep_alive && !last_while_stopping);
        stream_.expires_after(options().write_timeout);
        writing_ = true;
        http::async_write(stream_, *slot.response,
                          beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t /*bytes*/) {
        NOCTUA_ASSERT(strand_.running_in_this_thread());
        writing_ = false;
        if (closed_) return;
        if (ec) {
            do_close();
            return;
        }
        const bool keep_alive = queue_.front().response->keep_alive();
        queue_.pop_front();
        if (!keep_alive) {
            read_done_ = true;
            queue_.clear();
            if (reading_) {
                do_close();
            } else {
                do_linger();
            }
            return;
        }
        if (queue_.empty()) {
            if (read_done_ || stopping_) {
                do_close();
                return;
            }
            if (reading_ && !read_deadline_) {
                // The pending read has no deadline; cancel it and read again with one.
                rearm_read_ = true;
                beast::error_code ignored;
                stream_.socket().cancel(ignored);
            }
        }
        do_read();
        do_write();
    }

    void do_stop() {
        NOCTUA_ASSERT(strand_.running_in_this_thread());
        stopping_ = true;
        if (closed_) return;
        // Idle: nothing to finish. Otherwise the last response closes (see do_write).
        if (queue_.empty()) do_close();
    }

    // Half-close and drain what the client still sends, then close.
    void do_linger() {
        closed_ = true;
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(std::min(kLingerTimeout, options().read_timeout));
        do_drain();
    }

    void do_drain() {
        stream_.async_read_some(
            asio::buffer(drain_),
            beast::bind_front_handler(&HttpSession::on_drain, shared_from_this()));
    }

    void on_drain(beast::error_code ec, std::size_t bytes) {
        drained_ += bytes;
        if (ec || drained_ > kLingerMaxBytes) {
            stream_.close();
            return;
        }
        do_drain();
    }

    void do_close() {
        closed_ = true;
        queue_.clear();
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.close();
    }

    const Strand strand_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<Listener> server_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::deque<Slot> queue_;  // one slot per request read, in order
    std::uint64_t next_id_ = 0;
    std::string remote_address_;
    bool remote_is_loopback_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool read_done_ = false;      // no further request will be read
    bool read_deadline_ = false;  // the pending read has the read timeout
    bool rearm_read_ = false;     // the pending read was cancelled to add a deadline
    bool stopping_ = false;
    bool closed_ = false;
    std::array<char, 4096> drain_{};
    std::size_t drained_ = 0;
};

// The header's Impl is the listener itself.
struct HttpServer::Impl final : Listener {
    using Listener::Listener;
};

void Listener::do_accept() {
    NOCTUA_ASSERT(strand.running_in_this_thread());
    if (!acceptor.is_open()) return;
    auto session_strand = asio::make_strand(ioc);
    acceptor.async_accept(session_strand, beast::bind_front_handler(&Listener::on_accept,
                                                                    shared_from_this(),
                                                                    session_strand));
}

void Listener::on_accept(Strand session_strand, beast::error_code ec, tcp::socket socket) {
    NOCTUA_ASSERT(strand.running_in_this_thread());
    if (!acceptor.is_open() || ec == asio::error::operation_aborted) return;
    if (ec) {
        // Out of descriptors or buffers: retrying at once would spin.
        accept_backoff.expires_after(kAcceptBackoff);
        accept_backoff.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
            if (!wait_ec) self->do_accept();
        });
        return;
    }
    std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
    auto session = std::make_shared<HttpSession>(std::move(socket), std::move(session_strand),
                                                 shared_from_this());
    sessions.push_back(session);
    session->run();
    do_accept();
}

void Listener::do_stop() {
    NOCTUA_ASSERT(strand.running_in_this_thread());
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_backoff.cancel();
    for (auto& weak : sessions) {
        if (auto session = weak.lock()) session->stop();
    }
    sessions.clear();
}

HttpServer::HttpServer(asio::io_context& ioc, const Router& router, Options options)
    : impl_(std::make_shared<Impl>(ioc, router, std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

core::Result<void> HttpServer::start() {
    if (impl_->started.exchange(true)) {
        return core::fail(core::Errc::invalid_argument, "server already started");
    }
    auto listen = parse_listen_address(impl_->options.listen);
    if (!listen) return std::unexpected(listen.error());
    auto& [host, port] = *listen;

    asio::ip::address address;
    if (host == "localhost") {
        address = asio::ip::address_v4::loopback();
    } else if (host == "*") {
        address = asio::ip::address_v4::any();
    } else {
        beast::error_code ec;
        address = asio::ip::make_address(host, ec);
        if (ec) {
            return core::fail(core::Errc::invalid_argument,
                              "listen address '" + impl_->options.listen +
                                  "': host must be an IP address, localhost or *");
        }
    }
    const tcp::endpoint endpoint{address, port};

    // The acceptor has no pending operation yet, so using it from this thread is safe.
    auto& acceptor = impl_->acceptor;
    beast::error_code ec;
    auto fail_io = [&](std::string_view what) {
        beast::error_code ignored;
        acceptor.close(ignored);
        return core::fail(core::Errc::io, "cannot listen on " + impl_->options.listen + ": " +
                                              std::string(what) + ": " + ec.message());
    };
    acceptor.open(endpoint.protocol(), ec);
    if (ec) return fail_io("open");
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail_io("setsockopt");
    acceptor.bind(endpoint, ec);
    if (ec) return fail_io("bind");
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail_io("listen");
    auto local = acceptor.local_endpoint(ec);
    if (ec) return fail_io("local_endpoint");
    impl_->port.store(local.port());

    asio::post(impl_->strand, [impl = impl_] { impl->do_accept(); });
    return {};
}

std::uint16_t HttpServer::port() const { return impl_->port.load(); }

void HttpServer::stop() {
    impl_->stopping.store(true);
    asio::post(impl_->strand, [impl = impl_] { impl->do_stop(); });
}

bool is_loopback_host(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (core::ascii_iequals(host, "localhost")) return true;
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    return !ec && is_loopback(address);
}

}  // namespace noctua::net
