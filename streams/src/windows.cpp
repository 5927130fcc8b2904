#include "noctua/streams/windows.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include <sys/mman.h>

#include "noctua/core/arith.hpp"
#include "noctua/core/assert.hpp"
#include "noctua/streams/metrics.hpp"

namespace noctua::streams {
namespace {

constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t kMaxErrorCodes = 4096;
constexpr std::size_t kMaxProviders = 1000;  // bound of noctua_transactions_total{provider}
constexpr char kKeySeparator = '\x1f';
/// Snapshot format: v2 buckets count transactions by error class; v1 images are converted.
constexpr std::string_view kMagic = "NWS2";
constexpr std::string_view kMagicV1 = "NWS1";

std::int64_t floor_to(std::int64_t t, std::int64_t width) {
    return core::floor_div(t, width) * width;
}

std::int64_t ms_of(core::TimePoint t) { return t.time_since_epoch().count(); }
core::TimePoint tp(std::int64_t ms) { return core::TimePoint{std::chrono::milliseconds{ms}}; }

/// A fast 64-bit hash of short strings (ids, dimension values), chained through `seed`. Only
/// for in-memory tables: it is never persisted, so it may change between builds.
std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed) {
    constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;
    auto mix = [](std::uint64_t h, std::uint64_t v) {
        h = (h ^ v) * kMul;
        return h ^ (h >> 29);
    };
    std::uint64_t h = mix(seed, s.size());
    const char* p = s.data();
    std::size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t v = 0;
        std::memcpy(&v, p, 8);
        h = mix(h, v);
    }
    if (n > 0) {
        std::uint64_t v = 0;
        std::memcpy(&v, p, n);
        h = mix(h, v);
    }
    // murmur3's finaliser: every input bit reaches every output bit.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

/// Hashes the string keys of the maps below (providers, error codes, series keys) with
/// hash_bytes(): cheaper than std::hash for the short strings they hold, which an event looks
/// up several times.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return hash_bytes(s, 0); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

/// The dedup hash of an event id; never 0 (IdSet's empty slot).
std::uint64_t dedup_hash(std::string_view id) {
    const std::uint64_t h = hash_bytes(id, 0);
    return h == 0 ? 1 : h;
}

/// An open-addressing set of 64-bit id hashes (0 marks an empty slot). Grows by doubling.
/// Gives tables of 2 MiB and more transparent huge pages (Linux, THP "madvise" mode): random
/// probes into millions of ids otherwise miss the TLB on top of the cache.
template <class T>
struct HugePageAllocator {
    using value_type = T;
    static constexpr std::size_t kHuge = 2 * 1024 * 1024;
    HugePageAllocator() = default;
    template <class U>
    explicit HugePageAllocator(const HugePageAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHuge) return std::allocator<T>{}.allocate(n);
        const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
        void* p = std::aligned_alloc(kHuge, rounded);
        if (!p) throw std::bad_alloc();
        (void)madvise(p, rounded, MADV_HUGEPAGE);  // a hint: without THP it is only slower
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n * sizeof(T) < kHuge) {
            std::allocator<T>{}.deallocate(p, n);
        } else {
            std::free(p);
        }
    }
    friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

class IdSet {
public:
    /// Empties the set and keeps its table: the next generation fills it as far again.
    void clear() {
        if (slots_.empty()) {
            allocate();
        } else {
            std::fill(slots_.begin(), slots_.end(), 0);
        }
        size_ = 0;
    }
    [[nodiscard]] bool contains(std::uint64_t h) const {
        if (size_ == 0) return false;
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            if (slots_[i] == h) return true;
            if (slots_[i] == 0) return false;
        }
    }
    void insert(std::uint64_t h) {
        if (slots_.empty()) allocate();
        if ((size_ + 1) * 2 > slots_.size()) grow();
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            if (slots_[i] == h) return;
            if (slots_[i] == 0) {
                slots_[i] = h;
                ++size_;
                return;
            }
        }
    }
    /// Starts loading the slot `h` probes first (a table of millions of ids misses the cache).
    void prefetch(std::uint64_t h) const {
        // No `size_ != 0` test and the mask is a member: with either, GCC 12 dropped the
        // prefetch instruction altogether. A prefetch never faults (nullptr while no slots).
        __builtin_prefetch(slots_.data() + (h & mask_));
    }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::size_t bytes() const { return slots_.capacity() * sizeof(std::uint64_t); }

