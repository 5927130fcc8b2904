#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace noctua::probes {

/// The series every probe has — `noctua_probe_success`, `noctua_probe_duration_seconds`
/// (histogram) and `noctua_probe_runs_total{result}`, labels {probe, provider} — kept as plain
/// numbers per probe and turned into metric families only when scraped.
///
/// Why not prometheus-cpp families: each of their series keeps its own label map, hash node
/// and mutex, about 1.9 KB for these four series of one probe (9.5 MB for 5,000 probes, a
/// fifth of the memory target); here one probe costs ~250 bytes, and an update is one lock
/// instead of four.
///
/// They are written straight into the /metrics body (write_text) rather than built as
/// prometheus-cpp MetricFamily objects: with 5,000 probes those were 20,000 small objects and
/// 40,000 label strings per scrape, whose freed chunks stayed scattered in the heap (~8 MB of
/// resident memory added by each of the first scrapes).
///
/// Thread-safety: every method may be called from any thread (one mutex guards all slots;
/// updates hold it for a few additions, write_text() for a copy of the slots). Slots are
/// addressed by probe id; the exposition is sorted by it.
class ProbeSeries final {
public:
    /// Upper bounds of the duration histogram's buckets, in seconds (+Inf is implied).
    static constexpr std::array<double, 12> kDurationBuckets{
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    /// What one probe's series read now (for tests and the status page).
    struct Values {
        double success = 0;
        std::uint64_t runs_success = 0;
        std::uint64_t runs_failure = 0;
        std::uint64_t duration_count = 0;
        double duration_sum = 0;
        /// Cumulative, one per kDurationBuckets bound, then +Inf.
        std::array<std::uint64_t, kDurationBuckets.size() + 1> duration_buckets{};
    };

    /// Records one finished run of `probe`, creating its series at the first run (a probe that
    /// has not run has no series rather than a success of 0). A changed provider replaces the
    /// label.
    void record(std::string_view probe, std::string_view provider, bool success,
                double duration_seconds);

    /// Removes the series of `probe` (it was removed from the config); no-op if it has none.
    void remove(std::string_view probe);

    /// The current values of `probe`'s series, or nullopt if it has none.
    [[nodiscard]] std::optional<Values> values(std::string_view probe) const;

    /// Appends the three families in the Prometheus text format (0.0.4), byte for byte what
    /// prometheus::TextSerializer prints for the same series (tested). Nothing if no probe
    /// has run.
    void write_text(std::string& out) const;

private:
    struct Slot {
        std::string provider;
        double success = 0;
        std::uint64_t runs_success = 0;
        std::uint64_t runs_failure = 0;
        double duration_sum = 0;
        std::array<std::uint64_t, kDurationBuckets.size() + 1> buckets{};  // not cumulative
    };

    mutable std::mutex mutex_;
    std::map<std::string, Slot, std::less<>> slots_;  // guarded by mutex_; by probe id
};

}  // namespace noctua::probes
