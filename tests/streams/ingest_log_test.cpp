#include <catch2/catch.hpp>

#include <fstream>
#include <future>

#include <prometheus/registry.h>

#include "noctua/core/clock.hpp"
#include "noctua/streams/checkpoint.hpp"
#include "noctua/streams/ingest_log.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/testing/temp_dir.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct Read {
    std::uint64_t seq;
    LogRecordKind kind;
    std::string payload;
};

/// Every record of the log in `dir`, and what replay() reported.
std::pair<std::vector<Read>, ReplayStats> read_all(const fs::path& dir,
                                                   StreamMetrics* m = nullptr) {
    auto log = IngestLog::open(dir, m);
    REQUIRE(log.has_value());
    std::vector<Read> out;
    auto stats = (*log)->replay([&](const LogRecord& r) {
        out.push_back({r.seq, r.kind, std::string(r.payload)});
    });
    REQUIRE(stats.has_value());
    return {out, *stats};
}

/// Appends `payload` and waits until it is durable.
void append_sync(IngestLog& log, std::string payload) {
    std::promise<core::Result<void>> p;
    auto f = p.get_future();
    log.append(std::move(payload), [&p](core::Result<void> r) { p.set_value(std::move(r)); });
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    REQUIRE(f.get().has_value());
}

std::vector<fs::path> segment_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

/// The log in `dir` opened again, its records replayed (and passed over), and started.
std::unique_ptr<IngestLog> reopen(const fs::path& dir) {
    auto log = IngestLog::open(dir, nullptr);
    REQUIRE(log.has_value());
    REQUIRE((*log)->replay([](const LogRecord&) {}).has_value());
    REQUIRE((*log)->start(nullptr).has_value());
    return std::move(*log);
}

}  // namespace

TEST_CASE("IngestLog: appended records are read back in order after a restart", "[streams][unit]") {
    testing::TempDir dir("log");
    {
        auto log = IngestLog::open(dir.path, nullptr);
        REQUIRE(log.has_value());
        REQUIRE((*log)->start([] { return std::string("ids-1"); }).has_value());
        append_sync(**log, "first");
        append_sync(**log, std::string("se\0cond", 7));
        append_sync(**log, "");
        CHECK((*log)->last_seq() == 3);
    }
    auto [records, stats] = read_all(dir.path);
    REQUIRE(records.size() == 4);
    CHECK(records[0].kind == LogRecordKind::carry);
    CHECK(records[0].payload == "ids-1");
    CHECK(records[1].seq == 1);
    CHECK(records[1].kind == LogRecordKind::batch);
    CHECK(records[1].payload == "first");
    CHECK(records[2].payload == std::string("se\0cond", 7));
    CHECK(records[3].seq == 3);
    CHECK(records[3].payload.empty());
    CHECK(stats.last_seq == 3);
    CHECK(stats.truncations == 0);

    SECTION("a reopened log continues the numbering in a new segment") {
        auto log = reopen(dir.path);
        append_sync(*log, "fourth");
        CHECK(log->last_seq() == 4);
        log->stop();
        CHECK(segment_files(dir.path).size() == 2);
        auto again = read_all(dir.path);
        CHECK(again.first.back().seq == 4);
        CHECK(again.first.back().payload == "fourth");
    }
    SECTION("numbering continues after what a snapshot holds") {
        auto log = IngestLog::open(dir.path, nullptr);
        REQUIRE(log.has_value());
        REQUIRE((*log)->replay([](const LogRecord&) {}).has_value());
        (*log)->resume_after(500);
        REQUIRE((*log)->start(nullptr).has_value());
        append_sync(**log, "next");
        CHECK((*log)->last_seq() == 501);
    }
}

TEST_CASE("IngestLog: a torn or corrupt tail is cut off and counted", "[streams][unit]") {
    testing::TempDir dir("log");
    {
        auto log = IngestLog::open(dir.path, nullptr);
        REQUIRE(log.has_value());
        REQUIRE((*log)->start(nullptr).has_value());
        append_sync(**log, "one");
        append_sync(**log, "two");
    }
    const auto segment = segment_files(dir.path).at(0);
    const auto whole = fs::file_size(segment);
    prometheus::Registry registry;
    StreamMetrics metrics(registry);

    SECTION("half a record at the end (a crash in the middle of a write)") {
        std::ofstream(segment, std::ios::app | std::ios::binary)
            << std::string("\x20\0\0\0\x11\x22", 6);
        auto [records, stats] = read_all(dir.path, &metrics);
        CHECK(records.size() == 3);  // carry, one, two
        CHECK(stats.truncations == 1);
        CHECK(fs::file_size(segment) == whole);
        CHECK(metrics.log_truncations.Add({}).Value() == 1);
        CHECK(metrics.log_replayed.Add({}).Value() == 3);
        // Cut once: the next replay finds a clean log.
        CHECK(read_all(dir.path).second.truncations == 0);
    }
    SECTION("a record whose checksum does not match, and what follows it") {
        {
            std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(static_cast<std::streamoff>(whole - 1));  // the last byte of "two"
            f.put('X');
        }
        auto [records, stats] = read_all(dir.path);
        REQUIRE(records.size() == 2);
        CHECK(records[1].payload == "one");
        CHECK(stats.last_seq == 1);
        CHECK(stats.truncations == 1);
        CHECK(fs::file_size(segment) < whole);
    }
    SECTION("a length beyond the end of the file") {
        std::ofstream(segment, std::ios::app | std::ios::binary)
            << std::string("\xff\xff\x00\x00", 4) << std::string(40, 'z');
        auto [records, stats] = read_all(dir.path);
        CHECK(records.size() == 3);
        CHECK(stats.truncations == 1);
        CHECK(fs::file_size(segment) == whole);
    }
}

