#pragma once
// What differs between SQL databases behind the one SOCI implementation.
// Everything else (the statements in sql_store.cpp) is written in the SQL
// that SQLite, PostgreSQL and MariaDB share.

#include "store/detail/migrations.hpp"

#include <span>
#include <string>
#include <string_view>

namespace soci {
class session;
class soci_error;
}  // namespace soci

namespace chat::store::detail {

enum class error_kind {
    conflict,     // uniqueness violation
    unavailable,  // locked past the timeout, server shutting down, out of resources
    /// Deadlock or serialization failure: the database rolled the whole
    /// transaction back, so running the call again is safe.
    retry,
    /// The connection is unusable; the session must reconnect.
    connection,
    other,  // a bug
};

struct dialect {
    std::string_view name;
    /// Opens a transaction that holds the write lock from the start, so that
    /// two writers never both read and then deadlock upgrading their locks.
    std::string_view begin_write;
    /// Appended to a SELECT inside a write transaction whose rows must not
    /// change (`for_update`: nor be read this way by another writer) until
    /// commit. Empty where begin_write already serialises all writers.
    std::string_view for_update;
    std::string_view for_share;
    std::span<const migration> migrations;
    /// Classifies a driver error.
    error_kind (*classify)(const soci::soci_error& e);
    /// Session settings, run after every (re)connect.
    void (*configure)(soci::session& sql);
    /// Whether a broken session is reconnected (servers), or never breaks
    /// (an embedded file).
    bool reconnects;
    /// Hold and release a lock that keeps other processes from migrating at
    /// the same time; null where begin_write already serialises migrations.
    void (*lock_migrations)(soci::session& sql);
    void (*unlock_migrations)(soci::session& sql);
    /// Embedded SQLite: writers of this process queue on a mutex instead of
    /// sleeping in SQLite's busy handler (whose 1…100 ms naps made the post
    /// p99), and every `checkpoint_every` commits the writer holding it runs
    /// `checkpoint`, so that under a steady stream of readers the WAL is
    /// still reset instead of growing without bound (checkpoint starvation).
    bool serialize_writers = false;
    std::string_view checkpoint = {};
    unsigned checkpoint_every = 0;
};

/// A driver error's message on one line (libpq ends its messages with a
/// newline and may hold several), without the bound values SOCI adds to
/// what(): they may be password or token hashes.
std::string driver_message(const soci::soci_error& e);

}  // namespace chat::store::detail
