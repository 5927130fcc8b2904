#include "sqlite.hpp"

namespace noctua::store::detail {

std::unexpected<core::Error> sqlite_error(sqlite3* db, std::string_view what) {
    return core::fail(core::Errc::io, std::string(what) + ": " + sqlite3_errmsg(db));
}

core::Result<DbHandle> open_database(const std::string& path,
                                     std::initializer_list<const char*> pragmas) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbHandle db(raw);  // also on failure: the handle must be closed
    if (rc != SQLITE_OK) {
        return core::fail(core::Errc::io, "cannot open " + path + ": " +
                                              (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(raw, 5000);
    for (const char* pragma : pragmas) {
        if (auto r = exec(raw, pragma); !r) {
            return core::fail(core::Errc::io, path + ": " + r.error().message);
        }
    }
    return db;
}

core::Result<void> exec(sqlite3* db, const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string text = msg ? msg : "unknown error";
        sqlite3_free(msg);
        return core::fail(core::Errc::io, text);
    }
    return {};
}

core::Result<StmtHandle> prepare(sqlite3* db, const char* sql, unsigned flags) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, flags, &s, nullptr) != SQLITE_OK) {
        sqlite3_finalize(s);
        return sqlite_error(db, "prepare");
    }
    return StmtHandle(s);
}

core::Result<void> check_schema_version(std::string_view what, int version, int ours) {
    if (version <= ours) return {};
    return core::fail(core::Errc::invalid_argument,
                      std::string(what) + " schema version " + std::to_string(version) +
                          " is newer than this build's (" + std::to_string(ours) + ")");
}

std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
    const int n = sqlite3_column_bytes(s, i);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace noctua::store::detail
