#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/sim/generator.hpp"

namespace noctua::sim {

/// Where generated events go. Executor: the simulator's io_context thread.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void push(const TxEvent& e) = 0;
    /// True while the sink cannot take more; the runner waits (backpressure).
    [[nodiscard]] virtual bool busy() const { return false; }
    /// Sends or writes whatever is buffered.
    virtual void flush() {}
    /// Work not finished yet (e.g. HTTP batches in flight); the runner waits for 0 at the end.
    [[nodiscard]] virtual std::size_t pending() const { return 0; }
};

/// Discards events (traffic that only moves balances and applies a scenario).
class NullSink final : public EventSink {
public:
    void push(const TxEvent&) override {}
};

/// Writes one JSON object per line to a FILE* (stdout or a file the caller owns).
/// Blocking stdio writes: buffered, and acceptable for a simulator's output file.
class JsonLinesSink final : public EventSink {
public:
    explicit JsonLinesSink(std::FILE* out) : out_(out) {}
    void push(const TxEvent& e) override;
    void flush() override { std::fflush(out_); }

private:
    std::FILE* out_;
};

/// POSTs events as NDJSON batches (Content-Type application/x-ndjson) to Noctua's
/// /api/v1/events through core::HttpClient. At most `max_in_flight` batches are outstanding;
/// a failed batch (transport error or non-2xx) is retried up to twice, then counted as dropped.
class HttpPushSink final : public EventSink {
public:
    struct Options {
        std::string url;
        std::string token;  ///< bearer token; empty = none
        std::size_t batch = 500;
        std::size_t max_in_flight = 4;
        std::chrono::milliseconds timeout{10'000};
    };
    struct Stats {
        std::uint64_t sent_events = 0;
        std::uint64_t dropped_events = 0;
        std::uint64_t failed_requests = 0;
        int last_status = 0;
    };

    HttpPushSink(core::HttpClient& client, Options options);

    void push(const TxEvent& e) override;
    [[nodiscard]] bool busy() const override;
    void flush() override;
    [[nodiscard]] std::size_t pending() const override;
    [[nodiscard]] Stats stats() const;

private:
    struct State;
    void send(std::string body, std::size_t count, int attempt);
    core::HttpClient& client_;
    Options options_;
    std::string buffer_;
    std::size_t buffered_ = 0;
    std::shared_ptr<State> state_;  // shared with completion handlers that may outlive us
};

/// Drives a Generator into a sink in event time. Events older than the moment the runner
/// starts (a backfill) are produced as fast as the sink takes them; later ones are paced so that
/// event time runs `speed` times faster than the wall clock. speed = 0 means "as fast as
/// possible" throughout. Work is cut in chunks so the io_context keeps serving HTTP meanwhile.
///
/// Executor: the io_context (one thread). stop() cancels the timer; on_done runs once when the
/// end (or max_events) is reached and the sink has drained.
class TrafficRunner {
public:
    struct Options {
        double speed = 1.0;                        ///< 0 = max
        std::optional<core::TimePoint> end;        ///< stop at this event time
        std::optional<std::uint64_t> max_events;   ///< stop after this many events
        std::chrono::milliseconds tick{100};
        std::size_t chunk = 2000;
    };

    TrafficRunner(boost::asio::io_context& ioc, Generator& generator, EventSink& sink,
                  const core::Clock& wall, Options options, std::function<void()> on_done);
    TrafficRunner(const TrafficRunner&) = delete;
    TrafficRunner& operator=(const TrafficRunner&) = delete;

    void start();
    void stop();
    [[nodiscard]] std::uint64_t emitted() const { return emitted_; }
    [[nodiscard]] bool done() const { return done_; }

private:
    void step();
    void finish();
    void wait_drained(int polls);
    [[nodiscard]] core::TimePoint limit() const;

    boost::asio::io_context& ioc_;
    boost::asio::steady_timer timer_;
    Generator& generator_;
    EventSink& sink_;
    const core::Clock& wall_;
    Options options_;
    std::function<void()> on_done_;
    core::TimePoint anchor_wall_{};
    core::TimePoint anchor_event_{};
    std::uint64_t emitted_ = 0;
    bool stopped_ = false;
    bool done_ = false;
};

}  // namespace noctua::sim