TEST_CASE("IngestLog: trim deletes the segments a snapshot holds, after a rotation",
          "[streams][unit]") {
    testing::TempDir dir("log");
    int carried = 0;
    {
        auto log = IngestLog::open(dir.path, nullptr);
        REQUIRE(log.has_value());
        REQUIRE(
            (*log)->start([&carried] { return "carry-" + std::to_string(++carried); }).has_value());
        append_sync(**log, "a");
        append_sync(**log, "b");
        const auto snapshot_seq = (*log)->last_seq();
        (*log)->rotate();
        (*log)->rotate();  // nothing appended since: no new segment
        append_sync(**log, "c");
        (*log)->trim(snapshot_seq);
        (*log)->stop();
        CHECK((*log)->segments() == 1);
    }
    CHECK(carried == 2);
    CHECK(segment_files(dir.path).size() == 1);
    auto [records, stats] = read_all(dir.path);
    REQUIRE(records.size() == 2);
    CHECK(records[0].kind == LogRecordKind::carry);
    CHECK(records[0].payload == "carry-2");
    CHECK(records[1].seq == 3);
    CHECK(records[1].payload == "c");

    SECTION("a segment holding a batch after the snapshot stays") {
        auto log = reopen(dir.path);
        append_sync(*log, "d");
        log->rotate();
        log->trim(2);  // the replayed segment holds seq 3
        log->stop();
        CHECK(segment_files(dir.path).size() == 3);
    }
}

TEST_CASE("IngestLog: batches queued during an fsync share the next one", "[streams][unit]") {
    testing::TempDir dir("log");
    prometheus::Registry registry;
    StreamMetrics metrics(registry);
    auto log = IngestLog::open(dir.path, &metrics);
    REQUIRE(log.has_value());
    REQUIRE((*log)->start(nullptr).has_value());
    // Hold the writer inside the first batch's completion while ten more are queued.
    std::promise<void> entered, release;
    auto released = release.get_future();
    (*log)->append("first", [&](core::Result<void> r) {
        CHECK(r.has_value());
        entered.set_value();
        released.wait();
    });
    REQUIRE(entered.get_future().wait_for(10s) == std::future_status::ready);
    std::vector<std::promise<void>> done(10);
    for (auto& p : done) {
        (*log)->append(std::string(100, 'x'), [&p](core::Result<void> r) {
            CHECK(r.has_value());
            p.set_value();
        });
    }
    release.set_value();
    for (auto& p : done) REQUIRE(p.get_future().wait_for(10s) == std::future_status::ready);
    (*log)->stop();
    const auto fsyncs =
        metrics.log_fsync.Add({}, kLogFsyncBuckets).Collect().histogram.sample_count;
    CHECK(fsyncs == 2);
    CHECK(metrics.log_records.Add({}).Value() == 11);
    CHECK(metrics.log_bytes.Add({}).Value() == 11 * 17 + 5 + 10 * 100);

    SECTION("after stop, an append fails at once") {
        bool failed = false;
        CHECK((*log)->append("late", [&](core::Result<void> r) { failed = !r; }) == 0);
        CHECK(failed);
    }
}

TEST_CASE("Checkpointer: a snapshot stores the log's position and trims what it holds",
          "[streams][unit]") {
    testing::TempDir dir("log-snapshot");
    auto store = store::Store::open((dir.path / "state.db").string());
    REQUIRE(store.has_value());
    core::ManualClock clock{core::TimePoint{} + std::chrono::hours(24 * 365 * 54)};
    IngestPipeline pipeline(config::WindowsConfig{}, clock, nullptr, nullptr);
    const auto log_dir = dir.path / "state.db.ingest";
    {
        auto log = IngestLog::open(log_dir, nullptr);
        REQUIRE(log.has_value());
        Checkpointer checkpoint(**store, pipeline, nullptr);
        checkpoint.attach_log(**log);
        REQUIRE((*log)->start(nullptr).has_value());
        append_sync(**log, "a");
        append_sync(**log, "b");
        (*log)->mark_applied(2);
        REQUIRE(checkpoint.save().has_value());
        (*log)->stop();  // runs the queued rotation and trim
        CHECK((*log)->segments() == 1);
    }
    CHECK(segment_files(log_dir).size() == 1);
    CHECK(read_all(log_dir).first.size() == 1);  // only the new segment's carry record
    {
        Checkpointer restarted(**store, pipeline, nullptr);
        auto restored = restarted.restore();
        REQUIRE(restored.has_value());
        CHECK(*restored);
        CHECK(restarted.snapshot_seq() == 2);
    }

    SECTION("a batch logged but not applied yet stays for the replay") {
        auto log = IngestLog::open(log_dir, nullptr);
        REQUIRE(log.has_value());
        REQUIRE((*log)->replay([](const LogRecord&) {}).has_value());
        (*log)->resume_after(2);
        Checkpointer checkpoint(**store, pipeline, nullptr);
        checkpoint.attach_log(**log);
        REQUIRE((*log)->start(nullptr).has_value());
        append_sync(**log, "c");
        (*log)->mark_applied(3);
        append_sync(**log, "d");  // written, still being applied when the snapshot is taken
        REQUIRE(checkpoint.save().has_value());
        (*log)->stop();
        Checkpointer restarted(**store, pipeline, nullptr);
        REQUIRE(restarted.restore().has_value());
        CHECK(restarted.snapshot_seq() == 3);
        const auto records = read_all(log_dir).first;
        CHECK(std::any_of(records.begin(), records.end(),
                          [](const Read& r) { return r.seq == 4 && r.payload == "d"; }));
    }
}
