// People book, reactions and notifications on SQLite, MariaDB and PostgreSQL.

#include "store/store.hpp"

#include "store_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace chat::store {
namespace {

class SocialStoreTest : public StoreFixture, public ::testing::WithParamInterface<backend> {
protected:
    void SetUp() override { start(GetParam()); }

    std::vector<std::string> ids(const std::vector<contact>& cs) {
        std::vector<std::string> out;
        for (const auto& c : cs) out.push_back(c.user_id);
        return out;
    }
};
INSTANTIATE_TEST_SUITE_P(Db, SocialStoreTest,
                         ::testing::Values(backend::sqlite, backend::mariadb, backend::postgresql),
                         param_name);

// --- people book ----------------------------------------------------------------

TEST_P(SocialStoreTest, AddContactIsIdempotent) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    bool created = false;
    const auto first = db_->add_contact(alice.id, bob.id, &created);
    EXPECT_TRUE(created);
    EXPECT_EQ(first.user_id, bob.id);
    EXPECT_EQ(first.nickname, "bob");
    EXPECT_FALSE(first.favorite);
    EXPECT_FALSE(first.hidden);
    EXPECT_GT(first.added_at, 0);
    const auto again = db_->add_contact(alice.id, bob.id, &created);
    EXPECT_FALSE(created);
    EXPECT_EQ(again.added_at, first.added_at);
    // One direction only: bob's book stays empty.
    EXPECT_EQ(db_->list_contacts(alice.id, {}, std::nullopt, 10).size(), 1u);
    EXPECT_TRUE(db_->list_contacts(bob.id, {}, std::nullopt, 10).empty());
    EXPECT_THROW(db_->add_contact(alice.id, "00000000-0000-4000-8000-000000000000", &created),
                 not_found);
}

TEST_P(SocialStoreTest, ConcurrentAddsOfOneContactMakeOneEntry) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    std::atomic<int> created_count{0};
    EXPECT_EQ(concurrently(6,
                           [&](int) {
                               bool created = false;
                               db_->add_contact(alice.id, bob.id, &created);
                               if (created) ++created_count;
                           }),
              6);
    EXPECT_EQ(created_count.load(), 1);
    EXPECT_EQ(db_->list_contacts(alice.id, {}, std::nullopt, 10).size(), 1u);
}

TEST_P(SocialStoreTest, ListFiltersAndPagesNewestFirst) {
    const auto owner = make_user("owner");
    std::vector<std::string> added;
    for (int i = 0; i < 5; ++i) {
        const auto u = make_user("friend" + std::to_string(i));
        db_->add_contact(owner.id, u.id, nullptr);
        added.push_back(u.id);
    }
    auto all = db_->list_contacts(owner.id, {}, std::nullopt, 10);
    ASSERT_EQ(all.size(), 5u);
    for (std::size_t i = 1; i < all.size(); ++i) {
        EXPECT_TRUE(
            all[i - 1].added_at > all[i].added_at ||
            (all[i - 1].added_at == all[i].added_at && all[i - 1].user_id > all[i].user_id));
    }
    // Pages of two walk the same order without gaps or repeats.
    std::vector<std::string> walked;
    std::optional<contact_cursor> cursor;
    for (;;) {
        const auto page = db_->list_contacts(owner.id, {}, cursor, 2);
        if (page.empty()) break;
        for (const auto& c : page) walked.push_back(c.user_id);
        cursor = contact_cursor{page.back().added_at, page.back().user_id};
    }
    EXPECT_EQ(walked, ids(all));

    ASSERT_TRUE(db_->update_contact(owner.id, added[0], true, std::nullopt));
    ASSERT_TRUE(db_->update_contact(owner.id, added[1], std::nullopt, true));
    const auto both = db_->update_contact(owner.id, added[2], true, true);
    ASSERT_TRUE(both);
    EXPECT_TRUE(both->favorite);
    EXPECT_TRUE(both->hidden);
    const auto cleared = db_->update_contact(owner.id, added[2], false, std::nullopt);
    EXPECT_FALSE(cleared->favorite);
    EXPECT_TRUE(cleared->hidden) << "an absent flag is kept";
    EXPECT_FALSE(db_->update_contact(owner.id, owner.id, true, true)) << "not in the book";

    auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    EXPECT_EQ(ids(db_->list_contacts(owner.id, {true, std::nullopt}, std::nullopt, 10)),
              std::vector<std::string>{added[0]});
    EXPECT_EQ(sorted(ids(db_->list_contacts(owner.id, {std::nullopt, true}, std::nullopt, 10))),
              sorted({added[1], added[2]}));
    EXPECT_EQ(sorted(ids(db_->list_contacts(owner.id, {std::nullopt, false}, std::nullopt, 10))),
              sorted({added[0], added[3], added[4]}));
    EXPECT_TRUE(db_->list_contacts(owner.id, {true, true}, std::nullopt, 10).empty());
}

