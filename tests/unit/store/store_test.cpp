#include "store/store.hpp"

#include "core/random.hpp"
#include "store/detail/server_url.hpp"
#include "store_fixture.hpp"

#include <gtest/gtest.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>

namespace chat::store {
namespace {

INSTANTIATE_TEST_SUITE_P(Db, StoreTest,
                         ::testing::Values(backend::sqlite, backend::mariadb, backend::postgresql),
                         param_name);

INSTANTIATE_TEST_SUITE_P(Db, ServerStoreTest,
                         ::testing::Values(backend::mariadb, backend::postgresql), param_name);

// --- schema and opening ---------------------------------------------------------

TEST_P(StoreTest, MigrateIsIdempotent) {
    EXPECT_EQ(db_->migrate(), latest_schema_version());
    db_.reset();
    db_ = open(url_, 2);
    EXPECT_EQ(db_->migrate(), latest_schema_version());
    db_->ping();
}

TEST_P(StoreTest, ConcurrentMigrationsOfAnEmptyDatabase) {
    // Like several API processes starting at once on a new database.
    const std::string url = fresh_url();
    constexpr int processes = 4;
    EXPECT_EQ(concurrently(processes,
                           [&](int) {
                               try {
                                   EXPECT_EQ(open(url, 1)->migrate(), latest_schema_version());
                               } catch (const std::exception& e) {
                                   ADD_FAILURE() << e.what();
                               }
                           }),
              processes);
    auto other = open(url, 1);
    EXPECT_EQ(other->migrate(), latest_schema_version());
    EXPECT_EQ(other->create_user("a@example.com", "a", "h").email, "a@example.com");
}

TEST(StoreOpen, RejectsUnsupportedUrls) {
    EXPECT_THROW(open("sqlite:", 1), std::invalid_argument);
    EXPECT_THROW(open("sqlite::memory:", 1), std::invalid_argument);
    EXPECT_THROW(open("oracle://u:p@localhost/chat", 1), std::invalid_argument);
    EXPECT_THROW(open("localhost/chat", 1), std::invalid_argument);
    EXPECT_THROW(open("", 1), std::invalid_argument);
    EXPECT_THROW(open("mariadb://u:p@127.0.0.1:1/chat", 0), std::invalid_argument);
    for (const std::string url : {
             "mariadb://user:secret@127.0.0.1:1/",             // no database
             "mariadb://user:secret@127.0.0.1:1/a/b",          // not a name
             "postgresql://:secret@127.0.0.1/chat",            // no user
             "postgresql://user:secret@/chat",                 // no host
             "postgresql://user:secret@127.0.0.1:0/chat",      // port
             "postgresql://user:secret@127.0.0.1:99999/chat",  //
             "postgresql://user:secret@127.0.0.1:x/chat",      //
             "mysql://user:secret@127.0.0.1/chat?ssl=1",       // options are not silently ignored
             "postgres://user:secret@127.0.0.1/chat#frag",     //
             "postgres://user:secret@127.0.0.1/ch%00at",       // NUL
             "mariadb://user:sec ret@127.0.0.1/chat",          // not a URI
         }) {
        try {
            open(url, 1);
            ADD_FAILURE() << "accepted " << url;
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
        }
    }
}

TEST(StoreOpen, LoggableUrlHasNoPassword) {
    EXPECT_EQ(loggable_url("postgres://chat:s3cret@db.example/chat"),
              "postgres://chat@db.example:5432/chat");
    EXPECT_EQ(loggable_url("MariaDB://chat:s3cret@127.0.0.1:3307/chat"),
              "mariadb://chat@127.0.0.1:3307/chat");
    EXPECT_EQ(loggable_url("sqlite:/var/lib/chat/chat.db"), "sqlite:/var/lib/chat/chat.db");
    EXPECT_EQ(loggable_url("mariadb://chat:s3cret@127.0.0.1/chat?x"), "(unsupported database URL)");
    EXPECT_EQ(loggable_url("redis://:s3cret@127.0.0.1"), "(unsupported database URL)");
}

TEST(StoreOpen, UnreachableServerIsUnavailableWithoutThePassword) {
    // Port 1 on loopback: refused at once.
    for (const std::string url : {"mariadb://chat:s3cr3t-pw@127.0.0.1:1/chat",
                                  "postgresql://chat:s3cr3t-pw@127.0.0.1:1/chat"}) {
        try {
            open(url, 2);
            ADD_FAILURE() << "connected to " << url;
        } catch (const unavailable& e) {
            const std::string what = e.what();
            EXPECT_EQ(what.find("s3cr3t"), std::string::npos) << what;
            EXPECT_NE(what.find("chat@127.0.0.1:1/chat"), std::string::npos) << what;
        }
    }
}

TEST_F(SqliteStoreTest, OpenInMissingDirectoryIsUnavailable) {
    EXPECT_THROW(open("sqlite:" + (dir_ / "no" / "such" / "chat.db").string(), 1), unavailable);
}

TEST_F(SqliteStoreTest, PathWithSpaces) {
    fs::create_directory(dir_ / "with space");
    auto other = open("sqlite:" + (dir_ / "with space" / "chat.db").string(), 1);
    EXPECT_EQ(other->migrate(), latest_schema_version());
    EXPECT_TRUE(fs::exists(dir_ / "with space" / "chat.db"));
    other = open("sqlite://" + (dir_ / "with space" / "chat.db").string(), 1);
    EXPECT_EQ(other->migrate(), latest_schema_version());
}

// --- users --------------------------------------------------------------------------

TEST_P(StoreTest, CreateAndFindUser) {
    const auto u = db_->create_user("Alice@Example.COM", "Alice", "h");
    EXPECT_EQ(u.email, "alice@example.com");
    EXPECT_FALSE(u.is_admin);
    const auto by_id = db_->find_user(u.id);
    ASSERT_TRUE(by_id);
    EXPECT_EQ(by_id->nickname, "Alice");
    EXPECT_EQ(by_id->password_hash, "h");
    EXPECT_EQ(by_id->created_at, u.created_at);
    const auto by_email = db_->find_user_by_email("ALICE@example.com");
    ASSERT_TRUE(by_email);
    EXPECT_EQ(by_email->id, u.id);
    EXPECT_FALSE(db_->find_user("nobody"));
    EXPECT_FALSE(db_->find_user_by_email("bob@example.com"));
}

TEST_P(StoreTest, DuplicateEmailConflictsCaseInsensitively) {
    db_->create_user("alice@example.com", "a", "h");
    EXPECT_THROW(db_->create_user("ALICE@example.com", "b", "h"), conflict);
}

TEST_P(StoreTest, UpdateUserAndAdmin) {
    const auto u = make_user("alice");
    auto updated = db_->update_user(u.id, std::string("Al"), std::nullopt);
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->nickname, "Al");
    EXPECT_EQ(updated->password_hash, "hash-alice");
    updated = db_->update_user(u.id, std::nullopt, std::string("new"));
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->nickname, "Al");
    EXPECT_EQ(updated->password_hash, "new");
    EXPECT_FALSE(db_->update_user("nobody", std::string("x"), std::nullopt));

