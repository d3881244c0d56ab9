#pragma once
// The Socket.IO gateway (SPEC §2): Engine.IO v4 over WebSocket and HTTP
// long-polling, Socket.IO v5 on the main namespace, JWT authentication, the
// seed's join protocol on `event.client` / `event.server`, and fan-out of
// relay events from the bus to the sockets joined to a room, a person or all.
//
// Thread safety: construct, register_routes and attach happen at start-up;
// stop() may be called from any thread.

#include "auth/jwt.hpp"
#include "core/metrics.hpp"
#include "core/rate_limit.hpp"
#include "http/router.hpp"
#include "relay/bus.hpp"
#include "store/store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace chat::gateway {

namespace detail {
class gateway_state;
}

struct gateway_config {
    std::string path = "/socket.io/";
    std::chrono::milliseconds ping_interval{25'000};
    std::chrono::milliseconds ping_timeout{20'000};
    std::size_t max_payload = 1'000'000;    // bytes per polling body / WebSocket message
    std::vector<std::string> cors_origins;  // empty: no CORS headers; "*" any origin
    std::size_t max_connections = 200'000;  // Engine.IO sessions in this process
    std::size_t max_connections_per_ip = 100'000;
    std::size_t send_queue_frames = 1024;  // per socket; beyond: the socket is dropped
    std::size_t send_queue_bytes = 4 * 1024 * 1024;
    /// event.client joins per socket; beyond, joins are refused with
    /// "rate_limited", and a socket refused join_flood_limit times in a row
    /// is dropped. A burst of 1200 lets a client join all its rooms at once.
    core::rate joins_per_socket{1200, std::chrono::minutes(1)};
    std::size_t join_flood_limit = 100;
};

struct gateway_dependencies {
    boost::asio::io_context& io;
    const auth::jwt_codec& jwt;
    store::store& store;                 // participant checks for room joins
    boost::asio::thread_pool& blocking;  // where those checks run
    core::registry& metrics;
};

class gateway {
public:
    gateway(gateway_config config, gateway_dependencies deps);
    ~gateway();
    gateway(const gateway&) = delete;
    gateway& operator=(const gateway&) = delete;

    /// Mounts the Engine.IO endpoint (polling and WebSocket upgrade) at config.path.
    void register_routes(http::router& r);
    /// Subscribes to relay events; each is forwarded to its channel's sockets.
    void attach(relay::bus& bus);
    /// Closes every socket with a close packet; new handshakes are refused.
    void stop();
    /// Open Engine.IO sessions.
    std::size_t sessions() const;

private:
    std::shared_ptr<detail::gateway_state> state_;
};

}  // namespace chat::gateway
