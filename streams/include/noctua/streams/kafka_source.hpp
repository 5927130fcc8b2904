#pragma once

#include <cstdint>
#include <memory>

#include "noctua/config/config.hpp"
#include "noctua/core/result.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/pipeline.hpp"

namespace noctua::streams {

/// A `kind = "kafka"` stream: a librdkafka consumer-group member (`brokers`, `topics`,
/// `group_id`, extra `kafka` properties) whose message values are JSON events (one per
/// message, or NDJSON), applied through the IngestPipeline.
///
/// At-least-once: auto-commit is off; a poll batch (up to 1000 messages) is applied on the
/// ingest thread first and its offsets are committed synchronously afterwards. On a rebalance
/// the pending batch is applied and committed before the partitions are given up, so the
/// next owner starts after them; a crash between apply and commit re-delivers that batch
/// (duplicates within `windows.dedup_horizon` are dropped by id).
///
/// Executor: a thread of its own ("kafka poll"); start()/stop() from one controlling thread.
class KafkaSource {
public:
    /// Errors: Errc::invalid_argument for a property librdkafka refuses.
    [[nodiscard]] static core::Result<std::unique_ptr<KafkaSource>> create(
        const config::StreamConfig& config, IngestPipeline& pipeline, StreamMetrics& metrics);
    ~KafkaSource();
    KafkaSource(const KafkaSource&) = delete;
    KafkaSource& operator=(const KafkaSource&) = delete;

    /// Subscribes and starts the poll thread.
    void start();
    /// Applies and commits what was polled, leaves the group, joins; idempotent.
    void stop();

    /// Messages applied and committed so far.
    [[nodiscard]] std::uint64_t committed() const;
    /// Partitions currently assigned to this member.
    [[nodiscard]] int assigned() const;

    [[nodiscard]] const std::string& id() const;

private:
    struct Impl;
    explicit KafkaSource(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace noctua::streams
