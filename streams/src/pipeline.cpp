#include "noctua/streams/pipeline.hpp"

#include <array>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <zlib.h>

#include "noctua/core/log.hpp"

namespace noctua::streams {

namespace asio = boost::asio;

core::Result<void> gunzip(std::string_view in, std::string& out, std::size_t limit) {
    z_stream zs{};
    // 32 + MAX_WBITS: accept gzip and zlib headers.
    if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK) {
        return core::fail(core::Errc::internal, "inflateInit2 failed");
    }
    struct End {
        z_stream* z;
        ~End() { inflateEnd(z); }
    } end{&zs};
    out.clear();
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    char chunk[64 * 1024];
    for (;;) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk);
        zs.avail_out = sizeof chunk;
        const int rc = inflate(&zs, Z_NO_FLUSH);
        const std::size_t produced = sizeof chunk - zs.avail_out;
        // The limit holds for the whole body, across members.
        if (out.size() + produced > limit) {
            return core::fail(core::Errc::unavailable,
                              "decompressed body exceeds " + std::to_string(limit) + " bytes");
        }
        out.append(chunk, produced);
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) return {};
            // Concatenated members (`cat a.gz b.gz`) are one gzip file (RFC 1952 §2.2): decode
            // the next one. Bytes that are not a member make inflate fail below.
            if (inflateReset(&zs) != Z_OK) {
                return core::fail(core::Errc::internal, "inflateReset failed");
            }
            continue;
        }
        if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced > 0)) {
            return core::fail(core::Errc::invalid_argument, "corrupt gzip body");
        }
        if (zs.avail_in == 0 && produced == 0) {
            return core::fail(core::Errc::invalid_argument, "truncated gzip body");
        }
    }
}

/// How far ahead apply_parsed() prefetches events' dedup slots: enough misses in flight to
/// cover memory latency (~100 ns) with ~20-40 ns of work per event.
constexpr std::size_t kPrefetchAhead = 8;

// Executor: `ioc`, run by `thread` (the ingest thread).
struct IngestPipeline::Impl {
    Impl(const config::WindowsConfig& w, const core::Clock& c, StreamMetrics* m,
         WindowStore::SampleSink sink, std::chrono::milliseconds t)
        : clock(c),
          tick(t),
          parser(ParseOptions{w.max_event_bytes, w.max_future, w.retention, w.labels, {}}),
          windows(w, m, std::move(sink)),
          lateness(w.allowed_lateness),
          started(c.now()),
          metrics(m) {
        if (m) held_gauge = &m->watermark_held.Add({});
    }

    const core::Clock& clock;
    std::chrono::milliseconds tick;
    EventParser parser;
    ParsedBatch scratch;  // NDJSON bodies are parsed into it, then applied (ingest thread)
    WindowStore windows;
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
    asio::steady_timer timer{ioc};
    std::thread thread;
    std::atomic<bool> stopped{false};
    std::string inflated;  // ingest thread
    core::Duration lateness;
    std::optional<core::TimePoint> newest_event;  // ingest thread: max applied event time
    core::TimePoint last_arrival{};               // ingest thread: wall time of that batch
    core::TimePoint started;

    PartitionProgress partitions{kStallLatenesses * lateness};
    std::optional<core::TimePoint> last_target;  // ingest thread: the furthest target applied
    prometheus::Gauge* held_gauge = nullptr;
    StreamMetrics* metrics = nullptr;

    /// Where the watermark would go now without partitions(). While events flow it follows
    /// event time, so a backfill (events hours or weeks old, sent as fast as possible) fills
    /// history instead of arriving late; when the stream is idle for `allowed_lateness` it
    /// follows the wall clock, so silence still closes buckets (and shows as zero volume).
    /// Before the first event it waits the same grace. nullopt: do not advance yet.
    std::optional<core::TimePoint> free_target(core::TimePoint now) const {
        if (newest_event && now - last_arrival < lateness) return std::min(now, *newest_event);
        if (!newest_event && now - started < lateness) return std::nullopt;
        return now;
    }

