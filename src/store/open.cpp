#include "core/random.hpp"
#include "store/detail/server.hpp"
#include "store/detail/server_url.hpp"
#include "store/detail/sqlite.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace chat::store {

namespace {

enum class kind { sqlite, mariadb, postgresql, unsupported };

/// What the URL names; for SQLite, `sqlite_path` receives the path.
kind classify(std::string_view url, std::string* sqlite_path = nullptr) {
    for (const std::string_view prefix : {"sqlite://", "sqlite:"}) {
        if (url.starts_with(prefix)) {
            if (sqlite_path) *sqlite_path = url.substr(prefix.size());
            return kind::sqlite;
        }
    }
    // Scheme names are case-insensitive (RFC 3986 §3.1).
    const auto colon = url.find(':');
    std::string scheme(url.substr(0, colon == std::string_view::npos ? 0 : colon));
    for (auto& c : scheme) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (scheme == "mariadb" || scheme == "mysql") return kind::mariadb;
    if (scheme == "postgresql" || scheme == "postgres") return kind::postgresql;
    return kind::unsupported;
}

constexpr std::uint16_t mariadb_port = 3306;
constexpr std::uint16_t postgresql_port = 5432;

}  // namespace

std::unique_ptr<store> open(const std::string& database_url, std::size_t pool_size) {
    // The store generates ids; make sure the generator is ready whoever
    // opens it (idempotent).
    core::init_crypto();
    std::string path;
    switch (classify(database_url, &path)) {
        case kind::sqlite:
            return detail::open_sqlite(path, pool_size);
        case kind::mariadb:
            return detail::open_mariadb(detail::parse_server_url(database_url, mariadb_port),
                                        pool_size);
        case kind::postgresql:
            return detail::open_postgresql(detail::parse_server_url(database_url, postgresql_port),
                                           pool_size);
        case kind::unsupported:
            break;
    }
    throw std::invalid_argument(
        "store: unsupported database URL (expected sqlite:<path>, "
        "mariadb://user:password@host:port/database or "
        "postgresql://user:password@host:port/database)");
}

std::string loggable_url(const std::string& database_url) {
    try {
        switch (classify(database_url)) {
            case kind::sqlite:
                return database_url;
            case kind::mariadb:
                return detail::parse_server_url(database_url, mariadb_port).redacted();
            case kind::postgresql:
                return detail::parse_server_url(database_url, postgresql_port).redacted();
            case kind::unsupported:
                break;
        }
    } catch (const std::invalid_argument&) {
        // Malformed: nothing of it is safe to show.
    }
    return "(unsupported database URL)";
}

}  // namespace chat::store
