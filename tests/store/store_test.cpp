#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include "noctua/store/store.hpp"
#include "noctua/testing/temp_dir.hpp"

namespace fs = std::filesystem;
using noctua::store::Batch;
using noctua::store::Store;

namespace {

using noctua::testing::TempDir;

std::unique_ptr<Store> open_ok(const std::string& path) {
    auto s = Store::open(path);
    REQUIRE(s.has_value());
    return std::move(*s);
}

/// Runs `sql` on the SQLite database file `path` (created if absent) outside any Store.
void run_sql(const std::string& path, const char* sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
}

}  // namespace

TEST_CASE("Store: offsets survive reopening", "[store][unit]") {
    TempDir dir;
    const auto db = dir.file("state.db");
    {
        auto s = open_ok(db);
        CHECK(s->schema_version() == noctua::store::kSchemaVersion);
        auto none = s->offset("tail", "1:2");
        REQUIRE(none.has_value());
        CHECK_FALSE(none->has_value());
        REQUIRE(s->put_offset("tail", "1:2", 42).has_value());
        REQUIRE(s->put_offset("tail", "1:2", 4200).has_value());  // replaces
        REQUIRE(s->put_offset("tail", "1:3", 7).has_value());
        REQUIRE(s->put_offset("other", "1:2", 1).has_value());
    }
    auto s = open_ok(db);
    auto v = s->offset("tail", "1:2");
    REQUIRE(v.has_value());
    CHECK(*v == std::optional<std::int64_t>(4200));
    auto all = s->offsets("tail");
    REQUIRE(all.has_value());
    CHECK(*all == std::map<std::string, std::int64_t>{{"1:2", 4200}, {"1:3", 7}});
}

TEST_CASE("Store: a batch commits offsets and blobs together and erases", "[store][unit]") {
    TempDir dir;
    auto s = open_ok(dir.file("state.db"));
    REQUIRE(s->put_offset("tail", "gone", 5).has_value());
    Batch b;
    b.offsets.push_back({"tail", "a", 10});
    b.offsets.push_back({"tail", "gone", std::nullopt});
    std::string image("\0binary\xff", 8);
    b.blobs.emplace_back("windows", image);
    REQUIRE(s->commit(b).has_value());
    auto all = s->offsets("tail");
    REQUIRE(all.has_value());
    CHECK(*all == std::map<std::string, std::int64_t>{{"a", 10}});
    auto blob = s->blob("windows");
    REQUIRE(blob.has_value());
    REQUIRE(blob->has_value());
    CHECK(**blob == image);
    auto missing = s->blob("nothing");
    REQUIRE(missing.has_value());
    CHECK_FALSE(missing->has_value());
    CHECK(s->commit(Batch{}).has_value());
}

TEST_CASE("Store: uses WAL journaling", "[store][unit]") {
    TempDir dir;
    const auto db = dir.file("state.db");
    auto s = open_ok(db);
    REQUIRE(s->put_offset("x", "y", 1).has_value());
    CHECK(fs::exists(db + "-wal"));
}

TEST_CASE("Store: refuses a newer schema and a file that is not a database",
          "[store][unit]") {
    TempDir dir;
    const auto db = dir.file("future.db");
    run_sql(db, "PRAGMA user_version = 99");
    auto r = Store::open(db);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == noctua::core::Errc::invalid_argument);
    CHECK_THAT(r.error().message, Catch::Contains("newer"));

    const auto junk = dir.file("junk.db");
    std::ofstream(junk) << std::string(4096, 'x');
    auto j = Store::open(junk);
    REQUIRE_FALSE(j.has_value());
    CHECK(j.error().code == noctua::core::Errc::io);

    auto nodir = Store::open(dir.file("missing/dir/state.db"));
    CHECK_FALSE(nodir.has_value());
}

TEST_CASE("Store: migrates a version-0 database in place", "[store][unit]") {
    TempDir dir;
    const auto db = dir.file("old.db");
    run_sql(db, "CREATE TABLE unrelated (x)");
    auto s = open_ok(db);
    CHECK(s->schema_version() == noctua::store::kSchemaVersion);
    CHECK(s->put_offset("a", "b", 3).has_value());
}
