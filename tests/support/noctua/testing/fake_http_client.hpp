#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "noctua/core/http.hpp"

namespace noctua::testing {

/// core::HttpClient fake: records requests and answers from a script (after Beast's
/// fail_count idea). With `hold` set, requests wait until release() is called, to model a
/// slow server. Handlers are posted to the io_context, never called inline. Thread-safe.
class FakeHttpClient final : public core::HttpClient {
public:
    explicit FakeHttpClient(boost::asio::io_context& ioc) : ioc_(ioc) {}

    /// The response used when the script is empty.
    core::HttpResponse default_response = [] {
        core::HttpResponse r;
        r.status = 200;
        return r;
    }();
    bool hold = false;

    void push(core::HttpResponse r) {
        std::lock_guard lock(mu_);
        script_.push_back(std::move(r));
    }
    void push_status(int status) {
        core::HttpResponse r;
        r.status = status;
        push(std::move(r));
    }
    void push_error(core::TransportError e, std::string msg = "injected") {
        core::HttpResponse r;
        r.error = e;
        r.error_message = std::move(msg);
        push(std::move(r));
    }

    // core::HttpClient
    void async_request(core::HttpRequest request, Handler handler) override {
        core::HttpResponse r;
        {
            std::lock_guard lock(mu_);
            requests_.push_back(request);
            if (!script_.empty()) {
                r = std::move(script_.front());
                script_.pop_front();
            } else {
                r = default_response;
            }
            if (hold) {
                held_.emplace_back(std::move(handler), std::move(r));
                return;
            }
        }
        boost::asio::post(ioc_, [h = std::move(handler), r = std::move(r)]() mutable {
            h(std::move(r));
        });
    }

    /// Answers every held request.
    void release() {
        std::vector<std::pair<Handler, core::HttpResponse>> held;
        {
            std::lock_guard lock(mu_);
            held.swap(held_);
        }
        for (auto& [h, r] : held) {
            boost::asio::post(ioc_, [h = std::move(h), r = std::move(r)]() mutable {
                h(std::move(r));
            });
        }
    }

    std::vector<core::HttpRequest> requests() const {
        std::lock_guard lock(mu_);
        return requests_;
    }
    std::size_t request_count() const {
        std::lock_guard lock(mu_);
        return requests_.size();
    }

private:
    boost::asio::io_context& ioc_;
    mutable std::mutex mu_;  // guards script_, requests_, held_
    std::deque<core::HttpResponse> script_;
    std::vector<core::HttpRequest> requests_;
    std::vector<std::pair<Handler, core::HttpResponse>> held_;
};

}  // namespace noctua::testing
