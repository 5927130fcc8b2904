#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "noctua/core/result.hpp"
#include "noctua/store/store.hpp"
#include "noctua/streams/ingest_log.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/pipeline.hpp"

namespace noctua::streams {

/// The durable state of ingest: the window snapshot and the offsets of the input that went
/// into it (file positions), written to the store together in one transaction.
///
/// Because a source's offset is persisted only with the snapshot that contains its events,
/// a restart restores windows and offsets that agree: the input read after the last save is
/// read again and applied once (nothing lost, nothing counted twice). Events re-read after
/// a crash whose bucket has meanwhile closed are counted as late (docs/events.md).
///
/// Executor: the ingest thread (note_offset(), save()), or any thread while the pipeline is
/// not running (restore() before start(), save() after stop()). Blocking (SQLite).
class Checkpointer {
public:
    /// `metrics` may be null. `name`: the blob the snapshot is stored under.
    Checkpointer(store::Store& store, IngestPipeline& pipeline, StreamMetrics* metrics,
                 std::string name = "windows");

    /// Loads the stored snapshot into the windows. True when one was restored, false when
    /// the store has none. Errors: a store failure or a corrupt image (windows untouched).
    [[nodiscard]] core::Result<bool> restore();

    /// Records that `source` has applied its input up to `value` at `key` (nullopt: forget
    /// the key); persisted by the next save().
    void note_offset(const std::string& source, const std::string& key,
                     std::optional<std::int64_t> value);

    /// Writes the snapshot and the noted offsets in one transaction. On error the offsets
    /// stay noted for the next save. Counts noctua_window_snapshots_total{result}.
    [[nodiscard]] core::Result<void> save();

    [[nodiscard]] store::Store& store() { return store_; }

    /// Ties the ingest log to the snapshots: save() stores the log's last sequence number with
    /// the snapshot (fsynced), rotates the log, and once the snapshot is durable trims the
    /// segments it holds. Before the pipeline starts; `log` must outlive the Checkpointer's
    /// saves.
    void attach_log(IngestLog& log) { log_ = &log; }
    /// The ingest log sequence number the restored snapshot holds (0: none). After restore().
    [[nodiscard]] std::uint64_t snapshot_seq() const { return snapshot_seq_; }

    /// Called after each successful save(), on the thread that saved, with the offsets that
    /// save made durable (KafkaSource commits them to the broker then). Register before the
    /// pipeline starts; a listener must stay callable as long as the Checkpointer saves.
    using SavedListener = std::function<void(const std::vector<store::Batch::Offset>&)>;
    void on_saved(SavedListener listener) { listeners_.push_back(std::move(listener)); }

private:
    store::Store& store_;
    IngestPipeline& pipeline_;
    StreamMetrics* metrics_;
    std::string name_;
    std::map<std::pair<std::string, std::string>, std::optional<std::int64_t>> pending_;
    std::vector<SavedListener> listeners_;
    IngestLog* log_ = nullptr;
    std::uint64_t snapshot_seq_ = 0;
};

}  // namespace noctua::streams
