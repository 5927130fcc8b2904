// The window snapshot: WindowStore's state as one binary image for the store, and back.
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "noctua/streams/windows.hpp"
#include "window_store_impl.hpp"

namespace noctua::streams {
namespace {

/// Snapshot format: v2 buckets count transactions by error class; v1 images are converted.
constexpr std::string_view kMagic = "NWS2";
constexpr std::string_view kMagicV1 = "NWS1";

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
    /// A count, then each string.
    void strs(const std::vector<std::string>& v) {
        put(static_cast<std::uint32_t>(v.size()));
        for (const auto& s : v) str(s);
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
    /// What Writer::strs() wrote; false when it is cut short or counts more than `max`.
    bool strs(std::vector<std::string>& v,
              std::size_t max = std::numeric_limits<std::uint32_t>::max()) {
        std::uint32_t n = 0;
        if (!get(n) || n > max) return false;
        v.assign(n, {});
        for (auto& s : v) {
            if (!str(s)) return false;
        }
        return true;
    }
    [[nodiscard]] bool done() const { return in_.empty(); }

private:
    std::string_view in_;
};

}  // namespace

std::string WindowStore::snapshot() const {
    const Impl& d = *impl_;
    Writer w;
    w.out.append(kMagic);
    w.put(static_cast<std::uint32_t>(sizeof(Bucket)));
    w.put(d.bucket_ms);
    w.put(d.history_ms);
    w.put(d.closed_until);
    w.strs(d.code_names);
    w.put(static_cast<std::uint32_t>(d.sets.size()));
    for (const auto& set : d.sets) {
        w.str(set.config.name);
        w.strs(set.config.by);
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
    std::vector<std::string> codes;
    if (!r.strs(codes, kMaxErrorCodes)) return corrupt();
    const auto ncodes = static_cast<std::uint32_t>(codes.size());
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
        std::vector<std::string> by;
        if (!r.str(name) || !r.strs(by)) return corrupt();
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
