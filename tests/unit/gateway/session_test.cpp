#include "gateway/detail/session.hpp"

#include "gateway/detail/state.hpp"
#include "gateway_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace chat::gateway::detail {
namespace {

namespace asio = boost::asio;

using SessionTest = GatewayTest;
using ConnectionLimitTest = GatewayTest;

// --- send queue ---------------------------------------------------------------------------

TEST_F(SessionTest, QueuedFramesComeOutInOrder) {
    auto s = open_session();
    const auto a = make_frame("4a");
    const auto b = make_frame("4b");
    EXPECT_TRUE(s->send(a));
    EXPECT_TRUE(s->send(b));
    std::vector<frame_ptr> out;
    EXPECT_TRUE(s->take(out, nullptr));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].get(), a.get());
    EXPECT_EQ(out[1].get(), b.get());
    out.clear();
    EXPECT_TRUE(s->take(out, nullptr));  // open and empty
    EXPECT_TRUE(out.empty());
}

TEST_F(SessionTest, SendBeyondQueueFramesDropsTheSession) {
    gateway_config config;
    config.send_queue_frames = 3;
    make_state(config);
    auto s = open_session();
    auto other = open_session();
    ASSERT_EQ(state_->size(), 2u);
    const auto f = make_frame("4x");
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(s->send(f)) << i;
    EXPECT_EQ(state_->metrics.dropped_slow.value(), 0u);

    EXPECT_FALSE(s->send(f));
    EXPECT_TRUE(s->closed());
    EXPECT_EQ(state_->metrics.dropped_slow.value(), 1u);
    EXPECT_EQ(counter("chat_gateway_dropped_total"), 1u);
    // Dropped, not flushed: the queue is discarded and the session forgotten.
    std::vector<frame_ptr> out;
    EXPECT_FALSE(s->take(out, nullptr));
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(state_->size(), 1u);
    EXPECT_EQ(state_->find(s->sid()), nullptr);
    EXPECT_EQ(state_->metrics.open_sessions.value(), 1);

    // Later sends are refused without counting another drop.
    EXPECT_FALSE(s->send(f));
    EXPECT_EQ(state_->metrics.dropped_slow.value(), 1u);
    EXPECT_FALSE(other->closed());
}

TEST_F(SessionTest, DrainingTheQueueMakesRoom) {
    gateway_config config;
    config.send_queue_frames = 2;
    make_state(config);
    auto s = open_session();
    const auto f = make_frame("4x");
    for (int round = 0; round < 5; ++round) {
        EXPECT_TRUE(s->send(f));
        EXPECT_TRUE(s->send(f));
        EXPECT_EQ(drain(*s).size(), 2u);
    }
    EXPECT_FALSE(s->closed());
    EXPECT_EQ(state_->metrics.dropped_slow.value(), 0u);
}

TEST_F(SessionTest, SendBeyondQueueBytesDropsTheSession) {
    gateway_config config;
    config.send_queue_bytes = 100;
    make_state(config);
    auto s = open_session();
    const auto f = make_frame(std::string(48, 'x'));  // 50 bytes with the header
    ASSERT_EQ(f->bytes.size(), 50u);
    EXPECT_TRUE(s->send(f));
    EXPECT_TRUE(s->send(f));  // exactly 100
    EXPECT_FALSE(s->send(make_frame("4")));
    EXPECT_TRUE(s->closed());
    EXPECT_EQ(state_->metrics.dropped_slow.value(), 1u);
}

TEST_F(SessionTest, GracefulCloseFlushesThenEnds) {
    auto s = open_session();
    const auto f = make_frame("4x");
    EXPECT_TRUE(s->send(f));
    s->close(close_mode::graceful, "test");
    s->close(close_mode::graceful, "again");  // idempotent
    EXPECT_TRUE(s->closed());
    EXPECT_FALSE(s->send(f));
    EXPECT_EQ(state_->metrics.dropped_slow.value(), 0u);

    std::vector<frame_ptr> out;
    EXPECT_TRUE(s->take(out, nullptr));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].get(), f.get());
    EXPECT_EQ(out[1].get(), state_->close_frame.get());
    EXPECT_EQ(out[1]->packet(), "1");
    out.clear();
    EXPECT_FALSE(s->take(out, nullptr));
    EXPECT_EQ(state_->size(), 0u);
}

