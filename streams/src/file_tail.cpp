#include "noctua/streams/file_tail.hpp"

#include <cerrno>
#include <cstring>
#include <future>

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "noctua/core/log.hpp"

namespace noctua::streams {
namespace {

std::string identity_of(const struct stat& st) {
    return fmt::format("{}:{}", static_cast<unsigned long long>(st.st_dev),
                       static_cast<unsigned long long>(st.st_ino));
}

}  // namespace

/// One followed file; owns its descriptor (kept open so a renamed or deleted file can still
/// be read to its end).
struct FileTail::Open {
    std::string path;
    std::string identity;
    int fd = -1;
    std::int64_t offset = 0;
    std::int64_t size = 0;

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
            cv_.wait_for(lock, config_.poll_interval, [this] { return stopping_.load() || wake_; });
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
                *stored_ = std::move(*r);
            } else {
                log->warn("file stream {}: stored offsets unreadable, starting fresh: {}",
                          config_.id, r.error().message);
                error("store");
            }
        }
    }

    // What the globs match now, by identity (the first path wins for a file matched twice).
    std::map<std::string, std::string> seen;
    for (const auto& pattern : config_.paths) {
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
        if (auto s = stored_->find(identity); s != stored_->end()) {
            f.offset = s->second;  // read_file() restarts at 0 if the file is now shorter
            stored_->erase(s);
        } else if (first_pass_ && config_.start_at_end) {
            f.offset = st.st_size;
        }
        log->info("file stream {}: following {} from offset {}", config_.id, path, f.offset);
    }
    // Offsets of files that are gone are forgotten once.
    for (const auto& [identity, offset] : *stored_) forget(identity);
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
    if (size < f.offset) {
        core::logger("streams")->info("file stream {}: {} was truncated ({} < {}), reading from 0",
                                      config_.id, f.path, size, f.offset);
        metrics_.source_errors.Add({{"source", config_.id}, {"kind", "truncated"}}).Increment();
        f.offset = 0;
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
        std::size_t take = 0;
        if (auto nl = buffer_.rfind('\n'); nl != std::string::npos) {
            take = nl + 1;
        } else if (buffer_.size() == chunk_bytes_ ||
                   (draining && f.offset + n >= size)) {
            // A line longer than a chunk (cut, and rejected as invalid), or the unterminated
            // last line of a file that will not grow any more.
            take = buffer_.size();
        } else {
            break;  // a line still being written
        }
        buffer_.resize(take);
        const std::int64_t next = f.offset + static_cast<std::int64_t>(take);
        if (!apply(f.identity, next)) return false;
        f.offset = next;
    }
    return true;
}

bool FileTail::apply(const std::string& identity, std::int64_t offset) {
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
    pipeline_.post([this, chunk, identity, offset, done] {
        (void)pipeline_.apply_parsed(counters_, chunk->parsed);
        if (!chunk->rest.empty()) (void)pipeline_.apply_lines(counters_, chunk->rest);
        // Noted only once both parts are applied, so a restart never skips lines the windows
        // did not see.
        if (checkpoint_) checkpoint_->note_offset(config_.id, identity, offset);
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
    });
}

}  // namespace noctua::streams
