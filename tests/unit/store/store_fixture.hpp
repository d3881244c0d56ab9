#pragma once
// The store tests' fixture: a migrated store on an empty database of each
// backend (SQLite, MariaDB, PostgreSQL), shared by the test files of
// tests/unit/store. Everything is in an anonymous namespace: each test file
// (translation unit) gets its own copy, and its own server databases.

#include "core/random.hpp"
#include "store/detail/migrations.hpp"
#include "store/detail/server_url.hpp"
#include "store/store.hpp"

#include <gtest/gtest.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

namespace chat::store {
namespace {

namespace fs = std::filesystem;

// --- backends -----------------------------------------------------------------------
// StoreTest and MessagesTest run on SQLite, MariaDB and PostgreSQL alike. The
// servers are named by SIMPLE_CHAT_TEST_MARIADB_URL and
// SIMPLE_CHAT_TEST_POSTGRES_URL (`scripts/db-servers start <dir>` writes both
// to <dir>/env). Without one, its tests are skipped, or fail where the
// servers are required (CI, or SIMPLE_CHAT_TEST_REQUIRE_DB_SERVERS=1), so
// that they never pass unrun.

enum class backend { sqlite, mariadb, postgresql };

std::string backend_name(backend b) {
    switch (b) {
        case backend::sqlite:
            return "sqlite";
        case backend::mariadb:
            return "mariadb";
        case backend::postgresql:
            return "postgresql";
    }
    return "unknown";
}

std::string param_name(const ::testing::TestParamInfo<backend>& info) {
    return backend_name(info.param);
}

const char* url_variable(backend b) {
    return b == backend::mariadb ? "SIMPLE_CHAT_TEST_MARIADB_URL" : "SIMPLE_CHAT_TEST_POSTGRES_URL";
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

/// The schema version the store migrates to (every dialect has the same).
int latest_schema_version() {
    return detail::sqlite_migrations().back().version;
}

bool servers_required() {
    return !env("CI").empty() || env("SIMPLE_CHAT_TEST_REQUIRE_DB_SERVERS") == "1";
}

/// This process's databases on one test server. ctest runs tests in
/// parallel processes against the same server, so each process works in
/// databases of its own, created next to the URL's database (its user may
/// create databases) and dropped after the last test.
class server_databases {
public:
    server_databases(backend b, const std::string& admin_url) : backend_(b), admin_url_(admin_url) {
        core::init_crypto();
        admin_ = detail::parse_server_url(admin_url, b == backend::mariadb ? 3306 : 5432);
        admin_session_ = connect(admin_.database);
        name_ = "chat_test_" + std::to_string(::getpid()) + "_" + core::uuid_v4().substr(0, 8);
        create(name_);
        raw_ = connect(name_);
    }
    ~server_databases() {
        raw_.reset();
        for (const auto& name : created_) {
            try {
                *admin_session_ << (backend_ == backend::mariadb
                                        ? "DROP DATABASE IF EXISTS `" + name + "`"
                                        : "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
            } catch (const std::exception& e) {
                std::fprintf(stderr, "store_test: cannot drop database %s: %s\n", name.c_str(),
                             e.what());
            }
        }
    }
    server_databases(const server_databases&) = delete;
    server_databases& operator=(const server_databases&) = delete;

    /// The URL of the process's database.
    std::string url() const { return url_of(name_); }
    /// The admin URL with the database swapped.
    std::string url_of(const std::string& database) const {
        return admin_url_.substr(0, admin_url_.rfind('/') + 1) + database;
    }

    /// A new session on the process's database, for what the store API
    /// cannot do.
    std::unique_ptr<soci::session> connect() const { return connect(name_); }
    std::unique_ptr<soci::session> connect(const std::string& database) const {
        auto u = admin_;
        u.database = database;
        if (backend_ == backend::mariadb) {
            return std::make_unique<soci::session>(soci::mysql, detail::mysql_connect_string(u));
        }
        return std::make_unique<soci::session>(soci::postgresql,
                                               detail::postgresql_connect_string(u));
    }

    /// Creates an empty database `<process database>_<suffix>`; returns its URL.
    std::string create_extra(const std::string& suffix) {
        const std::string name = name_ + "_" + suffix;
        create(name);
        return url_of(name);
    }

    /// Every row gone, the schema kept: a clean start for a test. Every
    /// table but schema_version, whatever later migrations add.
    void clear() {
        std::vector<std::string> tables;
        const soci::rowset<std::string> names =
            raw_->prepare << (backend_ == backend::mariadb
                                  ? "SELECT table_name FROM information_schema.tables"
                                    " WHERE table_schema = DATABASE()"
                                    " AND table_name <> 'schema_version'"
                                  : "SELECT tablename FROM pg_tables"
                                    " WHERE schemaname = current_schema()"
                                    " AND tablename <> 'schema_version'");
        for (const auto& name : names) tables.push_back(name);
        if (tables.empty()) return;
        if (backend_ == backend::mariadb) {
            // Foreign keys would dictate an order; this session only clears.
            *raw_ << "SET FOREIGN_KEY_CHECKS = 0";
            for (const auto& t : tables) *raw_ << "DELETE FROM `" + t + "`";
            *raw_ << "SET FOREIGN_KEY_CHECKS = 1";
        } else {
            // One TRUNCATE of every table at once satisfies the foreign keys.
            std::string list;
            for (const auto& t : tables) list += (list.empty() ? "\"" : ", \"") + t + "\"";
            *raw_ << "TRUNCATE " + list;
        }
    }

    /// Waits until another session's statement is stuck, most likely on a
    /// row lock; false after 10 s. (MariaDB 10.11 leaves such waits out of
    /// information_schema.innodb_trx, so its process list has to do.)
    bool wait_for_lock_waiter() {
        for (int i = 0; i < 1000; ++i) {
            long long waiting = 0;
            *raw_ << (backend_ == backend::mariadb
                          ? "SELECT COUNT(*) FROM information_schema.processlist"
                            " WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                            " AND command = 'Query' AND time_ms > 100"
                          : "SELECT COUNT(*) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND wait_event_type = 'Lock'"),
                soci::into(waiting);
            if (waiting > 0) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

    /// Ends every connection to the process's database but this object's
    /// own, as a server restart or an idle timeout would.
    void kill_other_connections() {
        if (backend_ == backend::mariadb) {
            std::vector<long long> ids(1000);
            *raw_ << "SELECT id FROM information_schema.processlist"
                     " WHERE db = DATABASE() AND id <> CONNECTION_ID()",
                soci::into(ids);
            for (const auto id : ids) {
                try {
                    *raw_ << "KILL CONNECTION " + std::to_string(id);
                } catch (const soci::mysql_soci_error& e) {
                    // Closed since it was listed: a store of an earlier test.
                    if (e.err_num_ != 1094) throw;  // ER_NO_SUCH_THREAD
                }
            }
        } else {
            long long n = 0;
            *raw_ << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     " WHERE datname = current_database() AND pid <> pg_backend_pid()",
                soci::into(n);
        }
    }

private:
    void create(const std::string& name) {
        *admin_session_ << (backend_ == backend::mariadb
                                ? "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4"
                                : "CREATE DATABASE \"" + name + "\"");
        created_.push_back(name);
    }

    backend backend_;
    std::string admin_url_;
    detail::server_url admin_;
    std::unique_ptr<soci::session> admin_session_;
    std::string name_;
    std::unique_ptr<soci::session> raw_;
    std::vector<std::string> created_;
};

std::map<backend, std::unique_ptr<server_databases>>& server_registry() {
    static std::map<backend, std::unique_ptr<server_databases>> r;
    return r;
}

/// Drops the servers' databases after the last test.
class drop_server_databases : public ::testing::Environment {
public:
    void TearDown() override { server_registry().clear(); }
};
[[maybe_unused]] ::testing::Environment* const drop_server_databases_env =
    ::testing::AddGlobalTestEnvironment(new drop_server_databases);

/// A migrated store on an empty database, per test.
class StoreFixture : public ::testing::Test {
protected:
    /// Skips (or fails) the test when the backend's server is not configured.
    void start(backend b) {
        backend_ = b;
        if (b == backend::sqlite) {
            std::string pattern = (fs::temp_directory_path() / "store_test_XXXXXX").string();
            ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
            dir_ = pattern;
            url_ = "sqlite:" + (dir_ / "chat.db").string();
            db_ = open(url_, 4);
            ASSERT_EQ(db_->migrate(), latest_schema_version());
            return;
        }
        const std::string admin_url = env(url_variable(b));
        if (admin_url.empty()) {
            if (servers_required()) {
                FAIL() << url_variable(b) << " is not set, and database servers are required "
                       << "here (CI, or SIMPLE_CHAT_TEST_REQUIRE_DB_SERVERS=1)";
            }
            GTEST_SKIP() << url_variable(b) << " is not set; for the " << backend_name(b)
                         << " tests: scripts/db-servers start /tmp/dbs && . /tmp/dbs/env"
                         << " (then scripts/db-servers stop /tmp/dbs)";
        }
        auto& server = server_registry()[b];
        if (!server) server = std::make_unique<server_databases>(b, admin_url);
        server_ = server.get();
        url_ = server_->url();
        db_ = open(url_, 4);
        ASSERT_EQ(db_->migrate(), latest_schema_version());
        server_->clear();
    }
    void TearDown() override {
        db_.reset();
        if (!dir_.empty()) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }

    /// The URL of another, empty database of the same backend.
    std::string fresh_url() {
        static int counter = 0;  // unique also across --gtest_repeat
        const std::string name = "extra" + std::to_string(++counter);
        if (backend_ == backend::sqlite) return "sqlite:" + (dir_ / (name + ".db")).string();
        return server_->create_extra(name);
    }

    user make_user(const std::string& name) {
        return db_->create_user(name + "@example.com", name, "hash-" + name);
    }
    refresh_token make_token(const std::string& user_id, const std::string& family,
                             const std::string& hash) {
        refresh_token t;
        t.id = "00000000-0000-4000-8000-" + hash.substr(0, 12);
        t.family_id = family;
        t.user_id = user_id;
        t.token_hash = hash;
        t.created_at = 1000;
        t.expires_at = 2000;
        return t;
    }

    /// Runs `f(i)` for i in [0, n) on as many threads at once; returns how
    /// many returned (did not throw).
    template <class F>
    static int concurrently(int n, F f) {
        std::atomic<int> ok{0};
        std::atomic<int> ready{0};
        {
            std::vector<std::jthread> workers;
            for (int i = 0; i < n; ++i) {
                workers.emplace_back([&, i] {
                    // Start together, to make the races likely.
                    ++ready;
                    while (ready.load() < n) std::this_thread::yield();
                    try {
                        f(i);
                        ++ok;
                    } catch (const std::exception&) {
                        // Counted by the caller where expected.
                    }
                });
            }
        }
        return ok.load();
    }

    backend backend_ = backend::sqlite;
    fs::path dir_;                        // SQLite only
    server_databases* server_ = nullptr;  // servers only
    std::string url_;
    std::unique_ptr<store> db_;
};

class StoreTest : public StoreFixture, public ::testing::WithParamInterface<backend> {
protected:
    void SetUp() override { start(GetParam()); }
};

/// What only the servers do: lock rows, lose connections.
class ServerStoreTest : public StoreTest {};

class SqliteStoreTest : public StoreFixture {
protected:
    void SetUp() override { start(backend::sqlite); }
};

}  // namespace
}  // namespace chat::store
