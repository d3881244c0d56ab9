// Threads under room messages and files' metadata, attachments and read
// rule, on every backend (store_fixture.hpp).

#include "store_fixture.hpp"

#include <gtest/gtest.h>

#include <set>

namespace chat::store {
namespace {

class ThreadsFilesTest : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        if (IsSkipped() || HasFailure()) return;
        alice_ = make_user("alice");
        bob_ = make_user("bob");
        carol_ = make_user("carol");
        room_ = db_->create_room(alice_.id, std::nullopt, {bob_.id}).id;
        root_ = db_->post_message(room_, alice_.id, "root");
    }

    file_info upload(const user& by, const std::string& name, const std::string& sha) {
        file_info f;
        f.uploader_id = by.id;
        f.name = name;
        f.content_type = "image/png";
        f.kind = "image";
        f.size = 42;
        f.sha256 = sha;
        return db_->insert_file(f);
    }

    user alice_, bob_, carol_;
    std::string room_;
    message root_;
};
INSTANTIATE_TEST_SUITE_P(Db, ThreadsFilesTest,
                         ::testing::Values(backend::sqlite, backend::mariadb, backend::postgresql),
                         param_name);

TEST_P(ThreadsFilesTest, FirstReplyCreatesTheThreadAndMarksTheRoot) {
    EXPECT_TRUE(db_->list_thread_messages(room_, root_.id, 0, 10).empty());
    EXPECT_EQ(db_->describe_messages({root_.id}).at(0).thread_id, "");

    const auto r1 = db_->post_thread_message(room_, root_.id, bob_.id, "one", {});
    const auto r2 = db_->post_thread_message(room_, root_.id, alice_.id, "two", {});
    const auto r3 = db_->post_thread_message(room_, root_.id, bob_.id, "three", {});
    EXPECT_EQ(r1.seq, 1);
    EXPECT_EQ(r2.seq, 2);
    EXPECT_EQ(r3.seq, 3);
    EXPECT_EQ(r1.thread_id, r3.thread_id);
    EXPECT_EQ(r1.root_message_id, root_.id);

    EXPECT_TRUE(db_->get_message(room_, root_.id)->has_thread);
    const auto extras = db_->describe_messages({root_.id}).at(0);
    EXPECT_EQ(extras.thread_id, r1.thread_id);
    EXPECT_EQ(extras.reply_count, 3);
    EXPECT_EQ(extras.last_reply_at, r3.created_at);

    const auto page = db_->list_thread_messages(room_, root_.id, 1, 10);
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].text, "two");
    EXPECT_EQ(page[1].text, "three");
    EXPECT_EQ(page[1].sender_id, bob_.id);
    EXPECT_EQ(db_->list_thread_messages(room_, root_.id, 0, 1).at(0).id, r1.id);

    // Each replier once, in the order of their first reply.
    EXPECT_EQ(db_->list_thread_participants(room_, root_.id),
              (std::vector<std::string>{bob_.id, alice_.id}));
    // Another message of the room has no thread.
    const auto other = db_->post_message(room_, bob_.id, "other");
    EXPECT_FALSE(db_->get_message(room_, other.id)->has_thread);
    EXPECT_EQ(db_->describe_messages({other.id, root_.id}).at(1).reply_count, 3);
}

TEST_P(ThreadsFilesTest, RepliesNeedAParticipantAndALiveRootOfTheRoom) {
    EXPECT_THROW(db_->post_thread_message(room_, root_.id, carol_.id, "x", {}), not_found);
    const auto elsewhere = db_->create_room(carol_.id, std::nullopt, {}).id;
    const auto foreign = db_->post_message(elsewhere, carol_.id, "theirs");
    EXPECT_THROW(db_->post_thread_message(room_, foreign.id, alice_.id, "x", {}), not_found);
    EXPECT_THROW(db_->post_thread_message(room_, core::uuid_v4(), alice_.id, "x", {}), not_found);

    ASSERT_EQ(db_->delete_message(room_, root_.id, alice_.id, nullptr), delete_result::deleted);
    EXPECT_THROW(db_->post_thread_message(room_, root_.id, bob_.id, "x", {}), conflict);
    EXPECT_TRUE(db_->list_thread_messages(room_, root_.id, 0, 10).empty());
}

TEST_P(ThreadsFilesTest, ConcurrentFirstRepliesShareOneThreadWithGaplessSeqs) {
    const int ok = concurrently(8, [&](int i) {
        db_->post_thread_message(room_, root_.id, i % 2 ? alice_.id : bob_.id, std::to_string(i),
                                 {});
    });
    EXPECT_EQ(ok, 8);
    const auto replies = db_->list_thread_messages(room_, root_.id, 0, 100);
    ASSERT_EQ(replies.size(), 8u);
    std::set<std::string> threads;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        EXPECT_EQ(replies[i].seq, static_cast<std::int64_t>(i + 1));
        threads.insert(replies[i].thread_id);
    }
    EXPECT_EQ(threads.size(), 1u);
    EXPECT_EQ(db_->list_thread_participants(room_, root_.id).size(), 2u);
}

