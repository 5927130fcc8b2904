#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>

#include <catch2/catch.hpp>
#include <prometheus/registry.h>
#include <unistd.h>

#include "noctua/testing/on_ingest.hpp"
#include "noctua/streams/checkpoint.hpp"
#include "noctua/streams/file_tail.hpp"
#include "noctua/testing/run_until.hpp"
#include "noctua/testing/temp_dir.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const core::TimePoint kNow = *parse_rfc3339("2024-05-01T10:00:00Z");
const core::TimePoint kEventTime = *parse_rfc3339("2024-05-01T09:59:00Z");

std::string line(int i) {
    return R"({"id":"tx-)" + std::to_string(i) +
           R"(","ts":"2024-05-01T09:59:00Z","provider":"acme","status":"success"})" + "\n";
}

std::string lines(int from, int to) {
    std::string out;
    for (int i = from; i < to; ++i) out += line(i);
    return out;
}

void append(const fs::path& p, std::string_view text) {
    std::ofstream(p, std::ios::app | std::ios::binary) << text;
}

using noctua::testing::TempDir;

/// A started pipeline, an optional store + checkpointer, and a tail driven by poll().
struct Fixture {
    TempDir dir;
    core::ManualClock clock{kNow};
    prometheus::Registry registry;
    StreamMetrics metrics{registry};
    FileStreamOptions options = [this] {
        FileStreamOptions o;
        o.paths = {(dir.path / "*.jsonl").string()};
        o.poll_interval = 10ms;
        return o;
    }();
    std::unique_ptr<store::Store> db;
    std::unique_ptr<IngestPipeline> pipeline;
    std::unique_ptr<Checkpointer> checkpoint;
    std::unique_ptr<FileTail> tail;

    explicit Fixture(bool durable = false, std::size_t chunk = 1024 * 1024) {
        restart(durable, chunk);
    }

    /// Everything but the files and the database is created anew (a process restart).
    void restart(bool durable, std::size_t chunk = 1024 * 1024) {
        tail.reset();
        checkpoint.reset();
        pipeline.reset();
        db.reset();
        config::WindowsConfig windows;
        windows.sets = {{"provider", {"provider"}, 100, false}};
        pipeline = std::make_unique<IngestPipeline>(windows, clock, nullptr, nullptr);
        if (durable) {
            auto s = store::Store::open((dir.path / "state.db").string());
            REQUIRE(s.has_value());
            db = std::move(*s);
            checkpoint = std::make_unique<Checkpointer>(*db, *pipeline, &metrics);
            auto restored = checkpoint->restore();
            REQUIRE(restored.has_value());
        }
        pipeline->start();
        const config::StreamConfig cfg{"tail", "file", config::KindOptions::of(options)};
        tail = std::make_unique<FileTail>(cfg, *pipeline, metrics, checkpoint.get(), chunk);
    }

    template <class F>
    auto on_ingest(F fn) { return testing::on_ingest(*pipeline, std::move(fn)); }

    /// Transactions of provider "acme" in the windows' 09:59 bucket.
    std::uint32_t windowed() {
        return on_ingest([this] {
            const Bucket* b = pipeline->windows().find("provider", {{"provider", "acme"}}, kEventTime);
            return b ? b->total() : 0u;
        });
    }
    double accepted() { return metrics.events.Add({{"source", "tail"}}).Value(); }
    double rejected(std::string reason) {
        return metrics.rejected.Add({{"source", "tail"}, {"reason", std::move(reason)}}).Value();
    }
    double rotations() { return metrics.file_rotations.Add({{"source", "tail"}}).Value(); }
    /// Stored offsets of the tail's files (the fingerprints beside them left out).
    std::map<std::string, std::int64_t> stored_offsets() {
        auto all = db->offsets("tail");
        REQUIRE(all.has_value());
        std::erase_if(*all, [](const auto& kv) { return kv.first.ends_with("#head"); });
        return *all;
    }
    double errors(std::string kind) {
        return metrics.source_errors.Add({{"source", "tail"}, {"kind", std::move(kind)}}).Value();
    }
    void save() {
        auto r = on_ingest([this] { return checkpoint->save(); });
        REQUIRE(r.has_value());
    }
    /// Appends `text` to file `p`, then lets the tail read.
    void append_and_poll(const fs::path& p, std::string_view text) {
        append(p, text);
        tail->poll();
    }
    /// Replaces file `p`'s content with `text` in place (same inode), then lets the tail read.
    void rewrite_and_poll(const fs::path& p, std::string_view text) {
        std::ofstream(p, std::ios::trunc | std::ios::binary) << text;
        tail->poll();
    }
};

}  // namespace

