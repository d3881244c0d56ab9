#pragma once
// A gateway_state over real dependencies (a throw-away SQLite store, an
// io_context that is only polled, a one-thread pool) and helpers to open
// sessions, publish relay events and read what a session has queued.

#include "auth/jwt.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "gateway/detail/state.hpp"
#include "relay/event.hpp"
#include "store/store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/thread_pool.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace chat::gateway::detail {

inline constexpr const char* room_a = "0b7e5d4c-1a2b-4c3d-8e9f-00112233aabb";
inline constexpr const char* room_b = "f47ac10b-58cc-4372-a567-0e02b2c3d479";
inline constexpr const char* user_1 = "11111111-1111-4111-8111-111111111111";
inline constexpr const char* user_2 = "22222222-2222-4222-8222-222222222222";
inline constexpr std::size_t no_limit = 1000;

class GatewayTest : public ::testing::Test {
protected:
    void SetUp() override {
        core::init_crypto();
        std::string pattern =
            (std::filesystem::temp_directory_path() / "gateway_test_XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        store_ = store::open("sqlite:" + (dir_ / "t.db").string(), 1);
        ASSERT_GE(store_->migrate(), 1);  // whatever later migrations add
        make_state({});
    }

    void TearDown() override {
        sessions_.clear();
        if (state_) state_->stop();
        run_posted();
        state_.reset();
        pool_.join();
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    /// Replaces the gateway state (and its sessions) with one using `config`.
    void make_state(gateway_config config) {
        if (state_) {
            sessions_.clear();
            state_->stop();
            run_posted();
        }
        state_ = std::make_shared<gateway_state>(
            std::move(config), gateway_dependencies{io_, jwt_, *store_, pool_, metrics_});
    }

    /// Runs what close() and send() posted (heartbeat cancellations, wake-ups).
    void run_posted() {
        io_.restart();
        io_.poll();
    }

    /// A new session for `user` from `ip`; kept alive by the fixture.
    std::shared_ptr<session> open_session(const std::string& user = user_1,
                                          const std::string& ip = "10.0.0.1") {
        auto s = state_->create_session(boost::asio::ip::make_address(ip), user,
                                        transport_kind::websocket);
        EXPECT_NE(s, nullptr) << "session refused";
        if (s) sessions_.push_back(s);
        return s;
    }

    /// Everything `s` has queued (and clears its queue).
    static std::vector<frame_ptr> drain(session& s) {
        std::vector<frame_ptr> out;
        s.take(out, nullptr);
        return out;
    }

    static relay::event chat_event(const std::string& room,
                                   const std::string& msg_type = "room.msg.new",
                                   boost::json::object extra = {}) {
        return {relay::relay_type::chat, room, "2024-05-01T12:00:00.000Z", msg_type,
                std::move(extra)};
    }
    static relay::event person_event(const std::string& user) {
        return {relay::relay_type::person, user, "2024-05-01T12:00:00.000Z", "person.room.new", {}};
    }
    static relay::event all_event() {
        return {relay::relay_type::all, "", "2024-05-01T12:00:00.000Z", "all.notice", {}};
    }

    /// Delivers `e` encoded, as the bus would, and runs the fan-out tasks
    /// that posted; returns the payload.
    std::shared_ptr<const std::string> deliver(const relay::event& e) {
        auto payload = std::make_shared<const std::string>(relay::encode(e));
        state_->channels.deliver(payload);
        run_posted();
        return payload;
    }

    /// The Engine.IO packet every recipient of `payload` must get.
    static std::string expected_packet(const std::string& payload) {
        return "42[\"event.server\"," + payload + "]";
    }

    std::uint64_t counter(const std::string& name) {
        return metrics_.get_counter(name, "").value();
    }

    boost::asio::io_context io_;
    boost::asio::thread_pool pool_{1};
    core::registry metrics_;
    auth::jwt_codec jwt_{"0123456789abcdef0123456789abcdef-test-secret"};
    std::filesystem::path dir_;
    std::unique_ptr<store::store> store_;
    std::shared_ptr<gateway_state> state_;
    std::vector<std::shared_ptr<session>> sessions_;
};

}  // namespace chat::gateway::detail
