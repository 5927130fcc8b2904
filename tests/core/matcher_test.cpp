#include <catch2/catch.hpp>

#include <string>

#include "noctua/core/matcher.hpp"

using namespace noctua;
using core::Matcher;
using core::MatchOp;

namespace {
core::Labels lbl(std::string provider, std::string tier = "") {
    core::Labels l{{"alertname", "TrafficLoss"}, {"provider", std::move(provider)}};
    if (!tier.empty()) l.set("tier", tier);
    return l;
}
}  // namespace

TEST_CASE("Matcher: the four operators, anchored regexes, missing labels as empty",
          "[alerts][unit]") {
    auto eq = Matcher::parse(R"(provider="acme")");
    REQUIRE(eq);
    CHECK(eq->matches(lbl("acme")));
    CHECK_FALSE(eq->matches(lbl("acme2")));

    auto ne = Matcher::parse(R"(provider!="acme")");
    REQUIRE(ne);
    CHECK(ne->op() == MatchOp::not_equal);
    CHECK(ne->matches(lbl("zeta")));

    auto re = Matcher::parse(R"(provider=~"ac.*|zeta")");
    REQUIRE(re);
    CHECK(re->matches(lbl("acme")));
    CHECK(re->matches(lbl("zeta")));
    CHECK_FALSE(re->matches(lbl("xacme")));  // anchored: the whole value must match

    auto nre = Matcher::parse(R"(tier!~"premium|plus")");
    REQUIRE(nre);
    CHECK(nre->matches(lbl("acme", "standard")));
    CHECK(nre->matches(lbl("acme")));  // no tier: matches as ""
    CHECK_FALSE(nre->matches(lbl("acme", "plus")));

    auto missing = Matcher::parse(R"(tier="")");
    REQUIRE(missing);
    CHECK(missing->matches(lbl("acme")));
    CHECK(missing->matches_empty());
    CHECK_FALSE(eq->matches_empty());
}

TEST_CASE("Matcher: a regex over a large value runs in linear time", "[alerts][unit]") {
    auto m = Matcher::parse(R"(body=~"(a|b)*c")");
    REQUIRE(m);
    core::Labels l;
    l.set("body", std::string(200000, 'a'));
    CHECK_FALSE(m->matches(l));
}

TEST_CASE("Matcher: malformed matchers are errors that name them", "[alerts][unit]") {
    CHECK_FALSE(Matcher::parse("provider"));
    CHECK_FALSE(Matcher::parse(R"(1provider="x")"));
    CHECK_FALSE(Matcher::parse(R"(provider="x)"));
    auto bad_re = Matcher::parse(R"(provider=~"(unclosed")");
    REQUIRE_FALSE(bad_re);
    CHECK(bad_re.error().message.find("invalid regex") != std::string::npos);

    // A huge pattern is refused without being echoed whole.
    std::string huge(20000, '(');
    auto big = Matcher::make("provider", MatchOp::regex, huge);
    REQUIRE_FALSE(big);
    CHECK(big.error().message.size() < 400);
}

TEST_CASE("parse_matchers: braces, commas inside quotes, round trip", "[alerts][unit]") {
    auto ms = core::parse_matchers(R"({alertname="ProviderDown", provider=~"a,b|c", tier!="x"})");
    REQUIRE(ms);
    REQUIRE(ms->size() == 3);
    CHECK((*ms)[1].value() == "a,b|c");
    CHECK(core::to_string(*ms) == R"({alertname="ProviderDown", provider=~"a,b|c", tier!="x"})");
    auto again = core::parse_matchers(core::to_string(*ms));
    REQUIRE(again);
    CHECK(*again == *ms);

    auto bare = core::parse_matchers("provider=acme");
    REQUIRE(bare);
    CHECK(bare->size() == 1);
    auto empty = core::parse_matchers("{}");
    REQUIRE(empty);
    CHECK(empty->empty());
    CHECK_FALSE(core::parse_matchers(R"({a="1",,b="2"})"));
}
