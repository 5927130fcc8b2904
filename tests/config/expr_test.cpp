// The expression language's parser: nesting bounds, n-ary chains, regular expressions.
#include <catch2/catch.hpp>

#include <string>

#include "noctua/config/config.hpp"
#include "noctua/config/expr.hpp"
#include "noctua/testing/text.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua::config;

using noctua::testing::repeat;

namespace {

expr::SyntaxError error_of(const std::string& text) {
    auto e = expr::parse(text);
    REQUIRE_FALSE(e.has_value());
    return e.error();
}

/// The single error of a config whose one probe has `expect = [<expect>]` (a TOML literal).
std::string config_error(const std::string& expect) {
    const std::string text = "[[providers]]\nid = \"acme\"\nbase_url = \"http://127.0.0.1:1/acme\"\n"
                             "[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/b\"\nexpect = [" +
                             expect + "]\n";
    auto c = load_string(text, "t.toml", noctua::testing::builtin_kind_parsers());
    REQUIRE_FALSE(c.has_value());
    REQUIRE(c.error().size() == 1);
    return c.error()[0].to_string();
}

constexpr std::string_view kTooDeep = "nested too deeply: at most 100 levels";

}  // namespace

TEST_CASE("expr: nesting up to kMaxDepth parses, deeper is an error at the first level too many",
          "[config][unit]") {
    const std::size_t max = expr::kMaxDepth;
    CHECK(expr::parse(repeat("(", max) + "status == 200" + repeat(")", max)).has_value());
    CHECK(expr::parse(repeat("!", max) + "body.ok").has_value());
    CHECK(expr::parse("status in " + repeat("[", max) + "1" + repeat("]", max)).has_value());

    SECTION("parentheses") {
        for (const std::size_t n : {max + 1, std::size_t{5'684}, std::size_t{100'000}}) {
            const auto e = error_of(repeat("(", n) + "status == 200" + repeat(")", n));
            CHECK(e.offset == max);
            CHECK_THAT(e.message, Catch::StartsWith(std::string(kTooDeep)));
        }
    }
    SECTION("negations") {
        auto e = error_of(repeat("!", 12'000) + "exists(body.x)");
        CHECK(e.offset == max);
        CHECK_THAT(e.message, Catch::StartsWith(std::string(kTooDeep)));
        e = error_of(repeat("not ", 12'000) + "exists(body.x)");
        CHECK(e.offset == 4 * max);
    }
    SECTION("lists") {
        const auto e = error_of("status in " + repeat("[", 100'000));
        CHECK(e.offset == 10 + max);
        CHECK_THAT(e.message, Catch::StartsWith(std::string(kTooDeep)));
    }
    SECTION("calls") {
        const auto e = error_of(repeat("len(", 100'000) + "body" + repeat(")", 100'000));
        CHECK(e.offset == 4 * max + 3);
        CHECK_THAT(e.message, Catch::StartsWith(std::string(kTooDeep)));
    }
    SECTION("a template hole") {
        auto t = expr::parse_template("Bearer {{ " + repeat("(", 100'000) + "steps.a.body.t" + " }}");
        REQUIRE_FALSE(t.has_value());
        CHECK(t.error().offset == 10 + max);
        CHECK_THAT(t.error().message, Catch::StartsWith(std::string(kTooDeep)));
    }
    SECTION("ranges do not chain") {
        auto e = error_of("status in 1.." + repeat("2..", 100'000) + "3");
        CHECK(e.offset == 14);
        CHECK(e.message == "a range has two bounds, such as 200..299");
    }
}

TEST_CASE("expr: && and || chains are one flat node however long", "[config][unit]") {
    std::string text = "status == 200";
    for (int i = 0; i < 100'000; ++i) text += " || status == 201";
    auto e = expr::parse(text);
    REQUIRE(e.has_value());
    CHECK(e->root().op == expr::Op::logical_or);
    CHECK(e->root().children.size() == 100'001);

    e = expr::parse("status == 200 && latency < 1s and exists(body.x) || body.ok");
    REQUIRE(e.has_value());
    // || binds loosest: (a && b && c) || d.
    REQUIRE(e->root().op == expr::Op::logical_or);
    REQUIRE(e->root().children.size() == 2);
    CHECK(e->root().children[0]->op == expr::Op::logical_and);
    CHECK(e->root().children[0]->children.size() == 3);
}

TEST_CASE("expr: matches compiles its quoted pattern once, at parse time", "[config][unit]") {
    auto e = expr::parse("body matches \"^ok\"");
    REQUIRE(e.has_value());
    REQUIRE(e->root().regex.has_value());
    CHECK(e->root().regex->matches("ok then"));
    CHECK_FALSE(e->root().regex->matches("not ok"));

    auto err = error_of("body matches header[\"X-Pattern\"]");
    CHECK(err.offset == 13);
    CHECK_THAT(err.message, Catch::StartsWith("matches needs a quoted pattern"));

    err = error_of("body matches \"a(?=b)\"");
    CHECK(err.offset == 13);
    CHECK_THAT(err.message, Catch::Contains("no lookaround or backreferences"));

    err = error_of("body matches \"" + repeat("(a)", 20'000) + "\"");
    CHECK(err.offset == 13);
    CHECK(err.message.size() < 200);
}

TEST_CASE("config: too deep an expression or too large a pattern is a positioned error",
          "[config][unit]") {
    // Line 8 is `expect = [...`; its string starts at column 11 and the expression at 12.
    auto e = config_error("\"" + repeat("(", 100'000) + "status == 200" + repeat(")", 100'000) + "\"");
    CHECK_THAT(e, Catch::StartsWith("t.toml:8:112: probes[0].expect[0]: " + std::string(kTooDeep)));
    CHECK(e.size() < 300);

    e = config_error("'" + repeat("!", 12'000) + "exists(body.x)'");
    CHECK_THAT(e, Catch::StartsWith("t.toml:8:112: probes[0].expect[0]: " + std::string(kTooDeep)));

    e = config_error("'body matches \"" + repeat("(a)", 20'000) + "\"'");
    CHECK_THAT(e, Catch::StartsWith("t.toml:8:25: probes[0].expect[0]: invalid regular expression \"(a)(a)"));
    CHECK(e.size() < 300);

    e = config_error("'body matches \"\\pL{1000}\"'");
    CHECK(e == "t.toml:8:25: probes[0].expect[0]: invalid regular expression \"\\\\pL{1000}\": pattern too "
               "large once compiled: use fewer groups and repetitions");
}
