#include "store/detail/sqlite.hpp"

#include "store/detail/dialect.hpp"
#include "store/detail/sql_store.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace chat::store::detail {
namespace {

error_kind classify_sqlite(const soci::soci_error& e) {
    const std::string text = e.get_error_message();
    if (const auto* se = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
        // Primary result code: the extended codes share the low byte.
        switch (se->result() & 0xff) {
            case SQLITE_CONSTRAINT:
                // Foreign key, NOT NULL and CHECK failures are bugs, not conflicts.
                if (text.find("UNIQUE constraint failed") != std::string::npos ||
                    text.find("PRIMARY KEY") != std::string::npos) {
                    return error_kind::conflict;
                }
                return error_kind::other;
            case SQLITE_BUSY:
            case SQLITE_LOCKED:
            case SQLITE_CANTOPEN:
            case SQLITE_IOERR:
            case SQLITE_FULL:
            case SQLITE_NOTADB:
            case SQLITE_READONLY:
                return error_kind::unavailable;
            default:
                break;
        }
    }
    if (e.get_error_category() == soci::soci_error::connection_error ||
        text.find("database is locked") != std::string::npos) {
        return error_kind::unavailable;
    }
    return error_kind::other;
}

void configure(soci::session& sql) {
    // busy_timeout first: switching to WAL may itself wait for a lock.
    sql << "PRAGMA busy_timeout = " + std::to_string(sqlite_busy_timeout_ms);
    sql << "PRAGMA foreign_keys = ON";
    std::string mode;
    // Switching a new database to WAL can fail at once with "database is
    // locked" while another connection switches it (the busy handler is not
    // always consulted for it): retry for as long as the busy timeout.
    for (int waited_ms = 0;; waited_ms += 10) {
        try {
            sql << "PRAGMA journal_mode = WAL", soci::into(mode);
            break;
        } catch (const soci::soci_error& e) {
            if (classify_sqlite(e) != error_kind::unavailable ||
                waited_ms >= sqlite_busy_timeout_ms) {
                throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    if (mode != "wal") {
        // Readers would block writers and the pool would mostly wait.
        throw unavailable("store: cannot enable WAL journal mode (got '" + mode + "')");
    }
    // Durable at checkpoints and safe against corruption in WAL mode; FULL
    // would sync on every commit.
    sql << "PRAGMA synchronous = NORMAL";
    // Once reset, the WAL file is truncated back to this size.
    sql << "PRAGMA journal_size_limit = 67108864";
}

const dialect sqlite_dialect{
    .name = "sqlite",
    // IMMEDIATE takes the write lock at BEGIN (waiting up to the busy
    // timeout); a deferred transaction that reads and then writes could fail
    // at once with SQLITE_BUSY when another writer got in between.
    .begin_write = "BEGIN IMMEDIATE",
    // One writer at a time already: nothing to lock row by row.
    .for_update = "",
    .for_share = "",
    .migrations = sqlite_migrations(),
    .classify = &classify_sqlite,
    .configure = &configure,
    // A file does not go away like a server connection.
    .reconnects = false,
    .lock_migrations = nullptr,
    .unlock_migrations = nullptr,
    .serialize_writers = true,
    // RESTART waits (busy handler) for readers to leave the WAL, so the next
    // writer starts it over from the beginning.
    .checkpoint = "PRAGMA wal_checkpoint(RESTART)",
    .checkpoint_every = 1000,
};

}  // namespace

std::unique_ptr<store> open_sqlite(const std::string& path, std::size_t pool_size) {
    if (path.empty()) throw std::invalid_argument("store: empty SQLite database path");
    if (path == ":memory:") {
        // Every pooled connection would get a database of its own.
        throw std::invalid_argument("store: in-memory SQLite databases are not supported");
    }
    if (path.find('"') != std::string::npos) {
        // SOCI's connection string cannot quote it.
        throw std::invalid_argument("store: SQLite database path contains '\"'");
    }
    if (pool_size == 0) throw std::invalid_argument("store: pool size must be at least 1");

    auto pool = std::make_unique<soci::connection_pool>(pool_size);
    const std::string connect = "db=\"" + path + "\"";
    for (std::size_t i = 0; i < pool_size; ++i) {
        try {
            auto& sql = pool->at(i);
            sql.open(soci::sqlite3, connect);
            configure(sql);
        } catch (const soci::soci_error& e) {
            throw unavailable("store: cannot open SQLite database " + path + ": " +
                              driver_message(e));
        }
    }
    return std::make_unique<sql_store>(std::move(pool), sqlite_dialect);
}

}  // namespace chat::store::detail
