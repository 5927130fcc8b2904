#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"

namespace noctua::streams {

/// The outcome of a transaction (docs/events.md).
enum class TxStatus : std::uint8_t { success, failed, pending, timeout, refunded };
inline constexpr std::size_t kStatusCount = 5;
[[nodiscard]] std::string_view to_string(TxStatus s);

/// One transaction (docs/events.md). Strings are empty when the event left them out;
/// `latency_ms` and `amount` are negative / NaN-free: `has_latency` / `has_amount` say whether
/// they were given. A value type; reused across parses to keep allocations down.
struct TxEvent {
    std::string id;
    core::TimePoint ts{};
    std::string provider;
    TxStatus status = TxStatus::success;
    std::string operator_name;  ///< JSON "operator"
    std::string country;        ///< ISO 3166 alpha-2, upper case
    std::string product;
    std::string customer;
    std::string error_code;
    std::string currency;
    double latency_ms = 0;
    double amount = 0;
    /// The provider account's balance after this transaction, as a provider's API reports it
    /// (Reloadly's balanceInfo.newBalance); feeds the balance rule from the stream.
    double balance = 0;
    bool has_latency = false;
    bool has_amount = false;
    bool has_balance = false;
    /// Allow-listed entries of "labels" (name, value), in the order of the allow-list.
    std::vector<std::pair<std::string, std::string>> labels;
};

/// Why an event was rejected: a bounded set, the `reason` label of
/// noctua_ingest_rejected_total.
enum class RejectReason : std::uint8_t {
    none,
    invalid_json,       ///< not JSON, truncated, trailing garbage, not an object
    invalid_utf8,
    too_large,          ///< line longer than windows.max_event_bytes
    missing_field,      ///< id, ts, provider or status absent
    wrong_type,         ///< e.g. a number sent as a string
    invalid_value,      ///< empty id, bad country code, negative latency, over-long strings…
    invalid_status,     ///< status not one of success|failed|pending|timeout|refunded
    invalid_timestamp,  ///< ts neither RFC 3339 nor integer epoch milliseconds
    timestamp_out_of_range,  ///< further ahead than max_future or older than retention
};
inline constexpr std::size_t kRejectReasonCount = 10;
[[nodiscard]] std::string_view to_string(RejectReason r);

/// A rejection with the field it concerns ("" when not about one field).
struct Rejection {
    RejectReason reason = RejectReason::none;
    std::string_view field;  ///< static storage
    [[nodiscard]] explicit operator bool() const { return reason != RejectReason::none; }
};

/// What the parser accepts.
struct ParseOptions {
    std::size_t max_event_bytes = 64 * 1024;
    core::Duration max_future = std::chrono::minutes(5);
    core::Duration max_age = std::chrono::days(35);
    std::vector<std::string> allowed_labels;  ///< event labels kept; the rest are ignored
    /// The simdjson kernel the parser is compiled for: "" picks the best this CPU runs
    /// ("icelake", "haswell", else "generic"); naming one the CPU cannot run gives "generic".
    /// For tests and benchmarks; every kernel parses identically.
    std::string kernel;
};

/// Parses one JSON object per call with simdjson On-Demand into a reused TxEvent. Unknown
/// fields are ignored. Not thread-safe: one parser per thread (it owns simdjson buffers).
class EventParser {
public:
    explicit EventParser(ParseOptions options);
    ~EventParser();
    EventParser(const EventParser&) = delete;
    EventParser& operator=(const EventParser&) = delete;

    /// Parses `json` (one event, no newline) into `out`, checking timestamps against `now`.
    /// `json.data()` must be readable for `padded_capacity` bytes (≥ size + 64, simdjson's
    /// padding); pass 0 to have the parser copy the line into a padded buffer.
    [[nodiscard]] Rejection parse(std::string_view json, std::size_t padded_capacity,
                                  core::TimePoint now, TxEvent& out);