TEST_CASE("FileTail: follows appends and waits for a line to be complete", "[streams][unit]") {
    Fixture fx;
    const auto file = fx.dir.path / "a.jsonl";
    fx.append_and_poll(file, lines(0, 3));
    CHECK(fx.windowed() == 3);

    append(file, line(3) + R"({"id":"tx-4","ts":"2024-05-01T09:59:00Z",)");  // half a line
    fx.tail->poll();
    CHECK(fx.windowed() == 4);
    auto files = fx.tail->files();
    REQUIRE(files.size() == 1);
    CHECK(files[0].offset == static_cast<std::int64_t>(lines(0, 4).size()));

    fx.append_and_poll(file, R"("provider":"acme","status":"success"})" "\n" "not json\n");
    CHECK(fx.windowed() == 5);
    CHECK(fx.rejected("invalid_json") == 1);
    fx.tail->poll();  // nothing new: nothing applied twice
    CHECK(fx.accepted() == 5);
    CHECK(fx.metrics.file_lag.Add({{"source", "tail"}}).Value() == 0);
}

TEST_CASE("FileTail: reads a rotated file to its end, then the new file from 0",
          "[streams][unit]") {
    Fixture fx;
    const auto file = fx.dir.path / "app.jsonl";
    fx.append_and_poll(file, lines(0, 2));
    CHECK(fx.windowed() == 2);

    append(file, lines(2, 4));                          // written before the rotation
    fs::rename(file, fx.dir.path / "app.jsonl.1");      // no longer matched by *.jsonl
    append(file, lines(4, 7));                          // the new file
    fx.tail->poll();
    CHECK(fx.windowed() == 7);
    auto files = fx.tail->files();
    REQUIRE(files.size() == 1);
    CHECK(files[0].path == file.string());
    CHECK(files[0].offset == static_cast<std::int64_t>(lines(4, 7).size()));
    CHECK(fx.rotations() == 1);
}

TEST_CASE("FileTail: a truncated file is read again from 0", "[streams][unit]") {
    Fixture fx;
    const auto file = fx.dir.path / "t.jsonl";
    fx.append_and_poll(file, lines(0, 5));
    CHECK(fx.windowed() == 5);
    { std::ofstream(file, std::ios::trunc | std::ios::binary) << lines(5, 7); }  // shorter
    fx.tail->poll();
    CHECK(fx.windowed() == 7);
    CHECK(fx.errors("truncated") == 1);
}

TEST_CASE("FileTail: a file truncated and written past its offset within one pass is read "
          "again from 0",
          "[streams][unit]") {
    Fixture fx;
    const auto file = fx.dir.path / "t.jsonl";
    fx.append_and_poll(file, lines(0, 5));
    CHECK(fx.windowed() == 5);
    // Longer than before: only the first bytes tell that these are other lines.
    fx.rewrite_and_poll(file, lines(5, 15));
    CHECK(fx.windowed() == 15);
    CHECK(fx.errors("truncated") == 1);
    fx.append_and_poll(file, lines(15, 16));  // the fingerprint follows the new content: no second truncation
    CHECK(fx.windowed() == 16);
    CHECK(fx.errors("truncated") == 1);
}

