#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "noctua/core/ascii.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/testing/cases.hpp"

using namespace noctua::core;

TEST_CASE("base64: RFC 4648 test vectors, standard and url alphabets", "[core][unit]") {
    const std::pair<std::string_view, std::string_view> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
        {"my+id:s3cr3t", "bXkraWQ6czNjcjN0"},
    };
    noctua::testing::check_each(vectors, [](std::string_view text) { return base64_encode(text); });
    const std::string high{"\xfb\xff\xfe", 3};
    CHECK(base64_encode(high) == "+//+");
    CHECK(base64url_encode(high) == "-__-");
    CHECK(base64url_encode("f") == "Zg");  // no padding
    CHECK(base64url_encode(R"({"alg":"HS256","typ":"JWT"})") ==
          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
}

TEST_CASE("base64: decoding round-trips and rejects malformed input", "[core][unit]") {
    const std::vector<std::string> inputs{
        "f", "fo", "foo", "foob", "fooba", "foobar", std::string{"\0\x01\xff\x80", 4}};
    for (const auto& s : inputs) {
        auto back = base64_decode(base64_encode(s));
        REQUIRE(back);
        CHECK(*back == s);
    }
    CHECK_FALSE(base64_decode(""));
    CHECK_FALSE(base64_decode("Zg="));       // not a multiple of four
    CHECK_FALSE(base64_decode("Z=g="));      // padding inside
    CHECK_FALSE(base64_decode("Zm9v!A=="));  // outside the alphabet
    CHECK_FALSE(base64_decode("-__-"));      // the url alphabet is not accepted
}

TEST_CASE("ascii: case-insensitive compare and prefix, locale-independent", "[core][unit]") {
    CHECK(ascii_iequals("Content-Type", "content-type"));
    CHECK_FALSE(ascii_iequals("Content-Type", "content-typ"));
    CHECK(ascii_istarts_with("bearer abc", "Bearer "));
    CHECK(ascii_istarts_with("APPLICATION/JSON; charset=utf-8", "application/json"));
    CHECK_FALSE(ascii_istarts_with("Bear", "Bearer "));
    CHECK(ascii_lower('Q') == 'q');
    CHECK(ascii_upper('q') == 'Q');
    CHECK(ascii_lower('\xc4') == '\xc4');  // not ASCII: unchanged
}
