#include "noctua/store/alert_store.hpp"

#include <atomic>
#include <mutex>

#include "sqlite.hpp"

namespace noctua::store {
namespace {

using detail::sqlite_error;
using Stmt = detail::StmtHandle;
using detail::column_text;

constexpr int kAlertSchemaVersion = 1;
// The alerting tables are versioned apart from the rest of the file (schema_versions), so they
// migrate on their own.
constexpr const char* kMigrations[] = {
    "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, receiver TEXT NOT NULL,"
    " group_key TEXT NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL,"
    " next_attempt_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE dead_letters (id INTEGER PRIMARY KEY, receiver TEXT NOT NULL,"
    " group_key TEXT NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL,"
    " failed_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, reason TEXT NOT NULL);"
    "CREATE TABLE records (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
    " PRIMARY KEY (ns, key)) WITHOUT ROWID;",
};
static_assert(std::size(kMigrations) == kAlertSchemaVersion);

std::int64_t ms(core::TimePoint t) { return t.time_since_epoch().count(); }
core::TimePoint at_ms(std::int64_t v) { return core::TimePoint{std::chrono::milliseconds{v}}; }

// Bound without a copy: every statement is stepped and reset while the bound text lives.
void bind(sqlite3_stmt* s, int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void bind_blob(sqlite3_stmt* s, int i, std::string_view v) {
    sqlite3_bind_blob64(s, i, v.data(), v.size(), SQLITE_STATIC);
}

}  // namespace

// Guarded by `mu`: the connection and every statement.
struct AlertStore::Impl {
    std::mutex mu;
    detail::DbHandle db;
    bool full_sync = true;
    std::atomic<std::uint64_t> commits{0};         // not guarded: read without the lock
    std::atomic<std::uint64_t> synced_commits{0};  // likewise
    // apply()'s statements, prepared on first use and kept: a group commit runs them all.
    Stmt begin, commit, insert_outbox, put_record, erase_record, reschedule, dead_letter,
        remove_outbox, sync_normal, sync_full;

    // The statement in `slot`, prepared once.
    core::Result<sqlite3_stmt*> cached(Stmt& slot, const char* sql) {
        if (!slot) {
            auto s = detail::prepare(db.get(), sql, SQLITE_PREPARE_PERSISTENT);
            if (!s) return std::unexpected(s.error());
            slot = std::move(*s);
        }
        return slot.get();
    }

    // Steps `s` to completion and resets it, whatever the outcome.
    core::Result<void> run(sqlite3_stmt* s, std::string_view what) {
        const int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) return sqlite_error(db.get(), what);
        return {};
    }

    core::Result<void> exec(const std::string& sql) { return detail::exec(db.get(), sql.c_str()); }

    core::Result<Stmt> prepare(const char* sql) { return detail::prepare(db.get(), sql); }

    core::Result<void> done(sqlite3_stmt* s, std::string_view what) {
        if (sqlite3_step(s) != SQLITE_DONE) return sqlite_error(db.get(), what);
        return {};
    }

    // Runs `body` in one IMMEDIATE transaction, rolling back on error.
    template <class F>
    auto transaction(F&& body) -> decltype(body()) {
        if (auto r = exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
        auto r = body();
        if (r) {
            if (auto c = exec("COMMIT"); !c) {
                (void)exec("ROLLBACK");
                return std::unexpected(c.error());
            }
        } else {
            (void)exec("ROLLBACK");
        }
        return r;
    }

    core::Result<void> migrate() {
        if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY,"
                          " version INTEGER NOT NULL)");
            !r) {
            return r;
        }
        auto q = prepare("SELECT version FROM schema_versions WHERE component = 'alerts'");
        if (!q) return std::unexpected(q.error());
        int from = 0;
        if (sqlite3_step(q->get()) == SQLITE_ROW) from = sqlite3_column_int(q->get(), 0);
        q->reset();
        if (auto r = detail::check_schema_version("the alert tables'", from, kAlertSchemaVersion);
            !r) {
            return r;
        }
        for (int v = from; v < kAlertSchemaVersion; ++v) {
            auto r = transaction([&]() -> core::Result<void> {
                if (auto m = exec(kMigrations[v]); !m) return m;
                return exec("INSERT INTO schema_versions (component, version) VALUES ('alerts', " +
                            std::to_string(v + 1) +
                            ") ON CONFLICT (component) DO UPDATE SET version = excluded.version");
            });
            if (!r) return r;
        }
        return {};
    }
};

