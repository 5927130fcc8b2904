#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "noctua/streams/event.hpp"

namespace noctua::streams::detail {

inline constexpr std::size_t kMaxIdBytes = 256;
inline constexpr std::size_t kMaxValueBytes = 128;  // provider, operator, customer, error code, …

/// The fields of an event the parser reads; every other key is ignored.
enum class Field : std::uint8_t {
    other,
    id,
    ts,
    provider,
    status,
    operator_name,
    country,
    product,
    customer,
    error_code,
    currency,
    latency_ms,
    amount,
    labels,
    balance,
};

/// The field a key names (keys compare byte for byte, after unescaping).
[[nodiscard]] Field field_of(std::string_view key);
/// The name of a field as rejections report it (static storage).
[[nodiscard]] std::string_view field_name(Field f);

/// What the parser does with the values it reads, whichever simdjson kernel read them, so that
/// all kernels accept and reject alike. Fields are given in document order; the first rejection
/// ends the event. Defined out of line in a baseline translation unit (event.cpp), so the
/// kernels share no inline code with it.
class EventBuilder {
public:
    /// Empties `out` (keeping its strings' capacity).
    explicit EventBuilder(TxEvent& out);
    /// A string value of `f` (a field other than latency_ms, amount and labels; `ts` as
    /// RFC 3339): checked (length, country code, status name, timestamp) and stored.
    [[nodiscard]] Rejection string(Field f, std::string_view s);
    /// A number value of latency_ms, amount or balance (not finite, or a negative latency:
    /// invalid).
    [[nodiscard]] Rejection number(Field f, double d);
    /// `ts` given as integer epoch milliseconds.
    void ts_ms(std::int64_t ms);
    /// Once every field was given: required fields present, `ts` within the options' range,
    /// allow-listed labels in allow-list order.
    [[nodiscard]] Rejection finish(core::TimePoint now, const ParseOptions& options);

private:
    TxEvent& out_;
    bool has_ts_ = false;
    bool has_status_ = false;
};

/// The event parser compiled for one simdjson kernel (event_kernel.inl). Not thread-safe: it
/// owns simdjson's buffers; EventParser holds one.
class KernelParser {
public:
    virtual ~KernelParser() = default;
    /// As EventParser::parse().
    [[nodiscard]] virtual Rejection parse(std::string_view json, std::size_t padded_capacity,
                                          core::TimePoint now, const ParseOptions& options,
                                          TxEvent& out) = 0;
    /// Calls `fn(element_json)` for each element of a top-level array; false if not an array.
    virtual bool split_array(std::string& buffer,
                             const std::function<void(std::string_view)>& fn) = 0;
    /// "generic", "haswell" or "icelake".
    [[nodiscard]] virtual const char* name() const = 0;
};

/// Baseline x86-64 (or any other architecture): simdjson's fallback On-Demand.
std::unique_ptr<KernelParser> make_generic_kernel();
#if NOCTUA_EVENT_KERNELS_X86
/// Only where simdjson's `haswell` kernel runs (AVX2, BMI1, PCLMULQDQ, LZCNT).
std::unique_ptr<KernelParser> make_haswell_kernel();
/// Only where simdjson's `icelake` kernel runs (AVX-512 F/DQ/CD/BW/VL/VBMI2 and the above).
std::unique_ptr<KernelParser> make_icelake_kernel();
#endif

}  // namespace noctua::streams::detail