    db_->set_admin(u.id, true);
    EXPECT_TRUE(db_->find_user(u.id)->is_admin);
    db_->set_admin(u.id, false);
    EXPECT_FALSE(db_->find_user(u.id)->is_admin);
}

TEST_P(StoreTest, WithdrawFreesEmailRevokesTokensAndLeavesRooms) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto r1 = db_->create_room(alice.id, "one", {bob.id});
    const auto r2 = db_->create_room(bob.id, std::nullopt, {alice.id});
    db_->create_room(bob.id, std::nullopt, {});
    db_->insert_refresh_token(make_token(alice.id, "fam", "aaaaaaaaaaaaaaaa"));

    auto left = db_->withdraw_user(alice.id);
    std::sort(left.begin(), left.end());
    std::vector<std::string> expected{r1.id, r2.id};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(left, expected);

    EXPECT_FALSE(db_->find_user(alice.id));
    EXPECT_FALSE(db_->find_user_by_email("alice@example.com"));
    EXPECT_FALSE(db_->is_participant(r1.id, alice.id));
    EXPECT_FALSE(db_->get_room(r1.id, alice.id));
    EXPECT_TRUE(db_->list_rooms(alice.id, std::nullopt, 10).empty());
    EXPECT_EQ(db_->list_participants(r1.id).size(), 1u);
    const auto token = db_->find_refresh_token("aaaaaaaaaaaaaaaa");
    ASSERT_TRUE(token);
    EXPECT_TRUE(token->revoked_at);

    // The address can sign up again; a second withdrawal is a no-op.
    const auto again = db_->create_user("alice@example.com", "alice2", "h");
    EXPECT_NE(again.id, alice.id);
    EXPECT_TRUE(db_->withdraw_user(alice.id).empty());
    EXPECT_THROW(db_->create_room(bob.id, std::nullopt, {alice.id}), not_found);
}

// --- refresh tokens ---------------------------------------------------------------