TEST_CASE("FileTail: a line longer than a chunk is one too_large rejection, the rest goes on",
          "[streams][unit]") {
    Fixture fx(false, 256);
    const auto file = fx.dir.path / "big.jsonl";
    // Four chunks and a bit of one line, written in two appends (the line is still being
    // written when the first pass reads it).
    fx.append_and_poll(file, line(0) + std::string(700, 'x'));
    fx.append_and_poll(file, std::string(400, 'x') + "\n" + line(1));
    CHECK(fx.windowed() == 2);
    CHECK(fx.rejected("too_large") == 1);
    CHECK(fx.rejected("invalid_json") == 0);
    fx.append_and_poll(file, line(2));
    CHECK(fx.windowed() == 3);
    CHECK(fx.rejected("too_large") == 1);
}

TEST_CASE("FileTail: a restart resumes from the saved offset, nothing lost or counted twice",
          "[streams][unit]") {
    Fixture fx(true);
    const auto a = fx.dir.path / "a.jsonl";
    const auto b = fx.dir.path / "b.jsonl";
    append(a, lines(0, 4));
    fx.append_and_poll(b, lines(100, 102));
    CHECK(fx.windowed() == 6);
    fx.save();  // windows + offsets

    fx.append_and_poll(a, lines(4, 6));  // applied but not saved: a crash now loses these from the windows...
    CHECK(fx.windowed() == 8);

    fx.restart(true);  // ...and the restart reads them again, exactly once
    CHECK(fx.windowed() == 6);
    fx.append_and_poll(a, lines(6, 7));
    CHECK(fx.windowed() == 9);
    fx.save();

    fx.restart(true);
    fx.tail->poll();
    CHECK(fx.windowed() == 9);
    CHECK(fx.stored_offsets().size() == 2);
    CHECK(fx.rotations() == 0);
}

TEST_CASE("FileTail: a file written anew under the same inode while stopped is read from 0",
          "[streams][unit]") {
    // Deleting a file and creating another can give it the same inode (ext4 reuses them);
    // truncating and rewriting keeps it for sure. Either way device and inode match the
    // checkpoint, and only the first bytes tell the files apart.
    Fixture fx(true);
    const auto file = fx.dir.path / "a.jsonl";
    fx.append_and_poll(file, lines(0, 800));
    CHECK(fx.windowed() == 800);
    fx.save();

    fx.restart(true);  // stopped: the file is replaced by 1,300 other lines (more bytes)
    fx.rewrite_and_poll(file, lines(1000, 2300));
    CHECK(fx.windowed() == 800 + 1300);
    CHECK(fx.rotations() == 1);
    fx.save();

    fx.restart(true);  // the same file again: resumed where it stopped
    fx.append_and_poll(file, lines(2300, 2301));
    CHECK(fx.windowed() == 800 + 1300 + 1);
    CHECK(fx.rotations() == 1);
}

TEST_CASE("FileTail: a file truncated while stopped to less than its offset counts as truncated",
          "[streams][unit]") {
    Fixture fx(true);
    const auto file = fx.dir.path / "a.jsonl";
    fx.append_and_poll(file, lines(0, 40));
    fx.save();
    fx.restart(true);
    fx.rewrite_and_poll(file, lines(100, 102));
    CHECK(fx.windowed() == 42);
    CHECK(fx.errors("truncated") == 1);
    CHECK(fx.rotations() == 0);
}