private:
    static constexpr std::size_t kInitial = 1024;
    void allocate() {
        slots_.assign(kInitial, 0);
        mask_ = kInitial - 1;
    }
    void grow() {
        Slots old(slots_.size() * 2, 0);
        old.swap(slots_);
        mask_ = slots_.size() - 1;
        size_ = 0;
        for (auto h : old) {
            if (h != 0) insert(h);
        }
    }
    using Slots = std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>>;
    Slots slots_;
    std::size_t mask_ = 0;  // slots_.size() - 1 once there are slots
    std::size_t size_ = 0;
};

/// Ids seen within the horizon: two generations of hashes, the older dropped when the newer
/// spans the horizon (by event time) or holds half of max_ids.
class Dedup {
public:
    Dedup(std::int64_t horizon_ms, std::size_t max_ids)
        : horizon_ms_(horizon_ms), per_generation_(std::max<std::size_t>(max_ids / 2, 1)) {}

    /// Starts loading the slots seen(h) will probe, so that other work hides the cache misses.
    void prefetch(std::uint64_t h) const {
        current_.prefetch(h);
        previous_.prefetch(h);
    }

    /// True when the id with id_hash() `h` was seen; otherwise remembers it. `early` is set
    /// when a generation filled before the horizon passed.
    bool seen(std::uint64_t h, std::int64_t ts_ms, bool& early) {
        if (current_.contains(h) || previous_.contains(h)) return true;
        if (start_ms_ == kUnset) start_ms_ = ts_ms;
        const bool full = current_.size() >= per_generation_;
        if (ts_ms - start_ms_ >= horizon_ms_ || full) {
            std::swap(current_, previous_);
            current_.clear();
            start_ms_ = ts_ms;
            early = full;
        }
        current_.insert(h);
        return false;
    }
    [[nodiscard]] std::size_t bytes() const { return current_.bytes() + previous_.bytes(); }

private:
    std::int64_t horizon_ms_;
    std::size_t per_generation_;
    std::int64_t start_ms_ = kUnset;
    IdSet current_;
    IdSet previous_;
};

enum class Dim : std::uint8_t { provider, operator_name, country, product, customer, currency, label };

struct DimRef {
    Dim dim;
    std::size_t label_index = 0;  // into windows.labels for Dim::label
    std::string name;
};

std::string_view value_of(const TxEvent& e, const DimRef& d) {
    switch (d.dim) {
        case Dim::provider: return e.provider;
        case Dim::operator_name: return e.operator_name;
        case Dim::country: return e.country;
        case Dim::product: return e.product;
        case Dim::customer: return e.customer;
        case Dim::currency: return e.currency;
        case Dim::label:
            for (const auto& [k, v] : e.labels) {
                if (k == d.name) return v;
            }
            return {};
    }
    return {};
}

struct Series {
    core::Labels dims;
    std::deque<Bucket> recent;
    std::deque<Bucket> history;
    std::int64_t last_event_ms = 0;
    std::array<prometheus::Counter*, kStatusCount> exported{};
};

using SeriesEntry = StringMap<Series>::value_type;

/// Series by the hash of their dimension values, so that an event finds its series without
/// building the key string. Open addressing over pointers into the set's map (whose nodes do
/// not move); rebuilt after series are erased.
class SeriesIndex {
public:
    void clear() {
        slots_.clear();
        size_ = 0;
    }
    /// The entry with hash `h` for which `eq(entry)` holds; nullptr when none.
    template <class Eq>
    [[nodiscard]] SeriesEntry* find(std::uint64_t h, Eq&& eq) const {
        if (size_ == 0) return nullptr;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask; slots_[i].entry; i = (i + 1) & mask) {
            if (slots_[i].hash == h && eq(*slots_[i].entry)) return slots_[i].entry;
        }
        return nullptr;
    }
    void insert(std::uint64_t h, SeriesEntry* entry) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = h & mask;
        while (slots_[i].entry) i = (i + 1) & mask;
        slots_[i] = Slot{h, entry};
        ++size_;
    }

private:
    struct Slot {
        std::uint64_t hash = 0;
        SeriesEntry* entry = nullptr;
    };
    void grow() {
        std::vector<Slot> old(std::max<std::size_t>(slots_.size() * 2, 64));
        old.swap(slots_);
        size_ = 0;
        for (const auto& s : old) {
            if (s.entry) insert(s.hash, s.entry);
        }
    }
    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