TEST_P(StoreTest, RefreshTokenRotatesOnceThenRefuses) {
    const auto u = make_user("alice");
    const auto first = make_token(u.id, "fam", "1111111111111111");
    db_->insert_refresh_token(first);
    EXPECT_THROW(db_->insert_refresh_token(make_token(u.id, "fam2", "1111111111111111")), conflict);

    const auto found = db_->find_refresh_token(first.token_hash);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, first.id);
    EXPECT_EQ(found->family_id, "fam");
    EXPECT_EQ(found->expires_at, 2000);
    EXPECT_FALSE(found->used_at);
    EXPECT_FALSE(found->revoked_at);
    EXPECT_FALSE(db_->find_refresh_token("unknown"));

    const auto second = make_token(u.id, "fam", "2222222222222222");
    EXPECT_TRUE(db_->rotate_refresh_token(first.id, second));
    EXPECT_TRUE(db_->find_refresh_token(first.token_hash)->used_at);
    ASSERT_TRUE(db_->find_refresh_token(second.token_hash));

    // Reuse: refused and nothing written.
    const auto third = make_token(u.id, "fam", "3333333333333333");
    EXPECT_FALSE(db_->rotate_refresh_token(first.id, third));
    EXPECT_FALSE(db_->find_refresh_token(third.token_hash));
}

TEST_P(StoreTest, RevokeFamily) {
    const auto u = make_user("alice");
    db_->insert_refresh_token(make_token(u.id, "fam", "1111111111111111"));
    db_->insert_refresh_token(make_token(u.id, "fam", "2222222222222222"));
    db_->insert_refresh_token(make_token(u.id, "other", "3333333333333333"));
    db_->revoke_refresh_family("fam");
    EXPECT_TRUE(db_->find_refresh_token("1111111111111111")->revoked_at);
    EXPECT_TRUE(db_->find_refresh_token("2222222222222222")->revoked_at);
    EXPECT_FALSE(db_->find_refresh_token("3333333333333333")->revoked_at);
    // A revoked token cannot be rotated.
    const auto first = *db_->find_refresh_token("1111111111111111");
    EXPECT_FALSE(db_->rotate_refresh_token(first.id, make_token(u.id, "fam", "4444444444444444")));
}

// --- rooms and participants --------------------------------------------------------

TEST_P(StoreTest, CreateRoomWithParticipants) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto carol = make_user("carol");
    const auto r = db_->create_room(alice.id, "team", {carol.id, bob.id, carol.id, alice.id});
    EXPECT_EQ(r.name, "team");
    EXPECT_EQ(r.created_by, alice.id);
    EXPECT_EQ(r.last_seq, 0);
    EXPECT_EQ(r.last_activity_at, r.created_at);

    const auto ps = db_->list_participants(r.id);
    ASSERT_EQ(ps.size(), 3u);
    EXPECT_EQ(ps[0].user_id, alice.id);  // the creator first
    EXPECT_EQ(ps[0].nickname, "alice");
    std::set<std::string> others{ps[1].user_id, ps[2].user_id};
    EXPECT_EQ(others, (std::set<std::string>{bob.id, carol.id}));
    EXPECT_TRUE(db_->is_participant(r.id, carol.id));

    const auto view = db_->get_room(r.id, bob.id);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->info.name, "team");
    EXPECT_FALSE(view->last_message);
    EXPECT_EQ(view->unread_count, 0);
    EXPECT_FALSE(db_->get_room(r.id, "nobody"));
    EXPECT_FALSE(db_->get_room("no-room", bob.id));

    db_->rename_room(r.id, std::nullopt);
    EXPECT_FALSE(db_->get_room(r.id, bob.id)->info.name);
    db_->rename_room(r.id, std::string("renamed"));
    EXPECT_EQ(db_->get_room(r.id, bob.id)->info.name, "renamed");
}

TEST_P(StoreTest, CreateRoomWithUnknownParticipantWritesNothing) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    try {
        db_->create_room(alice.id, "x", {bob.id, "ghost-1", "ghost-2"});
        FAIL() << "expected not_found";
    } catch (const not_found& e) {
        EXPECT_NE(std::string(e.what()).find("ghost-1"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(db_->list_rooms(alice.id, std::nullopt, 10).empty());
    EXPECT_TRUE(db_->list_rooms(bob.id, std::nullopt, 10).empty());
    EXPECT_THROW(db_->create_room("ghost", "x", {}), not_found);
}

TEST_P(StoreTest, AddAndRemoveParticipants) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto carol = make_user("carol");
    const auto r = db_->create_room(alice.id, std::nullopt, {bob.id});

    auto added = db_->add_participants(r.id, {bob.id, carol.id, carol.id});
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].user_id, carol.id);
    EXPECT_EQ(added[0].nickname, "carol");
    EXPECT_EQ(added[0].room_id, r.id);
    EXPECT_THROW(db_->add_participants(r.id, {"ghost"}), not_found);
    EXPECT_THROW(db_->add_participants("no-room", {bob.id}), not_found);

    db_->post_message(r.id, bob.id, "hi");
    std::string bob_participant_id;
    for (const auto& p : db_->list_participants(r.id)) {
        if (p.user_id == bob.id) bob_participant_id = p.id;
    }
    EXPECT_TRUE(db_->remove_participant(r.id, bob.id));
    EXPECT_FALSE(db_->remove_participant(r.id, bob.id));
    EXPECT_FALSE(db_->is_participant(r.id, bob.id));
    EXPECT_EQ(db_->list_participants(r.id).size(), 2u);
    EXPECT_THROW(db_->post_message(r.id, bob.id, "gone"), not_found);
    EXPECT_THROW(db_->mark_read(r.id, bob.id, 1), not_found);

    // Re-invite reuses the row (same participant id) and keeps the marker.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a later joined_at
    added = db_->add_participants(r.id, {bob.id});
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].id, bob_participant_id);
    EXPECT_EQ(added[0].last_read_seq, 1);
    EXPECT_TRUE(db_->is_participant(r.id, bob.id));
    const auto ps = db_->list_participants(r.id);
    ASSERT_EQ(ps.size(), 3u);
    EXPECT_EQ(ps.back().user_id, bob.id);  // joined last
    EXPECT_EQ(ps.back().id, added[0].id);
}

