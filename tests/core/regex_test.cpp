#include <catch2/catch.hpp>

#include <string>

#include "noctua/core/regex.hpp"
#include "noctua/testing/text.hpp"

using noctua::core::Regex;

using noctua::testing::repeat;

namespace {

Regex compiled(std::string_view pattern, Regex::Anchor anchor = Regex::Anchor::search) {
    auto re = Regex::compile(pattern, anchor);
    if (!re) FAIL(re.error().message);
    return *re;
}

}  // namespace

TEST_CASE("Regex: searches by default, full-matches when anchored", "[core][unit]") {
    CHECK(compiled("json").matches("application/json; charset=utf-8"));
    CHECK_FALSE(compiled("^json").matches("application/json"));
    CHECK(compiled("balance\":[0-9]+").matches(R"({"balance":12})"));

    const Regex full = compiled("5..", Regex::Anchor::full_match);
    CHECK(full.matches("503"));
    CHECK_FALSE(full.matches("1503"));
    CHECK_FALSE(full.matches("5030"));
    // Alternation is anchored as a whole, as Prometheus does: ^(?:a|b)$.
    const Regex alt = compiled("api|web", Regex::Anchor::full_match);
    CHECK(alt.matches("web"));
    CHECK_FALSE(alt.matches("webx"));
    CHECK_FALSE(alt.matches("xapi"));
    CHECK(alt.pattern() == "api|web");
}

TEST_CASE("Regex: large texts match in linear time without recursion", "[core][unit]") {
    // Each of these exhausted the stack of a backtracking engine that recurses per character.
    const std::string body = repeat("x", 50'000) + "SUCCESS";
    CHECK(compiled(".*SUCCESS").matches(body));
    CHECK_FALSE(compiled(".*FAILURE").matches(body));
    CHECK(compiled("^(a|b)*$").matches(repeat("ab", 10'000)));
    CHECK_FALSE(compiled("^(a|b)*$").matches(repeat("ab", 10'000) + "c"));
    CHECK(compiled("a+$").matches(repeat("a", 200'000)));
    CHECK(compiled("(x+x+)+y").matches(repeat("x", 100'000) + "y"));
    CHECK_FALSE(compiled("(x+x+)+y").matches(repeat("x", 100'000)));
    // Deeply nested groups within the length limit compile and match.
    CHECK(compiled(repeat("(", 8'000) + "a" + repeat(")", 8'000)).matches("xa"));
}

TEST_CASE("Regex: invalid and oversized patterns are errors that quote a short prefix", "[core][unit]") {
    auto re = Regex::compile("([");
    REQUIRE_FALSE(re);
    CHECK(re.error().message == "invalid regular expression \"([\": missing closing ] at \"[\"");

    re = Regex::compile("(?=x)y");
    REQUIRE_FALSE(re);
    CHECK_THAT(re.error().message, Catch::Contains("no lookaround or backreferences"));

    // A short pattern whose program is past the memory budget.
    re = Regex::compile("\\pL{1000}");
    REQUIRE_FALSE(re);
    CHECK(re.error().message == "invalid regular expression \"\\\\pL{1000}\": pattern too large once "
                                "compiled: use fewer groups and repetitions");
    re = Regex::compile(repeat("(\\pL{100})", 100));
    REQUIRE_FALSE(re);
    CHECK_THAT(re.error().message, Catch::Contains("pattern too large"));
    CHECK(re.error().message.size() < 200);

    // 20,000 groups: refused by length before anything is compiled.
    re = Regex::compile(repeat("(a)", 20'000));
    REQUIRE_FALSE(re);
    CHECK_THAT(re.error().message, Catch::Contains("60000 bytes long, at most 16384 allowed"));
    CHECK(re.error().message.size() < 200);

    re = Regex::compile(repeat("(", 20'000) + "a" + repeat(")", 20'000));
    REQUIRE_FALSE(re);
    CHECK(re.error().message.size() < 200);
    CHECK_THAT(re.error().message, Catch::StartsWith("invalid regular expression \"" + repeat("(", 64) + "…\""));

    // A pattern over the length limit is refused before compiling; the message stays short.
    re = Regex::compile(repeat("a", 200'000));
    REQUIRE_FALSE(re);
    CHECK(re.error().message.size() < 200);
    CHECK_THAT(re.error().message, Catch::Contains("200000 bytes long"));

    // The error fragment is cut too.
    re = Regex::compile("x" + repeat("a", 1'000) + ")");
    REQUIRE_FALSE(re);
    CHECK(re.error().message.size() < 200);
}

TEST_CASE("excerpt: cuts at a UTF-8 boundary and escapes", "[core][unit]") {
    using noctua::core::excerpt;
    CHECK(excerpt("short") == "\"short\"");
    CHECK(excerpt("a\"b\\c\n") == "\"a\\\"b\\\\c\\x0a\"");
    CHECK(excerpt("abcdef", 3) == "\"abc…\"");
    // "é" is two bytes: a cut inside it drops the whole character.
    CHECK(excerpt("aé", 2) == "\"a…\"");
}