struct Set {
    config::DimensionSetConfig config;
    std::vector<DimRef> dims;
    StringMap<Series> series;
    SeriesIndex index;
    /// Set by Impl::lookup_series() for the event being added: its series if it exists, and
    /// the hash of its dimension values.
    SeriesEntry* hit = nullptr;
    std::uint64_t hit_hash = 0;
    prometheus::Gauge* gauge = nullptr;
    prometheus::Counter* overflow = nullptr;
};

Bucket& bucket_at(std::deque<Bucket>& q, std::int64_t start) {
    if (q.empty() || q.back().start_ms < start) {
        q.emplace_back().start_ms = start;
        return q.back();
    }
    for (auto it = q.end(); it != q.begin();) {
        --it;
        if (it->start_ms == start) return *it;
        if (it->start_ms < start) {
            Bucket b;
            b.start_ms = start;
            return *q.insert(it + 1, b);
        }
    }
    Bucket b;
    b.start_ms = start;
    return *q.insert(q.begin(), b);
}

const Bucket* find_bucket(const std::deque<Bucket>& q, std::int64_t start) {
    for (auto it = q.rbegin(); it != q.rend(); ++it) {
        if (it->start_ms == start) return &*it;
        if (it->start_ms < start) return nullptr;
    }
    return nullptr;
}

void apply(Bucket& b, const TxEvent& e, std::uint16_t error_id, core::ErrorClass cls) {
    ++b.by_status[static_cast<std::size_t>(e.status)];
    if (e.status != TxStatus::pending) ++b.by_class[static_cast<std::size_t>(cls)];
    if (e.has_latency) {
        std::size_t i = 0;
        while (i < kLatencyBoundsMs.size() && e.latency_ms > kLatencyBoundsMs[i]) ++i;
        ++b.latency[i];
        b.latency_sum_ms += e.latency_ms;
    }
    if (e.has_amount && e.status == TxStatus::success) b.amount_sum += e.amount;
    if (error_id == 0) return;
    for (std::size_t i = 0; i < kTopErrorCodes; ++i) {
        if (b.error_ids[i] == error_id || b.error_ids[i] == 0) {
            b.error_ids[i] = error_id;
            ++b.error_counts[i];
            return;
        }
    }
    ++b.other_errors;
}

// ---- snapshot encoding (host byte order; the image is for this machine's store)

/// A bucket as format v1 stored it (before by_class).
struct BucketV1 {
    std::int64_t start_ms = 0;
    std::array<std::uint32_t, kStatusCount> by_status{};
    std::array<std::uint32_t, kLatencyBoundsMs.size() + 1> latency{};
    double latency_sum_ms = 0;
    double amount_sum = 0;
    std::array<std::uint16_t, kTopErrorCodes> error_ids{};
    std::array<std::uint32_t, kTopErrorCodes> error_counts{};
    std::uint32_t other_errors = 0;
};

/// A v1 bucket with its classes rebuilt from the top error codes (`codes`: the image's code
/// names); failures under codes it did not keep count as provider faults.
Bucket upgrade(const BucketV1& v1, const std::vector<std::string>& codes) {
    Bucket b;
    b.start_ms = v1.start_ms;
    b.by_status = v1.by_status;
    b.latency = v1.latency;
    b.latency_sum_ms = v1.latency_sum_ms;
    b.amount_sum = v1.amount_sum;
    b.error_ids = v1.error_ids;
    b.error_counts = v1.error_counts;
    b.other_errors = v1.other_errors;
    auto at = [&](core::ErrorClass c) -> std::uint32_t& {
        return b.by_class[static_cast<std::size_t>(c)];
    };
    at(core::ErrorClass::success) = b.count(TxStatus::success);
    std::uint32_t failures = b.count(TxStatus::failed) + b.count(TxStatus::timeout) +
                             b.count(TxStatus::refunded);
    for (std::size_t i = 0; i < kTopErrorCodes; ++i) {
        if (b.error_ids[i] == 0 || b.error_ids[i] >= codes.size()) continue;
        const auto c = core::classify_error("failed", codes[b.error_ids[i]]);
        if (c == core::ErrorClass::provider_fault) continue;
        const std::uint32_t n = std::min(b.error_counts[i], failures);
        at(c) += n;
        failures -= n;
    }
    at(core::ErrorClass::provider_fault) = failures;
    return b;
}

