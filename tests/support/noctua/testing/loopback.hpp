#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "noctua/core/http.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/net/router.hpp"

namespace noctua::testing {

/// A Beast server on 127.0.0.1:0 running on its own thread, for fakes of providers and
/// receivers. Routes are added before start(). Stops and joins in the destructor.
class LoopbackHttpServer {
public:
    net::Router router;

    void start() {
        server_ = std::make_unique<net::HttpServer>(ioc_, router, net::HttpServer::Options{});
        auto r = server_->start();
        if (!r) throw std::runtime_error("loopback server: " + r.error().message);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~LoopbackHttpServer() {
        if (server_) server_->stop();
        work_.reset();
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }
    [[nodiscard]] std::string url(std::string_view path = "") const {
        return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
    }

private:
    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        ioc_.get_executor()};
    std::unique_ptr<net::HttpServer> server_;
    std::thread thread_;
};

/// One blocking HTTP exchange for test code (its own io_context and curl client).
inline core::HttpResponse http_call(std::string method, std::string url, std::string body = {},
                                    core::Headers headers = {}) {
    boost::asio::io_context ioc;
    net::CurlHttpClient client{ioc};
    core::HttpRequest req;
    req.method = std::move(method);
    req.url = std::move(url);
    req.body = std::move(body);
    req.headers = std::move(headers);
    req.timeout = std::chrono::seconds(10);
    core::HttpResponse out;
    client.async_request(std::move(req), [&](core::HttpResponse r) { out = std::move(r); });
    ioc.run();
    return out;
}

}  // namespace noctua::testing