AlertStore::AlertStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AlertStore::~AlertStore() = default;

core::Result<std::unique_ptr<AlertStore>> AlertStore::open(const std::string& path,
                                                           bool full_sync) {
    auto d = std::make_unique<Impl>();
    d->full_sync = full_sync;
    // A page cache of 512 KiB (SQLite's default is 2 MiB): a commit touches the outbox's tail,
    // the alert log's tail (its keys grow with time) and the groups' records it writes; the rest
    // of the file is read back only at start-up.
    auto db = detail::open_database(
        path, {"PRAGMA journal_mode=WAL",
               full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
               "PRAGMA cache_size=-512"});
    if (!db) return std::unexpected(db.error());
    d->db = std::move(*db);
    if (auto r = d->migrate(); !r)
        return core::fail(r.error().code, path + ": " + r.error().message);
    return std::unique_ptr<AlertStore>(new AlertStore(std::move(d)));
}

core::Result<std::vector<std::int64_t>> AlertStore::write(const std::vector<OutboxItem>& items,
                                                          const std::vector<RecordWrite>& records) {
    AlertBatch batch;
    batch.items = items;
    batch.records = records;
    return apply(batch);
}

std::uint64_t AlertStore::commits() const { return impl_->commits.load(); }

std::uint64_t AlertStore::synced_commits() const { return impl_->synced_commits.load(); }

