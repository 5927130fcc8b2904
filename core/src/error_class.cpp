#include "noctua/core/error_class.hpp"

#include "noctua/core/ascii.hpp"
#include "noctua/core/enum_names.hpp"

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

constexpr EnumName<ErrorClass> kNames[] = {
    {ErrorClass::success, "success"},
    {ErrorClass::provider_fault, "provider_fault"},
    {ErrorClass::customer_error, "customer_error"},
    {ErrorClass::insufficient_balance, "insufficient_balance"},
};

}  // namespace

std::string_view to_string(ErrorClass c) { return name_of(kNames, c, "?"); }

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
