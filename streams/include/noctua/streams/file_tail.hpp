#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "noctua/config/config.hpp"
#include "noctua/streams/checkpoint.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/pipeline.hpp"
#include "noctua/streams/sources/file.hpp"

namespace noctua::streams {

/// Where a FileTail stands in one file (for tests and status).
struct TailedFile {
    std::string path;
    std::string identity;  ///< "<device>:<inode>"
    std::int64_t offset = 0;  ///< bytes read and applied
    std::int64_t size = 0;
};

/// What identifies a file's content besides its device and inode: the CRC-32 of its first
/// `length` bytes (at most 1 KiB), as Filebeat's fingerprint and Vector's checksum do. Stored
/// in the checkpoint beside the offset as one integer (pack()/unpack()).
struct FileHead {
    std::int64_t length = 0;
    std::uint32_t crc = 0;  ///< zlib crc32; 0 for no bytes
    bool operator==(const FileHead&) const = default;
    [[nodiscard]] std::int64_t pack() const;
    [[nodiscard]] static FileHead unpack(std::int64_t packed);
};

/// A `kind = "file"` stream: follows JSON-lines files matched by `paths` (globs), polling
/// every `poll_interval` on a thread of its own, and feeds complete lines to the
/// IngestPipeline. Both threads parse: the tail thread parses the first ~60% of each chunk
/// (IngestPipeline::parse_lines, cut at a line boundary) and posts it with the rest's bytes;
/// the ingest thread applies that part (apply_parsed()), then the rest (apply_lines()), in
/// line order. So parsing chunk n+1 overlaps applying (and finishing) chunk n; at
/// most one chunk is in flight, and two chunks' buffers are recycled.
///
/// - Appends are read from the last offset; a trailing line without '\n' waits for the rest.
/// - Rotation: a file is identified by device and inode, so a renamed file is read to its end
///   (through the descriptor kept open) and then forgotten, and the new file at the path is
///   read from 0. A stored offset is resumed only if the file still starts with the bytes
///   fingerprinted (FileHead); otherwise it is a new file that reuses the inode, read from 0.
///   Each counts in noctua_ingest_file_rotations_total, as do files gone while stopped.
/// - Truncation: a file shorter than its offset, or whose first bytes changed (truncated and
///   written past the offset between two passes), is read again from 0
///   (noctua_ingest_source_errors_total{kind="truncated"}).
/// - A line longer than a chunk is one too_large rejection; its bytes are skipped.
/// - Offsets: with a Checkpointer, the offset of each applied chunk is noted on the ingest
///   thread and persisted with the next window snapshot, and loaded again at start; so a
///   restart resumes where the saved windows stopped (see Checkpointer). Without one, every
///   start reads the files from the beginning (or the end with `start_at_end`).
/// - `start_at_end`: files present at the first poll that have no stored offset start at
///   their end; files that appear later are always read from 0.
///
/// Thread-safety: start(), stop() from one controlling thread. poll() runs one pass on the
/// caller's thread; only when not started (tests, tools). Blocking file reads happen on the
/// tail thread (or poll()'s caller), never on an io_context thread.
class FileTail {
public:
    /// `checkpoint` may be null (nothing durable). Lines are read in chunks of `chunk_bytes`;
    /// a line longer than a chunk is rejected once (too_large) and skipped.
    FileTail(const config::StreamConfig& config, IngestPipeline& pipeline,
             StreamMetrics& metrics, Checkpointer* checkpoint,
             std::size_t chunk_bytes = 1024 * 1024);
    ~FileTail();
    FileTail(const FileTail&) = delete;
    FileTail& operator=(const FileTail&) = delete;

    /// Starts the tail thread (polls at once, then every poll_interval).
    void start();
    /// Finishes the chunk being applied, stops and joins; idempotent.
    void stop();

    /// One pass over every matching file: reads what is new and waits until the ingest
    /// thread has applied it. Not while started.
    void poll();

    /// The files followed after the last pass.
    [[nodiscard]] std::vector<TailedFile> files() const;

    [[nodiscard]] const std::string& id() const { return config_.id; }

private:
    struct Open;
    /// What the checkpoint holds for one identity.
    struct Stored {
        std::optional<std::int64_t> offset;
        std::optional<FileHead> head;  ///< absent in checkpoints written without fingerprints
    };
    bool read_file(Open& f, bool draining);
    /// Extends `f.head` with the first `take` bytes of buffer_ (read at f.offset).
    void extend_head(Open& f, std::size_t take) const;
    /// Sets `f`'s offset from the checkpoint, or 0 when its first bytes are not the ones
    /// fingerprinted.
    void resume(Open& f, const Stored& stored);
    void rotated();
    /// Parses the first part of buffer_ and hands it, with the rest, to the ingest thread
    /// once the previous chunk is applied; false when the pipeline stopped. The checkpoint
    /// notes `offset` and `head` once it is applied.
    bool apply(const std::string& identity, std::int64_t offset, FileHead head);
    /// Waits until the chunk in flight (if any) is applied; false when the pipeline stopped.
    bool wait_applied();
    void forget(const std::string& identity);

    config::StreamConfig config_;
    FileStreamOptions options_;
    IngestPipeline& pipeline_;
    StreamMetrics& metrics_;
    SourceCounters counters_;
    Checkpointer* checkpoint_;
    std::size_t chunk_bytes_;

    // Tail thread (or poll()'s caller) only:
    std::map<std::string, Open> open_;  // by identity
    std::optional<std::map<std::string, Stored>> stored_;  // loaded at the first pass
    bool first_pass_ = true;
    std::string buffer_;
    EventParser parser_;
    /// A chunk on its way to the ingest thread: the lines this thread parsed, then the rest
    /// of the chunk's bytes (with room for the parser's padding), which the ingest thread
    /// parses itself.
    struct Chunk {
        ParsedBatch parsed;
        std::string rest;
    };
    std::shared_ptr<Chunk> chunks_[2];  // shared with the apply handler in flight
    std::size_t next_chunk_ = 0;        // the one this thread fills next
    std::optional<std::future<void>> in_flight_;  // the chunk being applied

    mutable std::mutex mu_;  // guards files_, wake_; leaf lock
    std::vector<TailedFile> files_;
    std::condition_variable cv_;
    bool wake_ = false;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace noctua::streams
