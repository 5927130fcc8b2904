#pragma once

// Table-driven checks: a list of (input, expected) pairs checked with one function, each
// failure naming the input it came from.

#include <catch2/catch.hpp>

#include <string>

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

/// Checks, for each `{input, text}` pair of `cases`, that `errors(input)` (a list of error
/// lines) has a first line and that it contains `text`; a failure names its input.
template <class Cases, class Errors>
void check_first_errors(const Cases& cases, Errors errors) {
    for (const auto& [input, text] : cases) {
        INFO(input);
        const auto e = errors(input);
        REQUIRE_FALSE(e.empty());
        CHECK_THAT(e[0], Catch::Contains(std::string(text)));
    }
}

}  // namespace noctua::testing
