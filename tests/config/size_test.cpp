#include <catch2/catch.hpp>

#include <limits>

#include "noctua/config/config.hpp"

using noctua::config::parse_size;

TEST_CASE("parse_size: decimal and binary units", "[config][unit]") {
    CHECK(parse_size("100B").value() == 100);
    CHECK(parse_size("0B").value() == 0);
    CHECK(parse_size("10KB").value() == 10'000);
    CHECK(parse_size("10MB").value() == 10'000'000);
    CHECK(parse_size("2GB").value() == 2'000'000'000);
    CHECK(parse_size("512KiB").value() == 512 * 1024);
    CHECK(parse_size("1MiB").value() == 1024 * 1024);
    CHECK(parse_size("3GiB").value() == 3ULL * 1024 * 1024 * 1024);
    CHECK(parse_size("1TiB").value() == 1ULL << 40);
}

TEST_CASE("parse_size: rejects bare numbers, unknown units, junk and overflow", "[config][unit]") {
    for (const char* bad : {"", "1024", "1mb", "1 MiB", "1.5MiB", "-1B", "MiB", "1MiBB", "1Mi",
                            "99999999999999999999B", "20000000TiB"}) {
        INFO(bad);
        CHECK_FALSE(parse_size(bad).has_value());
    }
    CHECK(parse_size("1024").error().message ==
          "invalid size \"1024\": missing or unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB, "
          "TiB)");
    CHECK(parse_size("20000000TiB").error().message == "size \"20000000TiB\" is too large");
}