TEST_P(StoreTest, ListRoomsOrderAndCursor) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    EXPECT_TRUE(db_->list_rooms(alice.id, std::nullopt, 10).empty());

    std::vector<room> rooms;
    for (int i = 0; i < 5; ++i) rooms.push_back(db_->create_room(alice.id, std::nullopt, {}));
    db_->create_room(bob.id, std::nullopt, {});  // not alice's
    // Activity makes rooms[1] the most recent one (a later millisecond).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    db_->post_message(rooms[1].id, alice.id, "bump");

    auto all = db_->list_rooms(alice.id, std::nullopt, 100);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[0].info.id, rooms[1].id);
    for (std::size_t i = 1; i < all.size(); ++i) {
        const auto& a = all[i - 1].info;
        const auto& b = all[i].info;
        EXPECT_TRUE(a.last_activity_at > b.last_activity_at ||
                    (a.last_activity_at == b.last_activity_at && a.id > b.id))
            << i;
    }

    // Pages of 2 walk the same order; the last page is short, then empty.
    std::vector<std::string> walked;
    std::optional<room_cursor> cursor;
    std::vector<std::size_t> sizes;
    for (;;) {
        const auto page = db_->list_rooms(alice.id, cursor, 2);
        sizes.push_back(page.size());
        if (page.empty()) break;
        for (const auto& v : page) walked.push_back(v.info.id);
        cursor = room_cursor{page.back().info.last_activity_at, page.back().info.id};
    }
    EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 2, 1, 0}));
    std::vector<std::string> ids;
    for (const auto& v : all) ids.push_back(v.info.id);
    EXPECT_EQ(walked, ids);

    // Exact page size: everything in one page, then nothing after it.
    const auto exact = db_->list_rooms(alice.id, std::nullopt, 5);
    ASSERT_EQ(exact.size(), 5u);
    EXPECT_TRUE(
        db_->list_rooms(alice.id,
                        room_cursor{exact.back().info.last_activity_at, exact.back().info.id}, 5)
            .empty());
    EXPECT_TRUE(db_->list_rooms(alice.id, std::nullopt, 0).empty());
}

TEST_P(StoreTest, ListRoomsCarriesLastMessage) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto r = db_->create_room(alice.id, std::nullopt, {bob.id});
    db_->post_message(r.id, alice.id, "first");
    const auto second = db_->post_message(r.id, bob.id, "second");
    const auto views = db_->list_rooms(alice.id, std::nullopt, 10);
    ASSERT_EQ(views.size(), 1u);
    ASSERT_TRUE(views[0].last_message);
    EXPECT_EQ(views[0].last_message->id, second.id);
    EXPECT_EQ(views[0].last_message->text, "second");
    EXPECT_EQ(views[0].last_message->seq, 2);
    EXPECT_EQ(views[0].last_message->room_id, r.id);
    EXPECT_EQ(views[0].last_message->sender_id, bob.id);
    EXPECT_EQ(views[0].info.last_seq, 2);
    EXPECT_EQ(views[0].info.last_activity_at, second.created_at);
    EXPECT_EQ(views[0].unread_count, 1);
    EXPECT_EQ(views[0].last_read_seq, 1);
}

