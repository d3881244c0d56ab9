#include "gateway/detail/hub.hpp"

#include "gateway/detail/session.hpp"
#include "gateway_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chat::gateway::detail {
namespace {

using HubTest = GatewayTest;

TEST(Channels, Names) {
    EXPECT_EQ(room_channel(room_a), std::string("r:") + room_a);
    EXPECT_EQ(person_channel(user_1), std::string("p:") + user_1);
    EXPECT_EQ(all_channel, "a");
}

TEST_F(HubTest, ChatEventReachesOnlyTheRoomWithOneSharedFrame) {
    auto in_a1 = open_session(user_1);
    auto in_a2 = open_session(user_2);
    auto in_b = open_session(user_1);
    auto person = open_session(user_1);
    auto everyone = open_session(user_2);
    auto nowhere = open_session(user_2);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(room_channel(room_a), in_a1, user_1, no_limit));
    ASSERT_TRUE(hub.join(room_channel(room_a), in_a2, user_2, no_limit));
    ASSERT_TRUE(hub.join(room_channel(room_b), in_b, user_1, no_limit));
    ASSERT_TRUE(hub.join(person_channel(user_1), person, user_1, no_limit));
    ASSERT_TRUE(hub.join(all_channel, everyone, user_2, no_limit));

    const auto payload = deliver(chat_event(room_a, "room.msg.new", {{"seq", 7}}));

    const auto got1 = drain(*in_a1);
    const auto got2 = drain(*in_a2);
    ASSERT_EQ(got1.size(), 1u);
    ASSERT_EQ(got2.size(), 1u);
    EXPECT_EQ(got1[0]->packet(), expected_packet(*payload));
    EXPECT_EQ(got1[0].get(), got2[0].get());  // the same bytes, not a copy per socket
    EXPECT_EQ(static_cast<unsigned char>(got1[0]->bytes[0]), 0x81);
    for (const auto& s : {in_b, person, everyone, nowhere}) EXPECT_TRUE(drain(*s).empty());

    EXPECT_EQ(counter("chat_gateway_relay_events_total"), 1u);
    EXPECT_EQ(counter("chat_gateway_deliveries_total"), 2u);
    EXPECT_EQ(counter("chat_gateway_relay_invalid_total"), 0u);
}

TEST_F(HubTest, PayloadIsForwardedUnchanged) {
    auto s = open_session(user_1);
    ASSERT_TRUE(state_->channels.join(room_channel(room_a), s, user_1, no_limit));
    // Field order and extra fields as the publisher wrote them (SPEC §3).
    const auto payload = std::make_shared<const std::string>(
        std::string(R"({"relay-type":"chat","roomId":")") + room_a +
        R"(","timestamp":"2024-05-01T12:00:00.000Z","msg-type":"room.msg.new",)"
        R"("seq":3,"text":"h\u00e9llo \"quoted\""})");
    state_->channels.deliver(payload);
    run_posted();
    const auto got = drain(*s);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]->packet(), expected_packet(*payload));
}

TEST_F(HubTest, PersonEventReachesOnlyThatPersonsChannel) {
    auto mine1 = open_session(user_1);
    auto mine2 = open_session(user_1);
    auto other = open_session(user_2);
    auto room = open_session(user_1);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(person_channel(user_1), mine1, user_1, no_limit));
    ASSERT_TRUE(hub.join(person_channel(user_1), mine2, user_1, no_limit));
    ASSERT_TRUE(hub.join(person_channel(user_2), other, user_2, no_limit));
    ASSERT_TRUE(hub.join(room_channel(user_1), room, user_1, no_limit));  // same id, other kind

    const auto payload = deliver(person_event(user_1));
    const auto got1 = drain(*mine1);
    const auto got2 = drain(*mine2);
    ASSERT_EQ(got1.size(), 1u);
    ASSERT_EQ(got2.size(), 1u);
    EXPECT_EQ(got1[0]->packet(), expected_packet(*payload));
    EXPECT_EQ(got1[0].get(), got2[0].get());
    EXPECT_TRUE(drain(*other).empty());
    EXPECT_TRUE(drain(*room).empty());
}