TEST_CASE("FileTail: a checkpoint without fingerprints resumes by device and inode",
          "[streams][unit]") {
    Fixture fx(true);
    const auto file = fx.dir.path / "a.jsonl";
    fx.append_and_poll(file, lines(0, 4));
    fx.save();
    // What a checkpoint holds when it was written without fingerprints: offsets only.
    store::Batch erase;
    const auto stored = fx.db->offsets("tail");
    REQUIRE(stored.has_value());
    for (const auto& [key, value] : *stored) {
        if (key.ends_with("#head")) erase.offsets.push_back({"tail", key, std::nullopt});
    }
    REQUIRE(erase.offsets.size() == 1);
    REQUIRE(fx.db->commit(erase).has_value());

    fx.restart(true);
    fx.append_and_poll(file, lines(4, 6));
    CHECK(fx.windowed() == 6);
    CHECK(fx.accepted() == 6);  // nothing read twice
    CHECK(fx.rotations() == 0);
    fx.save();

    // The fingerprint taken on resuming is stored, and tells a rewritten file apart.
    fx.restart(true);
    fx.rewrite_and_poll(file, lines(100, 110));
    CHECK(fx.windowed() == 16);
    CHECK(fx.rotations() == 1);
}

namespace {

/// Line `i` of a file whose ids come in groups of 4 lines: a group's first line (provider
/// "acme") is applied and the later ones ("beta") are duplicates, so a line applied out of
/// order would put "beta" in the windows. Lines 3, 13, 23… are not JSON; 7, 17, 27… lack
/// their provider.
std::string grouped_line(int i) {
    if (i % 10 == 3) return "not json " + std::to_string(i) + "\n";
    const std::string head =
        R"({"id":"g-)" + std::to_string(i / 4) + R"(","ts":"2024-05-01T09:59:00Z",)";
    if (i % 10 == 7) return head + R"("status":"success"})" "\n";
    const std::string provider = i % 4 == 0 ? "acme" : "beta";
    return head + R"("provider":")" + provider + R"(","status":"success"})" "\n";
}

std::string grouped_lines(int from, int to) {
    std::string out;
    for (int i = from; i < to; ++i) out += grouped_line(i);
    return out;
}

}  // namespace

TEST_CASE("FileTail: chunks parsed partly on each thread are applied in line order, counted "
          "exactly, and resumed at the right offset",
          "[streams][unit]") {
    // Chunks of 300 bytes hold 3-4 lines, so every chunk is cut in two (the tail thread parses
    // the first part, the ingest thread the rest) and groups straddle the cut.
    Fixture fx(true, 300);
    const auto file = fx.dir.path / "g.jsonl";
    auto by_provider = [&fx](std::string provider) {
        return fx.on_ingest([&fx, provider] {
            const Bucket* b = fx.pipeline->windows().find("provider", {{"provider", provider}},
                                                          kEventTime);
            return b ? b->total() : 0u;
        });
    };
    auto duplicates = [&fx] { return fx.metrics.duplicates.Add({{"source", "tail"}}).Value(); };
    auto bytes = [&fx] { return fx.metrics.bytes.Add({{"source", "tail"}}).Value(); };

    fx.append_and_poll(file, grouped_lines(0, 32));
    fx.save();
    fx.append_and_poll(file, grouped_lines(32, 60));
    // 60 lines: 6 not JSON, 6 without provider, 48 events in 15 groups of ids.
    CHECK(by_provider("acme") == 15);
    CHECK(by_provider("beta") == 0);
    CHECK(fx.accepted() == 15);
    CHECK(duplicates() == 33);
    CHECK(fx.rejected("invalid_json") == 6);
    CHECK(fx.rejected("missing_field") == 6);
    CHECK(bytes() == static_cast<double>(grouped_lines(0, 60).size()));
    auto files = fx.tail->files();
    REQUIRE(files.size() == 1);
    CHECK(files[0].offset == static_cast<std::int64_t>(grouped_lines(0, 60).size()));

    // A crash before the next save: the restart restores the windows saved after line 32 and
    // reads lines 32-59 again, exactly once (7 groups start there; 22 events, 6 rejected).
    fx.restart(true, 300);
    fx.tail->poll();
    CHECK(by_provider("acme") == 15);
    CHECK(by_provider("beta") == 0);
    CHECK(fx.accepted() == 15 + 7);
    CHECK(duplicates() == 33 + 15);
    CHECK(fx.rejected("invalid_json") == 6 + 3);
    CHECK(fx.rejected("missing_field") == 6 + 3);
    CHECK(bytes() == static_cast<double>(grouped_lines(0, 60).size() +
                                         grouped_lines(32, 60).size()));
    fx.save();
    const auto offsets = fx.stored_offsets();
    REQUIRE(offsets.size() == 1);
    CHECK(offsets.begin()->second == static_cast<std::int64_t>(grouped_lines(0, 60).size()));
}

