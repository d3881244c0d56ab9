#include "gateway/detail/session.hpp"

#include "core/offload.hpp"
#include "core/random.hpp"
#include "gateway/detail/state.hpp"
#include "socketio/packet.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include <sys/socket.h>

namespace chat::gateway::detail {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t max_channels_per_socket = 1000;

void wake(const std::shared_ptr<asio::steady_timer>& t) {
    if (t) asio::post(t->get_executor(), [t] { t->cancel(); });
}

}  // namespace

session::session(gateway_state& gw, std::string sid, asio::ip::address remote,
                 std::optional<std::string> handshake_user, transport_kind transport)
    : gw_(gw),
      sid_(std::move(sid)),
      remote_(remote),
      strand_(asio::make_strand(gw.deps.io)),
      heartbeat_(strand_),
      transport_(transport),
      handshake_user_(std::move(handshake_user)),
      joins_(gw.config.joins_per_socket, std::chrono::steady_clock::now()) {}

std::string session::log_id() const {
    // The session id is a bearer capability for polling: logs get a prefix
    // that tells sessions apart but cannot be used (36 of its 120 bits).
    return sid_.substr(0, 6) + "..";
}

bool session::send(const frame_ptr& f) {
    std::shared_ptr<asio::steady_timer> waiter;
    bool overflow = false;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        frame_ptr rest = f;
        if (direct_fd_ >= 0 && writer_idle_ && queue_.empty()) {
            // The common case of a fan-out: one syscall, no queue, no wake-up
            // of the writer (which would cost a post, a timer cancel and a
            // strand dispatch per socket). Under the mutex, so that the
            // writer, which takes the queue under it, never writes at once.
            const auto n =
                ::send(direct_fd_, f->bytes.data(), f->bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n == static_cast<ssize_t>(f->bytes.size())) return true;
            // The socket buffer is full (or the peer is gone): the writer
            // sends the rest when the socket is writable, or sees the error.
            if (n > 0) {
                auto tail = std::make_shared<frame>();
                tail->bytes.assign(f->bytes, static_cast<std::size_t>(n));
                rest = std::move(tail);
            }
        }
        overflow = queue_.size() >= gw_.config.send_queue_frames ||
                   queued_bytes_ + rest->bytes.size() > gw_.config.send_queue_bytes;
        if (!overflow) {
            queue_.push_back(std::move(rest));
            queued_bytes_ += queue_.back()->bytes.size();
            writer_idle_ = false;
            waiter = std::exchange(waiter_, nullptr);
        }
    }
    if (overflow) {
        // A consumer that cannot keep up is disconnected rather than buffered
        // without bound; it catches up through the API by seq.
        gw_.metrics.dropped_slow.inc();
        gw_.metrics.send_queue_full.inc();
        spdlog::info("gateway: dropping slow consumer sid={} remote={}", log_id(),
                     remote_.to_string());
        close(close_mode::abort, "send queue full");
        return false;
    }
    wake(waiter);
    return true;
}

bool session::take(std::vector<frame_ptr>& out, const std::shared_ptr<asio::steady_timer>& waiter) {
    std::lock_guard lock(mutex_);
    // A poll that was pending across the upgrade must neither steal frames
    // from the WebSocket nor replace its writer's registration.
    if (writer_ && waiter && waiter != writer_) return !closed_;
    if (!queue_.empty()) {
        if (out.empty()) {
            out.swap(queue_);
        } else {
            for (auto& f : queue_) out.push_back(std::move(f));
            queue_.clear();
        }
        queued_bytes_ = 0;
        writer_idle_ = false;
        return true;
    }
    if (closed_) return false;
    if (waiter) waiter_ = waiter;
    writer_idle_ = out.empty() && waiter && waiter == writer_;
    return true;
}

void session::set_direct_writer(int fd, std::shared_ptr<asio::steady_timer> writer) {
    std::lock_guard lock(mutex_);
    direct_fd_ = fd;
    writer_ = std::move(writer);
    writer_idle_ = false;  // until the writer's next take() finds nothing to write
}

bool session::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