TEST_P(SocialStoreTest, RemoveAndWithdrawnContacts) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto carol = make_user("carol");
    db_->add_contact(alice.id, bob.id, nullptr);
    db_->add_contact(alice.id, carol.id, nullptr);
    EXPECT_TRUE(db_->remove_contact(alice.id, bob.id));
    EXPECT_FALSE(db_->remove_contact(alice.id, bob.id));
    db_->withdraw_user(carol.id);
    EXPECT_TRUE(db_->list_contacts(alice.id, {}, std::nullopt, 10).empty())
        << "a withdrawn contact is not listed";
    EXPECT_FALSE(db_->update_contact(alice.id, carol.id, true, std::nullopt));
    EXPECT_THROW(db_->add_contact(alice.id, carol.id, nullptr), not_found);
}

// --- reactions --------------------------------------------------------------------

TEST_P(SocialStoreTest, ReactionsAreIdempotentAndCounted) {
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    const auto room = db_->create_room(alice.id, std::nullopt, {bob.id});
    const auto m1 = db_->post_message(room.id, alice.id, "one");
    const auto m2 = db_->post_message(room.id, bob.id, "two");
    const auto m3 = db_->post_message(room.id, bob.id, "three");

    auto r = db_->set_reaction(room.id, m1.id, alice.id, "👍", true);
    EXPECT_EQ(r.result, reaction_result::added);
    EXPECT_EQ(r.count, 1);
    r = db_->set_reaction(room.id, m1.id, alice.id, "👍", true);
    EXPECT_EQ(r.result, reaction_result::unchanged);
    EXPECT_EQ(r.count, 1);
    r = db_->set_reaction(room.id, m1.id, bob.id, "👍", true);
    EXPECT_EQ(r.result, reaction_result::added);
    EXPECT_EQ(r.count, 2);
    // Emojis first used in the same millisecond sort by their bytes instead.
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    r = db_->set_reaction(room.id, m1.id, bob.id, "🎉", true);
    ASSERT_EQ(r.reactions.size(), 2u);
    EXPECT_EQ(r.reactions[0].emoji, "👍") << "ordered by first use";
    EXPECT_EQ(r.reactions[0].count, 2);
    EXPECT_TRUE(r.reactions[0].mine);
    EXPECT_EQ(r.reactions[1].emoji, "🎉");
    EXPECT_EQ(r.reactions[1].count, 1);
    EXPECT_TRUE(r.reactions[1].mine);
    db_->set_reaction(room.id, m3.id, alice.id, "x", true);

    // One query for a page: messages without reactions are left out, `mine`
    // is the viewer's.
    const auto page = db_->list_reactions(room.id, alice.id, m1.seq, m3.seq);
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].message_id, m1.id);
    EXPECT_EQ(page[1].message_id, m3.id);
    EXPECT_TRUE(page[0].reactions[0].mine);
    EXPECT_FALSE(page[0].reactions[1].mine) << "alice did not use 🎉";
    EXPECT_TRUE(db_->list_reactions(room.id, alice.id, m2.seq, m2.seq).empty());
    EXPECT_TRUE(db_->list_reactions(room.id, alice.id, m3.seq, m1.seq).empty());

    r = db_->set_reaction(room.id, m1.id, alice.id, "👍", false);
    EXPECT_EQ(r.result, reaction_result::removed);
    EXPECT_EQ(r.count, 1);
    EXPECT_FALSE(r.reactions[0].mine);
    r = db_->set_reaction(room.id, m1.id, alice.id, "👍", false);
    EXPECT_EQ(r.result, reaction_result::unchanged);
    EXPECT_EQ(r.count, 1);
}

TEST_P(SocialStoreTest, ReactionsNeedALiveMessageOfTheRoom) {
    const auto alice = make_user("alice");
    const auto room = db_->create_room(alice.id, std::nullopt, {});
    const auto other = db_->create_room(alice.id, std::nullopt, {});
    const auto m = db_->post_message(room.id, alice.id, "hi");
    EXPECT_EQ(db_->set_reaction(other.id, m.id, alice.id, "👍", true).result,
              reaction_result::no_message);
    db_->set_reaction(room.id, m.id, alice.id, "👍", true);
    ASSERT_EQ(db_->delete_message(room.id, m.id, alice.id, nullptr), delete_result::deleted);
    EXPECT_EQ(db_->set_reaction(room.id, m.id, alice.id, "🎉", true).result,
              reaction_result::message_deleted);
    EXPECT_EQ(db_->set_reaction(room.id, m.id, alice.id, "👍", false).result,
              reaction_result::message_deleted);
    EXPECT_TRUE(db_->list_reactions(room.id, alice.id, 1, 10).empty())
        << "a tombstone shows no reactions";
}

