#include <catch2/catch.hpp>

#include "noctua/store/alert_store.hpp"
#include "noctua/store/store.hpp"
#include "noctua/testing/temp_dir.hpp"

using noctua::core::TimePoint;
using noctua::store::AlertBatch;
using noctua::store::AlertStore;
using noctua::store::OutboxItem;
using noctua::store::RecordWrite;
using noctua::testing::TempDir;

namespace {
TimePoint at(long s) { return TimePoint{std::chrono::seconds(s)}; }
OutboxItem item(std::string group, std::string payload) {
    OutboxItem it;
    it.receiver = "noc";
    it.group_key = std::move(group);
    it.payload = std::move(payload);
    it.created = at(10);
    it.next_attempt = at(10);
    return it;
}
}  // namespace

TEST_CASE("AlertStore: the outbox and its records survive reopening, in order", "[store][unit]") {
    TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    {
        auto s = AlertStore::open(path);
        REQUIRE(s);
        auto ids = (*s)->write({item("g1", "fire"), item("g1", "resolve"), item("g2", "x")},
                               {RecordWrite{"nflog", "noc/g1", std::string("rec")}});
        REQUIRE(ids);
        REQUIRE(ids->size() == 3);
        CHECK((*ids)[0] < (*ids)[1]);
        REQUIRE((*s)->delivered((*ids)[2]));
        REQUIRE((*s)->reschedule((*ids)[0], 3, at(99)));
    }
    auto s = AlertStore::open(path);
    REQUIRE(s);
    auto p = (*s)->pending();
    REQUIRE(p);
    REQUIRE(p->size() == 2);
    CHECK((*p)[0].payload == "fire");
    CHECK((*p)[0].attempts == 3);
    CHECK((*p)[0].next_attempt == at(99));
    CHECK((*p)[1].payload == "resolve");
    auto recs = (*s)->records("nflog");
    REQUIRE(recs);
    CHECK(recs->at("noc/g1") == "rec");

    REQUIRE((*s)->write({}, {RecordWrite{"nflog", "noc/g1", std::nullopt}}));
    CHECK((*s)->records("nflog")->empty());
}

TEST_CASE("AlertStore: one batch appends, records, delivers, reschedules and dead-letters in one "
          "commit",
          "[store][unit]") {
    TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    {
        auto s = AlertStore::open(path);
        REQUIRE(s);
        auto first = (*s)->write({item("g1", "a"), item("g2", "b"), item("g3", "c")}, {});
        REQUIRE(first);
        CHECK((*s)->commits() == 1);
        noctua::store::AlertBatch batch;
        batch.items = {item("g1", "d"), item("g4", "e")};
        batch.records = {RecordWrite{"nflog", "k", std::string("v1")},
                         RecordWrite{"nflog", "k", std::string("v2")},
                         RecordWrite{"nflog", "gone", std::nullopt}};
        batch.delivered = {(*first)[0]};
        batch.reschedules = {{(*first)[1], 4, at(77)}};
        batch.dead_letters = {{(*first)[2], "410 gone", at(30)}};
        auto ids = (*s)->apply(batch);
        REQUIRE(ids);
        REQUIRE(ids->size() == 2);
        CHECK((*ids)[0] > (*first)[2]);
        CHECK((*ids)[1] > (*ids)[0]);
        CHECK((*s)->commits() == 2);
    }
    auto s = AlertStore::open(path);
    REQUIRE(s);
    auto p = (*s)->pending();
    REQUIRE(p);
    REQUIRE(p->size() == 3);  // b (rescheduled), d, e
    CHECK((*p)[0].payload == "b");
    CHECK((*p)[0].attempts == 4);
    CHECK((*p)[0].next_attempt == at(77));
    CHECK((*p)[1].payload == "d");
    CHECK((*p)[2].payload == "e");
    CHECK(*(*s)->dead_letter_count() == 1);
    CHECK((*s)->records("nflog")->at("k") == "v2");  // the last write of a key wins
}

TEST_CASE("AlertStore: dead letters leave the outbox and are counted", "[store][unit]") {
    TempDir dir;
    auto s = AlertStore::open((dir.path / "a.db").string());
    REQUIRE(s);
    auto ids = (*s)->write({item("g", "bad")}, {});
    REQUIRE(ids);
    REQUIRE((*s)->dead_letter(ids->front(), "400 invalid payload", at(20)));
    CHECK((*s)->pending()->empty());
    CHECK(*(*s)->dead_letter_count() == 1);
}

TEST_CASE("AlertStore: shares a database file with the offsets store", "[store][unit]") {
    TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    auto offsets = noctua::store::Store::open(path);
    REQUIRE(offsets);
    auto alerts = AlertStore::open(path);
    REQUIRE(alerts);
    REQUIRE((*offsets)->put_offset("tx", "k", 5));
    REQUIRE((*alerts)->write({item("g", "p")}, {}));
    CHECK((*offsets)->schema_version() == noctua::store::kSchemaVersion);
    CHECK(*(*offsets)->offset("tx", "k") == 5);
    CHECK((*alerts)->pending()->size() == 1);
}

TEST_CASE("AlertStore: a commit that only forgets deliveries is not fsynced, and still kept",
          "[store][unit]") {
    TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    std::int64_t kept = 0;
    {
        auto s = AlertStore::open(path);
        REQUIRE(s);
        auto ids = (*s)->write({item("g1", "fire"), item("g2", "other")},
                               {RecordWrite{"nflog", "noc/g1", std::string("rec")}});
        REQUIRE(ids);
        kept = (*ids)[1];
        CHECK((*s)->commits() == 1);
        CHECK((*s)->synced_commits() == 1);

        // Deliveries and retries alone: committed, but with no flush of their own.
        AlertBatch forget;
        forget.delivered = {(*ids)[0]};
        forget.reschedules = {{(*ids)[1], 2, at(50)}};
        REQUIRE((*s)->apply(forget));
        CHECK((*s)->commits() == 2);
        CHECK((*s)->synced_commits() == 1);

        // Anything a restart needs is flushed again, the deliveries before it with it.
        AlertBatch more;
        more.delivered = {(*ids)[1]};
        more.records = {RecordWrite{"nflog", "noc/g2", std::string("rec2")}};
        REQUIRE((*s)->apply(more));
        CHECK((*s)->commits() == 3);
        CHECK((*s)->synced_commits() == 2);
        REQUIRE((*s)->write({item("g3", "later")}, {}));
        CHECK((*s)->synced_commits() == 3);
    }
    auto s = AlertStore::open(path);
    REQUIRE(s);
    auto p = (*s)->pending();
    REQUIRE(p);
    REQUIRE(p->size() == 1);
    CHECK((*p)[0].payload == "later");
    CHECK((*p)[0].id > kept);
    CHECK((*s)->records("nflog")->size() == 2);
}

TEST_CASE("AlertStore: without full_sync no commit counts as fsynced", "[store][unit]") {
    TempDir dir;
    auto s = AlertStore::open((dir.path / "noctua.db").string(), false);
    REQUIRE(s);
    REQUIRE((*s)->write({item("g1", "fire")}, {}));
    CHECK((*s)->commits() == 1);
    CHECK((*s)->synced_commits() == 0);
}