void session::close(close_mode mode, std::string_view reason) {
    std::shared_ptr<asio::steady_timer> waiter;
    std::function<void()> abort;
    bool was_connected = false;
    bool await_last_poll = false;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        close_reason_ = reason;
        was_connected = user_.has_value();
        if (mode == close_mode::abort) {
            queue_.clear();
            queued_bytes_ = 0;
            abort = std::move(abort_transport_);
        } else {
            queue_.push_back(gw_.close_frame);
            // A polling client collects what is queued (a CONNECT_ERROR, say)
            // with its next GET, so the session must outlive the close.
            await_last_poll = transport_ == transport_kind::polling;
        }
        waiter = std::exchange(waiter_, nullptr);
    }
    spdlog::debug("gateway: session {} closed: {}", log_id(), reason);
    if (was_connected) gw_.metrics.connected_sockets.dec();
    wake(waiter);
    if (abort) abort();
    gw_.channels.leave_all(this);
    if (!await_last_poll) {
        asio::post(strand_, [self = shared_from_this()] { self->heartbeat_.cancel(); });
        gw_.forget(*this);
        return;
    }
    // Forgotten by the GET that drains the queue, or after pingTimeout at the latest.
    asio::post(strand_, [self = shared_from_this()] {
        self->heartbeat_.expires_after(self->gw_.config.ping_timeout);
        self->heartbeat_.async_wait([self](boost::system::error_code) { self->gw_.forget(*self); });
    });
}

std::string session::close_reason() const {
    std::lock_guard lock(mutex_);
    return close_reason_;
}

transport_kind session::transport() const {
    std::lock_guard lock(mutex_);
    return transport_;
}

void session::switch_to_websocket(std::function<void()> abort) {
    std::shared_ptr<asio::steady_timer> stale_poll;
    {
        std::lock_guard lock(mutex_);
        transport_ = transport_kind::websocket;
        abort_transport_ = std::move(abort);
        // A poll still registered must not steal frames from the WebSocket.
        stale_poll = std::exchange(waiter_, nullptr);
        // The poll's idleness is not the WebSocket writer's, which may still
        // be writing the probe answer: no direct send before it takes the queue.
        writer_idle_ = false;
    }
    wake(stale_poll);
    gw_.metrics.upgrades.inc();
}

void session::attach_websocket(std::function<void()> abort) {
    std::lock_guard lock(mutex_);
    abort_transport_ = std::move(abort);
}

bool session::begin_poll() {
    std::lock_guard lock(mutex_);
    if (polling_) return false;
    polling_ = true;
    return true;
}

void session::end_poll() {
    std::lock_guard lock(mutex_);
    polling_ = false;
}

// Engine.IO v4 "Heartbeat": the server pings every pingInterval; a pong must
// come back within pingTimeout or the session is closed. Timer work runs on
// the session's strand.
void session::start_heartbeat() {
    asio::post(strand_, [self = shared_from_this()] {
        self->schedule_ping(self->gw_.config.ping_interval);
    });
}

void session::schedule_ping(std::chrono::milliseconds delay) {
    heartbeat_.expires_after(delay);
    heartbeat_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        if (auto self = weak.lock(); self && !ec) self->ping();
    });
}

void session::ping() {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        awaiting_pong_ = true;
    }
    send(gw_.ping_frame);
    heartbeat_.expires_after(pong_wait());
    heartbeat_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        if (auto self = weak.lock(); self && !ec) self->on_ping_deadline();
    });
}

std::chrono::milliseconds session::pong_wait() const {
    return std::min(gw_.config.ping_timeout, gw_.config.ping_interval);
}

void session::on_ping_deadline() {
    bool timed_out = false;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        timed_out = awaiting_pong_;
    }
    if (timed_out) {
        gw_.metrics.ping_timeouts.inc();
        close(close_mode::abort, "ping timeout");
        return;
    }
    // The next ping is due pingInterval after the previous one.
    schedule_ping(gw_.config.ping_interval - pong_wait());
}