    void advance() {
        const auto now = clock.now();
        std::optional<core::TimePoint> target = free_target(now);
        const std::optional<core::TimePoint> hold = partitions.hold(now);
        for (const auto& [source, partition] : partitions.take_stalled()) {
            core::logger("streams")->warn(
                "stream {}: partition {} delivered nothing for {}s while behind; the windows' "
                "watermark no longer waits for it (its older events may be counted late)",
                source, partition,
                std::chrono::duration_cast<std::chrono::seconds>(kStallLatenesses * lateness)
                    .count());
            if (metrics) metrics->stalled_partitions.Add({{"source", source}}).Increment();
        }
        double held = 0;
        if (target && hold && *hold < *target) {
            // How far the watermark stays behind where it would be: to the bound, or where it
            // is when the bound is below that (it never goes back); a restored snapshot's
            // watermark counts before the first advance.
            std::optional<core::TimePoint> at = last_target;
            if (!at && windows.watermark() != core::TimePoint{}) {
                at = windows.watermark() + lateness;
            }
            if (*hold != core::TimePoint::min() && (!at || *hold > *at)) at = hold;
            if (at && *at < *target) {
                held = std::chrono::duration<double>(*target - *at).count();
            }
            target = *hold;
        }
        if (held_gauge) held_gauge->Set(held);
        if (!target || *target == core::TimePoint::min()) return;
        windows.advance(*target);
        if (!last_target || *target > *last_target) last_target = target;
    }

    /// Applies one parsed event and counts its outcome in `result`.
    void add_event(const TxEvent& e, BatchResult& result) {
        add_event(e, WindowStore::id_hash(e.id), result);
    }
    void add_event(const TxEvent& e, std::uint64_t id_hash, BatchResult& result) {
        if (!result.newest || e.ts > *result.newest) result.newest = e.ts;
        switch (windows.add(e, id_hash)) {
            case AddOutcome::applied:
                ++result.accepted;
                if (!newest_event || e.ts > *newest_event) newest_event = e.ts;
                break;
            case AddOutcome::duplicate: ++result.duplicates; break;
            case AddOutcome::late: ++result.late; break;
        }
    }

    static void add_reject(SourceCounters& counters, std::size_t line, Rejection r,
                           BatchResult& result) {
        ++result.rejected;
        counters.rejected[static_cast<std::size_t>(r.reason)]->Increment();
        if (result.errors.size() < kMaxReportedErrors) {
            result.errors.push_back({line, r.reason, r.field});
        }
    }

    /// Counts a finished batch on the source's counters.
    void finish(SourceCounters& counters, const BatchResult& result) {
        if (result.accepted > 0) last_arrival = clock.now();
        counters.events.Increment(static_cast<double>(result.accepted));
        counters.duplicates.Increment(static_cast<double>(result.duplicates));
        counters.late.Increment(static_cast<double>(result.late));
    }

    /// Parses NDJSON `data` with `p` into `out` (see IngestPipeline::parse_lines).
    void parse(EventParser& p, std::string& data, ParsedBatch& out) const {
        out.clear();
        out.bytes = data.size();
        // Each line is parsed into the batch's next slot (no copy); a slot keeps its strings'
        // capacity from batch to batch.
        p.parse_lines_into(
            data, clock.now(),
            [&out]() -> TxEvent& {
                if (out.count == out.events.size()) out.events.emplace_back();
                return out.events[out.count];
            },
            [&out] { ++out.count; },
            [&out](std::size_t line, Rejection r) { out.rejections.emplace_back(line, r); });
    }

    /// Parses `text` (NDJSON, or an array) and applies it; false when an array body is not one.
    /// NDJSON goes through `scratch`, so that its dedup lookups are prefetched (apply(batch)).
    bool apply(SourceCounters& counters, std::string& text, bool array, BatchResult& result) {
        if (!array) {
            parse(parser, text, scratch);
            apply(counters, scratch, result);
            return true;
        }
        counters.bytes.Increment(static_cast<double>(text.size()));
        const bool ok = parser.parse_array(
            text, clock.now(), [&](const TxEvent& e) { add_event(e, result); },
            [&](std::size_t line, Rejection r) { add_reject(counters, line, r, result); });
        finish(counters, result);
        return ok;
    }

