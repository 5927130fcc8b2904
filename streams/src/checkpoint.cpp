#include "noctua/streams/checkpoint.hpp"

#include "noctua/core/log.hpp"

namespace noctua::streams {

Checkpointer::Checkpointer(store::Store& store, IngestPipeline& pipeline,
                           StreamMetrics* metrics, std::string name)
    : store_(store), pipeline_(pipeline), metrics_(metrics), name_(std::move(name)) {}

core::Result<bool> Checkpointer::restore() {
    auto image = store_.blob(name_);
    if (!image) return std::unexpected(image.error());
    if (!*image) return false;
    if (auto r = pipeline_.windows().restore(**image); !r) return std::unexpected(r.error());
    return true;
}

void Checkpointer::note_offset(const std::string& source, const std::string& key,
                               std::optional<std::int64_t> value) {
    pending_[{source, key}] = value;
}

core::Result<void> Checkpointer::save() {
    store::Batch batch;
    batch.blobs.emplace_back(name_, pipeline_.windows().snapshot());
    batch.offsets.reserve(pending_.size());
    for (const auto& [k, v] : pending_) batch.offsets.push_back({k.first, k.second, v});
    auto r = store_.commit(batch);
    if (metrics_) metrics_->snapshots.Add({{"result", r ? "ok" : "error"}}).Increment();
    if (!r) {
        core::logger("streams")->warn("window snapshot not saved: {}", r.error().message);
        return r;
    }
    pending_.clear();
    for (const auto& listener : listeners_) listener(batch.offsets);
    return {};
}

}  // namespace noctua::streams
