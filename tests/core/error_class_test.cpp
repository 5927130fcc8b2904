#include <catch2/catch.hpp>

#include "noctua/core/error_class.hpp"

using noctua::core::classify_error;
using noctua::core::ErrorClass;

TEST_CASE("classify_error: customer errors and balance are not provider faults", "[core][unit]") {
    CHECK(classify_error("success", "") == ErrorClass::success);
    CHECK(classify_error("pending", "") == ErrorClass::success);
    CHECK(classify_error("failed", "INVALID_RECIPIENT_PHONE") == ErrorClass::customer_error);
    CHECK(classify_error("failed", "phone_recently_recharged") == ErrorClass::customer_error);
    CHECK(classify_error("FAILED", "MAX_DAILY_TRANSACTION_COUNT_REACHED") ==
          ErrorClass::customer_error);
    CHECK(classify_error("failed", "INSUFFICIENT_BALANCE") == ErrorClass::insufficient_balance);
    CHECK(classify_error("failed", "insufficient_funds") == ErrorClass::insufficient_balance);
    CHECK(classify_error("failed", "TOPUP_TRANSACTION_FAILED") == ErrorClass::provider_fault);
    CHECK(classify_error("failed", "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE") ==
          ErrorClass::provider_fault);
    CHECK(classify_error("refunded", "TOPUP_TRANSACTION_FAILED") == ErrorClass::provider_fault);
    CHECK(classify_error("timeout", "") == ErrorClass::provider_fault);
    CHECK(classify_error("failed", "") == ErrorClass::provider_fault);
    // A success that carries an unknown code is still a success.
    CHECK(classify_error("success", "PARTIAL") == ErrorClass::success);
    CHECK(to_string(ErrorClass::insufficient_balance) == "insufficient_balance");
}
