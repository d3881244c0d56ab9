#pragma once
// One Engine.IO session (and the Socket.IO socket on it). Transports — a
// polling request or a WebSocket connection — come and go; the session keeps
// the outbound queue, the heartbeat and the Socket.IO state.
//
// Thread safety: every member function may be called from any thread; state
// is guarded by one mutex held only for short, non-blocking sections. A
// transport waits for frames by handing over a timer that send() cancels.

#include "core/rate_limit.hpp"
#include "engineio/packet.hpp"
#include "gateway/detail/frame.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace chat::gateway::detail {

class gateway_state;

enum class transport_kind { polling, websocket };
enum class close_mode {
    graceful,  // flush what is queued, then a close packet
    abort,     // drop the queue and the connection now (dead or slow peer)
};

class session : public std::enable_shared_from_this<session> {
public:
    session(gateway_state& gw, std::string sid, boost::asio::ip::address remote,
            std::optional<std::string> handshake_user, transport_kind transport);

    const std::string& sid() const noexcept { return sid_; }
    /// What logs show of the session id: a prefix, never the whole capability.
    std::string log_id() const;
    const boost::asio::ip::address& remote() const noexcept { return remote_; }

    /// Sends or queues a frame. While the WebSocket's writer is idle and
    /// nothing is queued, the frame is written straight to the socket (one
    /// non-blocking send on the caller's thread); what the kernel does not
    /// take is queued for the writer. Past the queue limits the session is
    /// dropped as a slow consumer. False when the frame was neither sent nor queued.
    bool send(const frame_ptr& f);

    /// Moves every queued frame into `out`. When there is none and the
    /// session is open, `waiter` (if given) is cancelled by the next send or
    /// close. Returns false once the session is closed and nothing is left.
    /// A writer calls it before each write with what it is about to write in
    /// `out`: when `out` stays empty the writer is idle, and send() may write
    /// to the direct descriptor itself until the writer is woken.
    bool take(std::vector<frame_ptr>& out,
              const std::shared_ptr<boost::asio::steady_timer>& waiter);

    /// The WebSocket's descriptor for direct sends and the timer its writer
    /// waits on (what it passes to take()); -1 and nullptr stop them. The
    /// transport clears them before it closes the socket, so that a send never
    /// reaches a descriptor number that was closed (and possibly reused).
    /// While a writer is set, a take() with another waiter (a poll left over
    /// from before the upgrade) gets nothing and registers nothing.
    void set_direct_writer(int fd, std::shared_ptr<boost::asio::steady_timer> writer);

    /// Closes the session (idempotent): leaves every channel, stops the
    /// heartbeat, wakes or aborts the transport.
    void close(close_mode mode, std::string_view reason);
    bool closed() const;
    /// Why the session closed (empty while open): the WebSocket close frame's reason.
    std::string close_reason() const;

    /// Handles one packet from the client: heartbeat, upgrade, Socket.IO.
    /// Protocol violations close the session.
    boost::asio::awaitable<void> on_packet(engineio::packet p);

    // --- transport bookkeeping ---------------------------------------------
    transport_kind transport() const;
    /// Completes the polling → WebSocket upgrade (Engine.IO v4 "Upgrade").
    /// `abort` closes the WebSocket from any thread.
    void switch_to_websocket(std::function<void()> abort);
    /// For a session born on WebSocket.
    void attach_websocket(std::function<void()> abort);
    /// One long-polling GET at a time; false if one is already pending.
    bool begin_poll();
    void end_poll();

    void start_heartbeat();

private:
    boost::asio::awaitable<void> on_socketio(std::string_view text);
    boost::asio::awaitable<void> on_join(const boost::json::value& request,
                                         std::optional<std::uint64_t> ack_id);
    /// Takes a join token; false (after answering the refusal, or dropping a
    /// socket that keeps flooding) when the join must not proceed.
    bool admit_join(const boost::json::value& request, std::optional<std::uint64_t> ack_id);
    void send_event(const boost::json::value& payload, std::optional<std::uint64_t> ack_id);
    void schedule_ping(std::chrono::milliseconds delay);
    void ping();
    void on_ping_deadline();
    std::chrono::milliseconds pong_wait() const;

    gateway_state& gw_;
    const std::string sid_;
    const boost::asio::ip::address remote_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;  // heartbeat timer
    boost::asio::steady_timer heartbeat_;

    mutable std::mutex mutex_;
    std::vector<frame_ptr> queue_;  // not a deque: an idle socket should own no buffer
    std::size_t queued_bytes_ = 0;
    std::shared_ptr<boost::asio::steady_timer> waiter_;
    int direct_fd_ = -1;                                 // the WebSocket, while attached
    std::shared_ptr<boost::asio::steady_timer> writer_;  // its writer's waiter
    bool writer_idle_ = false;  // the writer waits on waiter_: send() may write itself
    std::function<void()> abort_transport_;
    transport_kind transport_;
    bool closed_ = false;
    std::string close_reason_;
    bool polling_ = false;
    bool awaiting_pong_ = false;
    // Socket.IO state.
    std::optional<std::string> handshake_user_;  // from the Authorization header
    std::optional<std::string> user_;            // set once CONNECT is accepted
    core::token_bucket joins_;                   // event.client rate limit
    std::size_t joins_refused_in_a_row_ = 0;
};

}  // namespace chat::gateway::detail
