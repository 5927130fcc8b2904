#include "noctua/core/error_class.hpp"

#include "noctua/core/ascii.hpp"

namespace noctua::core {
namespace {

// Reloadly's documented customer-side codes and common synonyms.
constexpr std::string_view kCustomerCodes[] = {
    "COULD_NOT_AUTO_DETECT_OPERATOR",
    "COUNTRY_NOT_SUPPORTED",
    "INVALID_AMOUNT",
    "INVALID_AMOUNT_FOR_OPERATOR",
    "INVALID_PHONE_NUMBER",
    "INVALID_RECIPIENT_PHONE",
    "INVALID_SENDER_PHONE",
    "MAX_DAILY_TRANSACTION_AMOUNT_REACHED",
    "MAX_DAILY_TRANSACTION_COUNT_REACHED",
    "PHONE_RECENTLY_RECHARGED",
    "DUPLICATE_TRANSACTION",
    "INVALID_PHONE",
    "INVALID_REQUEST",
};
constexpr std::string_view kBalanceCodes[] = {"INSUFFICIENT_BALANCE", "INSUFFICIENT_FUNDS",
                                              "LOW_BALANCE"};

}  // namespace

std::string_view to_string(ErrorClass c) {
    switch (c) {
        case ErrorClass::success:
            return "success";
        case ErrorClass::provider_fault:
            return "provider_fault";
        case ErrorClass::customer_error:
            return "customer_error";
        case ErrorClass::insufficient_balance:
            return "insufficient_balance";
    }
    return "?";
}

ErrorClass classify_error(std::string_view status, std::string_view code) {
    for (auto c : kBalanceCodes) {
        if (ascii_iequals(code, c)) return ErrorClass::insufficient_balance;
    }
    for (auto c : kCustomerCodes) {
        if (ascii_iequals(code, c)) return ErrorClass::customer_error;
    }
    if (ascii_iequals(status, "success") || ascii_iequals(status, "pending")) return ErrorClass::success;
    return ErrorClass::provider_fault;
}

}  // namespace noctua::core
