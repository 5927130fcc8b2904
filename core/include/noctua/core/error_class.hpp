#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace noctua::core {

/// What a transaction's outcome says about the provider that handled it: provider faults
/// count, customer errors do not, insufficient balance goes to the balance detector.
enum class ErrorClass : std::uint8_t {
    success,               ///< not an error
    provider_fault,        ///< counts against the provider's success ratio
    customer_error,        ///< the customer's own mistake: never pages as an outage
    insufficient_balance,  ///< goes to the balance detector, not the success ratio
};
inline constexpr std::size_t kErrorClassCount = 4;

/// "success", "provider_fault", "customer_error", "insufficient_balance".
[[nodiscard]] std::string_view to_string(ErrorClass c);

/// Classifies a transaction by its status (success|failed|pending|timeout|refunded) and error
/// code. Customer errors (bad phone number, recently recharged, invalid amount, daily limits)
/// and insufficient balance (INSUFFICIENT_BALANCE, INSUFFICIENT_FUNDS, LOW_BALANCE) are told
/// apart from provider faults; an unknown code, a timeout or a failure without a code is a
/// provider fault; success and pending without a known error code are `success`. Codes and
/// statuses compare case-insensitively. Pure and thread-safe; allocation-free.
[[nodiscard]] ErrorClass classify_error(std::string_view status, std::string_view error_code);

}  // namespace noctua::core
