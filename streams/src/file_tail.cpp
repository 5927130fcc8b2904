#include "noctua/streams/file_tail.hpp"

#include <cerrno>
#include <cstring>
#include <future>

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <zlib.h>

#include "noctua/core/log.hpp"

namespace noctua::streams {
namespace {

/// How many leading bytes of a file identify its content (as Filebeat's fingerprint does).
constexpr std::int64_t kHeadBytes = 1024;
/// The checkpoint key of a file's head fingerprint, beside its offset under the identity.
constexpr std::string_view kHeadKeySuffix = "#head";

std::string identity_of(const struct stat& st) {
    return fmt::format("{}:{}", static_cast<unsigned long long>(st.st_dev),
                       static_cast<unsigned long long>(st.st_ino));
}

std::uint32_t crc_of(std::uint32_t crc, const char* data, std::size_t n) {
    return static_cast<std::uint32_t>(
        ::crc32_z(crc, reinterpret_cast<const Bytef*>(data), static_cast<z_size_t>(n)));
}

/// The fingerprint of the first `length` bytes of `fd`; nullopt when it has fewer (or the
/// read fails).
std::optional<FileHead> read_head(int fd, std::int64_t length) {
    char bytes[kHeadBytes];
    const auto want = static_cast<std::size_t>(std::min(length, kHeadBytes));
    std::size_t got = 0;
    while (got < want) {
        const ssize_t n = ::pread(fd, bytes + got, want - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        got += static_cast<std::size_t>(n);
    }
    return FileHead{static_cast<std::int64_t>(want), crc_of(crc_of(0, nullptr, 0), bytes, want)};
}

}  // namespace

std::int64_t FileHead::pack() const {
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(length) << 32) | crc);
}

FileHead FileHead::unpack(std::int64_t packed) {
    const auto bits = static_cast<std::uint64_t>(packed);
    return {static_cast<std::int64_t>(bits >> 32), static_cast<std::uint32_t>(bits & 0xffffffffU)};
}

/// One followed file; owns its descriptor (kept open so a renamed or deleted file can still
/// be read to its end).
struct FileTail::Open {
    std::string path;
    std::string identity;
    int fd = -1;
    std::int64_t offset = 0;
    std::int64_t size = 0;
    /// The fingerprint of the first min(offset, kHeadBytes) bytes; checked before every read,
    /// so content rewritten in place (truncated, then grown past the offset) is noticed.
    FileHead head;
    /// Inside a line longer than a chunk (already rejected once): skipped up to its '\n'.
    bool skipping = false;

    Open(std::string p, std::string id, int f) : path(std::move(p)), identity(std::move(id)), fd(f) {}
    Open(const Open&) = delete;
    Open& operator=(const Open&) = delete;
    ~Open() {
        if (fd >= 0) ::close(fd);
    }
};

FileTail::FileTail(const config::StreamConfig& config, IngestPipeline& pipeline,
                   StreamMetrics& metrics, Checkpointer* checkpoint, std::size_t chunk_bytes)
    : config_(config),
      options_(config.options.get<FileStreamOptions>()),
      pipeline_(pipeline),
      metrics_(metrics),
      counters_(metrics, config.id),
      checkpoint_(checkpoint),
      chunk_bytes_(std::max<std::size_t>(chunk_bytes, 64)),
      parser_(pipeline.parse_options()),
      chunks_{std::make_shared<Chunk>(), std::make_shared<Chunk>()} {}

FileTail::~FileTail() { stop(); }

void FileTail::start() {
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this] {
        while (!stopping_) {
            try {
                poll();
            } catch (const std::exception& e) {
                core::logger("streams")->error("file stream {}: {}", config_.id, e.what());
            }
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, options_.poll_interval,
                         [this] { return stopping_.load() || wake_; });
            wake_ = false;
        }
    });
}

void FileTail::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        wake_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::vector<TailedFile> FileTail::files() const {
    std::lock_guard lock(mu_);
    return files_;
}

