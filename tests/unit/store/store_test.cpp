#include "store/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

namespace chat::store {
namespace {

namespace fs = std::filesystem;

/// A fresh database in a throw-away directory per test.
class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "store_test_XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        url_ = "sqlite:" + (dir_ / "chat.db").string();
        db_ = open(url_, 4);
        ASSERT_EQ(db_->migrate(), 1);
    }
    void TearDown() override {
        db_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
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

    fs::path dir_;
    std::string url_;
    std::unique_ptr<store> db_;
};

// --- schema and opening ---------------------------------------------------------

TEST_F(StoreTest, MigrateIsIdempotent) {
    EXPECT_EQ(db_->migrate(), 1);
    db_.reset();
    db_ = open("sqlite://" + (dir_ / "chat.db").string(), 2);
    EXPECT_EQ(db_->migrate(), 1);
    db_->ping();
}

TEST_F(StoreTest, OpenRejectsUnsupportedUrls) {
    EXPECT_THROW(open("postgres://localhost/chat", 1), std::invalid_argument);
    EXPECT_THROW(open("sqlite:", 1), std::invalid_argument);
    EXPECT_THROW(open("sqlite::memory:", 1), std::invalid_argument);
    EXPECT_THROW(open(url_, 0), std::invalid_argument);
}

TEST_F(StoreTest, OpenInMissingDirectoryIsUnavailable) {
    EXPECT_THROW(open("sqlite:" + (dir_ / "no" / "such" / "chat.db").string(), 1), unavailable);
}

TEST_F(StoreTest, PathWithSpaces) {
    fs::create_directory(dir_ / "with space");
    auto other = open("sqlite:" + (dir_ / "with space" / "chat.db").string(), 1);
    EXPECT_EQ(other->migrate(), 1);
    EXPECT_TRUE(fs::exists(dir_ / "with space" / "chat.db"));
}

// --- users --------------------------------------------------------------------------

TEST_F(StoreTest, CreateAndFindUser) {
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

TEST_F(StoreTest, DuplicateEmailConflictsCaseInsensitively) {
    db_->create_user("alice@example.com", "a", "h");
    EXPECT_THROW(db_->create_user("ALICE@example.com", "b", "h"), conflict);
}

TEST_F(StoreTest, UpdateUserAndAdmin) {
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

TEST_F(StoreTest, WithdrawFreesEmailRevokesTokensAndLeavesRooms) {
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

TEST_F(StoreTest, RefreshTokenRotatesOnceThenRefuses) {
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

TEST_F(StoreTest, RevokeFamily) {
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

TEST_F(StoreTest, CreateRoomWithParticipants) {
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

TEST_F(StoreTest, CreateRoomWithUnknownParticipantWritesNothing) {
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

TEST_F(StoreTest, AddAndRemoveParticipants) {
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

TEST_F(StoreTest, ListRoomsOrderAndCursor) {
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

TEST_F(StoreTest, ListRoomsCarriesLastMessage) {
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

TEST_F(StoreTest, UnreadCountsFollowMarkRead) {
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

TEST_F(StoreTest, UnreadCountIgnoresOwnMessages) {
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

TEST_F(MessagesTest, Newest) {
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

TEST_F(MessagesTest, Before) {
    EXPECT_EQ(seqs(5, std::nullopt, 2), (v{3, 4}));
    EXPECT_EQ(seqs(3, std::nullopt, 10), (v{1, 2}));
    EXPECT_TRUE(seqs(1, std::nullopt, 10).empty());
    EXPECT_EQ(seqs(100, std::nullopt, 2), (v{9, 10}));
}

TEST_F(MessagesTest, After) {
    EXPECT_EQ(seqs(std::nullopt, 5, 2), (v{6, 7}));
    EXPECT_EQ(seqs(std::nullopt, 8, 10), (v{9, 10}));
    EXPECT_TRUE(seqs(std::nullopt, 10, 10).empty());
    EXPECT_EQ(seqs(std::nullopt, 0, 3), (v{1, 2, 3}));
}

TEST_F(MessagesTest, Between) {
    EXPECT_EQ(seqs(8, 2, 100), (v{3, 4, 5, 6, 7}));
    EXPECT_EQ(seqs(8, 2, 2), (v{3, 4}));  // oldest first
    EXPECT_TRUE(seqs(4, 3, 10).empty());
}

TEST_F(MessagesTest, DeleteMessage) {
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

TEST_F(StoreTest, ConcurrentPostsGetGaplessSeqs) {
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

TEST_F(StoreTest, LockedPastBusyTimeoutIsUnavailable) {
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

}  // namespace
}  // namespace chat::store