TEST_F(SessionTest, SendWakesAWaitingTransport) {
    auto s = open_session();
    auto waiter = std::make_shared<asio::steady_timer>(io_, std::chrono::hours(1));
    bool woken = false;
    waiter->async_wait(
        [&](boost::system::error_code ec) { woken = ec == asio::error::operation_aborted; });
    std::vector<frame_ptr> out;
    EXPECT_TRUE(s->take(out, waiter));  // nothing yet: the waiter is registered
    EXPECT_TRUE(out.empty());
    run_posted();
    EXPECT_FALSE(woken);

    EXPECT_TRUE(s->send(make_frame("4x")));
    run_posted();
    EXPECT_TRUE(woken);
    EXPECT_EQ(drain(*s).size(), 1u);
}

// --- direct send on an idle WebSocket -------------------------------------------------------

// A connected pair of stream sockets standing in for the WebSocket's TCP
// connection: the session writes to `ours`, the test reads `peer`.
struct socket_pair {
    int ours = -1;
    int peer = -1;
    socket_pair() {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
            ours = fds[0];
            peer = fds[1];
        }
    }
    ~socket_pair() {
        ::close(ours);
        ::close(peer);
    }
    // Everything readable now, without waiting.
    std::string read_all() const {
        std::string got;
        char buf[65536];
        for (;;) {
            const auto n = ::recv(peer, buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0) return got;
            got.append(buf, static_cast<std::size_t>(n));
        }
    }
};

TEST_F(SessionTest, IdleWriterLetsSendWriteStraightToTheSocket) {
    auto s = open_session();
    socket_pair sockets;
    ASSERT_GE(sockets.ours, 0);
    auto waiter = std::make_shared<asio::steady_timer>(io_, std::chrono::hours(1));
    s->set_direct_writer(sockets.ours, waiter);
    bool woken = false;
    waiter->async_wait([&](boost::system::error_code) { woken = true; });

    // Before the writer has taken the queue once, it may be writing: queue.
    const auto early = make_frame("4early");
    EXPECT_TRUE(s->send(early));
    EXPECT_EQ(sockets.read_all(), "");
    std::vector<frame_ptr> out;
    EXPECT_TRUE(s->take(out, waiter));  // the writer takes it...
    ASSERT_EQ(out.size(), 1u);
    out.clear();
    EXPECT_TRUE(s->take(out, waiter));  // ...writes it, finds nothing more and waits
    EXPECT_TRUE(out.empty());

    const auto a = make_frame("4a");
    const auto b = make_frame("4b");
    EXPECT_TRUE(s->send(a));
    EXPECT_TRUE(s->send(b));
    EXPECT_EQ(sockets.read_all(), a->bytes + b->bytes);
    run_posted();
    EXPECT_FALSE(woken);  // written without waking the writer
    EXPECT_TRUE(drain(*s).empty());

    // Once the descriptor is withdrawn (the socket is closing), frames queue.
    s->set_direct_writer(-1, nullptr);
    EXPECT_TRUE(s->send(a));
    run_posted();
    EXPECT_TRUE(woken);
    EXPECT_EQ(sockets.read_all(), "");
    EXPECT_EQ(drain(*s).size(), 1u);
}

