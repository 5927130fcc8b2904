#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/result.hpp"

namespace noctua::store {

/// The schema version this build writes; older databases are migrated on open().
inline constexpr int kSchemaVersion = 1;

/// Changes written together in one transaction (Store::commit()).
struct Batch {
    struct Offset {
        std::string source;  ///< configured stream id
        std::string key;     ///< what the source positions itself in, e.g. "dev:ino" of a file
        std::optional<std::int64_t> value;  ///< nullopt: forget the key
    };
    std::vector<Offset> offsets;
    /// Named blobs (window snapshots), replaced whole.
    std::vector<std::pair<std::string, std::string>> blobs;
    /// Durable on power loss too when commit() returns (an fsync; otherwise a commit survives
    /// a process crash, and reaches the disk at the next WAL checkpoint).
    bool sync = false;

    [[nodiscard]] bool empty() const { return offsets.empty() && blobs.empty(); }
};

/// The daemon's durable state in one SQLite file (WAL mode, `synchronous=NORMAL`): source
/// offsets keyed by (source, key) and named blobs (window snapshots).
///
/// Every call blocks on disk I/O: call it from a thread of your own (the ingest thread, a
/// source's reader thread), never from an io_context thread (docs/contributing.md, "Threads").
/// Thread-safety: all methods may be called from any thread (one internal mutex guards the
/// connection and its prepared statements; it is a leaf lock).
class Store {
public:
    /// Opens (creating the file if needed) and migrates the database.
    /// Errors: Errc::io (cannot open, not a database), Errc::invalid_argument (a schema newer
    /// than this build's).
    [[nodiscard]] static core::Result<std::unique_ptr<Store>> open(const std::string& path);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// The stored offset of `key` for `source`, nullopt when none.
    [[nodiscard]] core::Result<std::optional<std::int64_t>> offset(std::string_view source,
                                                                  std::string_view key);
    /// Every stored offset of `source`, by key.
    [[nodiscard]] core::Result<std::map<std::string, std::int64_t>> offsets(
        std::string_view source);
    /// Sets one offset (a one-entry commit()).
    [[nodiscard]] core::Result<void> put_offset(std::string_view source, std::string_view key,
                                                std::int64_t value);
    /// The blob called `name`, nullopt when none.
    [[nodiscard]] core::Result<std::optional<std::string>> blob(std::string_view name);
    /// Applies `batch` atomically: all of it or, on error, none of it.
    [[nodiscard]] core::Result<void> commit(const Batch& batch);
    /// The schema version of the open database (kSchemaVersion after open()).
    [[nodiscard]] int schema_version();

private:
    struct Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace noctua::store
