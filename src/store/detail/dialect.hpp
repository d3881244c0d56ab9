#pragma once
// What differs between SQL databases behind the one SOCI implementation.
// Everything else (the statements in sql_store.cpp) is written in the SQL
// that SQLite, PostgreSQL and MariaDB share.

#include "store/detail/migrations.hpp"

#include <span>
#include <string_view>

namespace soci {
class soci_error;
}

namespace chat::store::detail {

enum class error_kind { conflict, unavailable, other };

struct dialect {
    std::string_view name;
    /// Opens a transaction that holds the write lock from the start, so that
    /// two writers never both read and then deadlock upgrading their locks.
    std::string_view begin_write;
    std::span<const migration> migrations;
    /// Classifies a driver error (uniqueness violation, locked or unreachable
    /// database, anything else).
    error_kind (*classify)(const soci::soci_error& e);
};

}  // namespace chat::store::detail