TEST_P(StoreTest, UnreadCountsFollowMarkRead) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto r = db_->create_room(alice.id, std::nullopt, {bob.id});
    for (int i = 0; i < 3; ++i) db_->post_message(r.id, alice.id, "a");  // seq 1..3
    EXPECT_EQ(db_->get_room(r.id, bob.id)->unread_count, 3);
    EXPECT_EQ(db_->mark_read(r.id, bob.id, 1), 1);
    EXPECT_EQ(db_->get_room(r.id, bob.id)->unread_count, 2);

    // Posting moves the author's marker: seqs 2 and 3 count as read for bob.
    db_->post_message(r.id, bob.id, "b");                       // seq 4
    db_->post_message(r.id, alice.id, "a");                     // seq 5
    EXPECT_EQ(db_->get_room(r.id, alice.id)->unread_count, 0);  // her post 5 moved her past 4
    EXPECT_EQ(db_->get_room(r.id, alice.id)->last_read_seq, 5);
    EXPECT_EQ(db_->get_room(r.id, bob.id)->unread_count, 1);
    EXPECT_EQ(db_->get_room(r.id, bob.id)->last_read_seq, 4);

    EXPECT_EQ(db_->mark_read(r.id, bob.id, 2), 4);  // never backwards
    EXPECT_EQ(db_->get_room(r.id, bob.id)->unread_count, 1);
    EXPECT_EQ(db_->mark_read(r.id, bob.id, 100), 5);  // clamped to last_seq
    EXPECT_EQ(db_->get_room(r.id, bob.id)->unread_count, 0);
    EXPECT_EQ(db_->get_room(r.id, bob.id)->last_read_seq, 5);

    // Deleted messages do not count.
    const auto six = db_->post_message(r.id, alice.id, "x");
    EXPECT_EQ(db_->get_room(r.id, bob.id)->unread_count, 1);
    EXPECT_EQ(db_->delete_message(r.id, six.id, alice.id, nullptr), delete_result::deleted);
    EXPECT_EQ(db_->get_room(r.id, bob.id)->unread_count, 0);
}

TEST_P(StoreTest, UnreadCountIgnoresOwnMessages) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto r = db_->create_room(alice.id, std::nullopt, {bob.id});
    db_->post_message(r.id, alice.id, "a");  // seq 1
    db_->post_message(r.id, bob.id, "b");    // seq 2
    // Alice's marker is 1; seq 2 is bob's and counts for her, her own never.
    EXPECT_EQ(db_->get_room(r.id, alice.id)->unread_count, 1);
    EXPECT_EQ(db_->get_room(r.id, bob.id)->unread_count, 0);
    EXPECT_EQ(db_->mark_read(r.id, alice.id, 0), 1);
}

// --- messages ---------------------------------------------------------------------------

class MessagesTest : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        if (IsSkipped() || HasFailure()) return;
        alice_ = make_user("alice");
        room_ = db_->create_room(alice_.id, std::nullopt, {}).id;
        for (int i = 1; i <= 10; ++i) db_->post_message(room_, alice_.id, std::to_string(i));
    }
    std::vector<std::int64_t> seqs(std::optional<std::int64_t> before,
                                   std::optional<std::int64_t> after, int limit) {
        std::vector<std::int64_t> out;
        for (const auto& m : db_->list_messages(room_, before, after, limit)) out.push_back(m.seq);
        return out;
    }
    using v = std::vector<std::int64_t>;

    user alice_;
    std::string room_;
};
INSTANTIATE_TEST_SUITE_P(Db, MessagesTest,
                         ::testing::Values(backend::sqlite, backend::mariadb, backend::postgresql),
                         param_name);

TEST_P(MessagesTest, Newest) {
    EXPECT_EQ(seqs(std::nullopt, std::nullopt, 3), (v{8, 9, 10}));
    EXPECT_EQ(seqs(std::nullopt, std::nullopt, 100).size(), 10u);
    EXPECT_TRUE(seqs(std::nullopt, std::nullopt, 0).empty());
    const auto ms = db_->list_messages(room_, std::nullopt, std::nullopt, 1);
    ASSERT_EQ(ms.size(), 1u);
    EXPECT_EQ(ms[0].text, "10");
    EXPECT_EQ(ms[0].sender_id, alice_.id);
    EXPECT_EQ(ms[0].room_id, room_);
    EXPECT_FALSE(ms[0].deleted_at);
    EXPECT_FALSE(ms[0].has_thread);
    EXPECT_TRUE(db_->list_messages("no-room", std::nullopt, std::nullopt, 10).empty());
}

TEST_P(MessagesTest, Before) {
    EXPECT_EQ(seqs(5, std::nullopt, 2), (v{3, 4}));
    EXPECT_EQ(seqs(3, std::nullopt, 10), (v{1, 2}));
    EXPECT_TRUE(seqs(1, std::nullopt, 10).empty());
    EXPECT_EQ(seqs(100, std::nullopt, 2), (v{9, 10}));
}

TEST_P(MessagesTest, After) {
    EXPECT_EQ(seqs(std::nullopt, 5, 2), (v{6, 7}));
    EXPECT_EQ(seqs(std::nullopt, 8, 10), (v{9, 10}));
    EXPECT_TRUE(seqs(std::nullopt, 10, 10).empty());
    EXPECT_EQ(seqs(std::nullopt, 0, 3), (v{1, 2, 3}));
}

