#include "http/server.hpp"

#include "core/random.hpp"
#include "http/response.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/range/iterator_range.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <list>
#include <mutex>
#include <stdexcept>

namespace chat::http {

namespace bhttp = beast::http;
using asio::ip::tcp;

std::string_view request_context::param(std::string_view name) const noexcept {
    for (const auto& [k, v] : path_params) {
        if (k == name) return v;
    }
    return {};
}

std::optional<std::string> request_context::query(std::string_view name) const {
    for (const auto& p : url.params()) {
        if (p.key == name) return std::string(p.value);
    }
    return std::nullopt;
}

std::string_view request_context::header(std::string_view name) const {
    const auto it = req.find(name);
    return it == req.end() ? std::string_view{} : std::string_view(it->value());
}

std::string loggable_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, q + 1));
    std::string_view rest = target.substr(q + 1);
    for (bool more = true; more;) {
        const auto amp = rest.find('&');
        more = amp != std::string_view::npos;
        const std::string_view pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        if (eq != std::string_view::npos &&
            (key == "sid" || key == "token" || key == "access_token" || key == "refresh_token")) {
            out.append(key).append("=REDACTED");
        } else {
            out.append(pair);
        }
        if (more) {
            out.push_back('&');
            rest.remove_prefix(amp + 1);
        }
    }
    return out;
}

tcp::endpoint parse_endpoint(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw std::invalid_argument("expected host:port");
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [p, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || port > 65535) {
        throw std::invalid_argument("bad port in '" + std::string(text) + "'");
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code aec;
    const auto addr = asio::ip::make_address(host, aec);
    if (aec) throw std::invalid_argument("bad address '" + std::string(host) + "'");
    return {addr, static_cast<unsigned short>(port)};
}

struct server::state : std::enable_shared_from_this<server::state> {
    asio::io_context& io;
    server_config config;
    const router& routes;
    tcp::acceptor acceptor;
    std::atomic<bool> stopping{false};

    // Open connections, so stop() can close the idle ones. A connection marks
    // itself busy while a request is being handled.
    struct connection {
        beast::tcp_stream* stream = nullptr;
        bool busy = false;
    };
    mutable std::mutex mutex;
    std::list<connection> open;

    state(asio::io_context& io_, server_config cfg, const router& r)
        : io(io_), config(std::move(cfg)), routes(r), acceptor(io_) {}

    /// The body limit of the route a request's target matches, if it has one.
    std::optional<std::size_t> route_body_limit(const request& req) const;

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(tcp::socket socket);
    asio::awaitable<response> dispatch(request& req, const asio::ip::address& client,
                                       const asio::ip::address& peer, const std::string& trace_id,
                                       beast::tcp_stream& stream, bool& taken_over,
                                       const route_metrics*& metrics);
};

server::server(asio::io_context& io, server_config config, const router& routes)
    : state_(std::make_shared<state>(io, std::move(config), routes)) {}

server::~server() {
    stop();
}

tcp::endpoint server::start() {
    auto& a = state_->acceptor;
    a.open(state_->config.listen.protocol());
    a.set_option(asio::socket_base::reuse_address(true));
    a.bind(state_->config.listen);
    a.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(a.get_executor(), state_->accept_loop(), asio::detached);
    return a.local_endpoint();
}

void server::stop() {
    if (state_->stopping.exchange(true)) return;
    auto s = state_;
    asio::post(s->acceptor.get_executor(), [s] {
        boost::system::error_code ec;
        s->acceptor.close(ec);
    });
    std::lock_guard lock(s->mutex);
    for (auto& c : s->open) {
        if (!c.busy && c.stream) {
            // Closing from another thread must go through the stream's strand.
            auto* stream = c.stream;
            asio::post(stream->get_executor(), [s, stream] {
                std::lock_guard inner(s->mutex);
                for (auto& o : s->open) {
                    if (o.stream == stream && !o.busy) {
                        boost::system::error_code ec;
                        stream->socket().shutdown(tcp::socket::shutdown_both, ec);
                        stream->cancel();
                    }
                }
            });
        }
    }
}

std::size_t server::connections() const noexcept {
    std::lock_guard lock(state_->mutex);
    return state_->open.size();
}

asio::awaitable<void> server::state::accept_loop() {
    auto self = shared_from_this();
    while (!stopping) {
        boost::system::error_code ec;
        auto strand = asio::make_strand(io);  // named: see GCC PR 99576 in http/types.hpp
        tcp::socket socket =
            co_await acceptor.async_accept(strand, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) break;
            // Out of descriptors or a reset before accept: keep serving others.
            spdlog::warn("accept failed: {}", ec.message());
            continue;
        }
        auto executor = socket.get_executor();
        asio::co_spawn(executor, session(std::move(socket)), asio::detached);
    }
}