TEST_CASE("FileTail: start_at_end skips existing content of files without an offset",
          "[streams][unit]") {
    Fixture fx;
    fx.options.start_at_end = true;
    fx.restart(false);
    const auto file = fx.dir.path / "old.jsonl";
    fx.append_and_poll(file, lines(0, 3));
    CHECK(fx.windowed() == 0);
    append(file, lines(3, 4));
    append(fx.dir.path / "new.jsonl", lines(10, 12));  // appeared later: read from 0
    fx.tail->poll();
    CHECK(fx.windowed() == 3);
}

TEST_CASE("FileTail: the started thread follows a file on its own", "[streams][unit]") {
    Fixture fx;
    fx.tail->start();
    append(fx.dir.path / "live.jsonl", lines(0, 50));
    CHECK(testing::wait_for([&] { return fx.accepted() == 50; }));
    fx.tail->stop();
    CHECK(fx.windowed() == 50);
}

TEST_CASE("IngestPipeline: parsed batches (dedup slots prefetched ahead) find duplicates within "
          "and across batches and drop late events, as apply_lines does",
          "[streams][unit]") {
    // apply_parsed() hashes and prefetches each event's dedup slot 8 events ahead; the
    // duplicates sit inside that distance, beyond it, and in the next batch.
    std::string first = lines(0, 40);
    first += line(0) + line(39) + line(38) + line(20);
    const std::string late =
        R"({"id":"late-1","ts":"2024-05-01T09:50:00Z","provider":"acme","status":"success"})";
    std::string second = line(5) + line(100) + line(100) + late + "\n" + line(101);

    Fixture parsed_side;
    Fixture lines_side;
    SourceCounters a(parsed_side.metrics, "tail");
    SourceCounters b(lines_side.metrics, "tail");
    EventParser parser(parsed_side.pipeline->parse_options());
    ParsedBatch batch;
    std::vector<BatchResult> got, want;
    for (const std::string* text : {&first, &second}) {
        std::string copy = *text;
        parsed_side.pipeline->parse_lines(parser, copy, batch);
        got.push_back(
            parsed_side.on_ingest([&] { return parsed_side.pipeline->apply_parsed(a, batch); }));
        want.push_back(lines_side.on_ingest([&] {
            std::string t = *text;
            return lines_side.pipeline->apply_lines(b, t);
        }));
        // Close the buckets before 09:58 on both sides: 09:50 is late from now on.
        for (Fixture* fx : {&parsed_side, &lines_side}) {
            fx->on_ingest([fx] {
                fx->pipeline->windows().advance(kNow);
                return 0;
            });
        }
    }
    CHECK(got[0].accepted == 40);
    CHECK(got[0].duplicates == 4);
    CHECK(got[1].accepted == 2);
    CHECK(got[1].duplicates == 2);
    CHECK(got[1].late == 1);
    for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].accepted == want[i].accepted);
        CHECK(got[i].duplicates == want[i].duplicates);
        CHECK(got[i].late == want[i].late);
    }
    CHECK(parsed_side.windowed() == 42);
    CHECK(lines_side.windowed() == 42);
}

