#include "store/detail/sql_script.hpp"
#include "store/detail/migrations.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace chat::store::detail {
namespace {

using statements = std::vector<std::string>;

TEST(SqlScript, SplitsAtTopLevelSemicolons) {
    EXPECT_EQ(split_sql_script("CREATE TABLE a (x INT);\n\nCREATE INDEX i ON a (x);\n"),
              (statements{"CREATE TABLE a (x INT)", "CREATE INDEX i ON a (x)"}));
    EXPECT_EQ(split_sql_script("SELECT 1"), (statements{"SELECT 1"}));
    EXPECT_TRUE(split_sql_script("").empty());
    EXPECT_TRUE(split_sql_script(" ;\n; ").empty());
}

TEST(SqlScript, IgnoresSemicolonsInLiteralsAndComments) {
    EXPECT_EQ(split_sql_script("INSERT INTO t VALUES ('a;b', 'it''s;');SELECT \"x;y\" FROM t"),
              (statements{"INSERT INTO t VALUES ('a;b', 'it''s;')", "SELECT \"x;y\" FROM t"}));
    EXPECT_EQ(split_sql_script("-- one; two\nSELECT 1; /* a; b */ SELECT 2;"),
              (statements{"-- one; two\nSELECT 1", "/* a; b */ SELECT 2"}));
}

TEST(SqlScript, DropsCommentOnlyChunks) {
    EXPECT_EQ(split_sql_script("SELECT 1;\n-- trailing comment\n"), (statements{"SELECT 1"}));
    EXPECT_EQ(split_sql_script("SELECT 1; /* done */"), (statements{"SELECT 1"}));
}

TEST(Migrations, EmbeddedInOrder) {
    for (const auto& list : {sqlite_migrations(), mariadb_migrations(), postgresql_migrations()}) {
        ASSERT_FALSE(list.empty());
        for (std::size_t i = 0; i < list.size(); ++i) {
            EXPECT_EQ(list[i].version, static_cast<int>(i + 1));
            EXPECT_FALSE(list[i].name.empty());
            EXPECT_FALSE(split_sql_script(list[i].sql).empty());
        }
        EXPECT_EQ(list[0].name, "init");
    }
}

TEST(Migrations, DialectsStayInStep) {
    // Each schema version means the same tables everywhere.
    const auto sqlite = sqlite_migrations();
    for (const auto& list : {mariadb_migrations(), postgresql_migrations()}) {
        ASSERT_EQ(list.size(), sqlite.size());
        for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(list[i].name, sqlite[i].name);
    }
}

TEST(Migrations, ServerStatementsSurviveSociParameterParsing) {
    // SOCI's MySQL and PostgreSQL back ends scan statements for :name
    // parameters and quotes, comments included; a colon there cut a
    // statement short, and a stray apostrophe would hide what follows.
    for (const auto& list : {mariadb_migrations(), postgresql_migrations()}) {
        for (const auto& m : list) {
            for (const auto& statement : split_sql_script(m.sql)) {
                EXPECT_EQ(statement.find(':'), std::string::npos) << m.name << ": " << statement;
                EXPECT_EQ(std::count(statement.begin(), statement.end(), '\'') % 2, 0)
                    << m.name << ": " << statement;
            }
        }
    }
}

}  // namespace
}  // namespace chat::store::detail
