#include "noctua/sim/server.hpp"

#include <string>

namespace noctua::sim {

void ResponseDelayer::defer(std::chrono::milliseconds delay, net::Router::Respond respond,
                            core::ServerResponse response) {
    if (stopped_ || delay.count() <= 0) {
        respond(std::move(response));
        return;
    }
    auto held = std::make_shared<Held>(ioc_);
    held->respond = std::move(respond);
    held->response = std::move(response);
    held->timer.expires_after(delay);
    auto it = held_.insert(held_.end(), held);
    held->timer.async_wait([this, held, it](const boost::system::error_code& ec) {
        // cancel_all() has already answered and forgotten a cancelled entry.
        if (ec == boost::asio::error::operation_aborted) return;
        held_.erase(it);
        held->respond(std::move(held->response));
    });
}

void ResponseDelayer::cancel_all() {
    stopped_ = true;
    auto held = std::move(held_);
    held_.clear();
    for (auto& h : held) {
        h->timer.cancel();
        h->respond(core::ServerResponse::json_error(503, "simulator shutting down"));
    }
}

void add_sim_routes(net::Router& router, SimService& service, ResponseDelayer& delayer) {
    auto handler = [&service, &delayer](const core::ServerRequest& request, const net::PathParams&,
                                        net::Router::Respond respond) {
        Reply reply = service.handle(request);
        reply.response.reset_connection = reply.reset;
        delayer.defer(reply.delay, std::move(respond), std::move(reply.response));
    };
    std::string pattern;
    for (int depth = 1; depth <= 10; ++depth) {
        pattern += "/{s" + std::to_string(depth) + "}";
        for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
            router.add_async(method, pattern, handler);
        }
    }
}

}  // namespace noctua::sim
