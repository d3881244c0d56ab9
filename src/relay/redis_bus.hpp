#pragma once
// The Redis implementation of the broker seam (SPEC §1, §3): the API publishes
// encoded relay events on one pub/sub channel; every gateway subscribes to it.
// Redis pub/sub is fire-and-forget, so an event that misses a gateway is not
// lost data: the rows stay committed and clients catch up by seq through the API.

#include "relay/bus.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace chat::core {
class registry;
}  // namespace chat::core

namespace chat::relay {

struct redis_config {
    /// redis://[[user]:password@]host[:port][/db]. A user needs a password (Redis 6+ ACL:
    /// AUTH user password); `:password@` alone authenticates the default user. The db is
    /// accepted for compatibility and not used: pub/sub channels span every database.
    std::string url = "redis://127.0.0.1:6379";
    /// Pub/sub channel of the relay events (SPEC §3).
    std::string channel = "relay";
    /// Bounds a TCP connect plus AUTH (and SUBSCRIBE for the subscriber).
    std::chrono::milliseconds connect_timeout{2000};
    /// Bounds the wait for each reply; past it the connection is treated as dead.
    std::chrono::milliseconds reply_timeout{2000};
    /// Reconnect delays: doubling from min to max, each jittered down to half.
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{5000};
    /// An idle connection sends PING this often, so a half-open one is noticed
    /// (and healthy() turns false) without waiting for TCP keep-alive.
    std::chrono::milliseconds ping_interval{5000};
    /// How long stop() keeps flushing queued publishes over a live connection.
    std::chrono::milliseconds drain_timeout{500};
    /// Publishes queued while Redis is slow or down; past this the oldest are dropped.
    std::size_t max_pending_publishes = 100000;
};

/// Where parse_redis_url() says to connect.
struct redis_endpoint {
    std::string host;  // name or address; IPv6 without brackets
    std::uint16_t port = 6379;
    std::string user;      // empty: the default user
    std::string password;  // empty: no AUTH
    int db = 0;

    bool operator==(const redis_endpoint&) const = default;
};

/// Parses redis://[[user]:password@]host[:port][/db], percent-decoding user and password.
/// Throws std::invalid_argument, with a message that never contains the password, for
/// another scheme (rediss:// needs TLS, which hiredis 0.14 lacks), an empty host, a bad
/// port or db, a user without a password, or a query or fragment.
redis_endpoint parse_redis_url(std::string_view url);

/// A relay bus over Redis PUBLISH / SUBSCRIBE with two connections, each driven by
/// its own thread, so no caller and no I/O thread ever waits on Redis.
///
/// publish() only queues (bounded by max_pending_publishes, dropping the oldest): a
/// publisher thread sends the queue in pipelined batches. Publishes made while Redis
/// is down wait in the queue and go out after the reconnect; one whose connection
/// broke before Redis answered is sent again (at-least-once: a relay event is a
/// signal, so a duplicate is harmless and a loss costs a client a round trip).
///
/// The subscriber thread SUBSCRIBEs to the channel and calls every subscriber with
/// one shared payload per message, whoever published it (this bus, another node,
/// redis-cli). After a Redis restart it reconnects with backoff and subscribes again
/// by itself; messages published while it was away are not replayed (pub/sub).
///
/// Metrics: chat_relay_redis_{published,publish_failures,dropped,received,
/// delivery_failures}_total, chat_relay_redis_{reconnects,connection_errors}_total{role},
/// gauges chat_relay_redis_connected{role} (0/1, role publisher|subscriber) and
/// chat_relay_redis_pending. Errors are logged (spdlog), at most one line per streak
/// or per interval, never with the password.
///
/// Thread safety: every member may be called from any thread.
class redis_bus : public bus {
public:
    struct status {
        bool publisher_connected = false;   // connected and authenticated
        bool subscriber_connected = false;  // SUBSCRIBE confirmed by Redis
        std::size_t pending = 0;            // publishes queued, not yet acknowledged
    };

    /// Queues `payload`; never blocks or throws (std::bad_alloc aside). After stop()
    /// the payload is dropped and counted.
    void publish(std::string payload) override = 0;
    /// Adds a subscriber for every later message. A subscriber runs on the
    /// subscriber thread and must not block; an exception it throws is caught, logged
    /// and counted, and the others still get the message.
    void subscribe(subscriber s) override = 0;

    /// Both connections are up: readiness for /actuator/health.
    virtual bool healthy() const noexcept = 0;
    virtual status state() const = 0;

    /// Stops both threads and closes the connections. While the publisher is
    /// connected it first flushes the queue for at most drain_timeout; whatever
    /// is left is dropped and counted. Returns promptly when Redis is down.
    /// Idempotent; the destructor calls it. No subscriber runs after it returns, and
    /// a subscriber must not call it (it joins the thread the subscriber runs on).
    virtual void stop() = 0;
};

/// Starts a Redis bus; the threads connect in the background, so this returns at once
/// even when Redis is down (healthy() says when it is up). `metrics` must outlive the
/// bus. Throws std::invalid_argument for a bad url or an empty channel.
std::unique_ptr<redis_bus> make_redis_bus(redis_config config, core::registry& metrics);

}  // namespace chat::relay
