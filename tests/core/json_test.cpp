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