class Writer {
public:
    template <class T>
    void put(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void str(std::string_view s) {
        put(static_cast<std::uint32_t>(s.size()));
        out.append(s);
    }
    std::string out;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    template <class T>
    bool get(T& v) {
        if (in_.size() < sizeof v) return false;
        std::memcpy(&v, in_.data(), sizeof v);
        in_.remove_prefix(sizeof v);
        return true;
    }
    bool str(std::string& s) {
        std::uint32_t n = 0;
        if (!get(n) || in_.size() < n) return false;
        s.assign(in_.substr(0, n));
        in_.remove_prefix(n);
        return true;
    }
    [[nodiscard]] bool done() const { return in_.empty(); }

private:
    std::string_view in_;
};

}  // namespace

// ---- Bucket

std::uint32_t Bucket::total() const {
    std::uint32_t n = 0;
    for (auto c : by_status) n += c;
    return n;
}

std::uint32_t Bucket::judged() const {
    return count(core::ErrorClass::success) + count(core::ErrorClass::provider_fault);
}

std::optional<double> Bucket::success_ratio() const {
    const std::uint32_t n = judged();
    if (n == 0) return std::nullopt;
    return static_cast<double>(count(core::ErrorClass::success)) / n;
}

std::uint32_t Bucket::latency_count() const {
    std::uint32_t n = 0;
    for (auto c : latency) n += c;
    return n;
}

std::optional<double> Bucket::latency_quantile(double q) const {
    const std::uint32_t n = latency_count();
    if (n == 0) return std::nullopt;
    const double rank = std::clamp(q, 0.0, 1.0) * n;
    double seen = 0;
    for (std::size_t i = 0; i < latency.size(); ++i) {
        const double next = seen + latency[i];
        if (next >= rank && latency[i] > 0) {
            const double lower = i == 0 ? 0.0 : kLatencyBoundsMs[i - 1];
            if (i == kLatencyBoundsMs.size()) return lower;
            const double upper = kLatencyBoundsMs[i];
            return lower + (upper - lower) * (rank - seen) / latency[i];
        }
        seen = next;
    }
    return kLatencyBoundsMs.back();
}

// ---- WindowStore

struct WindowStore::Impl {
    Impl(const config::WindowsConfig& c, StreamMetrics* m, SampleSink s)
        : cfg(c),
          metrics(m),
          sink(std::move(s)),
          bucket_ms(c.bucket.count()),
          history_ms(c.history_bucket.count()),
          dedup(c.dedup_horizon.count(), c.dedup_max_ids) {
        for (const auto& sc : c.sets) {
            Set set;
            set.config = sc;
            for (const auto& name : sc.by) {
                DimRef d{Dim::label, 0, name};
                if (name == "provider") d.dim = Dim::provider;
                else if (name == "operator") d.dim = Dim::operator_name;
                else if (name == "country") d.dim = Dim::country;
                else if (name == "product") d.dim = Dim::product;
                else if (name == "customer") d.dim = Dim::customer;
                else if (name == "currency") d.dim = Dim::currency;
                set.dims.push_back(std::move(d));
            }
            if (metrics) {
                set.gauge = &metrics->series.Add({{"set", sc.name}});
                set.overflow = &metrics->overflow.Add({{"set", sc.name}});
            }
            sets.push_back(std::move(set));
        }
        code_names = {"", std::string(kOverflowValue)};
        if (metrics) {
            dedup_early = &metrics->dedup_rotations.Add({});
            watermark_gauge = &metrics->watermark.Add({});
        }
    }

    config::WindowsConfig cfg;
    StreamMetrics* metrics;
    SampleSink sink;
    std::int64_t bucket_ms;
    std::int64_t history_ms;
    Dedup dedup;
    std::vector<Set> sets;
    std::int64_t closed_until = kUnset;
    std::int64_t earliest_open = kUnset;  // earliest bucket start since the last close
    StringMap<std::uint16_t> codes;
    std::vector<std::string> code_names;
    StringMap<std::array<prometheus::Counter*, kStatusCount>> providers;
    prometheus::Counter* dedup_early = nullptr;
    prometheus::Gauge* watermark_gauge = nullptr;
    std::string key;  // scratch

    std::uint16_t intern(std::string_view code) {
        if (code.empty()) return 0;
        if (auto it = codes.find(code); it != codes.end()) return it->second;
        if (code_names.size() >= kMaxErrorCodes) return 1;
        const auto id = static_cast<std::uint16_t>(code_names.size());
        code_names.emplace_back(code);
        codes.emplace(std::string(code), id);
        return id;
    }

