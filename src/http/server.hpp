#pragma once
// HTTP/1.1 server on Beast: keep-alive, body limit, read timeouts, access
// log, per-route metrics, WebSocket hand-over, graceful stop.
//
// One coroutine owns each connection on its own strand (Beast
// http_server_awaitable). stop() closes the acceptor, closes idle
// connections and lets requests in flight finish; drained() tells when the
// last connection has gone.

#include "http/router.hpp"
#include "http/types.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace chat::http {

struct server_config {
    asio::ip::tcp::endpoint listen;
    std::size_t body_limit = 1024 * 1024;
    std::size_t header_limit = 16 * 1024;
    std::chrono::milliseconds header_timeout{10'000};  // from first byte wait to full header
    std::chrono::milliseconds body_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive wait for the next request
    bool access_log = true;
};

/// The request target as the access log shows it: the values of query
/// parameters that are credentials (sid: an Engine.IO session is a bearer
/// capability; token, access_token, refresh_token) replaced by "REDACTED".
std::string loggable_target(std::string_view target);

/// Parses "host:port", "[v6]:port" or ":port". Throws std::invalid_argument.
asio::ip::tcp::endpoint parse_endpoint(std::string_view text);

class server {
public:
    server(asio::io_context& io, server_config config, const router& routes);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds and starts accepting. Returns the bound endpoint (port 0 resolved).
    asio::ip::tcp::endpoint start();
    /// Stops accepting; idle connections are closed, busy ones finish their
    /// request and then close. Thread safe, idempotent.
    void stop();
    /// Number of open connections (for draining and metrics).
    std::size_t connections() const noexcept;

    struct state;  // shared with the connection coroutines

private:
    std::shared_ptr<state> state_;
};

}  // namespace chat::http
