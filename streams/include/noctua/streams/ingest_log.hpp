#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "noctua/core/result.hpp"

namespace noctua::streams {

struct StreamMetrics;

/// What a record of the ingest log holds; the log itself does not look inside.
enum class LogRecordKind : std::uint8_t {
    batch = 1,  ///< an accepted push batch (sequence number > 0)
    carry = 2,  ///< state carried into a new segment (sequence number 0), see IngestLog::start()
};

/// One record read back by IngestLog::replay().
struct LogRecord {
    std::uint64_t seq = 0;
    LogRecordKind kind = LogRecordKind::batch;
    std::string_view payload;
};

/// What IngestLog::replay() found.
struct ReplayStats {
    std::size_t records = 0;      ///< valid records read (batch and carry)
    std::uint64_t last_seq = 0;   ///< the highest sequence number read (0: none)
    std::size_t truncations = 0;  ///< torn or corrupt tails cut off
};

/// A write-ahead log of accepted push batches, so that a `200` survives `kill -9`
/// (docs/events.md, "Durability").
///
/// On disk: a directory of segments `<n>.log` (n increasing), each an 8-byte magic followed by
/// records `[u32 length][u32 CRC32][u64 seq][u8 kind][payload]` (little-endian; the CRC, zlib's
/// crc32, covers seq, kind and payload; length counts them too). A segment begins with a
/// `carry` record. A torn or corrupt tail (a crash in the middle of a write) is cut off by
/// replay(), counted (noctua_ingest_log_truncations_total) and logged.
///
/// Group commit: append() queues a record; a writer thread of the log's own writes everything
/// queued, fsyncs once (fdatasync) and then runs each record's `done`. Records queued while an
/// fsync is in progress share the next one, and the writer waits up to 2 ms for as many
/// records as its last group answered (senders answered together come back together), so that
/// concurrent senders keep sharing fsyncs instead of alternating between them. The snapshot side calls rotate() and trim(): a
/// segment is deleted once a durable window snapshot holds every batch in it.
///
/// Thread-safety: append(), last_seq(), rotate(), trim() may be called from any thread;
/// sequence numbers follow the order of the append() calls and records reach the file in that
/// order. replay() and start() are called once, before any append(), on one thread.
/// Blocking: only the writer thread and replay() touch the disk. Lifetime: stop() (or the
/// destructor) writes and fsyncs what is queued, runs its `done`s and joins the writer.
class IngestLog {
public:
    /// Runs on the writer thread once the record is durable (ok) or could not be made so
    /// (Errc::io). Must not block.
    using Done = std::function<void(core::Result<void>)>;
    /// Builds the payload of the `carry` record that begins each new segment (writer thread).
    using Carry = std::function<std::string()>;

    /// Opens `dir` (created if needed). `metrics` may be null. Errors: Errc::io.
    [[nodiscard]] static core::Result<std::unique_ptr<IngestLog>> open(std::filesystem::path dir,
                                                                       StreamMetrics* metrics);
    ~IngestLog();
    IngestLog(const IngestLog&) = delete;
    IngestLog& operator=(const IngestLog&) = delete;

    /// Reads every segment in order and calls `fn` for each valid record, cutting off a torn
    /// tail. Call once, before start(). Errors: Errc::io (a segment cannot be read or cut).
    [[nodiscard]] core::Result<ReplayStats> replay(const std::function<void(const LogRecord&)>& fn);

    /// Sequence numbers continue after `seq` (the highest one a snapshot holds): a log trimmed
    /// empty must not hand out numbers the snapshot already covers. Before start().
    void resume_after(std::uint64_t seq);

    /// Starts the writer on a new segment beginning with carry()'s record. Errors: Errc::io
    /// (the segment cannot be created).
    [[nodiscard]] core::Result<void> start(Carry carry);
    /// Writes what is queued, runs its `done`s, joins the writer; idempotent.
    void stop();

    /// Queues a `batch` record and returns its sequence number; `done` runs on the writer
    /// thread after the fsync that makes it durable, or with an error. After stop(), `done`
    /// runs at once with Errc::unavailable.
    std::uint64_t append(std::string payload, Done done);

    /// The sequence number of the last append() (0: none).
    [[nodiscard]] std::uint64_t last_seq() const;

    /// Batches are appended when they arrive and applied to the windows meanwhile, in the same
    /// order; the applier reports each one here (ingest thread) so that a snapshot knows which
    /// batches it holds. replay() + resume_after() count as applied.
    void mark_applied(std::uint64_t seq);
    /// The highest sequence number marked applied: a snapshot taken now holds every batch up
    /// to it (and none after it).
    [[nodiscard]] std::uint64_t applied_seq() const;

    /// Closes the current segment after the records queued so far, and starts a new one with
    /// a fresh `carry` record (no-op when the segment holds no batch yet).
    void rotate();
    /// Deletes the closed segments whose batches all have seq <= `upto` (a durable snapshot
    /// holds them). Runs on the writer, after what is queued before it.
    void trim(std::uint64_t upto);

    /// The segment files now on disk (for tests and the status page).
    [[nodiscard]] std::size_t segments() const;

private:
    struct Impl;
    explicit IngestLog(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace noctua::streams