void FileTail::poll() {
    auto log = core::logger("streams");
    auto error = [&](std::string_view kind) {
        metrics_.source_errors.Add({{"source", config_.id}, {"kind", std::string(kind)}}).Increment();
    };
    if (!stored_) {
        stored_.emplace();
        if (checkpoint_) {
            if (auto r = checkpoint_->store().offsets(config_.id)) {
                for (const auto& [key, value] : *r) {
                    if (key.ends_with(kHeadKeySuffix)) {
                        const auto identity = key.substr(0, key.size() - kHeadKeySuffix.size());
                        (*stored_)[identity].head = FileHead::unpack(value);
                    } else {
                        (*stored_)[key].offset = value;
                    }
                }
            } else {
                log->warn("file stream {}: stored offsets unreadable, starting fresh: {}",
                          config_.id, r.error().message);
                error("store");
            }
        }
    }

    // What the globs match now, by identity (the first path wins for a file matched twice).
    std::map<std::string, std::string> seen;
    for (const auto& pattern : options_.paths) {
        glob_t g{};
        const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
        if (rc == 0) {
            for (std::size_t i = 0; i < g.gl_pathc; ++i) {
                struct stat st{};
                if (::stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) {
                    seen.emplace(identity_of(st), g.gl_pathv[i]);
                }
            }
        } else if (rc != GLOB_NOMATCH) {
            error("glob");
        }
        ::globfree(&g);
    }

    for (const auto& [identity, path] : seen) {
        if (auto it = open_.find(identity); it != open_.end()) {
            it->second.path = path;
            continue;
        }
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            log->warn("file stream {}: cannot open {}: {}", config_.id, path, std::strerror(errno));
            error("open");
            continue;
        }
        struct stat st{};
        if (::fstat(fd, &st) != 0 || identity_of(st) != identity) {
            ::close(fd);  // replaced between glob and open: the next pass sees the new file
            continue;
        }
        auto [it, inserted] = open_.try_emplace(identity, path, identity, fd);
        Open& f = it->second;
        if (auto s = stored_->find(identity); s != stored_->end() && s->second.offset) {
            resume(f, s->second);
            stored_->erase(s);
        } else if (first_pass_ && options_.start_at_end) {
            f.offset = st.st_size;
            f.head = read_head(fd, f.offset).value_or(FileHead{});
        }
        log->info("file stream {}: following {} from offset {}", config_.id, path, f.offset);
    }
    // Files that left the globs while the daemon was down (rotated away or deleted): their
    // offsets are forgotten once.
    for (const auto& [identity, stored] : *stored_) {
        if (stored.offset) rotated();
        forget(identity);
    }
    stored_->clear();
    first_pass_ = false;

    for (auto it = open_.begin(); it != open_.end();) {
        const bool draining = !seen.contains(it->first);  // renamed away or deleted
        if (!read_file(it->second, draining)) {  // stopping
            (void)wait_applied();
            return;
        }
        if (!wait_applied()) return;  // this file's last chunk is applied before it is forgotten
        if (draining) {
            log->info("file stream {}: {} rotated away, read to its end", config_.id,
                      it->second.path);
            rotated();
            forget(it->first);
            it = open_.erase(it);
        } else {
            ++it;
        }
    }

    std::vector<TailedFile> now;
    double lag = 0;
    for (const auto& [identity, f] : open_) {
        now.push_back({f.path, identity, f.offset, f.size});
        lag += static_cast<double>(std::max<std::int64_t>(0, f.size - f.offset));
    }
    metrics_.file_lag.Add({{"source", config_.id}}).Set(lag);
    std::lock_guard lock(mu_);
    files_ = std::move(now);
}

