#pragma once

// noctua-sim's service on 127.0.0.1:0, on its own thread, for the tests that probe it.

#include <catch2/catch.hpp>

#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "noctua/core/clock.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/sim/fleet.hpp"
#include "noctua/sim/server.hpp"
#include "noctua/sim/service.hpp"

namespace noctua::testing {

using namespace std::chrono_literals;

/// noctua-sim's service on 127.0.0.1:0, on its own thread, as `noctua-sim --listen` serves
/// it, on `Clock`: a manual clock the test moves (from 2024-05-01T10:00:00Z), or the system's.
template <class Clock = core::ManualClock>
struct BasicRunningSim {
    Clock clock = start_clock();
    sim::SimService service;
    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
    sim::ResponseDelayer delayer{ioc};
    net::Router router;
    std::unique_ptr<net::HttpServer> server;
    std::thread thread;

    explicit BasicRunningSim(const sim::FleetSpec& fleet) : service(fleet, clock) {
        sim::add_sim_routes(router, service, delayer);
        server = std::make_unique<net::HttpServer>(ioc, router, net::HttpServer::Options{});
        REQUIRE(server->start().has_value());
        thread = std::thread([this] { ioc.run(); });
    }
    ~BasicRunningSim() {
        boost::asio::post(ioc, [this] {
            server->stop();
            delayer.cancel_all();
        });
        work.reset();
        ioc.stop();
        thread.join();
    }
    /// Runs `f` on the simulator's thread (the service is not thread-safe) and waits for it.
    template <class F>
    void with(F f) {
        std::promise<void> done;
        boost::asio::post(ioc, [&] {
            f(service);
            done.set_value();
        });
        done.get_future().wait();
    }
    BasicRunningSim(const BasicRunningSim&) = delete;
    BasicRunningSim& operator=(const BasicRunningSim&) = delete;

    [[nodiscard]] std::string host() const { return "127.0.0.1:" + std::to_string(server->port()); }
    [[nodiscard]] std::string url(std::string_view path) const {
        return "http://" + host() + std::string(path);
    }

private:
    static Clock start_clock() {
        if constexpr (std::is_same_v<Clock, core::ManualClock>) {
            return Clock{core::TimePoint{1'714'557'600'000ms}};
        } else {
            return Clock{};
        }
    }
};

using RunningSim = BasicRunningSim<>;

}  // namespace noctua::testing
