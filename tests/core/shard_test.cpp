#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <string>

#include "noctua/core/shard.hpp"

using namespace noctua::core;

TEST_CASE("fnv1a64: the published FNV-1a 64 test vectors", "[core][unit]") {
    CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
    CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
    CHECK(fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("shard_of: pinned assignments, so no build or platform moves a probe", "[core][unit]") {
    // Computed once from the published algorithms; a change here reshuffles every fleet.
    CHECK(jump_consistent_hash(0, 10) == 0);
    CHECK(jump_consistent_hash(1, 10) == 6);
    CHECK(jump_consistent_hash(42, 10) == 2);
    CHECK(jump_consistent_hash(1000, 10) == 9);
    const std::array<std::string, 8> ids = {
        "acme-health", "globex-balance", "initech-auth", "p0", "p1", "p2", "p3", "p4"};
    const std::array<std::uint32_t, 8> of2 = {0, 1, 1, 1, 0, 0, 0, 1};
    const std::array<std::uint32_t, 8> of3 = {2, 1, 1, 2, 2, 0, 0, 1};
    const std::array<std::uint32_t, 8> of5 = {2, 1, 1, 2, 4, 3, 0, 3};
    for (std::size_t i = 0; i < ids.size(); ++i) {
        INFO(ids[i]);
        CHECK(shard_of(ids[i], 1) == 0);
        CHECK(shard_of(ids[i], 2) == of2[i]);
        CHECK(shard_of(ids[i], 3) == of3[i]);
        CHECK(shard_of(ids[i], 5) == of5[i]);
    }
}

TEST_CASE("Shard: every id is owned by exactly one of N, evenly, and growing moves few",
          "[core][unit]") {
    constexpr std::uint32_t kN = 4;
    constexpr int kIds = 20000;
    std::array<int, kN> per{};
    int moved = 0;
    for (int i = 0; i < kIds; ++i) {
        const auto id = "probe-" + std::to_string(i);
        int owners = 0;
        for (std::uint32_t s = 0; s < kN; ++s) {
            if (Shard{s, kN}.owns(id)) {
                ++owners;
                ++per[s];
            }
        }
        REQUIRE(owners == 1);
        // From 4 to 5 instances an id either stays or moves to the new one.
        const auto before = shard_of(id, kN);
        const auto after = shard_of(id, kN + 1);
        if (after != before) {
            CHECK(after == kN);
            ++moved;
        }
    }
    for (auto n : per) CHECK(std::abs(n - kIds / static_cast<int>(kN)) < kIds / 40);
    CHECK(std::abs(moved - kIds / 5) < kIds / 40);
}

TEST_CASE("parse_shard: i/N from 0, and what is wrong with a bad one", "[core][unit]") {
    auto s = parse_shard("1/3");
    REQUIRE(s);
    CHECK(*s == Shard{1, 3});
    CHECK(s->to_string() == "1/3");
    CHECK(s->sharded());
    CHECK(parse_shard("0/1").value() == Shard{});
    CHECK_FALSE(Shard{}.sharded());
    for (const char* bad : {"", "1", "a/2", "1/b", "/2", "1/", "-1/2", "1/2/3", " 1/2", "2/2",
                            "3/2", "0/0", "0/1025", "99999999999/2"}) {
        INFO(bad);
        auto r = parse_shard(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::invalid_argument);
    }
    CHECK_THAT(parse_shard("2/2").error().message, Catch::Contains("indices are 0 to 1"));
    CHECK_THAT(parse_shard("x").error().message, Catch::Contains("\"i/N\""));
}