TEST_F(SessionTest, WhatTheSocketDoesNotTakeIsQueuedInOrder) {
    auto s = open_session();
    socket_pair sockets;
    ASSERT_GE(sockets.ours, 0);
    const int small = 4096;
    ::setsockopt(sockets.ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    auto waiter = std::make_shared<asio::steady_timer>(io_, std::chrono::hours(1));
    s->set_direct_writer(sockets.ours, waiter);
    waiter->async_wait([](boost::system::error_code) {});
    std::vector<frame_ptr> out;
    EXPECT_TRUE(s->take(out, waiter));  // the writer is idle

    // Frames of 1,000 bytes until the socket buffer is full: the first are
    // written directly, the rest (and the tail of a frame cut short) queue.
    std::string expected;
    for (int i = 0; i < 200; ++i) {
        const auto f = make_frame("4" + std::string(1000, static_cast<char>('a' + i % 26)));
        ASSERT_TRUE(s->send(f));
        expected += f->bytes;
    }
    std::string got = sockets.read_all();
    EXPECT_GT(got.size(), 0u);
    EXPECT_LT(got.size(), expected.size());
    const auto queued = drain(*s);
    ASSERT_FALSE(queued.empty());
    for (const auto& f : queued) got += f->bytes;
    EXPECT_EQ(got, expected);  // every byte once, in order
}

TEST_F(SessionTest, APollLeftOverFromBeforeTheUpgradeGetsNothing) {
    auto s = open_session();
    socket_pair sockets;
    ASSERT_GE(sockets.ours, 0);
    auto writer = std::make_shared<asio::steady_timer>(io_, std::chrono::hours(1));
    auto poll = std::make_shared<asio::steady_timer>(io_, std::chrono::hours(1));
    s->set_direct_writer(sockets.ours, writer);
    ASSERT_TRUE(s->send(make_frame("4queued")));  // the writer has not taken the queue yet

    std::vector<frame_ptr> out;
    EXPECT_TRUE(s->take(out, poll));  // the stale poll: neither the frame nor a registration
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(s->take(out, writer));
    ASSERT_EQ(out.size(), 1u);
    out.clear();
    EXPECT_TRUE(s->take(out, writer));  // idle now
    EXPECT_TRUE(s->take(out, poll));    // must not make the poll the one that is woken
    const auto next = make_frame("4next");
    EXPECT_TRUE(s->send(next));
    EXPECT_EQ(sockets.read_all(), next->bytes);  // the WebSocket got it
}

TEST_F(SessionTest, CloseWakesAWaitingTransport) {
    auto s = open_session();
    auto waiter = std::make_shared<asio::steady_timer>(io_, std::chrono::hours(1));
    bool woken = false;
    waiter->async_wait(
        [&](boost::system::error_code ec) { woken = ec == asio::error::operation_aborted; });
    std::vector<frame_ptr> out;
    EXPECT_TRUE(s->take(out, waiter));
    s->close(close_mode::abort, "test");
    run_posted();
    EXPECT_TRUE(woken);
    EXPECT_FALSE(s->take(out, nullptr));
}

TEST_F(SessionTest, AbortCallsTheTransportsAbort) {
    auto s = open_session();
    int aborted = 0;
    s->attach_websocket([&] { ++aborted; });
    s->close(close_mode::abort, "test");
    s->close(close_mode::abort, "again");
    EXPECT_EQ(aborted, 1);
}

TEST_F(SessionTest, SlowConsumerDropAbortsTheTransport) {
    gateway_config config;
    config.send_queue_frames = 1;
    make_state(config);
    auto s = open_session();
    int aborted = 0;
    s->attach_websocket([&] { ++aborted; });
    EXPECT_TRUE(s->send(make_frame("4a")));
    EXPECT_FALSE(s->send(make_frame("4b")));
    EXPECT_EQ(aborted, 1);
}

// --- connection limits ----------------------------------------------------------------------

TEST_F(ConnectionLimitTest, PerIpLimit) {
    gateway_config config;
    config.max_connections_per_ip = 2;
    make_state(config);
    const auto a = asio::ip::make_address("10.0.0.1");
    const auto b = asio::ip::make_address("10.0.0.2");
    auto a1 = state_->create_session(a, user_1, transport_kind::polling);
    auto a2 = state_->create_session(a, user_1, transport_kind::websocket);
    ASSERT_NE(a1, nullptr);
    ASSERT_NE(a2, nullptr);
    EXPECT_EQ(state_->create_session(a, user_1, transport_kind::polling), nullptr);
    EXPECT_EQ(state_->metrics.refused.value(), 1u);
    EXPECT_EQ(counter("chat_gateway_refused_total"), 1u);

    auto b1 = state_->create_session(b, user_2, transport_kind::polling);
    EXPECT_NE(b1, nullptr);
    EXPECT_EQ(state_->size(), 3u);
    EXPECT_EQ(state_->metrics.connections.value(), 3u);
    EXPECT_EQ(state_->metrics.open_sessions.value(), 3);

    // A closed session frees its address's slot.
    a1->close(close_mode::abort, "test");
    auto a3 = state_->create_session(a, user_1, transport_kind::polling);
    EXPECT_NE(a3, nullptr);
    EXPECT_EQ(state_->create_session(a, user_1, transport_kind::polling), nullptr);
    EXPECT_EQ(state_->metrics.refused.value(), 2u);
}

TEST_F(ConnectionLimitTest, GlobalLimit) {
    gateway_config config;
    config.max_connections = 2;
    make_state(config);
    auto s1 =
        state_->create_session(asio::ip::make_address("10.0.0.1"), user_1, transport_kind::polling);
    auto s2 =
        state_->create_session(asio::ip::make_address("10.0.0.2"), user_1, transport_kind::polling);
    ASSERT_NE(s1, nullptr);
    ASSERT_NE(s2, nullptr);
    EXPECT_EQ(
        state_->create_session(asio::ip::make_address("10.0.0.3"), user_1, transport_kind::polling),
        nullptr);
    EXPECT_EQ(state_->create_session(asio::ip::make_address("::1"), std::nullopt,
                                     transport_kind::websocket),
              nullptr);
    EXPECT_EQ(state_->metrics.refused.value(), 2u);
    EXPECT_EQ(state_->metrics.connections.value(), 2u);
    EXPECT_EQ(state_->metrics.open_sessions.value(), 2);

    s2->close(close_mode::abort, "test");
    EXPECT_EQ(state_->metrics.open_sessions.value(), 1);
    EXPECT_NE(
        state_->create_session(asio::ip::make_address("10.0.0.3"), user_1, transport_kind::polling),
        nullptr);
}

TEST_F(ConnectionLimitTest, GracefullyClosedPollingSessionHoldsItsSlotUntilCollected) {
    gateway_config config;
    config.max_connections = 1;
    make_state(config);
    const auto ip = asio::ip::make_address("10.0.0.1");
    auto s = state_->create_session(ip, user_1, transport_kind::polling);
    ASSERT_NE(s, nullptr);
    s->close(close_mode::graceful, "test");
    run_posted();
    // Its last packets wait for the next GET, so the sid still resolves.
    EXPECT_EQ(state_->find(s->sid()), s);
    EXPECT_EQ(state_->create_session(ip, user_1, transport_kind::polling), nullptr);

    std::vector<frame_ptr> out;
    EXPECT_TRUE(s->take(out, nullptr));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].get(), state_->close_frame.get());
    state_->forget(*s);  // what the draining GET does
    EXPECT_EQ(state_->find(s->sid()), nullptr);
    EXPECT_EQ(state_->metrics.open_sessions.value(), 0);
    EXPECT_NE(state_->create_session(ip, user_1, transport_kind::polling), nullptr);
}

