#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "noctua/testing/run_until.hpp"

namespace noctua::testing {

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) return pred();
        std::this_thread::yield();
    }
    return true;
}

}  // namespace noctua::testing
