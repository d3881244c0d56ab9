// Engine.IO over HTTP: the handshake and the long-polling transport
// (Engine.IO v4 "Transports / HTTP long-polling"), with CORS for browsers.

#include "gateway/detail/state.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include <algorithm>

namespace chat::gateway::detail {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

void add_cors(const gateway_state& gw, const http::request_context& ctx, http::response& res) {
    const auto& allowed = gw.config.cors_origins;
    const std::string_view origin = ctx.header("Origin");
    if (allowed.empty() || origin.empty()) return;
    if (std::find(allowed.begin(), allowed.end(), "*") != allowed.end()) {
        res.set(bhttp::field::access_control_allow_origin, "*");
    } else if (std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
        res.set(bhttp::field::access_control_allow_origin, origin);
        res.set(bhttp::field::vary, "Origin");
    }
}

asio::awaitable<http::response> poll(std::shared_ptr<gateway_state> gw, std::shared_ptr<session> s,
                                     unsigned version) {
    if (!s->begin_poll()) {
        // Engine.IO: a second concurrent GET is a protocol error; close the session.
        s->close(close_mode::abort, "concurrent poll");
        co_return engineio_error(3, "Bad request", version);
    }
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    std::vector<frame_ptr> frames;
    bool open = true;
    for (;;) {
        open = s->take(frames, timer);
        if (!frames.empty() || !open || s->transport() != transport_kind::polling) break;
        // Woken by the next send or close; pings bound the wait, the timer is
        // only a safety net.
        timer->expires_after(gw->config.ping_interval + gw->config.ping_timeout);
        boost::system::error_code ec;
        co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) break;  // expired: answer with a noop
    }
    s->end_poll();
    std::string payload;
    for (const auto& f : frames) engineio::append_to_payload(payload, f->packet());
    if (payload.empty()) engineio::append_to_payload(payload, open ? "6" : "1");
    if (s->closed()) gw->forget(*s);  // this GET delivered the last packets
    co_return http::text_response(http::status::ok, std::move(payload), "text/plain; charset=UTF-8",
                                  version);
}

asio::awaitable<http::response> handle(std::shared_ptr<gateway_state> gw,
                                       http::request_context& ctx) {
    const auto version = ctx.req.version();
    const auto method = ctx.req.method();
    auto finish = [&](http::response res) {
        add_cors(*gw, ctx, res);
        return res;
    };
    if (method == http::verb::options) {
        http::response res{http::status::no_content, version};
        res.set(bhttp::field::access_control_allow_methods, "GET, POST, OPTIONS");
        res.set(bhttp::field::access_control_allow_headers, "Authorization, Content-Type");
        res.set(bhttp::field::access_control_max_age, "600");
        co_return finish(std::move(res));
    }
    if (ctx.query("EIO") != std::optional<std::string>("4")) {
        co_return finish(engineio_error(5, "Unsupported protocol version", version));
    }
    const auto transport = ctx.query("transport");
    if (transport != std::optional<std::string>("polling")) {
        // "websocket" here means a plain request without the upgrade headers.
        if (transport == std::optional<std::string>("websocket")) {
            co_return finish(engineio_error(3, "Bad request", version));
        }
        co_return finish(engineio_error(0, "Transport unknown", version));
    }
    const auto sid = ctx.query("sid");
    if (!sid) {
        if (method != http::verb::get)
            co_return finish(engineio_error(2, "Bad handshake method", version));
        auto s =
            gw->create_session(ctx.remote, gw->verify_header(ctx.req), transport_kind::polling);
        if (!s) {
            auto res = http::error_response(http::status::service_unavailable, "unavailable",
                                            "too many connections; retry later", ctx.trace_id, {},
                                            version);
            res.set(bhttp::field::retry_after, "5");
            co_return finish(std::move(res));
        }
        s->start_heartbeat();
        engineio::handshake h{s->sid(),
                              {"websocket"},
                              gw->config.ping_interval,
                              gw->config.ping_timeout,
                              gw->config.max_payload};
        co_return finish(http::text_response(http::status::ok, engineio::encode_open(h),
                                             "text/plain; charset=UTF-8", version));
    }
    auto s = gw->find(*sid);
    if (!s) co_return finish(engineio_error(1, "Session ID unknown", version));
    if (s->transport() != transport_kind::polling)
        co_return finish(engineio_error(3, "Bad request", version));

    if (method == http::verb::get) {
        auto polled = poll(gw, s, version);
        co_return finish(co_await std::move(polled));
    }
    if (method != http::verb::post) co_return finish(engineio_error(3, "Bad request", version));
    auto packets = engineio::parse_payload(ctx.req.body(), gw->config.max_payload);
    if (!packets) {
        gw->metrics.invalid_packets.inc();
        s->close(close_mode::abort, "invalid polling payload");
        if (packets.error() == engineio::error::payload_too_large) {
            // As the reference server answers a body over maxHttpBufferSize.
            co_return finish(http::error_response(
                http::status::payload_too_large, "payload_too_large",
                "polling payload exceeds maxPayload (" + std::to_string(gw->config.max_payload) +
                    " bytes); the session is closed",
                ctx.trace_id, {}, version));
        }
        co_return finish(engineio_error(3, "Bad request", version));
    }
    for (auto& p : *packets) {
        if (s->closed()) break;
        auto handled = s->on_packet(std::move(p));
        co_await std::move(handled);
    }
    co_return finish(http::text_response(http::status::ok, "ok", "text/html", version));
}

}  // namespace

http::handler make_polling_handler(std::shared_ptr<gateway_state> gw) {
    return [gw](http::request_context& ctx) { return handle(gw, ctx); };
}

}  // namespace chat::gateway::detail