TEST_F(ConnectionLimitTest, UncollectedPollingSessionIsForgottenAfterPingTimeout) {
    gateway_config config;
    config.ping_timeout = std::chrono::milliseconds(20);
    make_state(config);
    auto s =
        state_->create_session(asio::ip::make_address("10.0.0.1"), user_1, transport_kind::polling);
    ASSERT_NE(s, nullptr);
    s->close(close_mode::graceful, "test");
    EXPECT_EQ(state_->size(), 1u);
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (state_->size() != 0 && std::chrono::steady_clock::now() < deadline) {
        io_.run_one_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(state_->size(), 0u);
    EXPECT_EQ(state_->metrics.open_sessions.value(), 0);
}

TEST_F(ConnectionLimitTest, RefusedWhileStopping) {
    auto s = open_session();
    state_->stop();
    EXPECT_TRUE(state_->stopping());
    EXPECT_TRUE(s->closed());
    EXPECT_EQ(state_->size(), 0u);
    EXPECT_EQ(
        state_->create_session(asio::ip::make_address("10.0.0.9"), user_1, transport_kind::polling),
        nullptr);
    EXPECT_EQ(state_->metrics.refused.value(), 1u);
}

TEST_F(ConnectionLimitTest, SessionsAreFoundByUniqueSid) {
    std::set<std::string> sids;
    for (int i = 0; i < 20; ++i) {
        auto s = open_session();
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(s->sid().size(), 20u);  // 15 random bytes in base64url
        EXPECT_EQ(s->sid().find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
        EXPECT_EQ(state_->find(s->sid()), s);
        sids.insert(s->sid());
    }
    EXPECT_EQ(sids.size(), 20u);
    EXPECT_EQ(state_->find("no-such-sid"), nullptr);
}

}  // namespace
}  // namespace chat::gateway::detail
