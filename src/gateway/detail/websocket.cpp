// Engine.IO over WebSocket (Engine.IO v4 "Transports / WebSocket", RFC 6455):
// the handshake, a reader and a writer per connection on the connection's
// strand, and the polling → WebSocket upgrade ("Upgrade": probe, upgrade).

#include "gateway/detail/state.hpp"
#include "websocket/frame.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <memory>

namespace chat::gateway::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr auto write_timeout = std::chrono::seconds(30);

frame_ptr raw_frame(std::string bytes) {
    auto f = std::make_shared<frame>();
    f->bytes = std::move(bytes);
    return f;
}

class ws_connection : public std::enable_shared_from_this<ws_connection> {
public:
    ws_connection(std::shared_ptr<gateway_state> gw, beast::tcp_stream stream,
                  std::shared_ptr<session> s, bool upgrading)
        : gw_(std::move(gw)),
          socket_(stream.release_socket()),
          session_(std::move(s)),
          wake_(std::make_shared<asio::steady_timer>(socket_.get_executor())),
          parser_(gw_->config.max_payload),
          upgrading_(upgrading) {}

    static asio::awaitable<void> run(std::shared_ptr<ws_connection> self) {
        if (!self->upgrading_) {
            self->session_->attach_websocket(self->aborter());
            self->session_->set_direct_writer(self->socket_.native_handle(), self->wake_);
            self->attached_ = true;
            engineio::handshake h{self->session_->sid(),
                                  {},
                                  self->gw_->config.ping_interval,
                                  self->gw_->config.ping_timeout,
                                  self->gw_->config.max_payload};
            self->control(make_frame(engineio::encode_open(h)));
            self->session_->start_heartbeat();
        }
        asio::co_spawn(self->socket_.get_executor(), write_loop(self), asio::detached);
        auto reading = self->read_loop();
        co_await std::move(reading);
        // The peer is gone or broke the protocol. A probe that never completed
        // leaves the polling session alone.
        if (self->attached_) {
            // After a close frame (ours or the peer's) the writer finishes the
            // closing handshake and closes the socket itself; aborting it now
            // could lose the close frame.
            if (self->closing_) self->session_->attach_websocket({});
            self->session_->close(close_mode::abort, "websocket closed");
        }
        self->done_ = true;
        self->wake_->cancel();
    }

private:
    // Closes the socket from any thread: pending reads and writes fail at once.
    std::function<void()> aborter() {
        return [weak = weak_from_this()] {
            if (auto self = weak.lock()) {
                asio::post(self->socket_.get_executor(), [self] {
                    boost::system::error_code ec;
                    self->socket_.close(ec);
                });
            }
        };
    }

    // Frames written ahead of the session queue (open, pong, probe answer,
    // close). Only touched on the strand.
    void control(frame_ptr f) {
        control_.push_back(std::move(f));
        wake_->cancel();
    }

    void fail(websocket::close_code code, std::string_view why) {
        gw_->metrics.invalid_packets.inc();
        spdlog::debug("gateway: websocket protocol error: {}", why);
        control(raw_frame(websocket::encode_close(code, why)));
        closing_ = true;
    }

