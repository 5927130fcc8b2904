#pragma once

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>

namespace noctua::testing {

/// Runs `ioc` handler by handler until `pred` holds or `timeout` passes (a bounded wait on a
/// condition, never a sleep). Returns pred()'s final value.
inline bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) return pred();
        if (ioc.stopped()) ioc.restart();
        ioc.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
}

/// Polls `pred` (for state changed by other threads) until it holds or `timeout` passes,
/// yielding between checks. Returns pred()'s final value.
bool wait_for(const std::function<bool()>& pred,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace noctua::testing