namespace {

bool is_websocket_upgrade(const request& req) {
    return beast::websocket::is_upgrade(req);
}

std::string trace_id_for(const request& req) {
    const auto it = req.find("X-Request-Id");
    if (it != req.end()) {
        const std::string_view v = it->value();
        // Accept a caller's id only if it is short and printable, so it can
        // never break a log line or a header.
        bool ok = !v.empty() && v.size() <= 128;
        for (char c : v) ok = ok && c > 0x20 && c < 0x7f;
        if (ok) return std::string(v);
    }
    return core::uuid_v4();
}

// Every X-Forwarded-For field in order, as one list (RFC 9110 §5.3): a proxy
// may append its hop as a field of its own.
std::string forwarded_for(const request& req) {
    std::string joined;
    for (const auto& field : boost::make_iterator_range(req.equal_range("X-Forwarded-For"))) {
        if (!joined.empty()) joined.push_back(',');
        joined.append(field.value());
    }
    return joined;
}

}  // namespace

std::optional<std::size_t> server::state::route_body_limit(const request& req) const {
    const auto parsed = boost::urls::parse_origin_form(req.target());
    if (!parsed) return std::nullopt;
    return routes.body_limit(req.method(), parsed->path());
}

asio::awaitable<response> server::state::dispatch(request& req, const asio::ip::address& client,
                                                  const asio::ip::address& peer,
                                                  const std::string& trace_id,
                                                  beast::tcp_stream& stream, bool& taken_over,
                                                  const route_metrics*& metrics) {
    auto parsed = boost::urls::parse_origin_form(req.target());
    if (!parsed) {
        metrics = &routes.unmatched_metrics();
        co_return error_response(status::bad_request, "bad_request", "malformed request target",
                                 trace_id, {}, req.version());
    }
    request_context ctx{req, *parsed, {}, trace_id, client, peer};
    std::string path = parsed->path();  // percent-decoded
    const auto m = routes.match(req.method(), path, ctx.path_params);
    switch (m.result) {
        case router::outcome::not_found:
            metrics = &routes.unmatched_metrics();
            co_return error_response(status::not_found, "not_found", "no such route", trace_id, {},
                                     req.version());
        case router::outcome::method_not_allowed: {
            metrics = &routes.unmatched_metrics();
            auto res =
                error_response(status::method_not_allowed, "method_not_allowed",
                               "method not allowed on this route", trace_id, {}, req.version());
            res.set(bhttp::field::allow, m.allow);
            co_return res;
        }
        case router::outcome::matched:
            break;
    }
    metrics = m.metrics;
    if (m.upgrade && is_websocket_upgrade(req)) {
        taken_over = true;
        stream.expires_never();
        auto takeover = (*m.upgrade)(stream, req, ctx);
        co_await std::move(takeover);
        co_return response{};
    }
    try {
        auto handled = (*m.target)(ctx);
        co_return co_await std::move(handled);
    } catch (const std::exception& e) {
        spdlog::error("unhandled error trace={} {} {}: {}", trace_id,
                      std::string(to_string(req.method())), loggable_target(req.target()),
                      e.what());
    }
    co_return error_response(status::internal_server_error, "internal", "internal error", trace_id,
                             {}, req.version());
}

