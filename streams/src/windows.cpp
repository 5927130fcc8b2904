// WindowStore: adding events to the windows, closing buckets into samples, evicting.
#include "noctua/streams/windows.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "noctua/core/assert.hpp"
#include "window_store_impl.hpp"

namespace noctua::streams {

WindowStore::WindowStore(const config::WindowsConfig& config, StreamMetrics* metrics,
                         SampleSink sink)
    : impl_(std::make_unique<Impl>(config, metrics, std::move(sink))) {}
WindowStore::~WindowStore() = default;

std::uint64_t WindowStore::id_hash(std::string_view id) { return dedup_hash(id); }

AddOutcome WindowStore::add(const TxEvent& e) { return add(e, dedup_hash(e.id)); }

AddOutcome WindowStore::add(const TxEvent& e, std::uint64_t id) {
    NOCTUA_ASSERT(id == dedup_hash(e.id));
    Impl& d = *impl_;
    const std::int64_t ts = ms_of(e.ts);
    if (d.closed_until != kUnset && ts < d.closed_until) return AddOutcome::late;
    // The dedup probe is likely a cache miss (millions of ids); the series lookups hide it.
    d.dedup.prefetch(id);
    d.lookup_series(e);
    bool early = false;
    if (d.dedup.seen(id, ts, early)) return AddOutcome::duplicate;
    if (early && d.dedup_early) d.dedup_early->Increment();

    const std::uint16_t error_id = d.intern(e.error_code);
    // Classified once per event, at ingest: the buckets keep counts by class, not codes.
    const core::ErrorClass cls = e.status == TxStatus::success && e.error_code.empty()
                                     ? core::ErrorClass::success
                                     : core::classify_error(to_string(e.status), e.error_code);
    const std::int64_t start = floor_to(ts, d.bucket_ms);
    const std::int64_t hstart = floor_to(ts, d.history_ms);
    if (d.earliest_open == kUnset || start < d.earliest_open) d.earliest_open = start;
    for (auto& set : d.sets) {
        Series& s = d.series_for(set, e);
        count_event(bucket_at(s.recent, start), e, error_id, cls);
        count_event(bucket_at(s.history, hstart), e, error_id, cls);
        s.last_event_ms = std::max(s.last_event_ms, ts);
        if (!e.currency.empty() && s.currency != e.currency) s.currency = e.currency;
        if (e.has_balance) note_balance(s, start, ts, e.balance, d.closed_until);
        if (set.config.metrics && d.metrics && !s.exported[0]) d.export_series(set, s);
        if (s.exported[0]) s.exported[static_cast<std::size_t>(e.status)]->Increment();
    }
    d.count_transaction(e);
    return AddOutcome::applied;
}

void WindowStore::prefetch(std::uint64_t id) const { impl_->dedup.prefetch(id); }

void WindowStore::advance(core::TimePoint now) {
    Impl& d = *impl_;
    const std::int64_t target = floor_to(ms_of(now) - d.cfg.allowed_lateness.count(), d.bucket_ms);
    if (d.closed_until == kUnset) {
        d.closed_until = d.earliest_open == kUnset ? target : std::min(d.earliest_open, target);
    }
    if (target <= d.closed_until) return;
    // After a long pause only the buckets still in `recent` are worth emitting.
    d.closed_until = std::max(d.closed_until, target - d.cfg.recent.count());
    std::vector<core::Sample> out;
    while (d.closed_until < target) {
        d.close_bucket(d.closed_until, out);
        d.closed_until += d.bucket_ms;
    }
    d.earliest_open = kUnset;
    d.evict();
    if (d.watermark_gauge) d.watermark_gauge->Set(static_cast<double>(d.closed_until) / 1000.0);
    if (!out.empty() && d.sink) d.sink(std::move(out));
}

core::TimePoint WindowStore::watermark() const {
    return impl_->closed_until == kUnset ? core::TimePoint{} : tp(impl_->closed_until);
}

const Bucket* WindowStore::find(std::string_view set, const core::Labels& dims, core::TimePoint t,
                                bool history) const {
    for (const auto& s : impl_->sets) {
        if (s.config.name != set) continue;
        std::string key;
        for (const auto& d : s.dims) {
            key.append(dims.get(d.name).value_or(""));
            key.push_back(kKeySeparator);
        }
        auto it = s.series.find(key);
        if (it == s.series.end()) return nullptr;
        const std::int64_t width = history ? impl_->history_ms : impl_->bucket_ms;
        return find_bucket(history ? it->second.history : it->second.recent,
                           floor_to(ms_of(t), width));
    }
    return nullptr;
}

std::string_view WindowStore::error_code(std::uint16_t id) const {
    return id < impl_->code_names.size() ? std::string_view(impl_->code_names[id]) : "";
}

std::size_t WindowStore::series_count(std::string_view set) const {
    for (const auto& s : impl_->sets) {
        if (s.config.name == set) return s.series.size();
    }
    return 0;
}

WindowMemory WindowStore::memory() const {
    WindowMemory m;
    for (const auto& set : impl_->sets) {
        // unordered_map node + bucket pointer, the key, the series and its labels.
        m.bytes += set.series.bucket_count() * sizeof(void*);
        for (const auto& [k, s] : set.series) {
            ++m.series;
            m.buckets += s.recent.size() + s.history.size();
            m.bytes += sizeof(Series) + 2 * sizeof(void*) + k.capacity() + 1 +
                       s.balances.capacity() * sizeof(BalanceReading);
            for (const auto& [n, v] : s.dims.pairs()) m.bytes += sizeof(n) * 2 + n.capacity() + v.capacity();
            // deque: 512-byte nodes plus its map of node pointers.
            for (const auto* q : {&s.recent, &s.history}) {
                const std::size_t per_node = std::max<std::size_t>(1, 512 / sizeof(Bucket));
                const std::size_t nodes = q->size() / per_node + 1;
                m.bytes += nodes * 512 + (nodes + 8) * sizeof(void*);
            }
        }
    }
    m.bytes += impl_->dedup.bytes();
    return m;
}

}  // namespace noctua::streams
