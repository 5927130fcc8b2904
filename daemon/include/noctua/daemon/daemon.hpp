#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/result.hpp"

namespace noctua::daemon {

struct DaemonOptions {
    /// The file reloads read (SIGHUP, POST /api/v1/reload); empty disables reloading from file.
    std::string config_path;
    /// Threads running the io_context (docs/contributing.md, "Threads"); 1 is plenty for most
    /// sites.
    unsigned threads = 1;
    /// Handle SIGINT/SIGTERM (graceful stop) and SIGHUP (reload). Off for in-process tests.
    bool handle_signals = false;
    /// Speak sd_notify to the service manager named by NOTIFY_SOCKET (READY, RELOADING,
    /// STOPPING, WATCHDOG; docs/operations.md). Off for in-process tests.
    bool notify_service_manager = false;
    /// Command-line overrides of [logging], kept across reloads.
    std::optional<std::string> log_level;
    std::optional<config::LogFormat> log_format;
    /// Command-line override of `[cluster] shard` (`noctua run --shard i/N`), kept across
    /// reloads.
    std::optional<core::Shard> shard;
    /// Seed for jitter and backoff randomness; 0 picks one from std::random_device.
    std::uint64_t seed = 0;
    /// How often the rules are advanced without samples (a stream falling silent, a burst
    /// ending): probe-fed rules to the wall clock, stream-fed rules to the windows' watermark,
    /// so a backfill of old events through a live daemon is never made late (docs/events.md,
    /// "Detection time").
    std::chrono::milliseconds rule_tick = std::chrono::seconds(10);
    /// The clock the daemon reads (in-process tests: a core::ManualClock); null: the system
    /// clock. Must outlive the daemon. Timers still wait in real time, for the interval
    /// between the clock's now and their due time.
    const core::Clock* clock = nullptr;
};

/// The whole process: one io_context, the HTTP server, the probe scheduler, the detectors, the
/// alert engine and the dispatcher, wired together (docs/architecture.md: the daemon is the only
/// place that knows all of them).
///
/// Life cycle: construct → start() (binds, schedules) → run() blocks until a graceful stop
/// (request_stop(), SIGINT/SIGTERM) has drained in-flight deliveries or hit
/// server.shutdown_timeout. request_stop() and reload() are thread-safe.
class Daemon {
public:
    Daemon(config::Config config, DaemonOptions options);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Binds the server and starts probing. Errors: address in use, a probe or receiver that
    /// cannot be created.
    [[nodiscard]] core::Result<void> start();

    /// Runs the io_context on `options.threads` threads (the caller's included) until stopped.
    void run();

    /// Starts a graceful stop; safe from any thread and from signal context via the io_context.
    void request_stop();

    /// Replaces the configuration, keeping the state of unchanged probes and alerts. On error
    /// the old configuration keeps running and the errors are returned (and logged).
    /// Thread-safe; blocks the caller until applied (do not call from an io_context thread).
    [[nodiscard]] core::Result<void> reload(config::Config config);

    /// The bound HTTP port (after start()).
    [[nodiscard]] std::uint16_t port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace noctua::daemon
