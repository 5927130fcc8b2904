#pragma once

// Private to noctua::streams: the state behind WindowStore, shared by windows.cpp (adding,
// closing and evicting buckets) and window_snapshot.cpp (saving and restoring it).

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bucket.hpp"
#include "dedup.hpp"
#include "hash.hpp"
#include "noctua/core/arith.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/windows.hpp"
#include "series_index.hpp"

namespace noctua::streams {
namespace detail {

constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t kMaxErrorCodes = 4096;
constexpr std::size_t kMaxProviders = 1000;  // bound of noctua_transactions_total{provider}
constexpr char kKeySeparator = '\x1f';

inline std::int64_t floor_to(std::int64_t t, std::int64_t width) {
    return core::floor_div(t, width) * width;
}

inline std::int64_t ms_of(core::TimePoint t) { return t.time_since_epoch().count(); }
inline core::TimePoint tp(std::int64_t ms) { return core::TimePoint{std::chrono::milliseconds{ms}}; }

enum class Dim : std::uint8_t { provider, operator_name, country, product, customer, currency, label };

struct DimRef {
    Dim dim;
    std::size_t label_index = 0;  // into windows.labels for Dim::label
    std::string name;
};

inline std::string_view value_of(const TxEvent& e, const DimRef& d) {
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

/// The balance a bucket's latest event reported (TxEvent::balance), and that event's time.
struct BalanceReading {
    std::int64_t bucket_ms = 0;  // the bucket's start
    std::int64_t at_ms = 0;
    double value = 0;
};

struct Series {
    core::Labels dims;
    std::deque<Bucket> recent;
    std::deque<Bucket> history;
    std::int64_t last_event_ms = 0;
    std::array<prometheus::Counter*, kStatusCount> exported{};
    std::string currency;  // of the latest event that named one: labels its `amount` samples
    // The balance the latest event of each bucket not yet closed reported, ordered by bucket:
    // a bucket closes `allowed_lateness` after its end, when the events of the buckets after it
    // have reported newer balances, so one latest balance per series would never be the
    // closing bucket's own.
    std::vector<BalanceReading> balances;
};

/// Notes the balance `value` an event at `ts_ms` in the bucket starting at `bucket_ms` reported
/// in `s`, unless a later event of that bucket reported one; forgets the readings of buckets
/// before `closed_until` (already emitted, or skipped after a pause).
inline void note_balance(Series& s, std::int64_t bucket_ms, std::int64_t ts_ms, double value,
                         std::int64_t closed_until) {
    auto& r = s.balances;
    r.erase(r.begin(), std::find_if(r.begin(), r.end(), [&](const BalanceReading& b) {
                return b.bucket_ms >= closed_until;
            }));
    auto it = std::find_if(r.rbegin(), r.rend(),
                           [&](const BalanceReading& b) { return b.bucket_ms <= bucket_ms; });
    if (it != r.rend() && it->bucket_ms == bucket_ms) {
        if (ts_ms >= it->at_ms) {
            it->at_ms = ts_ms;
            it->value = value;
        }
        return;
    }
    r.insert(it.base(), BalanceReading{bucket_ms, ts_ms, value});
}

/// The balance the bucket starting at `bucket_ms` reported in `s`, if any of its events did.
inline const BalanceReading* balance_of(const Series& s, std::int64_t bucket_ms) {
    for (const auto& b : s.balances) {
        if (b.bucket_ms == bucket_ms) return &b;
    }
    return nullptr;
}

using SeriesEntry = StringMap<Series>::value_type;

struct Set {
    config::DimensionSetConfig config;
    std::vector<DimRef> dims;
    StringMap<Series> series;
    SeriesIndex<SeriesEntry> index;
    /// Set by Impl::lookup_series() for the event being added: its series if it exists, and
    /// the hash of its dimension values.
    SeriesEntry* hit = nullptr;
    std::uint64_t hit_hash = 0;
    prometheus::Gauge* gauge = nullptr;
    prometheus::Counter* overflow = nullptr;
};

}  // namespace detail

// The Impl is the only user of the types above.
using namespace detail;

// Executor: WindowStore's caller (the ingest thread); not thread-safe.
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
        if (const auto* balance = balance_of(s, b->start_ms)) {
            // The account's balance as the bucket's latest event reported it.
            sample("balance", balance->value);
        }
        if (b->amount_sum > 0) {
            // The value of the successful transactions: what a traffic loss costs.
            auto& x = sample("amount", b->amount_sum);
            x.weight = b->count(TxStatus::success);
            if (!s.currency.empty() && !x.labels.contains("currency")) {
                x.labels.set("currency", s.currency);
            }
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

}  // namespace noctua::streams
