#pragma once
// Versioned schema migrations, one list per SQL dialect, generated at build
// time from src/store/migrations/<dialect>/NNNN_<name>.sql.

#include <span>
#include <string_view>

namespace chat::store::detail {

struct migration {
    int version;            // 1, 2, ... without holes
    std::string_view name;  // file name without number and extension
    std::string_view sql;   // one or more statements separated by ';'
};

/// Ascending by version.
std::span<const migration> sqlite_migrations();
std::span<const migration> mariadb_migrations();
std::span<const migration> postgresql_migrations();

}  // namespace chat::store::detail
