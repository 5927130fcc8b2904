#pragma once

// Private to noctua::streams: a series' queues of buckets, and counting an event into one.

#include <cstddef>
#include <cstdint>
#include <deque>

#include "noctua/core/error_class.hpp"
#include "noctua/streams/event.hpp"
#include "noctua/streams/windows.hpp"

namespace noctua::streams::detail {

/// The bucket starting at `start` in `q` (ordered by start), inserted in place when missing.
inline Bucket& bucket_at(std::deque<Bucket>& q, std::int64_t start) {
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

/// The bucket starting at `start` in `q`, or null.
inline const Bucket* find_bucket(const std::deque<Bucket>& q, std::int64_t start) {
    for (auto it = q.rbegin(); it != q.rend(); ++it) {
        if (it->start_ms == start) return &*it;
        if (it->start_ms < start) return nullptr;
    }
    return nullptr;
}

/// Counts `e` (its error code interned as `error_id`, its outcome classified as `cls`) into `b`.
inline void count_event(Bucket& b, const TxEvent& e, std::uint16_t error_id, core::ErrorClass cls) {
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

}  // namespace noctua::streams::detail