asio::awaitable<void> server::state::session(tcp::socket socket) {
    auto self = shared_from_this();
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec).address();
    beast::tcp_stream stream(std::move(socket));
    std::list<connection>::iterator me;
    {
        std::lock_guard lock(mutex);
        me = open.insert(open.end(), connection{&stream, false});
    }
    auto set_busy = [&](bool busy) {
        std::lock_guard lock(mutex);
        me->busy = busy;
    };
    bool taken_over = false;
    beast::flat_buffer buffer;
    bool first = true;
    bool unread_input = false;  // closing with part of a refused body still on the wire

    while (!stopping) {
        bhttp::request_parser<bhttp::string_body> parser;
        // The header read checks Content-Length against the largest limit
        // of any route; the matched route's own limit applies below.
        parser.body_limit(std::max(config.body_limit, routes.largest_body_limit()));
        parser.header_limit(static_cast<std::uint32_t>(config.header_limit));
        stream.expires_after(first ? config.header_timeout : config.idle_timeout);
        co_await bhttp::async_read_header(stream, buffer, parser,
                                          asio::redirect_error(asio::use_awaitable, ec));
        // A Content-Length above the limit already fails the header read: it
        // gets the same 413 as a chunked body that grows too large.
        bool too_large = ec == bhttp::error::body_limit;
        if (ec && !too_large) break;  // closed, timed out, or junk: nothing to answer
        // (The method and target are parsed even when the header read failed
        // on the limit, which then names the route's own.)
        const std::size_t body_limit = route_body_limit(parser.get()).value_or(config.body_limit);
        if (!too_large) {
            const auto length = parser.content_length();
            too_large = length && *length > body_limit;
            // Counts what is still to come, also of a chunked body.
            parser.body_limit(body_limit);
        }
        first = false;
        set_busy(true);
        const auto started = std::chrono::steady_clock::now();
        const std::string trace_id = trace_id_for(parser.get());
        response res;
        const route_metrics* metrics = nullptr;
        bool close_after = false;

        if (!too_large && !is_websocket_upgrade(parser.get()) && !parser.is_done()) {
            stream.expires_after(config.body_timeout);
            co_await bhttp::async_read(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
        }
        if (too_large || ec == bhttp::error::body_limit) {
            metrics = &routes.unmatched_metrics();
            res = error_response(status::payload_too_large, "payload_too_large",
                                 "request body exceeds " + std::to_string(body_limit) + " bytes",
                                 trace_id, {}, parser.get().version());
            close_after = true;  // the rest of the body is still on the wire
            unread_input = true;
            metrics->record(
                res.result_int(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        } else if (ec) {
            break;
        } else {
            request req = parser.release();
            const auto method = std::string(to_string(req.method()));
            const auto target = loggable_target(req.target());
            // Per request, not per connection: a proxy's keep-alive connection
            // carries the requests of many clients.
            const auto client = client_address(peer, forwarded_for(req), config.trusted);
            stream.expires_never();
            auto handled = dispatch(req, client, peer, trace_id, stream, taken_over, metrics);
            res = co_await std::move(handled);
            if (taken_over) {
                std::lock_guard lock(mutex);
                open.erase(me);
                co_return;
            }
            close_after = !req.keep_alive();
            res.keep_alive(!close_after && !stopping);
            res.set("X-Request-Id", trace_id);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            if (metrics) metrics->record(res.result_int(), seconds);
            if (config.access_log) {
                spdlog::info("{} {} {} {}B {:.3f}ms trace={} remote={}{}{}", method, target,
                             res.result_int(), res.body().size(), seconds * 1e3, trace_id,
                             client.to_string(), client == peer ? "" : " via=",
                             client == peer ? std::string() : peer.to_string());
            }
        }
        if (close_after) {
            res.keep_alive(false);
            res.set("X-Request-Id", trace_id);
        }
        stream.expires_after(config.body_timeout);
        co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        set_busy(false);
        if (ec || close_after || !res.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (unread_input) {
        // Lingering close (RFC 9112 §9.6): the client may still be sending the
        // body we refused. Closing with unread data would reset the connection,
        // and a client that is still writing would see EPIPE/ECONNRESET
        // instead of the 413. Read and discard for a bounded time and amount.
        constexpr std::size_t linger_bytes = 8 * 1024 * 1024;
        stream.expires_after(std::chrono::seconds(2));
        // On the heap: a local array would enlarge every connection's coroutine frame.
        auto sink = std::make_unique<std::array<char, 16 * 1024>>();
        for (std::size_t drained = 0; drained < linger_bytes;) {
            const auto n = co_await stream.async_read_some(
                asio::buffer(*sink), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            drained += n;
        }
    }
    std::lock_guard lock(mutex);
    open.erase(me);
}

}  // namespace chat::http