    /// Splits `buffer` at '\n' (a trailing '\r' and blank lines are skipped) and parses each
    /// line, calling `on_event(const TxEvent&)` or `on_reject(std::size_t line, Rejection)`
    /// (lines 1-based). Ensures the padding by reserving capacity in `buffer`.
    template <class OnEvent, class OnReject>
    void parse_lines(std::string& buffer, core::TimePoint now, OnEvent&& on_event,
                     OnReject&& on_reject);

    /// As parse_lines(), but each line is parsed straight into `slot()` (a `TxEvent&` the
    /// caller owns, e.g. the next free element of a reused batch) instead of the parser's own
    /// event, so that nothing is copied; `on_event()` (no argument) then commits that slot.
    /// A slot whose line was rejected holds garbage and is handed out again.
    template <class Slot, class OnEvent, class OnReject>
    void parse_lines_into(std::string& buffer, core::TimePoint now, Slot&& slot,
                          OnEvent&& on_event, OnReject&& on_reject);

    /// A JSON array of events ("[{…},{…}]"); elements are numbered from 1 as lines are.
    /// Returns false (nothing parsed) when the body is not an array.
    template <class OnEvent, class OnReject>
    bool parse_array(std::string& buffer, core::TimePoint now, OnEvent&& on_event,
                     OnReject&& on_reject);

    [[nodiscard]] const ParseOptions& options() const { return options_; }
    /// The kernel this parser runs ("icelake", "haswell" or "generic").
    [[nodiscard]] std::string_view kernel_name() const;

private:
    struct Impl;
    /// Calls `fn(element_json)` for each element of a top-level array; false if not an array.
    bool split_array(std::string& buffer, const std::function<void(std::string_view)>& fn);
    ParseOptions options_;
    std::unique_ptr<Impl> impl_;
    TxEvent scratch_;
};

/// Parses RFC 3339 ("2024-05-01T10:00:00Z", "…T10:00:00.250+02:00") to UTC milliseconds.
using core::parse_rfc3339;

/// The padding simdjson needs after the last byte of a document.
inline constexpr std::size_t kJsonPadding = 64;

template <class OnEvent, class OnReject>
void EventParser::parse_lines(std::string& buffer, core::TimePoint now, OnEvent&& on_event,
                              OnReject&& on_reject) {
    parse_lines_into(
        buffer, now, [this]() -> TxEvent& { return scratch_; },
        [&] { on_event(static_cast<const TxEvent&>(scratch_)); }, on_reject);
}

template <class Slot, class OnEvent, class OnReject>
void EventParser::parse_lines_into(std::string& buffer, core::TimePoint now, Slot&& slot,
                                   OnEvent&& on_event, OnReject&& on_reject) {
    if (buffer.capacity() < buffer.size() + kJsonPadding) buffer.reserve(buffer.size() + kJsonPadding);
    const char* base = buffer.data();
    const std::size_t cap = buffer.capacity();
    std::size_t pos = 0;
    std::size_t line = 0;
    while (pos < buffer.size()) {
        std::size_t end = buffer.find('\n', pos);
        if (end == std::string::npos) end = buffer.size();
        ++line;
        std::size_t len = end - pos;
        if (len > 0 && base[pos + len - 1] == '\r') --len;
        if (len > 0) {
            const Rejection r = parse(std::string_view(base + pos, len), cap - pos, now, slot());
            if (r) {
                on_reject(line, r);
            } else {
                on_event();
            }
        }
        pos = end + 1;
    }
}

template <class OnEvent, class OnReject>
bool EventParser::parse_array(std::string& buffer, core::TimePoint now, OnEvent&& on_event,
                              OnReject&& on_reject) {
    std::size_t index = 0;
    return split_array(buffer, [&](std::string_view element) {
        ++index;
        const Rejection r = parse(element, 0, now, scratch_);
        if (r) {
            on_reject(index, r);
        } else {
            on_event(static_cast<const TxEvent&>(scratch_));
        }
    });
}

}  // namespace noctua::streams
