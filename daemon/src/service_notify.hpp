#pragma once

#include <chrono>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace noctua::daemon {

/// Tells the service manager (systemd, `Type=notify`) where the daemon is in its life, with
/// libsystemd's sd_notify: READY=1 once listening with its configuration loaded, RELOADING=1
/// (with MONOTONIC_USEC) when a reload starts and READY=1 when it ends, STOPPING=1 when a
/// graceful stop begins, and a STATUS= line with each. With `WatchdogSec=` set (WATCHDOG_USEC,
/// and WATCHDOG_PID naming this process), it sends WATCHDOG=1 every half of that interval from
/// a timer on the pipeline strand, so a wedged event loop stops the pings and gets restarted.
///
/// Disabled (every call does nothing) when constructed with `enabled = false` or when
/// NOTIFY_SOCKET is not set: in-process tests never talk to a service manager.
/// Executor: the pipeline strand given to the constructor; start_watchdog() and
/// stop_watchdog() must run there (or before the io_context runs). The notify calls are
/// thread-safe (one datagram each).
class ServiceNotifier {
public:
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

    /// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment.
    ServiceNotifier(Strand strand, bool enabled);
    ServiceNotifier(const ServiceNotifier&) = delete;
    ServiceNotifier& operator=(const ServiceNotifier&) = delete;

    /// READY=1 with `status` as STATUS=.
    void ready(std::string_view status) const;
    /// RELOADING=1, MONOTONIC_USEC=<CLOCK_MONOTONIC now> and STATUS=.
    void reloading() const;
    /// STOPPING=1 with `status` as STATUS=.
    void stopping(std::string_view status) const;

    /// Starts the WATCHDOG=1 pings when the service manager asked for them.
    void start_watchdog();
    /// Cancels the pings (the last step of a graceful stop: the timer would keep the
    /// io_context running).
    void stop_watchdog();

    /// Half of WATCHDOG_USEC, or zero when there is no watchdog.
    [[nodiscard]] std::chrono::microseconds watchdog_interval() const { return ping_every_; }

private:
    void send(std::string_view message) const;
    void schedule_ping();

    bool enabled_;
    std::chrono::microseconds ping_every_{0};
    boost::asio::steady_timer timer_;  // Executor: pipeline strand
    bool pinging_ = false;             // pipeline strand
};

}  // namespace noctua::daemon