asio::awaitable<void> session::on_packet(engineio::packet p) {
    using engineio::packet_type;
    // Packets read in the same batch as the one that closed the session
    // (a flood, say) are not served.
    if (closed()) co_return;
    if (p.binary) {
        // Binary attachments only follow BINARY_EVENT / BINARY_ACK, which we refuse.
        gw_.metrics.invalid_packets.inc();
        close(close_mode::abort, "binary packets are not supported");
        co_return;
    }
    switch (p.type) {
        case packet_type::pong: {
            std::lock_guard lock(mutex_);
            awaiting_pong_ = false;
            co_return;
        }
        case packet_type::ping:
            // v4 clients do not ping outside the upgrade probe; answer anyway.
            send(make_frame("3" + p.data));
            co_return;
        case packet_type::message:
            co_await on_socketio(p.data);
            co_return;
        case packet_type::close:
            close(close_mode::abort, "client closed");
            co_return;
        case packet_type::noop:
            co_return;
        case packet_type::open:
        case packet_type::upgrade:
            break;  // never valid here; the upgrade packet is handled by the WebSocket transport
    }
    gw_.metrics.invalid_packets.inc();
    close(close_mode::abort, "unexpected Engine.IO packet");
}

void session::send_event(const json::value& payload, std::optional<std::uint64_t> ack_id) {
    const auto body = json::serialize(payload);
    if (ack_id) {
        send(make_socketio_frame(socketio::encode_ack(*ack_id, "[" + body + "]")));
    } else {
        send(make_socketio_frame(socketio::encode_event("event.server", body)));
    }
}

asio::awaitable<void> session::on_socketio(std::string_view text) {
    auto parsed = socketio::parse(text);
    if (!parsed) {
        gw_.metrics.invalid_packets.inc();
        spdlog::debug("gateway: invalid Socket.IO packet from {}: {}", remote_.to_string(),
                      parsed.error().message());
        close(close_mode::abort, "invalid Socket.IO packet");
        co_return;
    }
    auto& pkt = *parsed;
    if (pkt.nsp != "/" && pkt.type != socketio::packet_type::connect) {
        // Only the main namespace is ever connected (SPEC §2); packets for any
        // other are not served.
        gw_.metrics.invalid_packets.inc();
        co_return;
    }
    bool connected = false;
    {
        std::lock_guard lock(mutex_);
        connected = user_.has_value();
    }
    switch (pkt.type) {
        case socketio::packet_type::connect: {
            if (pkt.nsp != "/") {
                socketio::packet err{socketio::packet_type::connect_error, pkt.nsp, std::nullopt,
                                     json::object{{"message", "Invalid namespace"}}, 0};
                send(make_socketio_frame(socketio::encode(err)));
                co_return;
            }
            if (connected) co_return;  // a repeated CONNECT changes nothing
            std::optional<std::string> user;
            if (pkt.data && pkt.data->is_object()) {
                if (const auto* t = pkt.data->as_object().if_contains("token");
                    t && t->is_string()) {
                    user = gw_.verify_token(t->get_string());
                }
            }
            if (!user) user = handshake_user_;
            if (!user) {
                gw_.metrics.auth_failures.inc();
                send(make_socketio_frame(socketio::encode_connect_error(
                    "Authentication error: a valid token is required")));
                close(close_mode::graceful, "authentication failed");
                co_return;
            }
            {
                std::lock_guard lock(mutex_);
                user_ = *user;
            }
            gw_.metrics.connected_sockets.inc();
            send(make_socketio_frame(
                socketio::encode_connect(core::base64url_encode(core::random_bytes(15)))));
            co_return;
        }
        case socketio::packet_type::disconnect:
            close(close_mode::abort, "client disconnected");
            co_return;
        case socketio::packet_type::event: {
            if (!connected) break;
            const auto& args = pkt.data->as_array();
            if (args[0].as_string() == "event.client") {
                static const json::value missing;
                const auto& request = args.size() > 1 ? args[1] : missing;
                if (!admit_join(request, pkt.id)) co_return;
                co_await on_join(request, pkt.id);
            } else if (pkt.id) {
                send(make_socketio_frame(socketio::encode_ack(*pkt.id, "[]")));
            }
            co_return;
        }
        case socketio::packet_type::ack:
            co_return;  // we never ask for acks
        case socketio::packet_type::binary_event:
        case socketio::packet_type::binary_ack:
            // Binary payloads are not part of the product's protocol: refuse
            // the whole socket rather than buffer attachments we would ignore.
            send(make_socketio_frame("1"));
            close(close_mode::graceful, "binary events are not supported");
            co_return;
        case socketio::packet_type::connect_error:
            break;
    }
    gw_.metrics.invalid_packets.inc();
    close(close_mode::abort, "unexpected Socket.IO packet");
}

