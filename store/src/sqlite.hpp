#pragma once

#include <expected>
#include <initializer_list>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "noctua/core/result.hpp"
#include "noctua/core/unique_handle.hpp"

// What the store's SQLite files share: owners of connections and statements, opening a file,
// running SQL. Not thread-safe: callers hold their connection's lock.
namespace noctua::store::detail {

using DbHandle = core::UniqueHandle<sqlite3, sqlite3_close_v2>;
using StmtHandle = core::UniqueHandle<sqlite3_stmt, sqlite3_finalize>;

/// An io error "`what`: <the connection's last error message>".
[[nodiscard]] std::unexpected<core::Error> sqlite_error(sqlite3* db, std::string_view what);

/// Opens the database at `path` (created when missing) for use by one thread at a time, with a
/// 5 s busy timeout, and runs `pragmas` on it. The errors name `path`.
[[nodiscard]] core::Result<DbHandle> open_database(const std::string& path,
                                                   std::initializer_list<const char*> pragmas);

/// Runs `sql` (one or more statements); an io error carries SQLite's message.
[[nodiscard]] core::Result<void> exec(sqlite3* db, const char* sql);

/// Compiles `sql`; `flags` as sqlite3_prepare_v3's (SQLITE_PREPARE_PERSISTENT for a statement
/// kept for the connection's life). An io error "prepare: …".
[[nodiscard]] core::Result<StmtHandle> prepare(sqlite3* db, const char* sql, unsigned flags = 0);

/// An error (invalid_argument) when `version`, the schema version of `what` found in a file,
/// is newer than this build's `ours`: a newer build wrote the file and this one cannot read it.
[[nodiscard]] core::Result<void> check_schema_version(std::string_view what, int version, int ours);

/// Column `i` of the current row as bytes; "" when NULL.
[[nodiscard]] std::string column_text(sqlite3_stmt* s, int i);

}  // namespace noctua::store::detail