TEST_P(ThreadsFilesTest, FileIsReadableByItsUploaderOnlyUntilAttached) {
    const auto f = upload(alice_, "../../etc/passwd", std::string(64, 'a'));
    EXPECT_FALSE(f.id.empty());
    const auto mine = db_->find_file(f.id, alice_.id);
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->name, "../../etc/passwd");
    EXPECT_EQ(mine->sha256, std::string(64, 'a'));
    EXPECT_EQ(mine->size, 42);
    EXPECT_EQ(mine->created_at, f.created_at);
    EXPECT_FALSE(db_->find_file(f.id, bob_.id));
    EXPECT_FALSE(db_->find_file(core::uuid_v4(), alice_.id));

    const auto m = db_->post_message_with_files(room_, alice_.id, "", {f.id, f.id});
    EXPECT_TRUE(db_->find_file(f.id, bob_.id));     // a participant of the room now
    EXPECT_FALSE(db_->find_file(f.id, carol_.id));  // never in the room
    const auto extras = db_->describe_messages({m.id}).at(0);
    ASSERT_EQ(extras.files.size(), 1u);  // attached once
    EXPECT_EQ(extras.files[0].id, f.id);

    // Leaving the room ends access; deleting the message ends everyone's
    // but the uploader's.
    ASSERT_TRUE(db_->remove_participant(room_, bob_.id));
    EXPECT_FALSE(db_->find_file(f.id, bob_.id));
    db_->add_participants(room_, {bob_.id});
    EXPECT_TRUE(db_->find_file(f.id, bob_.id));
    ASSERT_EQ(db_->delete_message(room_, m.id, alice_.id, nullptr), delete_result::deleted);
    EXPECT_FALSE(db_->find_file(f.id, bob_.id));
    EXPECT_TRUE(db_->find_file(f.id, alice_.id));
    EXPECT_TRUE(db_->describe_messages({m.id}).at(0).files.empty());
}

TEST_P(ThreadsFilesTest, AttachingAFileOneMayNotReadWritesNothing) {
    const auto carols = upload(carol_, "secret.png", std::string(64, 'b'));
    const auto before = db_->list_messages(room_, std::nullopt, std::nullopt, 100).size();
    EXPECT_THROW(db_->post_message_with_files(room_, alice_.id, "look", {carols.id}), not_found);
    EXPECT_THROW(db_->post_message_with_files(room_, alice_.id, "look", {core::uuid_v4()}),
                 not_found);
    EXPECT_EQ(db_->list_messages(room_, std::nullopt, std::nullopt, 100).size(), before);
    EXPECT_THROW(db_->post_thread_message(room_, root_.id, alice_.id, "look", {carols.id}),
                 not_found);
    EXPECT_TRUE(db_->list_thread_messages(room_, root_.id, 0, 10).empty());
    EXPECT_FALSE(db_->get_message(room_, root_.id)->has_thread);
    EXPECT_FALSE(db_->find_file(carols.id, alice_.id));
}

TEST_P(ThreadsFilesTest, ThreadReplyFilesAreListedInOrderAndReadableByTheRoom) {
    const auto a = upload(bob_, "a.png", std::string(64, 'c'));
    const auto b = upload(bob_, "b.png", std::string(64, 'd'));
    const auto reply = db_->post_thread_message(room_, root_.id, bob_.id, "", {b.id, a.id});
    ASSERT_EQ(reply.files.size(), 2u);
    EXPECT_EQ(reply.files[0].id, b.id);
    EXPECT_EQ(reply.files[1].id, a.id);
    const auto listed = db_->list_thread_messages(room_, root_.id, 0, 10);
    ASSERT_EQ(listed.size(), 1u);
    ASSERT_EQ(listed[0].files.size(), 2u);
    EXPECT_EQ(listed[0].files[0].name, "b.png");
    EXPECT_TRUE(db_->find_file(a.id, alice_.id));
    EXPECT_FALSE(db_->find_file(a.id, carol_.id));
    // Thread files are not the root's files.
    EXPECT_TRUE(db_->describe_messages({root_.id}).at(0).files.empty());
}

TEST_P(ThreadsFilesTest, InsertFileNeedsAnActiveUploader) {
    user ghost;
    ghost.id = core::uuid_v4();
    EXPECT_THROW(upload(ghost, "x", std::string(64, 'e')), not_found);
    EXPECT_TRUE(db_->describe_messages({}).empty());
}

}  // namespace
}  // namespace chat::store