    /// The hash of `e`'s values for `set`, as key_hash() of the series key they make.
    static std::uint64_t event_hash(const Set& set, const TxEvent& e) {
        std::uint64_t h = 0;
        for (const auto& d : set.dims) h = hash_bytes(value_of(e, d), h);
        return h;
    }

    /// The hash of a series key (the values, each followed by kKeySeparator).
    static std::uint64_t key_hash(std::string_view key) {
        std::uint64_t h = 0;
        while (!key.empty()) {
            const std::size_t end = std::min(key.find(kKeySeparator), key.size());
            h = hash_bytes(key.substr(0, end), h);
            key.remove_prefix(std::min(end + 1, key.size()));
        }
        return h;
    }

    /// Whether `key` is the series key `e`'s values make for `set` (without building it).
    static bool key_matches(std::string_view key, const Set& set, const TxEvent& e) {
        for (const auto& d : set.dims) {
            const std::string_view v = value_of(e, d);
            if (key.size() <= v.size() || key[v.size()] != kKeySeparator ||
                key.substr(0, v.size()) != v) {
                return false;
            }
            key.remove_prefix(v.size() + 1);
        }
        return key.empty();
    }

    /// Finds (without creating) each set's series for `e` into Set::hit.
    void lookup_series(const TxEvent& e) {
        for (auto& set : sets) {
            set.hit_hash = event_hash(set, e);
            set.hit = set.index.find(set.hit_hash, [&](const SeriesEntry& entry) {
                return key_matches(entry.first, set, e);
            });
        }
    }

    /// Rebuilds a set's index after series were erased or restored.
    static void reindex(Set& set) {
        set.index.clear();
        for (auto& entry : set.series) set.index.insert(key_hash(entry.first), &entry);
        set.hit = nullptr;
    }

    /// The series of `e` in `set`, created (or the overflow series) when new. Call
    /// lookup_series(e) first.
    Series& series_for(Set& set, const TxEvent& e) {
        if (SeriesEntry* hit = std::exchange(set.hit, nullptr)) return hit->second;
        key.clear();
        for (const auto& d : set.dims) {
            key.append(value_of(e, d));
            key.push_back(kKeySeparator);
        }
        // A key the index does not know (values holding the separator) is still in the map.
        if (auto it = set.series.find(key); it != set.series.end()) return it->second;
        std::uint64_t h = set.hit_hash;
        if (set.series.size() >= set.config.max_series) {
            if (set.overflow) set.overflow->Increment();
            key.clear();
            for (std::size_t i = 0; i < set.dims.size(); ++i) {
                key.append(kOverflowValue);
                key.push_back(kKeySeparator);
            }
            if (auto it = set.series.find(key); it != set.series.end()) return it->second;
            h = key_hash(key);
        }
        auto& entry = *set.series.try_emplace(key).first;
        set.index.insert(h, &entry);
        Series& s = entry.second;
        const bool overflow = key.starts_with(kOverflowValue);
        for (const auto& d : set.dims) {
            s.dims.set(d.name, overflow ? kOverflowValue : value_of(e, d));
        }
        if (set.gauge) set.gauge->Set(static_cast<double>(set.series.size()));
        return s;
    }

    /// The counters of a set with `metrics = true` (also after a restore).
    void export_series(const Set& set, Series& s) {
        for (std::size_t i = 0; i < kStatusCount; ++i) {
            std::map<std::string, std::string> labels{{"set", set.config.name}};
            for (const auto& [k, v] : s.dims.pairs()) labels.emplace(k, v);
            labels.emplace("status", std::string(to_string(static_cast<TxStatus>(i))));
            s.exported[i] = &metrics->window_transactions.Add(labels);
        }
    }

    void count_transaction(const TxEvent& e) {
        if (!metrics) return;
        auto it = providers.find(e.provider);
        if (it == providers.end()) {
            const std::string name =
                providers.size() >= kMaxProviders ? std::string(kOverflowValue) : e.provider;
            it = providers.find(name);
            if (it == providers.end()) {
                std::array<prometheus::Counter*, kStatusCount> counters{};
                for (std::size_t i = 0; i < kStatusCount; ++i) {
                    counters[i] = &metrics->transactions.Add(
                        {{"provider", name},
                         {"status", std::string(to_string(static_cast<TxStatus>(i)))}});
                }
                it = providers.emplace(name, counters).first;
            }
        }
        it->second[static_cast<std::size_t>(e.status)]->Increment();
    }

