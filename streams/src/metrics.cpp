#include "noctua/streams/metrics.hpp"

namespace noctua::streams {
namespace {

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& r, const char* name,
                                                 const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& r, const char* name,
                                             const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

}  // namespace

StreamMetrics::StreamMetrics(prometheus::Registry& r)
    : events(counter(r, "noctua_ingest_events_total", "Transaction events accepted, by source")),
      rejected(counter(r, "noctua_ingest_rejected_total",
                       "Transaction events rejected as invalid, by source and reason")),
      duplicates(counter(r, "noctua_ingest_duplicate_events_total",
                         "Events dropped because their id was seen within the dedup horizon")),
      late(counter(r, "noctua_ingest_late_events_total",
                   "Events dropped because their bucket had closed (older than the watermark)")),
      saturated(counter(r, "noctua_ingest_saturated_total",
                        "Push requests refused with 429/503 because the ingest queue was full")),
      auth_failures(counter(r, "noctua_ingest_auth_failures_total",
                            "Push requests refused with 401, by reason")),
      bytes(counter(r, "noctua_ingest_bytes_total", "Bytes of event data read, by source")),
      queue(gauge(r, "noctua_ingest_queue_batches", "Batches waiting to be applied, by source")),
      transactions(counter(r, "noctua_transactions_total",
                           "Transactions applied to the windows, by provider and status")),
      window_transactions(counter(r, "noctua_window_transactions_total",
                                  "Transactions per series of dimension sets with metrics = true")),
      series(gauge(r, "noctua_window_series", "Live series per dimension set")),
      overflow(counter(r, "noctua_window_overflow_events_total",
                       "Events counted in the __other__ series because a set hit max_series")),
      dedup_rotations(counter(r, "noctua_ingest_dedup_early_rotations_total",
                              "Times the dedup memory filled before the horizon passed")),
      watermark(gauge(r, "noctua_window_watermark_seconds",
                      "Buckets ending before this time are closed, in Unix seconds")),
      watermark_held(gauge(r, "noctua_window_watermark_held_seconds",
                           "How far the watermark target is held back by partitions still behind "
                           "(a Kafka stream catching up a backlog), in seconds")),
      stalled_partitions(counter(r, "noctua_ingest_stalled_partitions_total",
                                 "Partitions behind that delivered nothing for 4 x "
                                 "allowed_lateness and stopped holding back the watermark")),
      source_errors(counter(r, "noctua_ingest_source_errors_total",
                            "Errors reading a source (file, kafka), by kind")),
      file_lag(gauge(r, "noctua_ingest_file_lag_bytes", "Bytes appended but not yet read")),
      kafka_partitions(gauge(r, "noctua_ingest_kafka_partitions_assigned",
                             "Partitions of a Kafka stream's topics this consumer-group member "
                             "is assigned")),
      kafka_committed(counter(r, "noctua_ingest_kafka_committed_messages_total",
                              "Messages of a Kafka stream applied and committed to the group "
                              "(with [storage]: held by a window snapshot, committed with it)")),
      file_rotations(counter(r, "noctua_ingest_file_rotations_total",
                             "Followed files rotated away, deleted or replaced under their inode")),
      snapshots(counter(r, "noctua_window_snapshots_total", "Window snapshots written, by result")),
      log_bytes(counter(r, "noctua_ingest_log_bytes_total",
                        "Bytes appended to the ingest log and made durable")),
      log_records(counter(r, "noctua_ingest_log_records_total",
                          "Push batches appended to the ingest log and made durable")),
      log_fsync(prometheus::BuildHistogram()
                    .Name("noctua_ingest_log_fsync_seconds")
                    .Help("Time of each ingest log fsync (one per group of batches)")
                    .Register(r)),
      log_errors(counter(r, "noctua_ingest_log_errors_total",
                         "Ingest log writes or fsyncs that failed (their pushes answered 503)")),
      log_replayed(counter(r, "noctua_ingest_log_replayed_records_total",
                           "Ingest log records read back at start")),
      log_truncations(counter(r, "noctua_ingest_log_truncations_total",
                              "Torn or corrupt ingest log tails cut off at start")) {
}

SourceCounters::SourceCounters(StreamMetrics& m, const std::string& source)
    : events(m.events.Add({{"source", source}})),
      duplicates(m.duplicates.Add({{"source", source}})),
      late(m.late.Add({{"source", source}})),
      bytes(m.bytes.Add({{"source", source}})) {
    for (std::size_t i = 1; i < kRejectReasonCount; ++i) {
        rejected[i] = &m.rejected.Add(
            {{"source", source}, {"reason", std::string(to_string(static_cast<RejectReason>(i)))}});
    }
}

}  // namespace noctua::streams
