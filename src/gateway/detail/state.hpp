#pragma once
// What every part of the gateway shares: configuration, dependencies, the
// session table, the hub, metrics and the frames that never change.

#include "gateway/detail/hub.hpp"
#include "gateway/detail/session.hpp"
#include "gateway/gateway.hpp"
#include "http/response.hpp"
#include "http/types.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

namespace chat::gateway::detail {

struct gateway_metrics {
    explicit gateway_metrics(core::registry& r);
    core::counter& connections;  // sessions opened
    core::counter& refused;      // handshakes refused (limits, shutdown)
    core::gauge& open_sessions;
    core::gauge& connected_sockets;  // Socket.IO sockets past CONNECT
    core::counter& auth_failures;
    core::counter& joins_ok;
    core::counter& joins_refused;
    core::counter& dropped_slow;  // slow consumers disconnected
    core::counter& ping_timeouts;
    core::counter& invalid_packets;
    core::counter& upgrades;
    // Per limit, in chat_limit_refusals_total{limit=...}.
    core::counter& refused_connections;         // max_connections
    core::counter& refused_connections_per_ip;  // max_connections_per_ip
    core::counter& send_queue_full;             // the same drops as dropped_slow
    core::counter& join_rate_limited;           // joins refused by joins_per_socket
    core::counter& channels_per_socket;         // joins past the channel cap
    core::counter& dropped_flooding;            // sockets dropped for a join flood
};

class gateway_state : public std::enable_shared_from_this<gateway_state> {
public:
    gateway_state(gateway_config c, gateway_dependencies d);

    const gateway_config config;
    gateway_dependencies deps;
    gateway_metrics metrics;
    hub channels;
    const frame_ptr ping_frame = make_frame("2");
    const frame_ptr noop_frame = make_frame("6");
    const frame_ptr close_frame = make_frame("1");

    /// A new session registered in the table, or nullptr when a connection
    /// limit is reached or the gateway is stopping.
    std::shared_ptr<session> create_session(const boost::asio::ip::address& remote,
                                            std::optional<std::string> handshake_user,
                                            transport_kind transport);
    std::shared_ptr<session> find(const std::string& sid) const;
    /// Called once by a session as it closes.
    void forget(const session& s);
    std::size_t size() const;
    void stop();
    bool stopping() const noexcept { return stopping_.load(); }

    /// The user id of a valid access token, or nullopt.
    std::optional<std::string> verify_token(std::string_view token) const;
    /// The user id of a valid `Authorization: Bearer` header, or nullopt.
    std::optional<std::string> verify_header(const http::request& req) const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<session>> sessions_;
    std::map<boost::asio::ip::address, std::size_t> per_ip_;
    std::atomic<bool> stopping_{false};
};

/// Engine.IO's HTTP error answer: 400 {"code":N,"message":"..."}.
http::response engineio_error(int code, std::string_view message, unsigned version);

/// The HTTP side: handshake, polling GET/POST, CORS, and the WebSocket upgrade.
http::handler make_polling_handler(std::shared_ptr<gateway_state> gw);
http::upgrade_handler make_upgrade_handler(std::shared_ptr<gateway_state> gw);

}  // namespace chat::gateway::detail
