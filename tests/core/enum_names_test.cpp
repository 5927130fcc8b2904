#include <catch2/catch.hpp>

#include "noctua/core/enum_names.hpp"
#include "noctua/core/unique_handle.hpp"

namespace core = noctua::core;

namespace {

enum class Colour { red, green, blue };

constexpr core::EnumName<Colour> kColours[] = {
    {Colour::red, "red"},
    {Colour::green, "green"},
};

int freed = 0;
void free_int(int* p) {
    ++freed;
    delete p;
}

}  // namespace

TEST_CASE("name_of: the row's name, else the fallback", "[core][unit]") {
    STATIC_REQUIRE(core::name_of(kColours, Colour::red, "?") == "red");
    CHECK(core::name_of(kColours, Colour::green, "?") == "green");
    CHECK(core::name_of(kColours, Colour::blue, "?") == "?");
    CHECK(core::name_of(kColours, static_cast<Colour>(7), "none") == "none");
}

TEST_CASE("value_of: the value a row names, else nullopt", "[core][unit]") {
    STATIC_REQUIRE(core::value_of(kColours, "red") == Colour::red);
    CHECK(core::value_of(kColours, "green") == Colour::green);
    CHECK_FALSE(core::value_of(kColours, "blue").has_value());
    CHECK_FALSE(core::value_of(kColours, "").has_value());
}

TEST_CASE("UniqueHandle: releases its handle once with the library's function", "[core][unit]") {
    freed = 0;
    {
        core::UniqueHandle<int, free_int> h(new int(1));
        core::UniqueHandle<int, free_int> moved = std::move(h);
        core::UniqueHandle<int, free_int> empty;
        CHECK(freed == 0);
    }
    CHECK(freed == 1);
}
