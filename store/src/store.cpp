#include "noctua/store/store.hpp"

#include <mutex>

#include "sqlite.hpp"

namespace noctua::store {
namespace {

using detail::column_text;
using detail::DbHandle;
using detail::sqlite_error;
using detail::StmtHandle;

/// Resets a statement (and its bindings) when a use of it ends, whichever way.
struct Use {
    sqlite3_stmt* s;
    ~Use() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
};

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// Migrations: migration[i] takes the schema from version i to i + 1.
constexpr const char* kMigrations[] = {
    "CREATE TABLE offsets (source TEXT NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL,"
    " updated INTEGER NOT NULL DEFAULT (strftime('%s','now')), PRIMARY KEY (source, key));"
    "CREATE TABLE blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL,"
    " updated INTEGER NOT NULL DEFAULT (strftime('%s','now')));",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

// Guarded by `mu`: the connection and every statement.
struct Store::Impl {
    std::mutex mu;
    DbHandle db;
    StmtHandle get_offset, list_offsets, put_offset, erase_offset, get_blob, put_blob;
    StmtHandle begin, commit, rollback;

    core::Result<void> exec(const char* sql) { return detail::exec(db.get(), sql); }

    core::Result<StmtHandle> prepare(const char* sql) {
        return detail::prepare(db.get(), sql, SQLITE_PREPARE_PERSISTENT);
    }

    core::Result<void> step_done(sqlite3_stmt* s, std::string_view what) {
        Use use{s};
        if (sqlite3_step(s) != SQLITE_DONE) return sqlite_error(db.get(), what);
        return {};
    }

    int user_version() {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db.get(), "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK) {
            return -1;
        }
        StmtHandle s(raw);
        return sqlite3_step(s.get()) == SQLITE_ROW ? sqlite3_column_int(s.get(), 0) : -1;
    }

    core::Result<void> migrate() {
        const int from = user_version();
        if (from < 0) return sqlite_error(db.get(), "reading the schema version");
        if (auto r = detail::check_schema_version("database", from, kSchemaVersion); !r) return r;
        for (int v = from; v < kSchemaVersion; ++v) {
            if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
            auto r = exec(kMigrations[v]);
            if (r) r = exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
            if (r) r = exec("COMMIT");
            if (!r) {
                (void)exec("ROLLBACK");
                return core::fail(core::Errc::io, "migration to schema version " +
                                                      std::to_string(v + 1) +
                                                      " failed: " + r.error().message);
            }
        }
        return {};
    }

    core::Result<void> apply(const Batch& batch) {
        for (const auto& o : batch.offsets) {
            sqlite3_stmt* s = o.value ? put_offset.get() : erase_offset.get();
            bind_text(s, 1, o.source);
            bind_text(s, 2, o.key);
            if (o.value) sqlite3_bind_int64(s, 3, *o.value);
            if (auto r = step_done(s, "writing an offset"); !r) return r;
        }
        for (const auto& [name, data] : batch.blobs) {
            bind_text(put_blob.get(), 1, name);
            sqlite3_bind_blob64(put_blob.get(), 2, data.data(), data.size(), SQLITE_TRANSIENT);
            if (auto r = step_done(put_blob.get(), "writing a blob"); !r) return r;
        }
        return {};
    }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

core::Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
    auto d = std::make_unique<Impl>();
    // WAL: readers never block the writer, and a commit is one append (plus fsync at
    // checkpoints with synchronous=NORMAL, durable across process crashes).
    auto db = detail::open_database(path, {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"});
    if (!db) return std::unexpected(db.error());
    d->db = std::move(*db);
    if (auto r = d->migrate(); !r) {
        return core::fail(r.error().code, path + ": " + r.error().message);
    }
    struct {
        StmtHandle* out;
        const char* sql;
    } statements[] = {
        {&d->get_offset, "SELECT value FROM offsets WHERE source = ?1 AND key = ?2"},
        {&d->list_offsets, "SELECT key, value FROM offsets WHERE source = ?1 ORDER BY key"},
        {&d->put_offset,
         "INSERT INTO offsets (source, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (source, key)"
         " DO UPDATE SET value = excluded.value, updated = strftime('%s','now')"},
        {&d->erase_offset, "DELETE FROM offsets WHERE source = ?1 AND key = ?2"},
        {&d->get_blob, "SELECT data FROM blobs WHERE name = ?1"},
        {&d->put_blob,
         "INSERT INTO blobs (name, data) VALUES (?1, ?2) ON CONFLICT (name)"
         " DO UPDATE SET data = excluded.data, updated = strftime('%s','now')"},
        {&d->begin, "BEGIN IMMEDIATE"},
        {&d->commit, "COMMIT"},
        {&d->rollback, "ROLLBACK"},
    };
    for (auto& [out, sql] : statements) {
        auto s = d->prepare(sql);
        if (!s) return core::fail(core::Errc::io, path + ": " + s.error().message);
        *out = std::move(*s);
    }
    return std::unique_ptr<Store>(new Store(std::move(d)));
}

core::Result<std::optional<std::int64_t>> Store::offset(std::string_view source,
                                                        std::string_view key) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    sqlite3_stmt* s = d.get_offset.get();
    Use use{s};
    bind_text(s, 1, source);
    bind_text(s, 2, key);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) return sqlite3_column_int64(s, 0);
    if (rc == SQLITE_DONE) return std::nullopt;
    return sqlite_error(d.db.get(), "reading an offset");
}

core::Result<std::map<std::string, std::int64_t>> Store::offsets(std::string_view source) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    sqlite3_stmt* s = d.list_offsets.get();
    Use use{s};
    bind_text(s, 1, source);
    std::map<std::string, std::int64_t> out;
    for (;;) {
        const int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) return out;
        if (rc != SQLITE_ROW) return sqlite_error(d.db.get(), "reading offsets");
        out.emplace(column_text(s, 0), sqlite3_column_int64(s, 1));
    }
}

core::Result<void> Store::put_offset(std::string_view source, std::string_view key,
                                     std::int64_t value) {
    Batch b;
    b.offsets.push_back({std::string(source), std::string(key), value});
    return commit(b);
}

core::Result<std::optional<std::string>> Store::blob(std::string_view name) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    sqlite3_stmt* s = d.get_blob.get();
    Use use{s};
    bind_text(s, 1, name);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) return column_text(s, 0);
    if (rc == SQLITE_DONE) return std::nullopt;
    return sqlite_error(d.db.get(), "reading a blob");
}

core::Result<void> Store::commit(const Batch& batch) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    if (batch.empty()) return {};
    if (batch.sync) {
        if (auto r = d.exec("PRAGMA synchronous=FULL"); !r) return r;
    }
    auto r = d.step_done(d.begin.get(), "begin");
    if (r) {
        r = d.apply(batch);
        if (r) r = d.step_done(d.commit.get(), "commit");
        if (!r) (void)d.step_done(d.rollback.get(), "rollback");
    }
    if (batch.sync) (void)d.exec("PRAGMA synchronous=NORMAL");
    return r;
}

int Store::schema_version() {
    std::lock_guard lock(impl_->mu);
    return impl_->user_version();
}

}  // namespace noctua::store