TEST_CASE("IngestPipeline: a batch parsed off the ingest thread is applied and counted as "
          "apply_lines does",
          "[streams][unit]") {
    Fixture parsed_side;
    Fixture lines_side;
    const std::string text = line(1) + line(2) + line(1) + "{not json\n" +
                             R"({"id":"x","provider":"acme","status":"success"})" + "\n";
    SourceCounters a(parsed_side.metrics, "tail");
    SourceCounters b(lines_side.metrics, "tail");

    EventParser parser(parsed_side.pipeline->parse_options());
    ParsedBatch batch;
    std::string copy = text;
    parsed_side.pipeline->parse_lines(parser, copy, batch);  // this (test) thread
    CHECK(batch.count == 3);
    CHECK(batch.rejections.size() == 2);
    CHECK(batch.bytes == text.size());

    const BatchResult got =
        parsed_side.on_ingest([&] { return parsed_side.pipeline->apply_parsed(a, batch); });
    const BatchResult want = lines_side.on_ingest([&] {
        std::string t = text;
        return lines_side.pipeline->apply_lines(b, t);
    });
    CHECK(got.accepted == 2);
    CHECK(got.accepted == want.accepted);
    CHECK(got.duplicates == want.duplicates);
    CHECK(got.rejected == want.rejected);
    REQUIRE(got.errors.size() == want.errors.size());
    for (std::size_t i = 0; i < got.errors.size(); ++i) {
        CHECK(got.errors[i].line == want.errors[i].line);
        CHECK(got.errors[i].reason == want.errors[i].reason);
    }
    CHECK(parsed_side.windowed() == 2);
    CHECK(parsed_side.accepted() == lines_side.accepted());
    CHECK(parsed_side.rejected("invalid_json") == 1);
    CHECK(parsed_side.rejected("missing_field") == 1);
    CHECK(parsed_side.metrics.bytes.Add({{"source", "tail"}}).Value() ==
          lines_side.metrics.bytes.Add({{"source", "tail"}}).Value());

    // Parsed again, the batch reuses its event slots (and their strings) instead of allocating.
    // (Lines are parsed straight into the slots: a rejected line's slot is handed out again.)
    const std::size_t slots = batch.events.size();
    CHECK(slots >= 3);
    const std::string long_id(40, 'z');
    std::string next = R"({"id":")" + long_id +
                       R"(","ts":"2024-05-01T09:59:00Z","provider":"acme","status":"success"})" + "\n";
    parsed_side.pipeline->parse_lines(parser, next, batch);
    REQUIRE(batch.count == 1);
    const char* storage = batch.events[0].id.data();
    next = R"({"id":")" + std::string(40, 'y') +
           R"(","ts":"2024-05-01T09:59:00Z","provider":"acme","status":"success"})" + "\n";
    parsed_side.pipeline->parse_lines(parser, next, batch);
    REQUIRE(batch.count == 1);
    CHECK(batch.rejections.empty());
    CHECK(batch.events.size() == slots);
    CHECK(batch.events[0].id == std::string(40, 'y'));
    CHECK(batch.events[0].id.data() == storage);
}

TEST_CASE("IngestPipeline: a pushed NDJSON line of 3 MiB is one too_large rejection",
          "[streams][unit]") {
    Fixture fx;
    SourceCounters counters(fx.metrics, "tail");
    const std::string huge = R"({"id":"big","blob":")" + std::string(3 << 20, 'x') + "\"}\n";
    std::promise<BatchResult> done;
    REQUIRE(fx.pipeline->try_submit(counters, line(0) + huge + line(1), BatchFormat{}, 1,
                                    [&done](BatchResult r) { done.set_value(std::move(r)); }));
    auto answer = done.get_future();
    REQUIRE(answer.wait_for(10s) == std::future_status::ready);
    const BatchResult r = answer.get();
    CHECK(r.accepted == 2);
    CHECK(r.rejected == 1);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].line == 2);
    CHECK(r.errors[0].reason == RejectReason::too_large);
    CHECK(fx.rejected("too_large") == 1);
    CHECK(fx.rejected("invalid_json") == 0);
}
