#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "noctua/core/http.hpp"
#include "noctua/net/router.hpp"
#include "noctua/sim/service.hpp"

namespace noctua::sim {

/// Holds responses back on steady_timers (latency faults, outage "timeout"), so a slow provider
/// never blocks the io_context. Executor: the simulator's io_context (one thread).
///
/// Lifetime: cancel_all() (or the destructor) answers every held response at once with 503, so
/// shutdown never waits for a two-minute "timeout".
class ResponseDelayer {
public:
    explicit ResponseDelayer(boost::asio::io_context& ioc) : ioc_(ioc) {}
    ~ResponseDelayer() { cancel_all(); }
    ResponseDelayer(const ResponseDelayer&) = delete;
    ResponseDelayer& operator=(const ResponseDelayer&) = delete;

    /// Sends `response` through `respond` after `delay`.
    void defer(std::chrono::milliseconds delay, net::Router::Respond respond,
               core::ServerResponse response);
    /// Answers everything held now with 503 and refuses to hold more (answers at once).
    void cancel_all();
    [[nodiscard]] std::size_t pending() const { return held_.size(); }

private:
    struct Held {
        explicit Held(boost::asio::io_context& ioc) : timer(ioc) {}
        boost::asio::steady_timer timer;
        net::Router::Respond respond;
        core::ServerResponse response;
    };
    boost::asio::io_context& ioc_;
    std::list<std::shared_ptr<Held>> held_;
    bool stopped_ = false;
};

/// Registers the simulator on `router`: every path (up to 10 segments deep, any method) goes
/// to `service`, which does its own provider-prefix routing so unknown provider paths get the
/// Spring 404 shape. Both `service` and `delayer` must outlive the router's use.
void add_sim_routes(net::Router& router, SimService& service, ResponseDelayer& delayer);

}  // namespace noctua::sim