TEST_F(HubTest, AllEventReachesOnlyTheAllChannel) {
    auto a1 = open_session(user_1);
    auto a2 = open_session(user_2);
    auto person = open_session(user_1);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(all_channel, a1, user_1, no_limit));
    ASSERT_TRUE(hub.join(all_channel, a2, user_2, no_limit));
    ASSERT_TRUE(hub.join(person_channel(user_1), person, user_1, no_limit));

    const auto payload = deliver(all_event());
    const auto got1 = drain(*a1);
    const auto got2 = drain(*a2);
    ASSERT_EQ(got1.size(), 1u);
    ASSERT_EQ(got2.size(), 1u);
    EXPECT_EQ(got1[0]->packet(), expected_packet(*payload));
    EXPECT_EQ(got1[0].get(), got2[0].get());
    EXPECT_TRUE(drain(*person).empty());
    EXPECT_EQ(counter("chat_gateway_deliveries_total"), 2u);
}

TEST_F(HubTest, EventsQueueInOrder) {
    auto s = open_session(user_1);
    ASSERT_TRUE(state_->channels.join(room_channel(room_a), s, user_1, no_limit));
    const auto first = deliver(chat_event(room_a, "room.msg.new", {{"seq", 1}}));
    const auto second = deliver(chat_event(room_a, "room.msg.new", {{"seq", 2}}));
    const auto got = drain(*s);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]->packet(), expected_packet(*first));
    EXPECT_EQ(got[1]->packet(), expected_packet(*second));
}

TEST_F(HubTest, EventForAnEmptyChannelIsCountedButGoesNowhere) {
    auto s = open_session(user_1);
    ASSERT_TRUE(state_->channels.join(room_channel(room_a), s, user_1, no_limit));
    deliver(chat_event(room_b));
    EXPECT_TRUE(drain(*s).empty());
    EXPECT_EQ(counter("chat_gateway_relay_events_total"), 1u);
    EXPECT_EQ(counter("chat_gateway_deliveries_total"), 0u);
}

TEST_F(HubTest, MalformedPayloadIsCountedAndDeliveredToNobody) {
    auto room = open_session(user_1);
    auto person = open_session(user_1);
    auto all = open_session(user_1);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(room_channel(room_a), room, user_1, no_limit));
    ASSERT_TRUE(hub.join(person_channel(user_1), person, user_1, no_limit));
    ASSERT_TRUE(hub.join(all_channel, all, user_1, no_limit));

    const std::string r = room_a;
    const std::vector<std::string> bad = {
        "",
        "not json",
        "[]",
        R"({"relay-type":"chat"})",
        R"({"relay-type":"chat","roomId":")" + r + R"(","timestamp":"t"})",
        R"({"relay-type":"chat","roomId":")" + r + R"(","timestamp":"t","msg-type":"all.x"})",
        R"({"relay-type":"room","roomId":")" + r + R"(","timestamp":"t","msg-type":"room.x"})",
        R"({"relay-type":"person","timestamp":"t","msg-type":"person.x"})",
        R"({"relay-type":"all","timestamp":"t","msg-type":"all."})",
        R"({"relay-type":"chat","roomId":")" + r + R"(","timestamp":"t","msg-type":"room.x")",
    };
    for (const auto& text : bad) hub.deliver(std::make_shared<const std::string>(text));
    run_posted();

    EXPECT_EQ(counter("chat_gateway_relay_events_total"), bad.size());
    EXPECT_EQ(counter("chat_gateway_relay_invalid_total"), bad.size());
    EXPECT_EQ(counter("chat_gateway_deliveries_total"), 0u);
    for (const auto& s : {room, person, all}) EXPECT_TRUE(drain(*s).empty());

    // The hub still works afterwards.
    deliver(chat_event(room_a));
    EXPECT_EQ(drain(*room).size(), 1u);
}

