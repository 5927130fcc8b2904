#include "noctua/streams/ingest_log.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "noctua/core/log.hpp"
#include "noctua/streams/metrics.hpp"

namespace noctua::streams {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "NOCTLOG1";
constexpr std::size_t kHeader = 8;       // u32 length + u32 crc
constexpr std::size_t kRecordFixed = 9;  // u64 seq + u8 kind
constexpr std::uint32_t kMaxRecord = 1u << 30;
/// How long the writer waits for the senders of the last group to come back (see run()).
constexpr auto kGatherWindow = std::chrono::milliseconds(2);

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
template <class T>
T get_le(const char* p) {
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        v |= static_cast<T>(static_cast<unsigned char>(p[i])) << (8 * i);
    }
    return v;
}

std::uint32_t crc_of(std::string_view bytes) {
    return static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

/// Appends one framed record to `out`.
void frame(std::string& out, std::uint64_t seq, LogRecordKind kind, std::string_view payload) {
    const std::size_t at = out.size();
    put_u32(out, static_cast<std::uint32_t>(kRecordFixed + payload.size()));
    put_u32(out, 0);
    put_u64(out, seq);
    out.push_back(static_cast<char>(kind));
    out.append(payload);
    const std::uint32_t crc = crc_of(std::string_view(out).substr(at + kHeader));
    for (int i = 0; i < 4; ++i)
        out[at + 4 + static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

std::string errno_text(std::string_view what, const fs::path& p) {
    return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

core::Result<void> write_all(int fd, std::string_view bytes, const fs::path& p) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return core::fail(core::Errc::io, errno_text("write", p));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

core::Result<void> sync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return core::fail(core::Errc::io, errno_text("open", dir));
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return core::fail(core::Errc::io, errno_text("fsync", dir));
    return {};
}

/// The segments in `dir` by number.
std::map<std::uint64_t, fs::path> list_segments(const fs::path& dir) {
    std::map<std::uint64_t, fs::path> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (!name.ends_with(".log")) continue;
        std::uint64_t n = 0;
        const auto stem = std::string_view(name).substr(0, name.size() - 4);
        if (stem.empty() || stem.find_first_not_of("0123456789") != std::string_view::npos)
            continue;
        for (char c : stem) n = n * 10 + static_cast<std::uint64_t>(c - '0');
        out.emplace(n, entry.path());
    }
    return out;
}

}  // namespace

// Executor: the writer thread owns `fd`, `segment_*`, `closed` and `buffer`; `mu` guards the
// queue, `last_seq`, `stopping`, `started` and `on_disk` (a leaf lock: nothing is called while
// held).
struct IngestLog::Impl {
    struct Append {
        std::uint64_t seq;
        std::string payload;
        Done done;
    };
    struct Rotate {};
    struct Trim {
        std::uint64_t upto;
    };
    using Op = std::variant<Append, Rotate, Trim>;

    fs::path dir;
    StreamMetrics* metrics = nullptr;
    prometheus::Counter* bytes_total = nullptr;
    prometheus::Counter* records_total = nullptr;
    prometheus::Counter* errors_total = nullptr;
    prometheus::Histogram* fsync_seconds = nullptr;

    mutable std::mutex mu;
    std::condition_variable wake;
    std::deque<Op> queue;
    std::size_t queued_appends = 0;  // the Append ops in `queue`
    std::uint64_t last_seq = 0;
    std::atomic<std::uint64_t> applied_seq{0};
    bool stopping = false;
    bool started = false;
    std::size_t on_disk = 0;
    std::thread writer;

    Carry carry;
    int fd = -1;
    std::uint64_t segment_no = 0;
    fs::path segment_path;
    std::uint64_t segment_max_seq = 0;
    bool segment_has_batch = false;
    std::map<std::uint64_t, std::pair<fs::path, std::uint64_t>> closed;  // no -> (path, max seq)
    std::string buffer;
    std::vector<Done> waiting;
    std::chrono::steady_clock::time_point last_error_log{};
    // Group forming (writer thread): the senders answered by the last fsync, and those already
    // queued then, are expected back in one group until `gather_until`.
    std::size_t gather = 0;
    std::chrono::steady_clock::time_point gather_until{};

    void count_segments() {
        std::lock_guard lock(mu);
        on_disk = closed.size() + (fd >= 0 ? 1 : 0);
    }

    void error(const core::Error& e) {
        if (errors_total) errors_total->Increment();
        const auto now = std::chrono::steady_clock::now();
        if (now - last_error_log >= std::chrono::seconds(1)) {
            last_error_log = now;
            core::logger("streams")->error("ingest log write failed, pushes answered 503: {}",
                                           e.message);
        }
    }

    /// Creates segment `segment_no + 1` beginning with the carry record, durable.
    core::Result<void> open_segment() {
        const std::uint64_t no = segment_no + 1;
        const fs::path p = dir / fmt::format("{:016}.log", no);
        const int f = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
        if (f < 0) return core::fail(core::Errc::io, errno_text("create", p));
        std::string head(kMagic);
        frame(head, 0, LogRecordKind::carry, carry ? carry() : std::string());
        auto r = write_all(f, head, p);
        if (r && ::fdatasync(f) != 0) r = core::fail(core::Errc::io, errno_text("fdatasync", p));
        if (r) r = sync_dir(dir);
        if (!r) {
            ::close(f);
            ::unlink(p.c_str());
            return r;
        }
        fd = f;
        segment_no = no;
        segment_path = p;
        segment_max_seq = 0;
        segment_has_batch = false;
        count_segments();
        return {};
    }

    void close_segment() {
        if (fd < 0) return;
        ::close(fd);
        fd = -1;
        closed.emplace(segment_no, std::pair{segment_path, segment_max_seq});
    }

    /// Writes `buffer`, fsyncs once and runs the waiting `done`s.
    void flush() {
        if (waiting.empty()) return;
        core::Result<void> r;
        if (fd < 0) r = open_segment();
        if (r) r = write_all(fd, buffer, segment_path);
        if (r) {
            const auto t0 = std::chrono::steady_clock::now();
            if (::fdatasync(fd) != 0)
                r = core::fail(core::Errc::io, errno_text("fdatasync", segment_path));
            if (fsync_seconds) {
                fsync_seconds->Observe(
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            }
        }
        if (r) {
            if (bytes_total) bytes_total->Increment(static_cast<double>(buffer.size()));
            if (records_total) records_total->Increment(static_cast<double>(waiting.size()));
        } else {
            error(r.error());
            // What this segment holds after a failed write is unknown: continue in a new one.
            close_segment();
        }
        buffer.clear();
        auto dones = std::move(waiting);
        waiting.clear();
        for (auto& d : dones) {
            if (d) d(r);
        }
        std::lock_guard lock(mu);
        gather = dones.size() + queued_appends;
        gather_until = std::chrono::steady_clock::now() + kGatherWindow;
    }

    void rotate() {
        if (fd < 0 || !segment_has_batch) return;
        close_segment();
        if (auto r = open_segment(); !r) error(r.error());  // the next flush tries again
    }

    void trim(std::uint64_t upto) {
        bool removed = false;
        for (auto it = closed.begin(); it != closed.end();) {
            if (it->second.second > upto) break;  // later segments hold later batches
            std::error_code ec;
            fs::remove(it->second.first, ec);
            if (ec) {
                core::logger("streams")->warn("ingest log segment {} not removed: {}",
                                              it->second.first.string(), ec.message());
                break;
            }
            removed = true;
            it = closed.erase(it);
        }
        if (removed) count_segments();
    }

    void run() {
        for (;;) {
            std::deque<Op> ops;
            {
                std::unique_lock lock(mu);
                wake.wait(lock, [&] { return stopping || !queue.empty(); });
                if (queue.empty()) return;  // stopping, and everything written
                // Senders answered together come back together: wait (briefly) for as many
                // batches as were in flight last time, so that they share one fsync instead of
                // falling into alternate ones. A lone sender never waits.
                if (queued_appends < gather) {
                    wake.wait_until(lock, gather_until, [&] {
                        return stopping || queued_appends >= gather || queued_appends < queue.size();
                    });
                }
                ops.swap(queue);
                queued_appends = 0;
            }
            // Appends are gathered into one write and one fsync; a rotation or trim first
            // makes what is queued before it durable.
            for (auto& op : ops) {
                if (auto* a = std::get_if<Append>(&op)) {
                    frame(buffer, a->seq, LogRecordKind::batch, a->payload);
                    segment_max_seq = std::max(segment_max_seq, a->seq);
                    segment_has_batch = true;
                    waiting.push_back(std::move(a->done));
                } else if (std::holds_alternative<Rotate>(op)) {
                    flush();
                    rotate();
                } else {
                    flush();
                    trim(std::get<Trim>(op).upto);
                }
            }
            flush();
        }
    }

    void push(Op op) {
        {
            std::lock_guard lock(mu);
            queue.push_back(std::move(op));
        }
        wake.notify_one();
    }
};

core::Result<std::unique_ptr<IngestLog>> IngestLog::open(std::filesystem::path dir,
                                                         StreamMetrics* metrics) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return core::fail(core::Errc::io, "create " + dir.string() + ": " + ec.message());
    auto impl = std::make_unique<Impl>();
    impl->dir = std::move(dir);
    impl->metrics = metrics;
    if (metrics) {
        impl->bytes_total = &metrics->log_bytes.Add({});
        impl->records_total = &metrics->log_records.Add({});
        impl->errors_total = &metrics->log_errors.Add({});
        impl->fsync_seconds = &metrics->log_fsync.Add({}, kLogFsyncBuckets);
        metrics->log_replayed.Add({});
        metrics->log_truncations.Add({});
    }
    return std::unique_ptr<IngestLog>(new IngestLog(std::move(impl)));
}

IngestLog::IngestLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IngestLog::~IngestLog() { stop(); }

core::Result<ReplayStats> IngestLog::replay(const std::function<void(const LogRecord&)>& fn) {
    Impl& d = *impl_;
    ReplayStats stats;
    const auto log = core::logger("streams");
    for (const auto& [no, path] : list_segments(d.dir)) {
        std::error_code ec;
        const auto size = fs::file_size(path, ec);
        if (ec) return core::fail(core::Errc::io, "stat " + path.string() + ": " + ec.message());
        std::string data(size, '\0');
        const int f = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (f < 0) return core::fail(core::Errc::io, errno_text("open", path));
        std::size_t got = 0;
        while (got < data.size()) {
            const ssize_t n = ::read(f, data.data() + got, data.size() - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        ::close(f);
        data.resize(got);

        std::size_t pos = 0;
        std::uint64_t max_seq = 0;
        bool torn = !data.starts_with(kMagic);
        if (!torn) pos = kMagic.size();
        while (!torn && pos < data.size()) {
            if (data.size() - pos < kHeader + kRecordFixed) {
                torn = true;
                break;
            }
            const auto len = get_le<std::uint32_t>(data.data() + pos);
            const auto crc = get_le<std::uint32_t>(data.data() + pos + 4);
            if (len < kRecordFixed || len > kMaxRecord || len > data.size() - pos - kHeader) {
                torn = true;
                break;
            }
            const std::string_view body(data.data() + pos + kHeader, len);
            const auto kind = static_cast<unsigned char>(body[8]);
            if (crc_of(body) != crc || (kind != 1 && kind != 2)) {
                torn = true;
                break;
            }
            LogRecord rec{get_le<std::uint64_t>(body.data()), static_cast<LogRecordKind>(kind),
                          body.substr(kRecordFixed)};
            fn(rec);
            ++stats.records;
            max_seq = std::max(max_seq, rec.seq);
            pos += kHeader + len;
        }
        if (torn) {
            // A crash in the middle of a write: what follows the last whole record was never
            // acknowledged. Cut it off so that appends never follow garbage.
            ++stats.truncations;
            log->warn("ingest log {}: torn or corrupt tail at byte {} of {}, truncated",
                      path.string(), pos, data.size());
            if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) {
                return core::fail(core::Errc::io, errno_text("truncate", path));
            }
        }
        stats.last_seq = std::max(stats.last_seq, max_seq);
        d.closed.emplace(no, std::pair{path, max_seq});
        d.segment_no = std::max(d.segment_no, no);
    }
    d.last_seq = std::max(d.last_seq, stats.last_seq);
    if (d.metrics) {
        d.metrics->log_replayed.Add({}).Increment(static_cast<double>(stats.records));
        d.metrics->log_truncations.Add({}).Increment(static_cast<double>(stats.truncations));
    }
    d.count_segments();
    return stats;
}

void IngestLog::resume_after(std::uint64_t seq) {
    std::lock_guard lock(impl_->mu);
    impl_->last_seq = std::max(impl_->last_seq, seq);
    impl_->applied_seq = impl_->last_seq;
}

void IngestLog::mark_applied(std::uint64_t seq) {
    auto& a = impl_->applied_seq;
    std::uint64_t cur = a.load();
    while (cur < seq && !a.compare_exchange_weak(cur, seq)) {
    }
}

std::uint64_t IngestLog::applied_seq() const { return impl_->applied_seq.load(); }

core::Result<void> IngestLog::start(Carry carry) {
    Impl& d = *impl_;
    if (d.writer.joinable()) return {};
    // Segments from before (replayed) are never appended to: a new one starts here.
    if (d.segment_no == 0) {
        for (const auto& [no, path] : list_segments(d.dir))
            d.segment_no = std::max(d.segment_no, no);
    }
    d.carry = std::move(carry);
    if (auto r = d.open_segment(); !r) return r;
    {
        std::lock_guard lock(d.mu);
        d.started = true;
    }
    d.writer = std::thread([&d] { d.run(); });
    return {};
}

void IngestLog::stop() {
    Impl& d = *impl_;
    {
        std::lock_guard lock(d.mu);
        if (d.stopping) return;
        d.stopping = true;
    }
    d.wake.notify_one();
    if (d.writer.joinable()) d.writer.join();
    // Appends that raced with stop() and found no writer.
    std::deque<Impl::Op> left;
    {
        std::lock_guard lock(d.mu);
        left.swap(d.queue);
    }
    for (auto& op : left) {
        if (auto* a = std::get_if<Impl::Append>(&op); a && a->done) {
            a->done(core::fail(core::Errc::unavailable, "ingest log stopped"));
        }
    }
    if (d.fd >= 0) {
        ::close(d.fd);
        d.fd = -1;
    }
}

std::uint64_t IngestLog::append(std::string payload, Done done) {
    Impl& d = *impl_;
    std::uint64_t seq = 0;
    {
        std::lock_guard lock(d.mu);
        if (!d.stopping && d.started) {
            seq = ++d.last_seq;
            d.queue.push_back(Impl::Append{seq, std::move(payload), std::move(done)});
            ++d.queued_appends;
        }
    }
    if (seq == 0) {
        if (done) done(core::fail(core::Errc::unavailable, "ingest log stopped"));
        return 0;
    }
    d.wake.notify_one();
    return seq;
}

std::uint64_t IngestLog::last_seq() const {
    std::lock_guard lock(impl_->mu);
    return impl_->last_seq;
}

void IngestLog::rotate() { impl_->push(Impl::Rotate{}); }

void IngestLog::trim(std::uint64_t upto) { impl_->push(Impl::Trim{upto}); }

std::size_t IngestLog::segments() const {
    std::lock_guard lock(impl_->mu);
    return impl_->on_disk;
}

}  // namespace noctua::streams