core::Result<std::vector<std::int64_t>> AlertStore::apply(const AlertBatch& batch) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    auto body = [&]() -> core::Result<std::vector<std::int64_t>> {
        std::vector<std::int64_t> ids;
        ids.reserve(batch.items.size());
        if (!batch.items.empty()) {
            auto s = d.cached(
                d.insert_outbox,
                "INSERT INTO outbox (receiver, group_key, payload, created_ms, next_attempt_ms,"
                " attempts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
            if (!s) return std::unexpected(s.error());
            for (const auto& it : batch.items) {
                bind(*s, 1, it.receiver);
                bind(*s, 2, it.group_key);
                bind_blob(*s, 3, it.payload);
                sqlite3_bind_int64(*s, 4, ms(it.created));
                sqlite3_bind_int64(*s, 5, ms(it.next_attempt));
                sqlite3_bind_int(*s, 6, it.attempts);
                if (auto r = d.run(*s, "writing the outbox"); !r) return std::unexpected(r.error());
                ids.push_back(sqlite3_last_insert_rowid(d.db.get()));
            }
        }
        if (!batch.records.empty()) {
            auto put = d.cached(d.put_record,
                                "INSERT INTO records (ns, key, value) VALUES (?1, ?2, ?3) ON"
                                " CONFLICT (ns, key) DO UPDATE SET value = excluded.value");
            auto del = d.cached(d.erase_record, "DELETE FROM records WHERE ns = ?1 AND key = ?2");
            if (!put) return std::unexpected(put.error());
            if (!del) return std::unexpected(del.error());
            for (const auto& r : batch.records) {
                sqlite3_stmt* s = r.value ? *put : *del;
                bind(s, 1, r.ns);
                bind(s, 2, r.key);
                if (r.value) bind_blob(s, 3, *r.value);
                if (auto w = d.run(s, "writing a record"); !w) return std::unexpected(w.error());
            }
        }
        if (!batch.reschedules.empty()) {
            auto s =
                d.cached(d.reschedule,
                         "UPDATE outbox SET attempts = ?2, next_attempt_ms = ?3 WHERE id = ?1");
            if (!s) return std::unexpected(s.error());
            for (const auto& r : batch.reschedules) {
                sqlite3_bind_int64(*s, 1, r.id);
                sqlite3_bind_int(*s, 2, r.attempts);
                sqlite3_bind_int64(*s, 3, ms(r.next_attempt));
                if (auto w = d.run(*s, "rescheduling a notification"); !w) {
                    return std::unexpected(w.error());
                }
            }
        }
        if (!batch.dead_letters.empty()) {
            auto s = d.cached(
                d.dead_letter,
                "INSERT INTO dead_letters (id, receiver, group_key, payload, created_ms, failed_ms,"
                " attempts, reason) SELECT id, receiver, group_key, payload, created_ms, ?2,"
                " attempts, ?3 FROM outbox WHERE id = ?1");
            if (!s) return std::unexpected(s.error());
            for (const auto& dl : batch.dead_letters) {
                sqlite3_bind_int64(*s, 1, dl.id);
                sqlite3_bind_int64(*s, 2, ms(dl.at));
                bind(*s, 3, dl.reason);
                if (auto w = d.run(*s, "writing a dead letter"); !w) {
                    return std::unexpected(w.error());
                }
            }
        }
        if (!batch.delivered.empty() || !batch.dead_letters.empty()) {
            auto del = d.cached(d.remove_outbox, "DELETE FROM outbox WHERE id = ?1");
            if (!del) return std::unexpected(del.error());
            auto remove = [&](std::int64_t id) {
                sqlite3_bind_int64(*del, 1, id);
                return d.run(*del, "removing a notification from the outbox");
            };
            for (auto id : batch.delivered) {
                if (auto w = remove(id); !w) return std::unexpected(w.error());
            }
            for (const auto& dl : batch.dead_letters) {
                if (auto w = remove(dl.id); !w) return std::unexpected(w.error());
            }
        }
        return ids;
    };
    auto begin = d.cached(d.begin, "BEGIN IMMEDIATE");
    auto commit = d.cached(d.commit, "COMMIT");
    if (!begin) return std::unexpected(begin.error());
    if (!commit) return std::unexpected(commit.error());
    // A batch that only forgets delivered notifications or moves retries is committed without
    // an fsync: it is in the OS's cache at once (a crash of the process keeps it), the next
    // fsynced commit or checkpoint makes it durable, and a power cut before that only sends a
    // delivered notification once more. The alert's own commit, which its push waits for,
    // then never queues behind a second flush.
    const bool relaxed =
        d.full_sync && batch.items.empty() && batch.records.empty() && batch.dead_letters.empty();
    if (relaxed) {
        auto normal = d.cached(d.sync_normal, "PRAGMA synchronous=NORMAL");
        if (!normal) return std::unexpected(normal.error());
        if (auto r = d.run(*normal, "PRAGMA synchronous"); !r) return std::unexpected(r.error());
    }
    auto out = [&]() -> core::Result<std::vector<std::int64_t>> {
        if (auto r = d.run(*begin, "BEGIN"); !r) return std::unexpected(r.error());
        auto ids = body();
        if (ids) {
            // COMMIT returns once the WAL is fsynced (synchronous=FULL): the batch is on disk.
            if (auto c = d.run(*commit, "COMMIT"); !c) ids = std::unexpected(c.error());
        }
        if (!ids) (void)d.exec("ROLLBACK");
        return ids;
    }();
    if (relaxed) {
        auto full = d.cached(d.sync_full, "PRAGMA synchronous=FULL");
        if (!full) return std::unexpected(full.error());
        if (auto r = d.run(*full, "PRAGMA synchronous"); !r) return std::unexpected(r.error());
    }
    if (!out) return out;
    ++d.commits;
    if (d.full_sync && !relaxed) ++d.synced_commits;
    return out;
}