    /// Applies a batch parsed elsewhere, events and rejections in line order.
    void apply(SourceCounters& counters, const ParsedBatch& batch, BatchResult& result) {
        counters.bytes.Increment(static_cast<double>(batch.bytes));
        // Each event's dedup slot is a cache miss in a large table; asking for it
        // kPrefetchAhead events early overlaps the misses with the work on the events before.
        // The id hashes wait in a ring until their event is added.
        const std::size_t n = batch.count;
        std::array<std::uint64_t, kPrefetchAhead> ids{};
        auto ahead = [&](std::size_t i) {
            ids[i % kPrefetchAhead] = WindowStore::id_hash(batch.events[i].id);
            windows.prefetch(ids[i % kPrefetchAhead]);
        };
        for (std::size_t i = 0; i < std::min(n, kPrefetchAhead); ++i) ahead(i);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t id = ids[i % kPrefetchAhead];
            if (i + kPrefetchAhead < n) ahead(i + kPrefetchAhead);
            add_event(batch.events[i], id, result);
        }
        for (const auto& [line, r] : batch.rejections) add_reject(counters, line, r, result);
        finish(counters, result);
    }

    void schedule_tick() {
        timer.expires_after(tick);
        timer.async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            advance();
            schedule_tick();
        });
    }
};

IngestPipeline::IngestPipeline(const config::WindowsConfig& windows, const core::Clock& clock,
                               StreamMetrics* metrics, WindowStore::SampleSink sink,
                               std::chrono::milliseconds tick)
    : impl_(std::make_unique<Impl>(windows, clock, metrics, std::move(sink), tick)) {}

IngestPipeline::~IngestPipeline() { stop(); }

void IngestPipeline::start() {
    Impl& d = *impl_;
    if (d.thread.joinable() || d.stopped) return;
    asio::post(d.ioc, [&d] {
        d.advance();
        d.schedule_tick();
    });
    d.thread = std::thread([&d] {
        // An exception escaping a handler would be a bug; keep the thread (and process) alive.
        for (;;) {
            try {
                d.ioc.run();
                return;
            } catch (const std::exception& e) {
                core::logger("streams")->error("ingest handler threw: {}", e.what());
            }
        }
    });
}

void IngestPipeline::stop() {
    Impl& d = *impl_;
    if (d.stopped.exchange(true)) return;
    asio::post(d.ioc, [&d] {
        d.timer.cancel();
        d.work.reset();
        d.ioc.stop();
    });
    if (d.thread.joinable()) d.thread.join();
}

bool IngestPipeline::try_submit(SourceCounters& counters, std::string data, BatchFormat format,
                                std::size_t queue_limit, Done done) {
    if (impl_->stopped) return false;
    std::size_t n = pending_.load();
    do {
        if (n >= queue_limit) return false;
    } while (!pending_.compare_exchange_weak(n, n + 1));
    asio::post(impl_->ioc, [this, &counters, data = std::move(data), format,
                            done = std::move(done)]() mutable {
        BatchResult result = apply_batch(counters, data, format);
        pending_.fetch_sub(1);
        if (done) done(std::move(result));
    });
    return true;
}

BatchResult IngestPipeline::apply_batch(SourceCounters& counters, std::string& data,
                                        BatchFormat format) {
    Impl& d = *impl_;
    BatchResult result;
    std::string* text = &data;
    if (format.gzip) {
        if (auto r = gunzip(data, d.inflated, format.max_decompressed); !r) {
            result.failed_status = r.error().code == core::Errc::unavailable ? 413 : 400;
            result.failure = r.error().message;
        }
        text = &d.inflated;
    }
    if (result.failed_status == 0 && !d.apply(counters, *text, format.json_array, result)) {
        result.failed_status = 400;
        result.failure = "body is not a JSON array of events";
    }
    return result;
}

void IngestPipeline::post(std::function<void()> fn) { asio::post(impl_->ioc, std::move(fn)); }

BatchResult IngestPipeline::apply_lines(SourceCounters& counters, std::string& data) {
    BatchResult result;
    impl_->apply(counters, data, false, result);
    return result;
}

void IngestPipeline::parse_lines(EventParser& parser, std::string& data,
                                 ParsedBatch& out) const {
    impl_->parse(parser, data, out);
}

BatchResult IngestPipeline::apply_parsed(SourceCounters& counters, const ParsedBatch& batch) {
    BatchResult result;
    impl_->apply(counters, batch, result);
    return result;
}

const ParseOptions& IngestPipeline::parse_options() const { return impl_->parser.options(); }

WindowStore& IngestPipeline::windows() { return impl_->windows; }

PartitionProgress& IngestPipeline::partitions() { return impl_->partitions; }

void IngestPipeline::advance() { impl_->advance(); }

const core::Clock& IngestPipeline::clock() const { return impl_->clock; }

bool IngestPipeline::stopped() const { return impl_->stopped.load(); }

}  // namespace noctua::streams
