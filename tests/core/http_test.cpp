#include <catch2/catch.hpp>

#include "noctua/core/http.hpp"

using namespace noctua::core;

TEST_CASE("find_header: case-insensitive", "[core][unit]") {
    Headers h{{"Content-Type", "application/json"}, {"X-A", "1"}};
    CHECK(find_header(h, "content-type") == "application/json");
    CHECK(find_header(h, "x-a") == "1");
    CHECK_FALSE(find_header(h, "x-b"));
}

TEST_CASE("query_param: decodes and finds", "[core][unit]") {
    CHECK(query_param("a=1&b=hello%20world&c", "b") == "hello world");
    CHECK(query_param("a=1&b=2", "a") == "1");
    CHECK(query_param("a=1&c", "c") == "");
    CHECK_FALSE(query_param("a=1", "z"));
    CHECK(query_param("x=%zz", "x") == "%zz");
}

TEST_CASE("percent_encode: unreserved characters stay, a space as + only in forms",
          "[core][unit]") {
    CHECK(noctua::core::percent_encode("a-Z_0.~ b/é", false) == "a-Z_0.~%20b%2F%C3%A9");
    CHECK(noctua::core::percent_encode("a b&c=d", true) == "a+b%26c%3Dd");
    CHECK(noctua::core::percent_decode(noctua::core::percent_encode("x y+z", true), true) == "x y+z");
}

TEST_CASE("ServerResponse::json_error: JSON body with the message", "[core][unit]") {
    auto r = ServerResponse::json_error(404, "no \"route\"");
    CHECK(r.status == 404);
    CHECK(r.content_type == "application/json");
    CHECK(r.body == R"({"status":"error","error":"no \"route\""})");
}

TEST_CASE("split_path: non-empty segments", "[core][unit]") {
    CHECK(split_path("/acme//accounts/balance/") ==
          std::vector<std::string_view>{"acme", "accounts", "balance"});
    CHECK(split_path("").empty());
    CHECK(split_path("///").empty());
    CHECK(split_path("x") == std::vector<std::string_view>{"x"});
}

TEST_CASE("bearer_token: the scheme without regard to case, then the credentials", "[core][unit]") {
    using noctua::core::bearer_token;
    // The token is a view into the headers: copy it before they go.
    auto token = [](std::string value) -> std::optional<std::string> {
        const noctua::core::Headers headers{{"authorization", std::move(value)}};
        const auto found = bearer_token(headers);
        return found ? std::optional<std::string>(*found) : std::nullopt;
    };
    CHECK(token("Bearer abc") == "abc");
    CHECK(token("bearer abc") == "abc");
    CHECK(token("BEARER abc") == "abc");
    CHECK(token("Bearer   abc") == "abc");
    CHECK_FALSE(token("Bearerabc").has_value());
    CHECK_FALSE(token("Bearer").has_value());
    CHECK_FALSE(token("Bearer   ").has_value());
    CHECK_FALSE(token("Basic abc").has_value());
    CHECK_FALSE(bearer_token({}).has_value());
}