TEST_F(HubTest, RoomPersonOutRemovesThatUsersSocketsAfterDelivering) {
    auto leaver1 = open_session(user_1);
    auto leaver2 = open_session(user_1);  // the same user on a second device
    auto stayer = open_session(user_2);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(room_channel(room_a), leaver1, user_1, no_limit));
    ASSERT_TRUE(hub.join(room_channel(room_a), leaver2, user_1, no_limit));
    ASSERT_TRUE(hub.join(room_channel(room_a), stayer, user_2, no_limit));
    ASSERT_TRUE(hub.join(room_channel(room_b), leaver1, user_1, no_limit));

    const auto out = deliver(chat_event(room_a, "room.person.out", {{"userId", user_1}}));
    // Everyone, the leaver included, sees the event itself.
    for (const auto& s : {leaver1, leaver2, stayer}) {
        const auto got = drain(*s);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0]->packet(), expected_packet(*out));
    }

    // Later events of that room reach only those who stayed.
    deliver(chat_event(room_a));
    EXPECT_TRUE(drain(*leaver1).empty());
    EXPECT_TRUE(drain(*leaver2).empty());
    EXPECT_EQ(drain(*stayer).size(), 1u);

    // Other rooms are unaffected.
    deliver(chat_event(room_b));
    EXPECT_EQ(drain(*leaver1).size(), 1u);

    // The removal also freed the join slots: room_b is leaver1's only channel now,
    // and leaver2 is in none, so it can join room_a again (for real, see below).
    EXPECT_TRUE(hub.join(all_channel, leaver1, user_1, 2));
    EXPECT_TRUE(hub.join(room_channel(room_a), leaver2, user_1, 1));
    deliver(chat_event(room_a));
    EXPECT_EQ(drain(*leaver2).size(), 1u);  // joined again for real
}

TEST_F(HubTest, RoomPersonOutWithoutMatchingUserRemovesNobody) {
    auto s1 = open_session(user_1);
    auto s2 = open_session(user_2);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(room_channel(room_a), s1, user_1, no_limit));
    ASSERT_TRUE(hub.join(room_channel(room_a), s2, user_2, no_limit));

    deliver(chat_event(room_a, "room.person.out"));  // no userId
    deliver(chat_event(room_a, "room.person.out", {{"userId", 42}}));
    deliver(chat_event(room_a, "room.person.out", {{"userId", "someone-else"}}));
    deliver(chat_event(room_b, "room.person.out", {{"userId", user_1}}));  // another room
    deliver(chat_event(room_a, "room.person.in", {{"userId", user_1}}));   // not a leave
    EXPECT_EQ(drain(*s1).size(), 4u);
    EXPECT_EQ(drain(*s2).size(), 4u);

    deliver(chat_event(room_a));
    EXPECT_EQ(drain(*s1).size(), 1u);
    EXPECT_EQ(drain(*s2).size(), 1u);
}

TEST_F(HubTest, RemoveUserDirectly) {
    auto s1 = open_session(user_1);
    auto s2 = open_session(user_2);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(all_channel, s1, user_1, no_limit));
    ASSERT_TRUE(hub.join(all_channel, s2, user_2, no_limit));
    hub.remove_user(all_channel, user_2);
    hub.remove_user("r:no-such-channel", user_1);
    deliver(all_event());
    EXPECT_EQ(drain(*s1).size(), 1u);
    EXPECT_TRUE(drain(*s2).empty());
}

TEST_F(HubTest, LeaveAllRemovesTheSessionFromEveryChannel) {
    auto leaving = open_session(user_1);
    auto staying = open_session(user_1);
    auto& hub = state_->channels;
    for (const auto& s : {leaving, staying}) {
        ASSERT_TRUE(hub.join(room_channel(room_a), s, user_1, no_limit));
        ASSERT_TRUE(hub.join(person_channel(user_1), s, user_1, no_limit));
        ASSERT_TRUE(hub.join(all_channel, s, user_1, no_limit));
    }
    hub.leave_all(leaving.get());
    hub.leave_all(leaving.get());  // idempotent

    deliver(chat_event(room_a));
    deliver(person_event(user_1));
    deliver(all_event());
    EXPECT_TRUE(drain(*leaving).empty());
    EXPECT_EQ(drain(*staying).size(), 3u);
    // Its join slots are free again.
    EXPECT_TRUE(hub.join(room_channel(room_b), leaving, user_1, 1));
}