    void emit(std::vector<core::Sample>& out, const Set& set, const Series& s,
              const Bucket* b, core::TimePoint end) {
        auto sample = [&](std::string_view metric, double value) -> core::Sample& {
            core::Sample& x = out.emplace_back();
            x.labels = s.dims;
            x.labels.set("set", set.config.name);
            x.labels.set("metric", metric);
            x.time = end;
            x.value = value;
            return x;
        };
        sample("volume", b ? b->total() : 0);
        if (!b) return;
        if (auto r = b->success_ratio()) {
            // Weighted by the transactions judged, so a minimum volume means something.
            sample("success_ratio", *r).weight = b->judged();
        }
        if (const auto n = b->count(core::ErrorClass::insufficient_balance); n > 0) {
            sample("insufficient_balance", n);
        }
        if (b->latency_count() > 0) {
            // Weighted by the latencies behind them, so min_samples means something.
            const double n = b->latency_count();
            sample("latency_p50", *b->latency_quantile(0.50)).weight = n;
            sample("latency_p95", *b->latency_quantile(0.95)).weight = n;
            sample("latency_p99", *b->latency_quantile(0.99)).weight = n;
        }
        for (std::size_t i = 0; i < kTopErrorCodes && b->error_ids[i] != 0; ++i) {
            sample("errors", b->error_counts[i]).labels.set("error_code", code_names[b->error_ids[i]]);
        }
        if (b->other_errors > 0) {
            sample("errors", b->other_errors).labels.set("error_code", kOverflowValue);
        }
    }

    void close_bucket(std::int64_t start, std::vector<core::Sample>& out) {
        const core::TimePoint end = tp(start + bucket_ms);
        for (const auto& set : sets) {
            for (const auto& [k, s] : set.series) emit(out, set, s, find_bucket(s.recent, start), end);
        }
    }

    void evict() {
        const std::int64_t recent_cut = closed_until - cfg.recent.count();
        const std::int64_t history_cut = closed_until - cfg.retention.count();
        for (auto& set : sets) {
            const std::size_t before = set.series.size();
            for (auto it = set.series.begin(); it != set.series.end();) {
                Series& s = it->second;
                while (!s.recent.empty() && s.recent.front().start_ms + bucket_ms <= recent_cut) {
                    s.recent.pop_front();
                }
                while (!s.history.empty() && s.history.front().start_ms + history_ms <= history_cut) {
                    s.history.pop_front();
                }
                if (s.recent.empty() && s.history.empty()) {
                    it = set.series.erase(it);
                } else {
                    ++it;
                }
            }
            if (set.series.size() != before) reindex(set);
            if (set.gauge) set.gauge->Set(static_cast<double>(set.series.size()));
        }
    }
};

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
        apply(bucket_at(s.recent, start), e, error_id, cls);
        apply(bucket_at(s.history, hstart), e, error_id, cls);
        s.last_event_ms = std::max(s.last_event_ms, ts);
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
            m.bytes += sizeof(Series) + 2 * sizeof(void*) + k.capacity() + 1;
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

std::string WindowStore::snapshot() const {
    const Impl& d = *impl_;
    Writer w;
    w.out.append(kMagic);
    w.put(static_cast<std::uint32_t>(sizeof(Bucket)));
    w.put(d.bucket_ms);
    w.put(d.history_ms);
    w.put(d.closed_until);
    w.put(static_cast<std::uint32_t>(d.code_names.size()));
    for (const auto& c : d.code_names) w.str(c);
    w.put(static_cast<std::uint32_t>(d.sets.size()));
    for (const auto& set : d.sets) {
        w.str(set.config.name);
        w.put(static_cast<std::uint32_t>(set.config.by.size()));
        for (const auto& b : set.config.by) w.str(b);
        w.put(static_cast<std::uint32_t>(set.series.size()));
        for (const auto& [k, s] : set.series) {
            w.str(k);
            w.put(static_cast<std::uint32_t>(s.dims.size()));
            for (const auto& [n, v] : s.dims.pairs()) {
                w.str(n);
                w.str(v);
            }
            w.put(s.last_event_ms);
            for (const auto* q : {&s.recent, &s.history}) {
                w.put(static_cast<std::uint32_t>(q->size()));
                for (const auto& b : *q) w.put(b);
            }
        }
    }
    return std::move(w.out);
}

