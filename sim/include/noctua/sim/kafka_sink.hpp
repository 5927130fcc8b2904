#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "noctua/core/result.hpp"
#include "noctua/sim/runner.hpp"

namespace noctua::sim {

/// Produces events to a Kafka topic through librdkafka: the value is the event's JSON, the key its
/// provider, so a provider's events stay in one partition (docs/operations.md, "Scale out").
/// Produce is non-blocking; delivery reports are served from push()/flush() with rd_kafka_poll(0).
/// busy() applies backpressure while the local queue is full.
///
/// Executor: the simulator's io_context thread (single-threaded use).
class KafkaSink final : public EventSink {
public:
    struct Options {
        std::string brokers;  ///< bootstrap.servers, e.g. "127.0.0.1:9092"
        std::string topic = "transactions";
        std::size_t max_queued = 100'000;  ///< busy() above this many undelivered messages
    };
    struct Stats {
        std::uint64_t delivered = 0;
        std::uint64_t failed = 0;
    };

    /// Creates the producer; errors name the bad setting.
    [[nodiscard]] static core::Result<std::unique_ptr<KafkaSink>> create(Options options);
    ~KafkaSink() override;
    KafkaSink(const KafkaSink&) = delete;
    KafkaSink& operator=(const KafkaSink&) = delete;

    // EventSink
    void push(const TxEvent& e) override;
    [[nodiscard]] bool busy() const override;
    void flush() override;
    [[nodiscard]] std::size_t pending() const override;

    [[nodiscard]] Stats stats() const;

private:
    struct Impl;
    explicit KafkaSink(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace noctua::sim