bool session::admit_join(const json::value& request, std::optional<std::uint64_t> ack_id) {
    core::rate_decision d;
    bool flooding = false;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        d = joins_.acquire(std::chrono::steady_clock::now());
        joins_refused_in_a_row_ = d.allowed ? 0 : joins_refused_in_a_row_ + 1;
        flooding = joins_refused_in_a_row_ >= gw_.config.join_flood_limit;
    }
    if (d.allowed) return true;
    gw_.metrics.join_rate_limited.inc();
    gw_.metrics.joins_refused.inc();
    if (flooding) {
        // It ignores the refusals it is sent: stop reading from it at all.
        gw_.metrics.dropped_flooding.inc();
        spdlog::info("gateway: dropping socket flooding joins sid={} remote={}", log_id(),
                     remote_.to_string());
        close(close_mode::abort, "join flood");
        return false;
    }
    json::object answer;
    if (request.is_object()) {
        for (const char* key : {"type", "roomId", "userId"}) {
            if (const auto* v = request.as_object().if_contains(key)) answer[key] = *v;
        }
    }
    answer["msg"] = "connection failure";
    answer["error"] = json::object{{"code", "rate_limited"},
                                   {"message", "too many join requests; retry in " +
                                                   std::to_string(d.retry_after.count()) + " ms"},
                                   {"retryAfterMs", d.retry_after.count()}};
    send_event(answer, ack_id);
    return false;
}

// SPEC §2: joins on event.client, answered on event.server (or as the ack).
asio::awaitable<void> session::on_join(const json::value& request,
                                       std::optional<std::uint64_t> ack_id) {
    json::object answer;
    auto fail = [&](std::string_view code, std::string_view message) {
        gw_.metrics.joins_refused.inc();
        answer["msg"] = "connection failure";
        answer["error"] = json::object{{"code", code}, {"message", message}};
        send_event(answer, ack_id);
    };
    if (!request.is_object()) {
        fail("invalid_request", "the join request must be a JSON object");
        co_return;
    }
    const auto& req = request.as_object();
    const auto* type = req.if_contains("type");
    if (type) answer["type"] = *type;
    if (!type || !type->is_string()) {
        fail("invalid_request", "type must be \"chat\", \"person\" or \"all\"");
        co_return;
    }
    std::string user;
    {
        std::lock_guard lock(mutex_);
        user = *user_;
    }
    const std::string_view kind = type->get_string();
    std::string channel;
    if (kind == "chat") {
        const auto* room = req.if_contains("roomId");
        if (room) answer["roomId"] = *room;
        if (!room || !room->is_string() || !core::is_uuid(room->get_string())) {
            fail("invalid_request", "roomId must be a room id");
            co_return;
        }
        std::string room_id(room->get_string());
        for (auto& c : room_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        bool allowed = false;
        try {
            auto& store = gw_.deps.store;
            auto check = core::offload(gw_.deps.blocking, [&store, room_id, user] {
                return store.is_participant(room_id, user);
            });
            allowed = co_await std::move(check);
        } catch (const std::exception& e) {
            spdlog::warn("gateway: participant check failed: {}", e.what());
            fail("unavailable", "the room cannot be checked right now; retry later");
            co_return;
        }
        if (!allowed) {
            fail("forbidden", "not a participant of this room");
            co_return;
        }
        channel = room_channel(room_id);
    } else if (kind == "person") {
        const auto* target = req.if_contains("userId");
        if (target) answer["userId"] = *target;
        if (!target || !target->is_string()) {
            fail("invalid_request", "userId must be a user id");
            co_return;
        }
        if (target->get_string() != user) {
            fail("forbidden", "a socket may join only its own person channel");
            co_return;
        }
        channel = person_channel(user);
    } else if (kind == "all") {
        channel = all_channel;
    } else {
        fail("invalid_request", "type must be \"chat\", \"person\" or \"all\"");
        co_return;
    }
    if (closed()) co_return;
    if (!gw_.channels.join(channel, shared_from_this(), user, max_channels_per_socket)) {
        gw_.metrics.channels_per_socket.inc();
        fail("too_many_joins", "this socket has joined too many channels");
        co_return;
    }
    gw_.metrics.joins_ok.inc();
    answer["msg"] = "connection success";
    send_event(answer, ack_id);
}

}  // namespace chat::gateway::detail
