#pragma once

#include <cstdint>

namespace noctua::core {

/// Floor division and modulo, rounding toward minus infinity (so times before 1970 fall in
/// the right slot too). `b` > 0.
[[nodiscard]] constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
[[nodiscard]] constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
    return a - floor_div(a, b) * b;
}

}  // namespace noctua::core
