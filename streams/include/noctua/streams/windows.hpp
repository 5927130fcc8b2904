#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/error_class.hpp"
#include "noctua/core/result.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/streams/event.hpp"

namespace noctua::streams {

struct StreamMetrics;

/// Upper bounds (ms) of the latency histogram; one more bucket holds everything above.
inline constexpr std::array<double, 11> kLatencyBoundsMs = {10,   25,   50,   100,   250,  500,
                                                            1000, 2500, 5000, 10000, 30000};
inline constexpr std::size_t kTopErrorCodes = 4;
/// The series that takes events once a set has max_series series, and error codes beyond the
/// interning limit.
inline constexpr std::string_view kOverflowValue = "__other__";

/// The aggregate of one series over one bucket of event time. Plain data (136 bytes).
struct Bucket {
    std::int64_t start_ms = 0;
    std::array<std::uint32_t, kStatusCount> by_status{};
    /// Completed (not pending) transactions by core::classify_error(), counted at ingest.
    std::array<std::uint32_t, core::kErrorClassCount> by_class{};
    std::uint32_t other_errors = 0;  ///< errors whose code found no slot in `error_ids`
    std::array<std::uint32_t, kLatencyBoundsMs.size() + 1> latency{};
    double latency_sum_ms = 0;
    double amount_sum = 0;  ///< amounts of successful transactions
    /// The most frequent error codes (interned ids, 0 = empty slot) and their counts; codes
    /// that find no free slot are counted in `other_errors`.
    std::array<std::uint16_t, kTopErrorCodes> error_ids{};
    std::array<std::uint32_t, kTopErrorCodes> error_counts{};

    [[nodiscard]] std::uint32_t total() const;
    [[nodiscard]] std::uint32_t count(TxStatus s) const { return by_status[static_cast<std::size_t>(s)]; }
    [[nodiscard]] std::uint32_t count(core::ErrorClass c) const {
        return by_class[static_cast<std::size_t>(c)];
    }
    /// The provider's success ratio: successes / (successes + provider faults). Customer
    /// errors and insufficient balance are not the provider's failures and are left out, as
    /// are pending transactions; nullopt when no transaction counts.
    [[nodiscard]] std::optional<double> success_ratio() const;
    /// The transactions behind success_ratio(): successes + provider faults.
    [[nodiscard]] std::uint32_t judged() const;
    [[nodiscard]] std::uint32_t latency_count() const;
    /// Histogram quantile with linear interpolation inside the bucket (as Prometheus'
    /// histogram_quantile); nullopt without latencies. The open last bucket reports its lower
    /// bound.
    [[nodiscard]] std::optional<double> latency_quantile(double q) const;
};

/// What happened to an event given to WindowStore::add().
enum class AddOutcome { applied, duplicate, late };

/// Memory held by the windows, for the benchmark and /api/v1/status.
struct WindowMemory {
    std::size_t series = 0;
    std::size_t buckets = 0;  ///< recent + history
    std::size_t bytes = 0;    ///< estimate: buckets, series, keys, dedup table
};

/// Live per-dimension windows over the transaction stream (docs/events.md).
///
/// For each configured dimension set (`by = ["provider", "country"]`) each distinct value
/// tuple is a series holding `bucket`-sized buckets for `recent` and `history_bucket`-sized
/// buckets for `retention` (sparse: only buckets that saw events exist). Events are
/// deduplicated by id within `dedup_horizon` (64-bit hashes, a bounded table), dropped as late
/// once their bucket has closed, and a set that reaches `max_series` sends new series to the
/// `__other__` series.
///
/// Buckets close on a watermark: bucket [s, s+bucket) closes once `now >= s + bucket +
/// allowed_lateness` (advance()). On closing, every series of every set emits samples to the
/// sink (labels: the dimensions, `set`, `metric`; time: the bucket end): `volume` (0 for a
/// series that saw nothing, so traffic loss is visible), `success_ratio` (provider faults only,
/// see Bucket::success_ratio(); weight: the transactions behind it), `amount` (the sum of
/// successful amounts, only when some; weight: the successes; label `currency` from the
/// series' latest event naming one, unless a dimension), `balance` (the balance the bucket's
/// latest event reported, only when one did), `insufficient_balance`
/// (count, only when some), `latency_p50`, `latency_p95`, `latency_p99` (ms) and `errors` per
/// top `error_code`.
///
/// Not thread-safe: owned by one executor (the ingest strand); the sink runs on it.
class WindowStore {
public:
    using SampleSink = std::function<void(std::vector<core::Sample>&&)>;

    /// `metrics` may be null (benchmarks, unit tests).
    WindowStore(const config::WindowsConfig& config, StreamMetrics* metrics, SampleSink sink);
    ~WindowStore();
    WindowStore(const WindowStore&) = delete;
    WindowStore& operator=(const WindowStore&) = delete;

    /// Applies one parsed event.
    AddOutcome add(const TxEvent& event);
    /// As add(event), with `id_hash` = id_hash(event.id) computed by the caller (for prefetch()).
    AddOutcome add(const TxEvent& event, std::uint64_t id_hash);

    /// The hash the dedup table keeps of an event id (in memory only; may change between
    /// builds).
    [[nodiscard]] static std::uint64_t id_hash(std::string_view id);

    /// Starts loading the memory add() of the event with this id_hash() will need first: its
    /// slots in the dedup table, a likely cache and TLB miss once the table holds millions of
    /// ids. Changes nothing; call it a few events ahead of add() (IngestPipeline does for each
    /// batch) so that the miss overlaps the work on the events before.
    void prefetch(std::uint64_t id_hash) const;

    /// Closes every bucket the watermark has passed at `now`, emits their samples, evicts
    /// what is older than `recent` / `retention`. Call it periodically (the pipeline does,
    /// every second) and before reading closed buckets.
    void advance(core::TimePoint now);

    /// Buckets ending at or before this are closed; events before it are late.
    [[nodiscard]] core::TimePoint watermark() const;

    /// The recent (or, with `history`, the coarse) bucket of the series `dims` of `set` that
    /// contains `t`; nullptr when it saw no event. `dims` are the set's dimension values.
    [[nodiscard]] const Bucket* find(std::string_view set, const core::Labels& dims,
                                     core::TimePoint t, bool history = false) const;
    /// The name of an interned error code (for Bucket::error_ids).
    [[nodiscard]] std::string_view error_code(std::uint16_t id) const;
    [[nodiscard]] std::size_t series_count(std::string_view set) const;
    [[nodiscard]] WindowMemory memory() const;

    /// A binary image of every series and bucket (and the watermark), for the store.
    [[nodiscard]] std::string snapshot() const;
    /// Replaces the state with a snapshot. Sets whose name or dimensions changed, and tiers
    /// whose bucket width changed, are skipped. Errors: a corrupt or foreign image (state
    /// untouched).
    [[nodiscard]] core::Result<void> restore(std::string_view image);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace noctua::streams