core::Result<void> WindowStore::restore(std::string_view image) {
    auto corrupt = [] { return core::fail(core::Errc::parse, "corrupt window snapshot"); };
    const bool v1 = image.starts_with(kMagicV1);
    if (!v1 && !image.starts_with(kMagic)) {
        return core::fail(core::Errc::parse, "not a window snapshot");
    }
    Reader r(image.substr(kMagic.size()));
    std::uint32_t bucket_size = 0;
    std::int64_t bucket_ms = 0, history_ms = 0, closed_until = 0;
    if (!r.get(bucket_size) || !r.get(bucket_ms) || !r.get(history_ms) || !r.get(closed_until)) {
        return corrupt();
    }
    if (bucket_size != (v1 ? sizeof(BucketV1) : sizeof(Bucket))) {
        return core::fail(core::Errc::parse, "window snapshot from another build");
    }
    std::uint32_t ncodes = 0;
    if (!r.get(ncodes) || ncodes > kMaxErrorCodes) return corrupt();
    std::vector<std::string> codes(ncodes);
    for (auto& c : codes) {
        if (!r.str(c)) return corrupt();
    }
    // Decode into fresh state first: a corrupt image leaves the store untouched.
    Impl next(impl_->cfg, impl_->metrics, impl_->sink);
    std::vector<std::uint16_t> remap(ncodes, 0);
    for (std::uint32_t i = 1; i < ncodes; ++i) {
        remap[i] = i == 1 ? 1 : next.intern(codes[i]);
    }
    std::uint32_t nsets = 0;
    if (!r.get(nsets)) return corrupt();
    for (std::uint32_t i = 0; i < nsets; ++i) {
        std::string name;
        std::uint32_t ndims = 0;
        if (!r.str(name) || !r.get(ndims)) return corrupt();
        std::vector<std::string> by(ndims);
        for (auto& b : by) {
            if (!r.str(b)) return corrupt();
        }
        Set* target = nullptr;
        for (auto& s : next.sets) {
            if (s.config.name == name && s.config.by == by) target = &s;
        }
        std::uint32_t nseries = 0;
        if (!r.get(nseries)) return corrupt();
        for (std::uint32_t j = 0; j < nseries; ++j) {
            std::string key;
            std::uint32_t nlabels = 0;
            if (!r.str(key) || !r.get(nlabels)) return corrupt();
            Series s;
            for (std::uint32_t l = 0; l < nlabels; ++l) {
                std::string n, v;
                if (!r.str(n) || !r.str(v)) return corrupt();
                s.dims.set(n, v);
            }
            if (!r.get(s.last_event_ms)) return corrupt();
            for (auto [q, width] : {std::pair{&s.recent, bucket_ms}, std::pair{&s.history, history_ms}}) {
                std::uint32_t n = 0;
                if (!r.get(n)) return corrupt();
                for (std::uint32_t b = 0; b < n; ++b) {
                    Bucket bucket;
                    if (v1) {
                        BucketV1 old;
                        if (!r.get(old)) return corrupt();
                        bucket = upgrade(old, codes);
                    } else if (!r.get(bucket)) {
                        return corrupt();
                    }
                    for (auto& id : bucket.error_ids) {
                        if (id >= ncodes) return corrupt();
                        id = remap[id];
                    }
                    const std::int64_t want = q == &s.recent ? next.bucket_ms : next.history_ms;
                    if (width == want) q->push_back(bucket);
                }
            }
            if (target && (!s.recent.empty() || !s.history.empty()) &&
                target->series.size() < target->config.max_series + 1) {
                target->series.emplace(std::move(key), std::move(s));
            }
        }
    }
    if (!r.done()) return corrupt();
    next.closed_until = bucket_ms == next.bucket_ms ? closed_until : kUnset;
    for (auto& set : next.sets) {
        if (set.gauge) set.gauge->Set(static_cast<double>(set.series.size()));
    }
    Impl& d = *impl_;
    d.sets = std::move(next.sets);
    for (auto& set : d.sets) Impl::reindex(set);
    d.codes = std::move(next.codes);
    d.code_names = std::move(next.code_names);
    d.closed_until = next.closed_until;
    d.earliest_open = kUnset;
    return {};
}

}  // namespace noctua::streams
