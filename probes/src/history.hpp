#pragma once

// Private to noctua::probes: a probe's recent results, compact, for the API.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/probes/probe.hpp"

namespace noctua::probes {

/// One run in a probe's history, compact: what GET /api/v1/probes/{id} shows per run (the
/// newest is the probe's last result). 80 bytes, and no allocation for a passing run whose
/// values are its first `extract` names (the common case: a balance): those are kept inline,
/// by position, and named from the config when read. A failure's message, steps, other
/// values, value labels and the certificate's names go out of line, shared and immutable.
/// With 5,000 probes × 10 runs this is 4 MB instead of 9.2 MB.
struct HistoryRecord {
    struct Detail {
        std::string message;                 // failures only
        std::vector<ExtractedValue> values;  // when not inline
        std::vector<StepResult> steps;       // scenario probes
        core::Labels value_labels;           // extract_labels
        std::string cert_issuer, cert_subject;
    };
    static constexpr std::size_t kInlineValues = 2;

    core::TimePoint started{};
    // Cumulative times in µs (libcurl's resolution; floats would print as 3.7000001e-05):
    // dns, connect, tls, first_byte, total.
    std::array<std::uint32_t, 5> timings_us{};
    std::int32_t duration_us = 0;    // saturates at ~35 minutes
    std::int16_t http_status = 0;
    std::uint8_t reason = 0;  // 1 + index into kFailureReasons; 0: none
    bool success = false;
    std::uint8_t inline_values = 0;
    std::int64_t cert_not_after = 0;
    std::array<double, kInlineValues> values{};  // config.extract[i] for i < inline_values
    std::shared_ptr<const Detail> detail;

    HistoryRecord() = default;
    HistoryRecord(const ProbeResult& r, const config::ProbeConfig& c) { assign(r, c); }

    /// Overwrites the record with run `r` of the probe configured by `c`.
    void assign(const ProbeResult& r, const config::ProbeConfig& c);
    /// Inline values are named by position in `c.extract`; before a record moves to a probe
    /// with other extract names, they go out of line under their old names.
    void rebind(const config::ProbeConfig& from, const config::ProbeConfig& to);
    /// The inline values with their names from `c`.
    [[nodiscard]] std::vector<ExtractedValue> named_values(const config::ProbeConfig& c) const;
    /// The run as a full result of the probe configured by `c`.
    [[nodiscard]] ProbeResult result(const config::ProbeConfig& c) const;
};

/// A probe's last results: a ring of HistoryRecords, allocated once (full ProbeResults were a
/// fifth of the daemon's memory with 5,000 probes). Not thread-safe: owned by the scheduler's
/// entry of the probe, on the scheduler strand. The config passed to each call is the probe's
/// current one.
class ProbeHistory {
public:
    /// Adds run `r`, keeping the newest `keep` (at least one).
    void remember(const ProbeResult& r, const config::ProbeConfig& c, std::size_t keep);
    /// Takes over `old`'s records when a probe's config changes from `from` to `to`.
    void adopt(const ProbeHistory& old, const config::ProbeConfig& from,
               const config::ProbeConfig& to);
    /// The newest result (nullopt before the first run).
    [[nodiscard]] std::optional<ProbeResult> last(const config::ProbeConfig& c) const;
    /// Every result kept, oldest first.
    [[nodiscard]] std::vector<ProbeResult> results(const config::ProbeConfig& c) const;
    [[nodiscard]] std::size_t size() const { return records_.size(); }

private:
    /// The i-th record, oldest first (i < size()).
    [[nodiscard]] const HistoryRecord& record(std::size_t i) const {
        return records_[(next_ + i) % records_.size()];
    }
    /// Oldest first.
    [[nodiscard]] std::vector<HistoryRecord> ordered() const;

    std::vector<HistoryRecord> records_;
    std::size_t next_ = 0;  // where the next record goes once the ring is full
};

}  // namespace noctua::probes
