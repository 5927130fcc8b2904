#include "noctua/streams/checkpoint.hpp"

#include "noctua/core/log.hpp"

namespace noctua::streams {

Checkpointer::Checkpointer(store::Store& store, IngestPipeline& pipeline,
                           StreamMetrics* metrics, std::string name)
    : store_(store), pipeline_(pipeline), metrics_(metrics), name_(std::move(name)) {}

namespace {

// Where the ingest log's sequence number is kept, among the source offsets.
constexpr std::string_view kLogSource = "ingest-log";
constexpr std::string_view kLogKey = "seq";

}  // namespace

core::Result<bool> Checkpointer::restore() {
    auto image = store_.blob(name_);
    if (!image) return std::unexpected(image.error());
    if (!*image) return false;
    if (auto r = pipeline_.windows().restore(**image); !r) return std::unexpected(r.error());
    auto seq = store_.offset(kLogSource, kLogKey);
    if (!seq) return std::unexpected(seq.error());
    snapshot_seq_ = static_cast<std::uint64_t>(seq->value_or(0));
    return true;
}

void Checkpointer::note_offset(const std::string& source, const std::string& key,
                               std::optional<std::int64_t> value) {
    pending_[{source, key}] = value;
}

core::Result<void> Checkpointer::save() {
    // Every batch up to `seq` is applied, so the snapshot holds it; the log's next segment
    // starts after it.
    std::uint64_t seq = 0;
    if (log_) {
        seq = log_->applied_seq();
        log_->rotate();
        pending_[{std::string(kLogSource), std::string(kLogKey)}] = static_cast<std::int64_t>(seq);
    }
    store::Batch batch;
    batch.blobs.emplace_back(name_, pipeline_.windows().snapshot());
    batch.offsets.reserve(pending_.size());
    for (const auto& [k, v] : pending_) batch.offsets.push_back({k.first, k.second, v});
    // The log is trimmed after this commit: it must be on disk, not only in the page cache.
    batch.sync = log_ != nullptr;
    auto r = store_.commit(batch);
    if (metrics_) metrics_->snapshots.Add({{"result", r ? "ok" : "error"}}).Increment();
    if (!r) {
        core::logger("streams")->warn("window snapshot not saved: {}", r.error().message);
        return r;
    }
    pending_.clear();
    if (log_) log_->trim(seq);
    for (const auto& listener : listeners_) listener(batch.offsets);
    return {};
}

}  // namespace noctua::streams