TEST_F(HubTest, ClosingASessionLeavesEveryChannel) {
    auto closing = open_session(user_1);
    auto staying = open_session(user_1);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(room_channel(room_a), closing, user_1, no_limit));
    ASSERT_TRUE(hub.join(all_channel, closing, user_1, no_limit));
    ASSERT_TRUE(hub.join(all_channel, staying, user_1, no_limit));

    closing->close(close_mode::abort, "test");
    EXPECT_TRUE(closing->closed());
    deliver(all_event());
    EXPECT_EQ(counter("chat_gateway_deliveries_total"), 1u);  // only `staying`
    EXPECT_EQ(drain(*staying).size(), 1u);

    // A join that races the close (the participant check was in flight) is
    // refused, so no closed session is left behind in a channel.
    EXPECT_FALSE(hub.join(room_channel(room_b), closing, user_1, no_limit));
    deliver(chat_event(room_b));
    EXPECT_EQ(counter("chat_gateway_deliveries_total"), 1u);
}

TEST_F(HubTest, DestroyedSessionsAreSkipped) {
    auto staying = open_session(user_1);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(all_channel, staying, user_1, no_limit));
    {
        auto gone = open_session(user_2);
        ASSERT_TRUE(hub.join(all_channel, gone, user_2, no_limit));
        gone->close(close_mode::abort, "test");
        sessions_.pop_back();
    }
    run_posted();
    deliver(all_event());
    EXPECT_EQ(drain(*staying).size(), 1u);
    EXPECT_EQ(counter("chat_gateway_deliveries_total"), 1u);
}

TEST_F(HubTest, JoinLimitPerSession) {
    auto s = open_session(user_1);
    auto other = open_session(user_1);
    auto& hub = state_->channels;
    EXPECT_TRUE(hub.join(room_channel(room_a), s, user_1, 2));
    EXPECT_TRUE(hub.join(room_channel(room_b), s, user_1, 2));
    EXPECT_FALSE(hub.join(all_channel, s, user_1, 2));
    // Joining a channel it is already in is free, even at the limit.
    EXPECT_TRUE(hub.join(room_channel(room_a), s, user_1, 2));
    // The limit is per session.
    EXPECT_TRUE(hub.join(all_channel, other, user_1, 2));

    // The refused join did not subscribe it.
    deliver(all_event());
    EXPECT_TRUE(drain(*s).empty());
    EXPECT_EQ(drain(*other).size(), 1u);

    // Joining twice does not deliver twice.
    deliver(chat_event(room_a));
    EXPECT_EQ(drain(*s).size(), 1u);
}

TEST_F(HubTest, SlowRecipientIsDroppedOthersStillReceive) {
    gateway_config config;
    config.send_queue_frames = 2;
    make_state(config);
    auto slow = open_session(user_1);
    auto fast = open_session(user_2);
    auto& hub = state_->channels;
    ASSERT_TRUE(hub.join(room_channel(room_a), slow, user_1, no_limit));
    ASSERT_TRUE(hub.join(room_channel(room_a), fast, user_2, no_limit));

    for (int i = 0; i < 3; ++i) {
        deliver(chat_event(room_a));
        EXPECT_EQ(drain(*fast).size(), 1u);
    }
    EXPECT_TRUE(slow->closed());
    EXPECT_EQ(state_->metrics.dropped_slow.value(), 1u);
    EXPECT_EQ(counter("chat_gateway_dropped_total"), 1u);
    EXPECT_EQ(counter("chat_gateway_deliveries_total"), 5u);  // 3 fast + 2 slow

    std::vector<frame_ptr> left;
    EXPECT_FALSE(slow->take(left, nullptr));  // aborted: the queue is gone
    EXPECT_TRUE(left.empty());

    deliver(chat_event(room_a));
    EXPECT_EQ(drain(*fast).size(), 1u);
    EXPECT_EQ(state_->metrics.dropped_slow.value(), 1u);  // not dropped twice
}

}  // namespace
}  // namespace chat::gateway::detail