core::Result<std::vector<OutboxItem>> AlertStore::pending() {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    auto s = d.prepare(
        "SELECT id, receiver, group_key, payload, created_ms, next_attempt_ms, attempts"
        " FROM outbox ORDER BY id");
    if (!s) return std::unexpected(s.error());
    std::vector<OutboxItem> out;
    int rc;
    while ((rc = sqlite3_step(s->get())) == SQLITE_ROW) {
        OutboxItem it;
        it.id = sqlite3_column_int64(s->get(), 0);
        it.receiver = column_text(s->get(), 1);
        it.group_key = column_text(s->get(), 2);
        it.payload = column_text(s->get(), 3);
        it.created = at_ms(sqlite3_column_int64(s->get(), 4));
        it.next_attempt = at_ms(sqlite3_column_int64(s->get(), 5));
        it.attempts = sqlite3_column_int(s->get(), 6);
        out.push_back(std::move(it));
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(d.db.get(), "reading the outbox");
    }
    return out;
}

core::Result<void> AlertStore::delivered(std::int64_t id) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    auto s = d.prepare("DELETE FROM outbox WHERE id = ?1");
    if (!s) return std::unexpected(s.error());
    sqlite3_bind_int64(s->get(), 1, id);
    return d.done(s->get(), "deleting a delivered notification");
}

core::Result<void> AlertStore::reschedule(std::int64_t id, int attempts,
                                          core::TimePoint next_attempt) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    auto s = d.prepare("UPDATE outbox SET attempts = ?2, next_attempt_ms = ?3 WHERE id = ?1");
    if (!s) return std::unexpected(s.error());
    sqlite3_bind_int64(s->get(), 1, id);
    sqlite3_bind_int(s->get(), 2, attempts);
    sqlite3_bind_int64(s->get(), 3, ms(next_attempt));
    return d.done(s->get(), "rescheduling a notification");
}

core::Result<void> AlertStore::dead_letter(std::int64_t id, std::string_view reason,
                                           core::TimePoint at) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    return d.transaction([&]() -> core::Result<void> {
        auto s = d.prepare(
            "INSERT INTO dead_letters (id, receiver, group_key, payload, created_ms, failed_ms,"
            " attempts, reason) SELECT id, receiver, group_key, payload, created_ms, ?2, attempts,"
            " ?3 FROM outbox WHERE id = ?1");
        if (!s) return std::unexpected(s.error());
        sqlite3_bind_int64(s->get(), 1, id);
        sqlite3_bind_int64(s->get(), 2, ms(at));
        bind(s->get(), 3, reason);
        if (auto r = d.done(s->get(), "writing a dead letter"); !r) return r;
        auto del = d.prepare("DELETE FROM outbox WHERE id = ?1");
        if (!del) return std::unexpected(del.error());
        sqlite3_bind_int64(del->get(), 1, id);
        return d.done(del->get(), "deleting a dead letter from the outbox");
    });
}

core::Result<std::int64_t> AlertStore::dead_letter_count() {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    auto s = d.prepare("SELECT count(*) FROM dead_letters");
    if (!s) return std::unexpected(s.error());
    if (sqlite3_step(s->get()) != SQLITE_ROW) {
        return sqlite_error(d.db.get(), "counting dead letters");
    }
    return sqlite3_column_int64(s->get(), 0);
}

core::Result<std::map<std::string, std::string>> AlertStore::records(std::string_view ns) {
    Impl& d = *impl_;
    std::lock_guard lock(d.mu);
    auto s = d.prepare("SELECT key, value FROM records WHERE ns = ?1 ORDER BY key");
    if (!s) return std::unexpected(s.error());
    bind(s->get(), 1, ns);
    std::map<std::string, std::string> out;
    int rc;
    while ((rc = sqlite3_step(s->get())) == SQLITE_ROW) {
        out.emplace(column_text(s->get(), 0), column_text(s->get(), 1));
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(d.db.get(), "reading records");
    }
    return out;
}

}  // namespace noctua::store
