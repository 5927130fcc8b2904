#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "noctua/streams/event.hpp"

namespace noctua::streams::detail {

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
