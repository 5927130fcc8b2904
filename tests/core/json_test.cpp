#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "noctua/core/json.hpp"

using noctua::core::JsonWriter;

TEST_CASE("JsonWriter: nested containers and commas", "[core][unit]") {
    JsonWriter w;
    w.begin_object()
        .field("a", 1)
        .field("b", "x")
        .key("c")
        .begin_array()
        .value(true)
        .null()
        .begin_object()
        .end_object()
        .end_array()
        .field("d", 0.5)
        .end_object();
    CHECK(w.str() == R"({"a":1,"b":"x","c":[true,null,{}],"d":0.5})");
}

TEST_CASE("JsonWriter: escapes strings and nulls non-finite numbers", "[core][unit]") {
    JsonWriter w;
    w.begin_array()
        .value("q\"b\\n\n\x01")
        .value(std::numeric_limits<double>::quiet_NaN())
        .value(std::numeric_limits<double>::infinity())
        .end_array();
    CHECK(w.str() == R"(["q\"b\\n\n\u0001",null,null])");
}

TEST_CASE("JsonWriter: output is valid UTF-8 whatever the input bytes", "[core][unit]") {
    auto json = [](std::string_view s) {
        std::string out;
        noctua::core::append_json_string(out, s);
        return out;
    };
    const std::string fffd = "\xEF\xBF\xBD";
    // Well-formed sequences of every length pass unchanged.
    CHECK(json("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z") ==
          "\"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z\"");
    CHECK(json("\xEF\xBF\xBD") == "\"" + fffd + "\"");
    // A byte that starts no sequence, a lone continuation byte.
    CHECK(json("no probe \"\xFF\"") == "\"no probe \\\"" + fffd + "\\\"\"");
    CHECK(json("\x80z") == "\"" + fffd + "z\"");
    // Truncated sequences: one U+FFFD for the maximal prefix, then what follows.
    CHECK(json("\xE2\x82z") == "\"" + fffd + "z\"");
    CHECK(json("\xF0\x9F\x98") == "\"" + fffd + "\"");
    CHECK(json("\xC3") == "\"" + fffd + "\"");
    // Overlong forms, surrogates and code points past U+10FFFF.
    CHECK(json("\xC0\xAF") == "\"" + fffd + fffd + "\"");
    CHECK(json("\xE0\x80\xAF") == "\"" + fffd + fffd + fffd + "\"");
    CHECK(json("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");
    CHECK(json("\xF4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\"");
    CHECK(json("\xF5\x80") == "\"" + fffd + fffd + "\"");

    JsonWriter w;
    w.begin_object().field("k\xFF", "v\xFE").end_object();
    CHECK(w.str() == "{\"k" + fffd + "\":\"v" + fffd + "\"}");
}

TEST_CASE("append_json_string: plain runs around escapes and UTF-8 come out whole",
          "[core][unit]") {
    std::string out = "x";
    noctua::core::append_json_string(out, "acme \"down\"\tsince 10:00 \xC3\xBC\x7f end\\");
    CHECK(out == "x\"acme \\\"down\\\"\\tsince 10:00 \xC3\xBC\x7f end\\\\\"");
    out.clear();
    noctua::core::append_json_string(out, "");
    CHECK(out == "\"\"");
    out.clear();
    noctua::core::append_json_string(out, "\x01plain");
    CHECK(out == "\"\\u0001plain\"");
}

TEST_CASE("append_json_string: a byte to escape is found wherever it sits in an 8-byte word",
          "[core][unit]") {
    // Plain text is scanned eight bytes at a time: every position of each special byte, in
    // strings longer and shorter than a word, next to bytes that borrow in the arithmetic.
    const std::pair<std::string, std::string> specials[] = {
        {"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {std::string(1, '\0'), "\\u0000"},
        {"\x1f", "\\u001f"}, {"\xC3\xA9", "\xC3\xA9"}, {"\xFF", "\xEF\xBF\xBD"}};
    for (const auto& [raw, escaped] : specials) {
        for (std::size_t len : {std::size_t{7}, std::size_t{8}, std::size_t{23}}) {
            for (std::size_t pos = 0; pos <= len; ++pos) {
                const std::string before(pos, ' ');
                const std::string after(len - pos, '!');
                std::string out;
                noctua::core::append_json_string(out, before + raw + after);
                INFO("special " << escaped << " at " << pos << " of " << len);
                CHECK(out == "\"" + before + escaped + after + "\"");
            }
        }
    }
    std::string out;
    noctua::core::append_json_string(out, " !#[]~\x7f" "0123456789abcdef");
    CHECK(out == "\" !#[]~\x7f" "0123456789abcdef\"");
}
