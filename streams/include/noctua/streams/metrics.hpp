#pragma once

#include <array>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "noctua/streams/event.hpp"

namespace noctua::streams {

/// Every metric of noctua::streams, declared in one place (docs/contributing.md, "Logging and
/// metrics"). Labels are bounded: `source` is a configured stream id, `reason` a RejectReason,
/// `set` a configured dimension set, `provider` is capped by the window store's cardinality limit.
/// Thread-safe (prometheus-cpp metrics are).
struct StreamMetrics {
    explicit StreamMetrics(prometheus::Registry& registry);

    prometheus::Family<prometheus::Counter>& events;            ///< {source}
    prometheus::Family<prometheus::Counter>& rejected;          ///< {source,reason}
    prometheus::Family<prometheus::Counter>& duplicates;        ///< {source}
    prometheus::Family<prometheus::Counter>& late;              ///< {source}
    prometheus::Family<prometheus::Counter>& saturated;         ///< {source}: 429/503 answers
    prometheus::Family<prometheus::Counter>& auth_failures;     ///< {source,reason}
    prometheus::Family<prometheus::Counter>& bytes;             ///< {source}
    prometheus::Family<prometheus::Gauge>& queue;               ///< {source}: batches waiting
    prometheus::Family<prometheus::Counter>& transactions;      ///< {provider,status}
    prometheus::Family<prometheus::Counter>& window_transactions;  ///< {set,<dims>,status}
    prometheus::Family<prometheus::Gauge>& series;              ///< {set}
    prometheus::Family<prometheus::Counter>& overflow;          ///< {set}
    prometheus::Family<prometheus::Counter>& dedup_rotations;   ///< {}: horizon cut short by size
    prometheus::Family<prometheus::Gauge>& watermark;           ///< {}: closed-until, Unix s
    prometheus::Family<prometheus::Gauge>& watermark_held;      ///< {}: held back by partitions, s
    prometheus::Family<prometheus::Counter>& stalled_partitions;  ///< {source}
    prometheus::Family<prometheus::Counter>& source_errors;     ///< {source,kind}
    prometheus::Family<prometheus::Gauge>& file_lag;            ///< {source}: unread bytes
    prometheus::Family<prometheus::Gauge>& kafka_partitions;    ///< {source}: assigned here
    prometheus::Family<prometheus::Counter>& kafka_committed;   ///< {source}: offsets committed
    prometheus::Family<prometheus::Counter>& file_rotations;    ///< {source}
    prometheus::Family<prometheus::Counter>& snapshots;         ///< {result}
    // The ingest log (IngestLog), all without labels.
    prometheus::Family<prometheus::Counter>& log_bytes;         ///< bytes appended (durable)
    prometheus::Family<prometheus::Counter>& log_records;       ///< batches appended (durable)
    prometheus::Family<prometheus::Histogram>& log_fsync;       ///< fdatasync latency, s
    prometheus::Family<prometheus::Counter>& log_errors;        ///< failed writes (503 answers)
    prometheus::Family<prometheus::Counter>& log_replayed;      ///< records read back at start
    prometheus::Family<prometheus::Counter>& log_truncations;   ///< torn tails cut at start
};

/// Buckets of noctua_ingest_log_fsync_seconds.
inline const prometheus::Histogram::BucketBoundaries kLogFsyncBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

/// The per-source counters resolved once (a source's hot path never looks up a family).
struct SourceCounters {
    SourceCounters(StreamMetrics& m, const std::string& source);
    prometheus::Counter& events;
    prometheus::Counter& duplicates;
    prometheus::Counter& late;
    prometheus::Counter& bytes;
    std::array<prometheus::Counter*, kRejectReasonCount> rejected{};
};

}  // namespace noctua::streams
