#include "store/detail/server_url.hpp"
#include "store/detail/server.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace chat::store::detail {
namespace {

TEST(ServerUrl, ParsesAndDecodes) {
    const auto u =
        parse_server_url("MariaDB://ch%40t:p%20w%27%22%5C%3A%2F@db.example:3307/my%20db", 3306);
    EXPECT_EQ(u.scheme, "mariadb");
    EXPECT_EQ(u.user, "ch@t");
    EXPECT_EQ(u.password, "p w'\"\\:/");
    EXPECT_EQ(u.host, "db.example");
    EXPECT_EQ(u.port, 3307);
    EXPECT_EQ(u.database, "my db");

    const auto v = parse_server_url("postgresql://chat@[::1]/chat", 5432);
    EXPECT_EQ(v.user, "chat");
    EXPECT_EQ(v.password, "");
    EXPECT_EQ(v.host, "::1");
    EXPECT_EQ(v.port, 5432);
    EXPECT_EQ(v.database, "chat");
}

TEST(ServerUrl, RedactedLeavesOutThePassword) {
    const auto u = parse_server_url("postgres://chat:s%40cret@127.0.0.1:5433/chat", 5432);
    EXPECT_EQ(u.redacted(), "postgres://chat@127.0.0.1:5433/chat");
    EXPECT_EQ(parse_server_url("mysql://a%20b:x@[::1]/d", 3306).redacted(),
              "mysql://a%20b@[::1]:3306/d");
}

TEST(ServerUrl, RejectsWithoutQuotingThePassword) {
    for (const char* url :
         {"mariadb://u:secret@h:70000/db", "mariadb://u:secret@h/", "mariadb://u:secret@h",
          "mariadb://:secret@h/db", "mariadb://u:secret@h/db?x=1", "mariadb:u:secret@h/db",
          "mariadb://u:secret@h/d%00b", "mariadb://u:secret@v1.x]/db"}) {
        try {
            parse_server_url(url, 3306);
            ADD_FAILURE() << "accepted " << url;
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
        }
    }
}

TEST(ServerUrl, MysqlConnectStringQuotesEveryValue) {
    server_url u;
    u.user = "ch'at";
    u.password = R"(p w'\x")";
    u.host = "127.0.0.1";
    u.port = 3306;
    u.database = "db";
    EXPECT_EQ(mysql_connect_string(u),
              R"(db='db' user='ch\'at' password='p w\'\\x"' host='127.0.0.1' port=3306)"
              " charset=utf8mb4 connect_timeout=5 read_timeout=30 write_timeout=30");
    u.password.clear();
    EXPECT_EQ(mysql_connect_string(u).find("password"), std::string::npos);
}

TEST(ServerUrl, PostgresqlConnectStringIsAnEncodedUri) {
    server_url u;
    u.user = "chat";
    u.password = R"(p w'"\=&?/@:%)";
    u.host = "::1";
    u.port = 5432;
    u.database = "my db";
    const auto s = postgresql_connect_string(u);
    EXPECT_EQ(s.substr(0, s.find('?')),
              "postgresql://chat:p%20w%27%22%5C%3D%26%3F%2F%40%3A%25@[::1]:5432/my%20db");
    // No whitespace for SOCI to split at, and a '=' for it to keep the rest.
    EXPECT_EQ(s.find_first_of(" \t\n"), std::string::npos);
    EXPECT_NE(s.find("?client_encoding=UTF8&"), std::string::npos);
}

TEST(ServerErrors, MariadbCodes) {
    EXPECT_EQ(classify_mariadb_error(1062), error_kind::conflict);
    EXPECT_EQ(classify_mariadb_error(1213), error_kind::retry);
    EXPECT_EQ(classify_mariadb_error(1205), error_kind::unavailable);
    EXPECT_EQ(classify_mariadb_error(2006), error_kind::connection);
    EXPECT_EQ(classify_mariadb_error(2013), error_kind::connection);
    EXPECT_EQ(classify_mariadb_error(1927), error_kind::connection);
    EXPECT_EQ(classify_mariadb_error(1064), error_kind::other);  // syntax: a bug
    EXPECT_EQ(classify_mariadb_error(1452), error_kind::other);  // foreign key: a bug
}

TEST(ServerErrors, PostgresqlStates) {
    EXPECT_EQ(classify_postgresql_error("23505"), error_kind::conflict);
    EXPECT_EQ(classify_postgresql_error("40P01"), error_kind::retry);
    EXPECT_EQ(classify_postgresql_error("40001"), error_kind::retry);
    EXPECT_EQ(classify_postgresql_error("55P03"), error_kind::unavailable);
    EXPECT_EQ(classify_postgresql_error("53300"), error_kind::unavailable);
    EXPECT_EQ(classify_postgresql_error("08006"), error_kind::connection);
    EXPECT_EQ(classify_postgresql_error("57P01"), error_kind::connection);
    EXPECT_EQ(classify_postgresql_error("23503"), error_kind::other);  // foreign key: a bug
    EXPECT_EQ(classify_postgresql_error("42601"), error_kind::other);  // syntax: a bug
}

}  // namespace
}  // namespace chat::store::detail
