#include "service_notify.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include "noctua/core/log.hpp"

namespace noctua::daemon {
namespace {

/// A STATUS= value is one line: a newline would start another assignment.
std::string one_line(std::string_view status) {
    std::string out(status);
    for (auto& c : out) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return out;
}

std::uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1'000U;
}

}  // namespace

ServiceNotifier::ServiceNotifier(Strand strand, bool enabled)
    : enabled_(enabled && std::getenv("NOTIFY_SOCKET") != nullptr), timer_(strand) {
    if (!enabled_) return;
    std::uint64_t usec = 0;
    // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID is unset or names this process.
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        ping_every_ = std::chrono::microseconds(static_cast<std::int64_t>(usec / 2));
    }
}

void ServiceNotifier::send(std::string_view message) const {
    if (!enabled_) return;
    const std::string text(message);
    if (const int r = sd_notify(0, text.c_str()); r < 0) {
        core::logger("daemon")->warn("sd_notify failed: {}", std::strerror(-r));
    }
}

void ServiceNotifier::ready(std::string_view status) const {
    send(fmt::format("READY=1\nSTATUS={}", one_line(status)));
}

void ServiceNotifier::reloading() const {
    send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading the configuration",
                     monotonic_usec()));
}

void ServiceNotifier::stopping(std::string_view status) const {
    send(fmt::format("STOPPING=1\nSTATUS={}", one_line(status)));
}

void ServiceNotifier::start_watchdog() {
    if (!enabled_ || ping_every_.count() == 0 || pinging_) return;
    pinging_ = true;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(ping_every_);
    core::logger("daemon")->info("systemd watchdog: WATCHDOG=1 every {} ms", ms.count());
    send("WATCHDOG=1");
    schedule_ping();
}

void ServiceNotifier::stop_watchdog() {
    pinging_ = false;
    timer_.cancel();
}

void ServiceNotifier::schedule_ping() {
    timer_.expires_after(ping_every_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || !pinging_) return;
        send("WATCHDOG=1");
        schedule_ping();
    });
}

}  // namespace noctua::daemon