    asio::awaitable<void> read_loop() {
        // Idle sockets hold no read buffer: wait for readability, then read
        // into a per-thread buffer; only a partial frame is kept per socket.
        thread_local std::array<char, 64 * 1024> scratch;
        auto& socket = socket_;
        boost::system::error_code ec;
        socket.non_blocking(true, ec);
        std::vector<websocket::message> messages;
        while (!closing_) {
            co_await socket.async_wait(tcp::socket::wait_read,
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            const std::size_t n = socket.read_some(asio::buffer(scratch), ec);
            if (ec == asio::error::would_block) continue;
            if (ec || n == 0) co_return;
            std::string_view input;
            if (pending_.empty()) {
                input = std::string_view(scratch.data(), n);
            } else {
                pending_.append(scratch.data(), n);
                input = pending_;
            }
            messages.clear();
            while (auto m = parser_.next(input)) messages.push_back(std::move(*m));
            std::string rest(input);
            pending_ = std::move(rest);
            for (auto& m : messages) {
                auto handled = on_message(std::move(m));
                co_await std::move(handled);
                if (closing_) break;
            }
            if (!closing_ && parser_.error()) fail(*parser_.error(), parser_.error_message());
        }
    }

    asio::awaitable<void> on_message(websocket::message m) {
        using websocket::opcode;
        switch (m.op) {
            case opcode::ping:
                control(raw_frame(websocket::encode_frame(opcode::pong, m.payload)));
                co_return;
            case opcode::pong:
                co_return;
            case opcode::close:
                control(raw_frame(websocket::encode_frame(opcode::close, m.payload)));
                closing_ = true;
                co_return;
            case opcode::binary: {
                if (!attached_) break;
                auto handled = session_->on_packet(engineio::parse_binary(m.payload));
                co_await std::move(handled);
                co_return;
            }
            case opcode::text: {
                auto p = engineio::parse_text(m.payload);
                if (!p) break;
                if (attached_) {
                    auto handled = session_->on_packet(std::move(*p));
                    co_await std::move(handled);
                    co_return;
                }
                // Engine.IO v4 "Upgrade": "2probe" → "3probe", a noop to
                // release the pending poll, then "5" switches transports.
                if (p->type == engineio::packet_type::ping && p->data == "probe") {
                    control(make_frame("3probe"));
                    session_->send(gw_->noop_frame);
                    co_return;
                }
                if (p->type == engineio::packet_type::upgrade) {
                    session_->switch_to_websocket(aborter());
                    session_->set_direct_writer(socket_.native_handle(), wake_);
                    attached_ = true;
                    wake_->cancel();
                    co_return;
                }
                break;
            }
            case opcode::continuation:
                break;
        }
        fail(websocket::close_code::protocol_error, "unexpected message");
    }

    static asio::awaitable<void> write_loop(std::shared_ptr<ws_connection> self) {
        std::vector<frame_ptr> batch;
        std::vector<asio::const_buffer> buffers;
        boost::system::error_code ec;
        bool session_open = true;
        for (;;) {
            batch.clear();
            for (auto& f : self->control_) batch.push_back(std::move(f));
            self->control_.clear();
            if (self->attached_ && session_open) {
                session_open = self->session_->take(batch, self->wake_);
            }
            if (batch.empty()) {
                if (self->done_ || self->closing_ || !session_open) break;
                self->wake_->expires_at(asio::steady_timer::time_point::max());
                co_await self->wake_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
                continue;
            }
            // Everything queued goes out in one gathered write.
            buffers.clear();
            for (const auto& f : batch) buffers.emplace_back(asio::buffer(f->bytes));
            co_await asio::async_write(self->socket_, buffers,
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                if (self->attached_) self->session_->close(close_mode::abort, "write failed");
                self->closing_ = true;
                break;
            }
        }
        // No direct send may reach the descriptor once it is closed (and reused).
        if (self->attached_) self->session_->set_direct_writer(-1, nullptr);
        // RFC 6455 §7.1.2: the server starts the closing handshake, then closes TCP.
        if (!ec && !self->closing_) {
            // The reason says why (e.g. "server shutting down"), for the peer's logs.
            auto reason = self->attached_ ? self->session_->close_reason() : std::string();
            if (reason.empty()) reason = "session closed";
            const auto bye = websocket::encode_close(websocket::close_code::going_away, reason);
            // Best effort and never waiting: the socket is non-blocking, and a
            // peer that does not read gets its TCP connection closed anyway.
            self->socket_.write_some(asio::buffer(bye), ec);
        }
        if (self->closing_ && !ec) {
            auto lingering = linger(self);
            co_await std::move(lingering);
        }
        self->socket_.shutdown(tcp::socket::shutdown_both, ec);
        self->socket_.close(ec);
    }

    // RFC 6455 §7.1.1: after its close frame the server closes TCP. A peer
    // may still be sending (the rest of an oversized frame, say); closing
    // with unread input resets the connection, and the peer would lose the
    // close frame and its code. Read and discard for a bounded time and
    // amount first.
    static asio::awaitable<void> linger(std::shared_ptr<ws_connection> self) {
        constexpr std::size_t linger_bytes = 1024 * 1024;
        boost::system::error_code ec;
        self->socket_.shutdown(tcp::socket::shutdown_send, ec);
        asio::steady_timer deadline(self->socket_.get_executor());
        deadline.expires_after(std::chrono::seconds(1));
        deadline.async_wait([self](boost::system::error_code e) {
            if (!e) self->socket_.cancel(e);
        });
        // Its own buffer: the read may complete on another thread.
        auto sink = std::make_unique<std::array<char, 16 * 1024>>();
        for (std::size_t drained = 0; drained < linger_bytes;) {
            const auto n = co_await self->socket_.async_read_some(
                asio::buffer(*sink), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            drained += n;
        }
        deadline.cancel();
    }

    std::shared_ptr<gateway_state> gw_;
    // A plain socket, not beast::tcp_stream: its per-operation timer cost
    // three timer operations per write. A peer that stops reading is dropped
    // by the send-queue bound or the heartbeat instead.
    tcp::socket socket_;
    std::shared_ptr<session> session_;
    std::shared_ptr<asio::steady_timer> wake_;
    websocket::frame_parser parser_;
    std::vector<frame_ptr> control_;
    std::string pending_;
    bool upgrading_;
    bool attached_ = false;  // the session writes through this connection
    bool closing_ = false;   // a close frame is queued or the protocol broke
    bool done_ = false;      // the reader has finished
};

http::response refuse(int code, std::string_view message, unsigned version) {
    auto res = engineio_error(code, message, version);
    res.keep_alive(false);
    return res;
}

asio::awaitable<void> upgrade(std::shared_ptr<gateway_state> gw, beast::tcp_stream& stream_ref,
                              http::request& req, http::request_context& ctx) {
    beast::tcp_stream stream = std::move(stream_ref);
    const auto version = req.version();
    std::optional<http::response> refusal;
    std::shared_ptr<session> s;
    const auto key = ctx.header("Sec-WebSocket-Key");
    const auto sid = ctx.query("sid");
    if (ctx.query("EIO") != std::optional<std::string>("4")) {
        refusal = refuse(5, "Unsupported protocol version", version);
    } else if (ctx.query("transport") != std::optional<std::string>("websocket")) {
        refusal = refuse(0, "Transport unknown", version);
    } else if (req.method() != http::verb::get || ctx.header("Sec-WebSocket-Version") != "13" ||
               !websocket::is_valid_client_key(key)) {
        refusal = refuse(3, "Bad request", version);
    } else if (sid) {
        s = gw->find(*sid);
        if (!s) {
            refusal = refuse(1, "Session ID unknown", version);
        } else if (s->transport() != transport_kind::polling) {
            refusal = refuse(3, "Bad request", version);
        }
    } else {
        s = gw->create_session(ctx.remote, gw->verify_header(req), transport_kind::websocket);
        if (!s) {
            auto res = http::error_response(http::status::service_unavailable, "unavailable",
                                            "too many connections; retry later", ctx.trace_id, {},
                                            version);
            res.keep_alive(false);
            refusal = std::move(res);
        }
    }
    boost::system::error_code ec;
    stream.expires_after(write_timeout);
    if (refusal) {
        co_await bhttp::async_write(stream, *refusal,
                                    asio::redirect_error(asio::use_awaitable, ec));
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        co_return;
    }
    // No extension is negotiated (permessage-deflate would mean per-socket
    // compression of every shared frame).
    bhttp::response<bhttp::empty_body> res{bhttp::status::switching_protocols, version};
    res.set(bhttp::field::upgrade, "websocket");
    res.set(bhttp::field::connection, "Upgrade");
    res.set(bhttp::field::sec_websocket_accept, websocket::accept_key(key));
    co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    stream.expires_never();
    if (ec) {
        if (!sid) s->close(close_mode::abort, "handshake write failed");
        co_return;
    }
    // The connection lives on in its own coroutines, so the HTTP session's
    // frame (parser, buffers, request) is freed now rather than kept for the
    // lifetime of the socket.
    auto executor = stream.get_executor();
    auto conn = std::make_shared<ws_connection>(gw, std::move(stream), s, sid.has_value());
    asio::co_spawn(executor, ws_connection::run(std::move(conn)), asio::detached);
}

}  // namespace

http::upgrade_handler make_upgrade_handler(std::shared_ptr<gateway_state> gw) {
    return [gw](beast::tcp_stream& stream, http::request& req, http::request_context& ctx) {
        return upgrade(gw, stream, req, ctx);
    };
}

}  // namespace chat::gateway::detail