bool FileTail::read_file(Open& f, bool draining) {
    struct stat st{};
    if (::fstat(f.fd, &st) != 0) {
        metrics_.source_errors.Add({{"source", config_.id}, {"kind", "read"}}).Increment();
        return true;
    }
    const std::int64_t size = st.st_size;
    // Truncated: shorter than the offset, or (truncated and grown again past it since the
    // last pass) no longer starting with the bytes already read.
    if (size < f.offset || (f.head.length > 0 && read_head(f.fd, f.head.length) != f.head)) {
        core::logger("streams")->info(
            "file stream {}: {} was truncated (size {}, offset {}, first bytes {}), reading from 0",
            config_.id, f.path, size, f.offset, size < f.offset ? "unread" : "changed");
        metrics_.source_errors.Add({{"source", config_.id}, {"kind", "truncated"}}).Increment();
        f.offset = 0;
        f.head = {};
        f.skipping = false;
    }
    f.size = size;
    while (f.offset < size) {
        if (stopping_ && pipeline_.stopped()) return false;
        const auto want = static_cast<std::size_t>(
            std::min<std::int64_t>(static_cast<std::int64_t>(chunk_bytes_), size - f.offset));
        buffer_.resize(want);
        const ssize_t n = ::pread(f.fd, buffer_.data(), want, static_cast<off_t>(f.offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            metrics_.source_errors.Add({{"source", config_.id}, {"kind", "read"}}).Increment();
            return true;
        }
        if (n == 0) break;
        buffer_.resize(static_cast<std::size_t>(n));
        std::size_t skip = 0;
        if (f.skipping) {
            // The rest of an over-long line: up to its '\n', counted when it began.
            const auto nl = buffer_.find('\n');
            skip = nl == std::string::npos ? buffer_.size() : nl + 1;
            f.skipping = nl == std::string::npos;
        }
        std::size_t take = skip;
        if (auto nl = buffer_.rfind('\n'); nl != std::string::npos && nl >= skip) {
            take = nl + 1;
        } else if (skip == 0 && buffer_.size() == chunk_bytes_) {
            // A line longer than a chunk: one rejection for the whole line, whose bytes are
            // skipped up to its end.
            counters_.rejected[static_cast<std::size_t>(RejectReason::too_large)]->Increment();
            f.skipping = true;
            take = buffer_.size();
            skip = take;
        } else if (skip == 0 && draining && f.offset + n >= size) {
            take = buffer_.size();  // the unterminated last line of a file that stops here
        }
        if (take == 0) break;  // a line still being written
        extend_head(f, take);
        const std::int64_t next = f.offset + static_cast<std::int64_t>(take);
        if (f.skipping) {
            // Mid-line: the offset is noted once the line ends, so a restart skips the
            // whole line again rather than parsing its tail.
            f.offset = next;
            continue;
        }
        buffer_.resize(take);
        buffer_.erase(0, skip);
        if (!apply(f.identity, next, f.head)) return false;
        f.offset = next;
    }
    return true;
}

void FileTail::extend_head(Open& f, std::size_t take) const {
    // The head covers the first min(offset, kHeadBytes) bytes: what was consumed of them
    // (buffer_ starts at the offset) extends it.
    const std::int64_t end = std::min(f.offset + static_cast<std::int64_t>(take), kHeadBytes);
    if (f.head.length < f.offset || f.head.length >= end) return;
    const auto from = static_cast<std::size_t>(f.head.length - f.offset);
    f.head.crc = crc_of(f.head.crc, buffer_.data() + from,
                        static_cast<std::size_t>(end - f.head.length));
    f.head.length = end;
}

void FileTail::resume(Open& f, const Stored& stored) {
    f.offset = *stored.offset;  // read_file() restarts at 0 if the file is now shorter
    if (!stored.head) {
        // A checkpoint without fingerprints: trust device and inode, and fingerprint now.
        f.head = read_head(f.fd, std::min(f.offset, kHeadBytes)).value_or(FileHead{});
        return;
    }
    const auto head = read_head(f.fd, stored.head->length);
    if (!head || *head == *stored.head) {
        // The same file, or one now shorter than what was read of it: read_file() then
        // counts a truncation and reads it from 0.
        if (head) f.head = *stored.head;
        return;
    }
    // Same device and inode, other first bytes: a new file that reuses the inode (or one
    // truncated and written again while the daemon was down). Read it all.
    core::logger("streams")->info(
        "file stream {}: {} starts with other bytes than at offset {} (replaced), reading from 0",
        config_.id, f.path, f.offset);
    rotated();
    forget(f.identity);  // until its first chunk is applied, nothing is stored for it
    f.offset = 0;
    f.head = {};
}

void FileTail::rotated() {
    metrics_.file_rotations.Add({{"source", config_.id}}).Increment();
}

bool FileTail::apply(const std::string& identity, std::int64_t offset, FileHead head) {
    // Both threads parse. Applying a chunk takes the ingest thread about a quarter of the
    // time parsing it takes, so with the whole parse here this thread set the pace and the
    // ingest thread idled. This thread parses the first kParsedHere percent (cut after a
    // line) while the previous chunk is applied; the ingest thread applies that part, then
    // parses and applies the rest itself, so lines are still applied in file order.
    constexpr std::size_t kParsedHere = 60;
    std::shared_ptr<Chunk> chunk = chunks_[next_chunk_];
    const std::size_t nl = buffer_.find('\n', buffer_.size() * kParsedHere / 100);
    const std::size_t cut = nl == std::string::npos ? buffer_.size() : nl + 1;
    chunk->rest.reserve(buffer_.size() - cut + kJsonPadding);
    chunk->rest.assign(buffer_, cut);
    buffer_.resize(cut);
    pipeline_.parse_lines(parser_, buffer_, chunk->parsed);
    if (!wait_applied()) return false;
    auto done = std::make_shared<std::promise<void>>();
    in_flight_ = done->get_future();
    pipeline_.post([this, chunk, identity, offset, head, done] {
        (void)pipeline_.apply_parsed(counters_, chunk->parsed);
        if (!chunk->rest.empty()) (void)pipeline_.apply_lines(counters_, chunk->rest);
        // Noted only once both parts are applied, so a restart never skips lines the windows
        // did not see.
        if (checkpoint_) {
            checkpoint_->note_offset(config_.id, identity, offset);
            checkpoint_->note_offset(config_.id, identity + std::string(kHeadKeySuffix),
                                     head.pack());
        }
        done->set_value();
    });
    next_chunk_ ^= 1;  // the other chunk is free: it was applied (wait_applied above)
    return true;
}

bool FileTail::wait_applied() {
    if (!in_flight_) return true;
    // A stopped pipeline never runs the handler (the promise is then broken): give up.
    for (;;) {
        if (in_flight_->wait_for(std::chrono::milliseconds(50)) == std::future_status::ready) {
            try {
                in_flight_->get();
                in_flight_.reset();
                return true;
            } catch (const std::future_error&) {
                in_flight_.reset();
                return false;
            }
        }
        if (pipeline_.stopped()) {
            in_flight_.reset();
            return false;
        }
    }
}

void FileTail::forget(const std::string& identity) {
    if (!checkpoint_) return;
    pipeline_.post([cp = checkpoint_, source = config_.id, identity] {
        cp->note_offset(source, identity, std::nullopt);
        cp->note_offset(source, identity + std::string(kHeadKeySuffix), std::nullopt);
    });
}

}  // namespace noctua::streams