TEST_P(MessagesTest, Between) {
    EXPECT_EQ(seqs(8, 2, 100), (v{3, 4, 5, 6, 7}));
    EXPECT_EQ(seqs(8, 2, 2), (v{3, 4}));  // oldest first
    EXPECT_TRUE(seqs(4, 3, 10).empty());
}

TEST_P(MessagesTest, DeleteMessage) {
    const auto ms = db_->list_messages(room_, std::nullopt, std::nullopt, 1);
    const auto& target = ms.at(0);
    const auto bob = make_user("bob");

    message out;
    EXPECT_EQ(db_->delete_message(room_, "missing", alice_.id, &out), delete_result::not_found);
    EXPECT_EQ(db_->delete_message("other-room", target.id, alice_.id, &out),
              delete_result::not_found);
    EXPECT_EQ(db_->delete_message(room_, target.id, bob.id, &out), delete_result::not_sender);
    EXPECT_EQ(db_->delete_message(room_, target.id, alice_.id, &out), delete_result::deleted);
    EXPECT_EQ(out.id, target.id);
    EXPECT_EQ(out.seq, target.seq);
    EXPECT_TRUE(out.text.empty());
    ASSERT_TRUE(out.deleted_at);
    const auto first_deleted_at = *out.deleted_at;
    EXPECT_EQ(db_->delete_message(room_, target.id, alice_.id, &out),
              delete_result::already_deleted);
    EXPECT_EQ(out.deleted_at, first_deleted_at);
    EXPECT_EQ(db_->delete_message(room_, target.id, alice_.id, nullptr),
              delete_result::already_deleted);

    const auto stored = db_->get_message(room_, target.id);
    ASSERT_TRUE(stored);
    EXPECT_TRUE(stored->text.empty());
    EXPECT_EQ(stored->deleted_at, first_deleted_at);
    EXPECT_FALSE(db_->get_message("other-room", target.id));
    // Still listed, so that seqs stay gapless for clients.
    EXPECT_EQ(seqs(std::nullopt, std::nullopt, 100).size(), 10u);
}

TEST_P(StoreTest, ConcurrentPostsGetGaplessSeqs) {
    const auto alice = make_user("alice");
    const auto room_id = db_->create_room(alice.id, std::nullopt, {}).id;
    constexpr int threads = 8;
    constexpr int per_thread = 40;
    std::atomic<int> failures{0};
    std::vector<std::vector<std::int64_t>> got(threads);
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i) {
                    try {
                        got[t].push_back(db_->post_message(room_id, alice.id, "m").seq);
                    } catch (const std::exception&) {
                        ++failures;
                    }
                }
            });
        }
    }
    EXPECT_EQ(failures.load(), 0);
    std::vector<std::int64_t> all;
    for (const auto& g : got) {
        // Each thread sees its own posts in increasing order.
        EXPECT_TRUE(std::is_sorted(g.begin(), g.end()));
        all.insert(all.end(), g.begin(), g.end());
    }
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), std::size_t{threads * per_thread});
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], std::int64_t(i + 1));

    const auto stored = db_->list_messages(room_id, std::nullopt, std::nullopt, 1000);
    ASSERT_EQ(stored.size(), all.size());
    for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].seq, std::int64_t(i + 1));
    EXPECT_EQ(db_->get_room(room_id, alice.id)->info.last_seq, threads * per_thread);
}

TEST_F(SqliteStoreTest, LockedPastBusyTimeoutIsUnavailable) {
    const auto alice = make_user("alice");
    const auto room_id = db_->create_room(alice.id, std::nullopt, {}).id;
    // Another process holding the write lock for longer than the timeout.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "chat.db").c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    const auto start = std::chrono::steady_clock::now();
    try {
        db_->post_message(room_id, alice.id, "blocked");
        ADD_FAILURE() << "expected unavailable";
    } catch (const unavailable& e) {
        EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos) << e.what();
    }
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
    // Readers are not blocked by a writer in WAL mode.
    EXPECT_TRUE(db_->is_participant(room_id, alice.id));
    ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);
    // The pooled connection was left outside any transaction.
    EXPECT_EQ(db_->post_message(room_id, alice.id, "free").seq, 1);
}

// --- races: what SQLite serialises, the servers must decide the same way ---------------

TEST_P(StoreTest, ConcurrentSignUpsWithOneEmailConflict) {
    constexpr int n = 6;
    std::atomic<int> conflicts{0};
    const int ok = concurrently(n, [&](int i) {
        try {
            db_->create_user("same@example.com", "u" + std::to_string(i), "h");
        } catch (const conflict&) {
            ++conflicts;
            throw;
        }
    });
    EXPECT_EQ(ok, 1);
    EXPECT_EQ(conflicts.load(), n - 1);
}

