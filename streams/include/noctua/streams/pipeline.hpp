#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/streams/event.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/partition_progress.hpp"
#include "noctua/streams/windows.hpp"

namespace noctua::streams {

/// One rejected line of a batch, for the push response.
struct LineError {
    std::size_t line = 0;
    RejectReason reason = RejectReason::none;
    std::string_view field;
};

/// What a batch did. `errors` holds the first few rejections (kMaxReportedErrors).
struct BatchResult {
    std::size_t accepted = 0;  ///< applied to the windows
    std::size_t rejected = 0;  ///< invalid
    std::size_t duplicates = 0;
    std::size_t late = 0;
    /// The newest event time read (applied, duplicate or late); nullopt when no event parsed.
    std::optional<core::TimePoint> newest;
    std::vector<LineError> errors;
    /// Set when the batch as a whole could not be read (bad gzip, over max_decompressed, not
    /// an array): an HTTP status (400/413) and a message; nothing was applied.
    int failed_status = 0;
    std::string failure;
};
inline constexpr std::size_t kMaxReportedErrors = 10;

/// NDJSON lines parsed off the ingest thread (IngestPipeline::parse_lines), to be applied
/// there with IngestPipeline::apply_parsed(). Reused batch after batch: events beyond `count`
/// keep their string capacity, so a steady stream parses without allocating.
struct ParsedBatch {
    std::vector<TxEvent> events;  ///< [0, count) are this batch's events, in line order
    std::size_t count = 0;
    std::vector<std::pair<std::size_t, Rejection>> rejections;  ///< (line, why), in line order
    std::size_t bytes = 0;  ///< size of the text parsed

    /// Empties the batch, keeping its capacity.
    void clear() {
        count = 0;
        rejections.clear();
        bytes = 0;
    }
};

/// How a batch's bytes are framed and encoded.
struct BatchFormat {
    bool json_array = false;  ///< "[{…},{…}]" instead of one object per line
    bool gzip = false;        ///< inflate first (at most `max_decompressed` bytes)
    std::size_t max_decompressed = 16 * 1024 * 1024;
};

/// The ingest side of the streams: parses batches and applies them to the WindowStore on a thread
/// of its own, so that a flood of transactions never delays probes or alert delivery on the
/// daemon's io_context (docs/contributing.md, "Threads": blocking and heavy work off the io
/// threads).
///
/// Executor: a private io_context run by one thread ("ingest"); the parser, the windows and
/// the sample sink live there. A timer advances the windows every `tick` by `clock`, to a
/// watermark target that follows event time while events flow and the clock when they stop
/// (docs/events.md, "Detection time"), and that never passes what partitions() holds.
/// Thread-safety: try_submit(), post(), pending() and stop() may be called from any thread.
/// Back-pressure: try_submit() refuses batches beyond `queue_limit` waiting ones instead of
/// buffering without bound (the HTTP source answers 429).
/// Lifetime: stop() (or the destructor) finishes the batch in progress, drops queued ones
/// without calling their `done`, and joins the thread.
class IngestPipeline {
public:
    using Done = std::function<void(BatchResult)>;

    IngestPipeline(const config::WindowsConfig& windows, const core::Clock& clock,
                   StreamMetrics* metrics, WindowStore::SampleSink sink,
                   std::chrono::milliseconds tick = std::chrono::seconds(1));
    ~IngestPipeline();
    IngestPipeline(const IngestPipeline&) = delete;
    IngestPipeline& operator=(const IngestPipeline&) = delete;

    /// Starts the ingest thread.
    void start();
    /// Stops and joins; idempotent.
    void stop();

    /// Queues `data` (NDJSON or an array, maybe gzip) for `counters`' source; `done` runs on the
    /// ingest thread with the outcome. False, and nothing queued, when `queue_limit` batches
    /// are already waiting or the pipeline is stopped.
    [[nodiscard]] bool try_submit(SourceCounters& counters, std::string data, BatchFormat format,
                                  std::size_t queue_limit, Done done);

    /// Reads and applies one batch as try_submit() does (inflate, NDJSON or array) and returns
    /// the outcome. Ingest thread only, or before start() (the ingest log's replay).
    BatchResult apply_batch(SourceCounters& counters, std::string& data, BatchFormat format);

    /// Runs `fn` on the ingest thread with the windows (file and Kafka sources apply their
    /// lines through apply_lines() there; snapshots are taken there).
    void post(std::function<void()> fn);

    /// Parses and applies NDJSON `data` now, as parse_lines() + apply_parsed() (dedup lookups
    /// prefetched). Ingest thread only (inside post() or a Done).
    BatchResult apply_lines(SourceCounters& counters, std::string& data);

    /// Parses NDJSON `data` into `out` (cleared first) with `parser`, on the caller's thread:
    /// a source parses its next chunk while the ingest thread applies the previous one.
    /// `parser` must be built from parse_options(); any thread (one parser per thread).
    void parse_lines(EventParser& parser, std::string& data, ParsedBatch& out) const;

    /// Applies a batch parsed by parse_lines(): to the windows, and counted exactly as
    /// apply_lines() counts (bytes, events, duplicates, late, rejections). Ingest thread only.
    BatchResult apply_parsed(SourceCounters& counters, const ParsedBatch& batch);

    /// The options the pipeline's own parser uses (from the windows config).
    [[nodiscard]] const ParseOptions& parse_options() const;

    /// Ingest thread only.
    [[nodiscard]] WindowStore& windows();

    /// Where the partitions of sources that read several at once (Kafka) have got to: while
    /// one is behind, the watermark does not pass it (docs/events.md, "Catching up a
    /// backlog"). Partitions behind that deliver nothing for kStallLatenesses ×
    /// `allowed_lateness` stop holding (logged, and counted in
    /// noctua_ingest_stalled_partitions_total). Ingest thread only, or before start().
    [[nodiscard]] PartitionProgress& partitions();

    /// Advances the windows now, as the tick does: a source calls it after applying a batch
    /// and telling partitions() about it, so that the watermark moves with both at once.
    /// Ingest thread only, or before start().
    void advance();

    /// The clock the pipeline runs on (the time to tell partitions()).
    [[nodiscard]] const core::Clock& clock() const;

    /// How many `allowed_lateness` a partition behind may deliver nothing before it stops
    /// holding the watermark.
    static constexpr int kStallLatenesses = 4;

    /// Batches queued and not yet applied.
    [[nodiscard]] std::size_t pending() const { return pending_.load(); }

    /// True once stop() began: work posted from now on never runs.
    [[nodiscard]] bool stopped() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::atomic<std::size_t> pending_{0};
};

/// Inflates gzip (or zlib) `in` into `out`: every member of a multi-member body, in order,
/// failing beyond `limit` output bytes in all (gzip bombs). Errors: Errc::invalid_argument
/// (corrupt or truncated, or bytes after a member that are not one), Errc::unavailable (over
/// the limit).
[[nodiscard]] core::Result<void> gunzip(std::string_view in, std::string& out, std::size_t limit);

}  // namespace noctua::streams
