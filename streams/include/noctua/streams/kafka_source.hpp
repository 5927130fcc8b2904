#pragma once

#include <cstdint>
#include <memory>

#include "noctua/config/config.hpp"
#include "noctua/core/result.hpp"
#include "noctua/streams/checkpoint.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/ownership.hpp"
#include "noctua/streams/pipeline.hpp"
#include "noctua/streams/sources/kafka.hpp"

namespace noctua::streams {

/// A `kind = "kafka"` stream: a librdkafka consumer-group member (`brokers`, `topics`,
/// `group_id`, extra `kafka` properties) whose message values are JSON events (one per
/// message, or NDJSON), applied through the IngestPipeline.
///
/// At-least-once: auto-commit is off; a poll batch (up to 1000 messages) is applied on the
/// ingest thread first, and its offsets are committed afterwards:
/// - Without a Checkpointer (no `[storage]`), right after applying. On a rebalance the
///   pending batch is applied and committed before the partitions are given up, so the next
///   owner starts after them; a crash between apply and commit re-delivers that batch
///   (duplicates within `windows.dedup_horizon` are dropped by id).
/// - With a Checkpointer, only once a window snapshot holds the events: the offsets are noted
///   on the ingest thread with the events and stored in the snapshot's transaction, and
///   committed to the group after that save. A crash (which loses the windows since the last
///   snapshot) therefore resumes from the snapshot's position, and nothing is lost. On
///   assignment a partition starts at the furthest of: what the live windows hold (a
///   partition given back after a rebalance), the stored offset (a crash after a save but
///   before its commit), and the group's committed offset (another member went further);
///   so nothing is counted twice either. A rebalance hands partitions over at the last
///   snapshot's position: the next owner re-reads what came after it (its own windows do not
///   hold it).
///
/// With a SeriesOwnership (a sharded instance), each message's key is taken for its provider:
/// the first message of a key on a partition since its assignment is parsed for its event time
/// and the provider claimed; a revoked partition releases its keys before its batch is handed
/// over. Messages without a key, or whose first event names another provider, claim nothing
/// (counted in noctua_ingest_source_errors_total as `unkeyed` / `key_not_provider`).
///
/// Catching up a backlog, partitions are read unevenly: each batch is applied partition by
/// partition, and the pipeline's PartitionProgress told each one's newest event time and
/// whether it is at its end (partition EOF, or its position at the high watermark), so that the
/// windows' watermark waits for the partition furthest behind (docs/events.md, "Catching up a
/// backlog"). Assigned partitions are added to it and revoked ones dropped (after an eager
/// revocation, only once the assignment that follows shows they moved); until its first
/// assignment the source holds the watermark too.
///
/// Executor: a thread of its own ("kafka poll"); start()/stop() from one controlling thread.
class KafkaSource {
public:
    /// Errors: Errc::invalid_argument for a property librdkafka refuses.
    /// `checkpoint` may be null; otherwise it must outlive the source, and the source
    /// registers a Checkpointer::on_saved() listener (create before the pipeline starts).
    /// `ownership` may be null (not sharded); otherwise it must outlive the source.
    [[nodiscard]] static core::Result<std::unique_ptr<KafkaSource>> create(
        const config::StreamConfig& config, IngestPipeline& pipeline, StreamMetrics& metrics,
        Checkpointer* checkpoint = nullptr, SeriesOwnership* ownership = nullptr);
    ~KafkaSource();
    KafkaSource(const KafkaSource&) = delete;
    KafkaSource& operator=(const KafkaSource&) = delete;

    /// Subscribes and starts the poll thread.
    void start();
    /// Applies and commits what was polled, leaves the group, joins; idempotent.
    void stop();

    /// Messages applied so far (and committed, or with a Checkpointer noted for the next
    /// snapshot).
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