TEST_P(StoreTest, ConcurrentRotationsOfOneTokenSucceedOnce) {
    const auto u = make_user("alice");
    const auto first = make_token(u.id, "fam", "1111111111111111");
    db_->insert_refresh_token(first);
    constexpr int n = 6;
    std::atomic<int> rotated{0};
    EXPECT_EQ(concurrently(n,
                           [&](int i) {
                               const auto next =
                                   make_token(u.id, "fam", std::to_string(2000000000000000 + i));
                               if (db_->rotate_refresh_token(first.id, next)) ++rotated;
                           }),
              n);
    EXPECT_EQ(rotated.load(), 1);
}

TEST_P(StoreTest, ConcurrentInvitationsOfOneUserAddItOnce) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto r = db_->create_room(alice.id, std::nullopt, {});
    constexpr int n = 6;
    std::atomic<int> added{0};
    EXPECT_EQ(
        concurrently(
            n,
            [&](int) { added += static_cast<int>(db_->add_participants(r.id, {bob.id}).size()); }),
        n);
    EXPECT_EQ(added.load(), 1);
    EXPECT_EQ(db_->list_participants(r.id).size(), 2u);
}

TEST_P(StoreTest, ConcurrentDeletionsOfOneMessage) {
    const auto alice = make_user("alice");
    const auto r = db_->create_room(alice.id, std::nullopt, {});
    const auto m = db_->post_message(r.id, alice.id, "x");
    constexpr int n = 6;
    std::atomic<int> deleted{0};
    std::atomic<int> already{0};
    std::vector<std::int64_t> stamps(n);
    EXPECT_EQ(concurrently(n,
                           [&](int i) {
                               message out;
                               const auto result = db_->delete_message(r.id, m.id, alice.id, &out);
                               if (result == delete_result::deleted) ++deleted;
                               if (result == delete_result::already_deleted) ++already;
                               stamps[static_cast<std::size_t>(i)] = out.deleted_at.value_or(-1);
                           }),
              n);
    EXPECT_EQ(deleted.load(), 1);
    EXPECT_EQ(already.load(), n - 1);
    // Everyone reports the one deletion.
    EXPECT_EQ(std::set<std::int64_t>(stamps.begin(), stamps.end()).size(), 1u);
}

TEST_P(StoreTest, ConcurrentWithdrawalsAndPostsKeepSeqsGapless) {
    // Posts racing a member's withdrawal: every post either lands with the
    // next seq or fails as not_found; none is lost or doubled.
    const auto alice = make_user("alice");
    std::vector<user> others;
    for (int i = 0; i < 4; ++i) others.push_back(make_user("u" + std::to_string(i)));
    std::vector<std::string> ids;
    for (const auto& u : others) ids.push_back(u.id);
    const auto r = db_->create_room(alice.id, std::nullopt, ids);
    std::atomic<int> posted{0};
    const int n = static_cast<int>(others.size()) * 2;
    EXPECT_EQ(concurrently(n,
                           [&](int i) {
                               const auto& u = others[static_cast<std::size_t>(i / 2)];
                               if (i % 2 == 0) {
                                   db_->withdraw_user(u.id);
                                   return;
                               }
                               for (int k = 0; k < 5; ++k) {
                                   try {
                                       db_->post_message(r.id, u.id, "m");
                                       ++posted;
                                   } catch (const not_found&) {
                                       return;
                                   }
                               }
                           }),
              n);
    const auto stored = db_->list_messages(r.id, std::nullopt, std::nullopt, 1000);
    ASSERT_EQ(stored.size(), static_cast<std::size_t>(posted.load()));
    for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].seq, std::int64_t(i + 1));
    // Everyone but alice left.
    EXPECT_EQ(db_->list_participants(r.id).size(), 1u);
}

// --- servers only ---------------------------------------------------------------------

TEST_P(ServerStoreTest, LockedPastTimeoutIsUnavailable) {
    const auto alice = make_user("alice");
    const auto room_id = db_->create_room(alice.id, std::nullopt, {}).id;
    // Another client holding the room's row lock for longer than the timeout.
    const auto other_session = server_->connect();
    auto& other = *other_session;
    other.begin();
    other << "UPDATE room SET name = 'held' WHERE id = :id", soci::use(room_id);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(db_->post_message(room_id, alice.id, "blocked"), unavailable);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
    // Readers are not blocked by a writer.
    EXPECT_TRUE(db_->is_participant(room_id, alice.id));
    EXPECT_FALSE(db_->get_room(room_id, alice.id)->info.name);
    other.rollback();
    // Nothing of the failed post remained, and its session is usable.
    EXPECT_EQ(db_->post_message(room_id, alice.id, "free").seq, 1);
    EXPECT_EQ(db_->list_messages(room_id, std::nullopt, std::nullopt, 10).size(), 1u);
}

