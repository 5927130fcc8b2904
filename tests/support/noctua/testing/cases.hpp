#pragma once

// Table-driven checks: a list of (input, expected) pairs checked with one function, each
// failure naming the input it came from.

#include <catch2/catch.hpp>

namespace noctua::testing {

/// Checks `f(input) == expected` for each `{input, expected}` pair of `cases` (an array or a
/// container of pairs); a failure names its input.
template <class Cases, class F>
void check_each(const Cases& cases, F f) {
    for (const auto& [input, expected] : cases) {
        INFO(input);
        CHECK(f(input) == expected);
    }
}

}  // namespace noctua::testing
