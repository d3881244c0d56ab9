#include "store/detail/server.hpp"

#include "store/detail/sql_store.hpp"

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <stdexcept>
#include <string>

namespace chat::store::detail {

// --- MariaDB ------------------------------------------------------------------

error_kind classify_mariadb_error(unsigned code) {
    switch (code) {
        case 1062:  // ER_DUP_ENTRY
        case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
            return error_kind::conflict;
        case 1213:  // ER_LOCK_DEADLOCK: InnoDB rolled the transaction back
            return error_kind::retry;
        case 1205:  // ER_LOCK_WAIT_TIMEOUT
        case 1969:  // ER_STATEMENT_TIMEOUT
        case 1040:  // ER_CON_COUNT_ERROR: too many connections
        case 1203:  // ER_TOO_MANY_USER_CONNECTIONS
        case 1226:  // ER_USER_LIMIT_REACHED
        case 1041:  // ER_OUT_OF_RESOURCES
        case 1021:  // ER_DISK_FULL
        case 1114:  // ER_RECORD_FILE_FULL
        case 1290:  // ER_OPTION_PREVENTS_STATEMENT (--read-only)
        case 1836:  // ER_READ_ONLY_MODE
        case 1045:  // ER_ACCESS_DENIED_ERROR: when reconnecting
        case 1044:  // ER_DBACCESS_DENIED_ERROR: likewise
        case 1049:  // ER_BAD_DB_ERROR: likewise
            return error_kind::unavailable;
        case 1053:  // ER_SERVER_SHUTDOWN
        case 1927:  // ER_CONNECTION_KILLED
        case 2002:  // CR_CONNECTION_ERROR
        case 2003:  // CR_CONN_HOST_ERROR
        case 2006:  // CR_SERVER_GONE_ERROR
        case 2013:  // CR_SERVER_LOST
        case 2055:  // CR_SERVER_LOST_EXTENDED
            return error_kind::connection;
        default:
            return error_kind::other;
    }
}

namespace {

error_kind classify_mariadb(const soci::soci_error& e) {
    if (const auto* me = dynamic_cast<const soci::mysql_soci_error*>(&e)) {
        return classify_mariadb_error(me->err_num_);
    }
    if (e.get_error_category() == soci::soci_error::connection_error) {
        return error_kind::connection;
    }
    return error_kind::other;
}

void configure_mariadb(soci::session& sql) {
    // READ COMMITTED, as PostgreSQL: each statement sees what committed
    // before it, and InnoDB takes no gap locks, which would deadlock
    // concurrent inserts of participants and messages. Statements that need
    // more take row locks explicitly (dialect::for_update, for_share).
    sql << "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
    // Strict: a value that does not fit fails instead of being truncated,
    // whatever the server's default. The lock wait as SQLite's busy timeout.
    sql << "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
           "NO_ENGINE_SUBSTITUTION',"
           " innodb_lock_wait_timeout = " +
               std::to_string(server_lock_timeout_s);
}

void lock_mariadb_migrations(soci::session& sql) {
    // A named lock for the database (names are server-wide and at most 64
    // characters); held by the session until released or disconnected.
    int got = 0;
    soci::indicator ind = soci::i_ok;
    sql << "SELECT GET_LOCK(CONCAT('simple_chat_migrate:', MD5(DATABASE())), 60)",
        soci::into(got, ind);
    if (ind == soci::i_null || got != 1) {
        throw unavailable("store: another process kept migrating the database for 60 s");
    }
}

void unlock_mariadb_migrations(soci::session& sql) {
    int released = 0;
    soci::indicator ind = soci::i_ok;
    sql << "SELECT RELEASE_LOCK(CONCAT('simple_chat_migrate:', MD5(DATABASE())))",
        soci::into(released, ind);
}

const dialect mariadb_dialect{
    .name = "mariadb",
    .begin_write = "START TRANSACTION",
    .for_update = " FOR UPDATE",
    .for_share = " LOCK IN SHARE MODE",
    .migrations = mariadb_migrations(),
    .classify = &classify_mariadb,
    .configure = &configure_mariadb,
    .reconnects = true,
    .lock_migrations = &lock_mariadb_migrations,
    .unlock_migrations = &unlock_mariadb_migrations,
};

// --- PostgreSQL ---------------------------------------------------------------

error_kind classify_postgresql(const soci::soci_error& e) {
    if (const auto* pe = dynamic_cast<const soci::postgresql_soci_error*>(&e)) {
        return classify_postgresql_error(pe->sqlstate());
    }
    if (e.get_error_category() == soci::soci_error::connection_error) {
        return error_kind::connection;
    }
    return error_kind::other;
}

void configure_postgresql(soci::session& sql) {
    // One round trip. READ COMMITTED whatever the server's default: the
    // statements rely on it (an UPDATE re-checks its WHERE on the row
    // version it waited for). The lock wait as SQLite's busy timeout. No
    // notices: libpq would print them to stderr ("relation already exists"
    // from every migrate()).
    sql << "SELECT set_config('default_transaction_isolation', 'read committed', false),"
           " set_config('lock_timeout', '" +
               std::to_string(server_lock_timeout_s * 1000) +
               "', false),"
               " set_config('client_min_messages', 'warning', false)";
}

// Any fixed number: advisory locks are per database.
constexpr std::string_view postgresql_migration_lock_key = "7310593858";

void lock_postgresql_migrations(soci::session& sql) {
    // Waits up to lock_timeout; a migration is far quicker.
    sql << "SELECT pg_advisory_lock(" + std::string(postgresql_migration_lock_key) + ")";
}

void unlock_postgresql_migrations(soci::session& sql) {
    sql << "SELECT pg_advisory_unlock(" + std::string(postgresql_migration_lock_key) + ")";
}

const dialect postgresql_dialect{
    .name = "postgresql",
    .begin_write = "BEGIN",
    .for_update = " FOR UPDATE",
    .for_share = " FOR SHARE",
    .migrations = postgresql_migrations(),
    .classify = &classify_postgresql,
    .configure = &configure_postgresql,
    .reconnects = true,
    .lock_migrations = &lock_postgresql_migrations,
    .unlock_migrations = &unlock_postgresql_migrations,
};

// --- both ---------------------------------------------------------------------

std::unique_ptr<store> open_server(const soci::backend_factory& factory,
                                   const std::string& connect_string, const server_url& url,
                                   std::size_t pool_size, const dialect& d) {
    if (pool_size == 0) throw std::invalid_argument("store: pool size must be at least 1");
    auto pool = std::make_unique<soci::connection_pool>(pool_size);
    for (std::size_t i = 0; i < pool_size; ++i) {
        try {
            auto& sql = pool->at(i);
            sql.open(factory, connect_string);
            d.configure(sql);
        } catch (const soci::soci_error& e) {
            // The drivers' messages name host, port and user, never the
            // password; the URL is shown without it.
            throw unavailable("store: cannot connect to " + url.redacted() + ": " +
                              driver_message(e));
        }
    }
    return std::make_unique<sql_store>(std::move(pool), d);
}

}  // namespace

error_kind classify_postgresql_error(std::string_view sqlstate) {
    if (sqlstate == "23505") return error_kind::conflict;  // unique_violation
    // deadlock_detected, serialization_failure: the transaction is aborted.
    if (sqlstate == "40P01" || sqlstate == "40001") return error_kind::retry;
    if (sqlstate.starts_with("08")) return error_kind::connection;  // connection exception
    // admin_shutdown, crash_shutdown, cannot_connect_now: the server closes
    // the connection.
    if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
        return error_kind::connection;
    }
    if (sqlstate == "55P03" ||         // lock_not_available: lock_timeout
        sqlstate == "57014" ||         // query_canceled: statement_timeout
        sqlstate == "25006" ||         // read_only_sql_transaction: a standby
        sqlstate.starts_with("53") ||  // insufficient resources
        sqlstate.starts_with("58") ||  // system error (I/O)
        sqlstate == "28000" ||         // invalid_authorization_specification
        sqlstate == "28P01" ||         // invalid_password: when reconnecting
        sqlstate == "3D000") {         // invalid_catalog_name: likewise
        return error_kind::unavailable;
    }
    return error_kind::other;
}

std::unique_ptr<store> open_mariadb(const server_url& url, std::size_t pool_size) {
    return open_server(soci::mysql, mysql_connect_string(url), url, pool_size, mariadb_dialect);
}

std::unique_ptr<store> open_postgresql(const server_url& url, std::size_t pool_size) {
    return open_server(soci::postgresql, postgresql_connect_string(url), url, pool_size,
                       postgresql_dialect);
}

}  // namespace chat::store::detail