TEST_P(ServerStoreTest, DeadlockVictimIsRunAgain) {
    const auto alice = make_user("alice");
    const auto room_id = db_->create_room(alice.id, std::nullopt, {}).id;
    for (int i = 0; i < 40; ++i) make_user("ballast" + std::to_string(i));
    const auto other_session = server_->connect();
    auto& other = *other_session;
    other.begin();
    // Many changed rows make this transaction the heavier one, which MariaDB
    // keeps when it breaks a deadlock. In PostgreSQL the transaction that
    // waited first finds the deadlock and aborts, the post, unless this
    // test thread was too slow closing the cycle (deadlock_timeout, 1 s).
    other << "UPDATE users SET created_at = created_at + 1 WHERE id <> :id", soci::use(alice.id);
    other << "SELECT id FROM users WHERE id = :id FOR UPDATE", soci::use(alice.id);
    // The post locks the room row, then waits for alice's row (its
    // message's foreign key).
    auto posted =
        std::async(std::launch::async, [&] { return db_->post_message(room_id, alice.id, "m"); });
    ASSERT_TRUE(server_->wait_for_lock_waiter());
    // Closes the cycle; returns once the post was rolled back.
    try {
        other << "UPDATE room SET name = 'x' WHERE id = :id", soci::use(room_id);
        other.commit();
    } catch (const soci::soci_error& e) {
        if (backend_ == backend::mariadb) {
            ADD_FAILURE() << "the other transaction was the victim: " << e.get_error_message();
        } else {
            std::fprintf(stderr,
                         "(the other transaction was the victim: the post was not run "
                         "again; a loaded machine?)\n");
        }
        other.rollback();
    }
    // The post ran again after the commit, once.
    EXPECT_EQ(posted.get().seq, 1);
    EXPECT_EQ(db_->list_messages(room_id, std::nullopt, std::nullopt, 10).size(), 1u);
    EXPECT_EQ(db_->get_room(room_id, alice.id)->info.last_seq, 1);
}

TEST_P(ServerStoreTest, ReconnectsAfterConnectionsAreKilled) {
    db_ = open(url_, 2);
    const auto alice = make_user("alice");
    const auto room_id = db_->create_room(alice.id, std::nullopt, {}).id;

    // Reads, writes in a transaction and single writes each find their
    // pooled connection dead, reconnect and run once more.
    server_->kill_other_connections();
    EXPECT_TRUE(db_->find_user(alice.id));
    EXPECT_TRUE(db_->find_user(alice.id));
    server_->kill_other_connections();
    EXPECT_EQ(db_->post_message(room_id, alice.id, "a").seq, 1);
    EXPECT_EQ(db_->post_message(room_id, alice.id, "b").seq, 2);
    server_->kill_other_connections();
    EXPECT_EQ(make_user("bob").email, "bob@example.com");
    db_->set_admin(alice.id, true);
    server_->kill_other_connections();
    db_->ping();
    db_->ping();
    EXPECT_EQ(db_->list_messages(room_id, std::nullopt, std::nullopt, 10).size(), 2u);
    EXPECT_TRUE(db_->find_user(alice.id)->is_admin);
}

TEST_P(ServerStoreTest, WrongPasswordIsUnavailableWithoutIt) {
    const std::string bad = "wrong-Pa55word";
    std::string url = url_;
    const auto at = url.rfind('@');
    const auto colon = url.find(':', url.find("//") + 2);
    ASSERT_LT(colon, at);
    url.replace(colon + 1, at - colon - 1, bad);
    try {
        open(url, 1);
        FAIL() << "connected with a wrong password";
    } catch (const unavailable& e) {
        EXPECT_EQ(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
}

TEST_P(ServerStoreTest, TextIsStoredAsGiven) {
    // Byte-exact: binary collation (no case or accent folding, trailing
    // spaces kept) and full UTF-8 (4-byte characters).
    const auto a = db_->create_user("e@example.com", "Émile 🙂 ", "h");
    const auto b = db_->create_user("\xc3\xa9@example.com", "x", "h");  // é: not e
    EXPECT_EQ(db_->find_user(a.id)->nickname, "Émile 🙂 ");
    EXPECT_EQ(db_->find_user_by_email("\xc3\xa9@example.com")->id, b.id);
    EXPECT_FALSE(db_->find_user(a.id + " "));
    EXPECT_FALSE(db_->find_user(std::string(a.id).replace(0, 1, "X")));
    const auto r = db_->create_room(a.id, "Ünïcode 🙂", {});
    const std::string text(10'000, 'x');
    db_->post_message(r.id, a.id, text + "🙂");
    EXPECT_EQ(db_->list_messages(r.id, std::nullopt, std::nullopt, 1)[0].text, text + "🙂");
    EXPECT_EQ(db_->get_room(r.id, a.id)->info.name, "Ünïcode 🙂");
}

}  // namespace
}  // namespace chat::store
