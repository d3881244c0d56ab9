#pragma once
// N Socket.IO clients over raw WebSocket, each on its own TCP connection:
// upgrade with `Authorization: Bearer`, Engine.IO open, Socket.IO CONNECT,
// the seed's room join (SPEC §2), then pongs to the server's pings and a
// receipt time for every relay event (SPEC §3) that carries a `seq`.
//
// The clients run on a few io_context threads; a client belongs to one of
// them for its whole life, so the per-thread receipt logs need no lock.
//
// Thread safety: start(), the counters, take_latencies() and stop() may be
// called from any one controlling thread; latencies() only after stop().

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace chat::bench {

/// Monotonic nanoseconds (steady_clock), the time base of every latency.
inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// When the message with a given per-room `seq` was posted. The poster
/// writes an entry before sending the request; clients read it when the
/// event arrives, which is always later (the event is caused by the post).
/// A negative time marks a warm-up post: its events are counted as
/// deliveries but not timed.
class send_times {
public:
    send_times(std::size_t rooms, std::size_t max_seq);
    void record(std::size_t room, std::uint64_t seq, std::int64_t ns);
    /// 0 when `seq` was never recorded.
    std::int64_t get(std::size_t room, std::uint64_t seq) const;

private:
    std::size_t max_seq_;
    std::unique_ptr<std::atomic<std::int64_t>[]> times_;
};

struct fleet_config {
    boost::asio::ip::tcp::endpoint server;
    std::string target = "/socket.io/?EIO=4&transport=websocket";
    std::vector<std::string> room_ids;  // client i joins room_ids[i % size]
    /// Every client joins every room instead (one join after the other), and
    /// an event's room is found by its roomId.
    bool join_every_room = false;
    std::vector<std::string> tokens;  // client i presents tokens[i % size]
    /// Local addresses to connect from, client i from [i % size]; empty: the
    /// kernel picks. One address gives at most ~28k connections to one server
    /// port (the ephemeral port range); 127.0.0.x all reach a loopback server.
    std::vector<boost::asio::ip::address> source_addresses;
    std::size_t clients = 0;
    std::size_t in_flight = 500;  // handshakes at once (SYN and accept backlog)
    unsigned threads = 1;
};

class fleet {
public:
    fleet(fleet_config config, const send_times& sent);
    ~fleet();
    fleet(const fleet&) = delete;
    fleet& operator=(const fleet&) = delete;

    /// Starts the threads and the first `in_flight` handshakes; each client
    /// that joins or fails starts the next.
    void start();
    /// Clients that completed the room join, and those that failed on the way.
    std::size_t joined() const;
    std::size_t failed() const;
    /// Clients that lost their connection after joining.
    std::size_t dropped() const;
    /// Relay events received, their total frame bytes (header included),
    /// and events whose seq had no recorded send time.
    std::uint64_t deliveries() const;
    std::uint64_t delivered_bytes() const;
    std::uint64_t unmatched() const;
    /// The newest receipt time (now_ns) of any relay event; 0 before the first.
    std::int64_t last_receipt_ns() const;
    /// Stops the threads; every client is abandoned (the process exits next).
    void stop();
    /// Publish-to-receipt latency of every event received, in nanoseconds.
    std::vector<std::int64_t> latencies() const;
    /// The latencies received since the previous call, while the threads run
    /// (each worker hands its log over on its own thread).
    std::vector<std::int64_t> take_latencies();

    struct worker;

private:
    void launch_next();

    fleet_config config_;
    const send_times& sent_;
    std::vector<std::unique_ptr<worker>> workers_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> next_{0};
};

}  // namespace chat::bench