TEST_P(SocialStoreTest, ConcurrentReactionsAreAllCounted) {
    const auto alice = make_user("alice");
    std::vector<user> users;
    std::vector<std::string> user_ids;
    for (int i = 0; i < 6; ++i) {
        users.push_back(make_user("u" + std::to_string(i)));
        user_ids.push_back(users.back().id);
    }
    const auto room = db_->create_room(alice.id, std::nullopt, user_ids);
    const auto m = db_->post_message(room.id, alice.id, "react");
    EXPECT_EQ(concurrently(6,
                           [&](int i) {
                               db_->set_reaction(room.id, m.id, users[i].id, "👍", true);
                               db_->set_reaction(room.id, m.id, users[i].id, "👍", true);
                           }),
              6);
    const auto page = db_->list_reactions(room.id, alice.id, m.seq, m.seq);
    ASSERT_EQ(page.size(), 1u);
    EXPECT_EQ(page[0].reactions.at(0).count, 6);
}

// --- notifications ------------------------------------------------------------------

notification make_notification(std::optional<std::string> user_id, std::string msg_type) {
    notification n;
    n.user_id = std::move(user_id);
    n.msg_type = std::move(msg_type);
    n.title = "title";
    n.body = "body";
    n.data = R"({"k":1})";
    return n;
}

TEST_P(SocialStoreTest, NotificationsForOneUserAndForAll) {
    const auto admin = make_user("admin");
    const auto alice = make_user("alice");
    const auto bob = make_user("bob");
    auto payment = make_notification(alice.id, "person.payment");
    payment.actor_id = admin.id;
    const auto stored =
        db_->create_notifications({payment, make_notification(std::nullopt, "all.biz-event")});
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0].user_id, alice.id);
    EXPECT_EQ(stored[0].actor_id, admin.id);
    EXPECT_EQ(stored[1].user_id, std::nullopt);
    EXPECT_NE(stored[0].id, stored[1].id);

    const auto mine = db_->list_notifications(alice.id, false, std::nullopt, 10);
    ASSERT_EQ(mine.size(), 2u);
    for (const auto& n : mine) {
        EXPECT_FALSE(n.read);
        EXPECT_EQ(n.title, "title");
        EXPECT_EQ(n.data, R"({"k":1})");
    }
    const auto bobs = db_->list_notifications(bob.id, false, std::nullopt, 10);
    ASSERT_EQ(bobs.size(), 1u) << "bob sees the all-user one only";
    EXPECT_EQ(bobs[0].msg_type, "all.biz-event");

    // Read state is per user, also for an all-user notification.
    const auto read = db_->mark_notification_read(stored[1].id, alice.id);
    ASSERT_TRUE(read);
    EXPECT_TRUE(read->read);
    EXPECT_TRUE(db_->mark_notification_read(stored[1].id, alice.id)->read) << "again: no change";
    EXPECT_FALSE(db_->list_notifications(bob.id, false, std::nullopt, 10)[0].read);
    const auto unread = db_->list_notifications(alice.id, true, std::nullopt, 10);
    ASSERT_EQ(unread.size(), 1u);
    EXPECT_EQ(unread[0].id, stored[0].id);
    EXPECT_FALSE(db_->mark_notification_read(stored[0].id, bob.id)) << "not bob's";
    EXPECT_FALSE(db_->mark_notification_read("00000000-0000-4000-8000-000000000000", bob.id));

    EXPECT_THROW(db_->create_notifications(
                     {make_notification("00000000-0000-4000-8000-000000000000", "person.payment")}),
                 not_found);
}

TEST_P(SocialStoreTest, NotificationsPageNewestFirstAndSkipOlderBroadcasts) {
    const auto alice = make_user("alice");
    db_->create_notifications({make_notification(std::nullopt, "all.service-check")});
    // A broadcast made before a user signed up is not news to that user.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto late = make_user("late");
    EXPECT_TRUE(db_->list_notifications(late.id, false, std::nullopt, 10).empty());
    EXPECT_EQ(db_->list_notifications(alice.id, false, std::nullopt, 10).size(), 1u);

    for (int i = 0; i < 5; ++i) {
        db_->create_notifications({make_notification(late.id, "person.payment")});
    }
    const auto all = db_->list_notifications(late.id, false, std::nullopt, 10);
    ASSERT_EQ(all.size(), 5u);
    std::vector<std::string> walked;
    std::optional<notification_cursor> cursor;
    for (;;) {
        const auto page = db_->list_notifications(late.id, false, cursor, 2);
        if (page.empty()) break;
        for (const auto& n : page) walked.push_back(n.id);
        cursor = notification_cursor{page.back().created_at, page.back().id};
    }
    ASSERT_EQ(walked.size(), 5u);
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(walked[i], all[i].id);
    for (std::size_t i = 1; i < all.size(); ++i) {
        EXPECT_GE(all[i - 1].created_at, all[i].created_at);
    }
}

TEST_P(SocialStoreTest, ConcurrentReadMarksOfOneNotification) {
    const auto alice = make_user("alice");
    const auto n = db_->create_notifications({make_notification(alice.id, "person.payment")});
    EXPECT_EQ(concurrently(4,
                           [&](int) {
                               if (!db_->mark_notification_read(n[0].id, alice.id)->read) {
                                   throw std::runtime_error("not read");
                               }
                           }),
              4);
}

}  // namespace
}  // namespace chat::store
