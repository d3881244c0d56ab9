#include "fleet.hpp"

#include "client_frame.hpp"
#include "engineio/packet.hpp"
#include "socketio/packet.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <future>
#include <iostream>
#include <optional>
#include <random>
#include <utility>

namespace chat::bench {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::ip::tcp;

send_times::send_times(std::size_t rooms, std::size_t max_seq)
    : max_seq_(max_seq), times_(new std::atomic<std::int64_t>[rooms * (max_seq + 1)]) {
    for (std::size_t i = 0; i < rooms * (max_seq + 1); ++i) times_[i] = 0;
}

void send_times::record(std::size_t room, std::uint64_t seq, std::int64_t ns) {
    if (seq <= max_seq_) times_[room * (max_seq_ + 1) + seq].store(ns, std::memory_order_release);
}

std::int64_t send_times::get(std::size_t room, std::uint64_t seq) const {
    if (seq > max_seq_) return 0;
    return times_[room * (max_seq_ + 1) + seq].load(std::memory_order_acquire);
}

struct fleet::worker {
    std::vector<std::int64_t> latencies;  // written by this worker's thread only
    std::atomic<std::uint64_t> deliveries{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> unmatched{0};
    std::atomic<std::int64_t> last_receipt{0};
    std::atomic<std::size_t> joined{0};
    std::atomic<std::size_t> failed{0};
    std::atomic<std::size_t> dropped{0};
    // Last, so that it is destroyed first, with the client coroutines it owns.
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
};

namespace {

std::atomic<int> failures_reported{0};

void report_failure(std::size_t index, std::string_view what) {
    if (failures_reported.fetch_add(1) < 5) {
        std::cerr << "gateway_load: client " << index << ": " << what << '\n';
    }
}

// The Socket.IO event name and argument of an `event.server` EVENT packet,
// e.g. 42["event.server",{...}] (Engine.IO message '4', Socket.IO event '2').
constexpr std::string_view event_prefix = R"(42["event.server",)";

// The unsigned integer after `key` (e.g. "seq": or "sentNs":) in a packet.
std::optional<std::uint64_t> find_number(std::string_view packet, std::string_view key) {
    const auto at = packet.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    const char* first = packet.data() + at + key.size();
    std::uint64_t seq = 0;
    const auto [end, ec] = std::from_chars(first, packet.data() + packet.size(), seq);
    if (ec != std::errc()) return std::nullopt;
    return seq;
}

enum class stage { open, connect, join, joined };

auto redirect(boost::system::error_code& ec) {
    return asio::redirect_error(asio::use_awaitable, ec);
}

class client {
public:
    client(fleet::worker& w, const fleet_config& config, const send_times& sent, std::size_t index,
           std::function<void()> settled)
        : w_(w),
          config_(config),
          sent_(sent),
          index_(index),
          room_(index % config.room_ids.size()),
          settled_(std::move(settled)),
          socket_(w.io),
          mask_(static_cast<std::uint32_t>(std::mt19937(static_cast<unsigned>(index))())) {}

    asio::awaitable<void> run() {
        std::string why = co_await handshake();
        if (!why.empty() || stage_ != stage::joined) {
            if (why.empty()) why = "connection closed during the handshake";
            report_failure(index_, why);
            w_.failed.fetch_add(1, std::memory_order_relaxed);
            settled_();
            co_return;
        }
        co_await receive();
        w_.dropped.fetch_add(1, std::memory_order_relaxed);
    }

private:
    // Connects, upgrades and reads until the room join is answered. Returns
    // why it failed, or "" once joined.
    asio::awaitable<std::string> handshake() {
        boost::system::error_code ec;
        socket_.open(config_.server.protocol(), ec);
        if (ec) co_return "socket: " + ec.message();
        if (!config_.source_addresses.empty()) {
            // Let connect() choose the port per destination, not bind(): with
            // IP_BIND_ADDRESS_NO_PORT each source address serves the whole
            // ephemeral range.
            const int on = 1;
            ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on,
                         sizeof on);
            const auto& source = config_.source_addresses[index_ % config_.source_addresses.size()];
            socket_.bind(tcp::endpoint(source, 0), ec);
            if (ec) co_return "bind: " + ec.message();
        }
        co_await socket_.async_connect(config_.server, redirect(ec));
        if (ec) co_return "connect: " + ec.message();
        socket_.set_option(tcp::no_delay(true), ec);

        const auto& token = config_.tokens[index_ % config_.tokens.size()];
        std::string request = "GET " + config_.target +
                              " HTTP/1.1\r\nHost: " + config_.server.address().to_string() + ":" +
                              std::to_string(config_.server.port()) +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " +
                              token + "\r\n\r\n";
        co_await asio::async_write(socket_, asio::buffer(request), redirect(ec));
        if (ec) co_return "upgrade request: " + ec.message();

        // The 101 answer; what follows its blank line is already WebSocket.
        for (;;) {
            if (!co_await read_more(ec)) co_return "upgrade response: " + ec.message();
            const std::string_view got(buffer_.data(), have_);
            const auto end = got.find("\r\n\r\n");
            if (end == std::string_view::npos) continue;
            if (!got.starts_with("HTTP/1.1 101")) {
                co_return "upgrade refused: " + std::string(got.substr(0, got.find("\r\n")));
            }
            consume(end + 4);
            break;
        }
        while (stage_ != stage::joined) {
            std::string why = co_await handle_frames(ec);
            if (!why.empty()) co_return why;
            if (stage_ == stage::joined) break;
            if (!co_await read_more(ec)) co_return "handshake read: " + ec.message();
        }
        w_.joined.fetch_add(1, std::memory_order_relaxed);
        settled_();
        co_return "";
    }

    asio::awaitable<void> receive() {
        boost::system::error_code ec;
        for (;;) {
            const std::string why = co_await handle_frames(ec);
            if (!why.empty()) {
                report_failure(index_, why);
                co_return;
            }
            if (!co_await read_more(ec)) co_return;
        }
    }

    // Handles every whole frame in the buffer; "" or why the client gives up.
    asio::awaitable<std::string> handle_frames(boost::system::error_code& ec) {
        std::string_view input(buffer_.data(), have_);
        const std::size_t before = input.size();
        bool malformed = false;
        std::string reply;  // Engine.IO packet to send, if any
        std::string why;
        while (auto f = next_server_frame(input, malformed)) {
            if (f->op == websocket::opcode::close) {
                why = "server closed the WebSocket";
                break;
            }
            if (f->op == websocket::opcode::ping) {
                std::string pong;
                append_client_frame(pong, websocket::opcode::pong, f->payload, mask_);
                co_await asio::async_write(socket_, asio::buffer(pong), redirect(ec));
                continue;
            }
            if (f->op != websocket::opcode::text || !f->fin) continue;
            why = on_packet(f->payload, reply);
            if (!why.empty()) break;
            if (!reply.empty()) {
                std::string frame;
                append_client_frame(frame, websocket::opcode::text, reply, mask_);
                reply.clear();
                co_await asio::async_write(socket_, asio::buffer(frame), redirect(ec));
                if (ec) {
                    why = "write: " + ec.message();
                    break;
                }
            }
        }
        if (malformed) why = "malformed server frame";
        consume(before - input.size());
        co_return why;
    }

    // One Engine.IO packet from the server; sets `reply` to a packet to send.
    std::string on_packet(std::string_view packet, std::string& reply) {
        if (stage_ == stage::joined) {
            if (packet.starts_with(event_prefix)) {
                on_event(packet);
            } else if (packet == "2") {
                reply = "3";  // Engine.IO v4 heartbeat: the server pings, we pong
            } else if (packet.starts_with("1")) {
                return "Engine.IO close";
            }
            return "";
        }
        const auto p = engineio::parse_text(packet);
        if (!p) return "bad Engine.IO packet: " + std::string(packet);
        switch (stage_) {
            case stage::open: {
                if (p->type != engineio::packet_type::open || !engineio::parse_open(p->data)) {
                    return "expected the open packet, got " + std::string(packet);
                }
                socketio::packet connect;  // main namespace, no auth payload: the header has it
                connect.type = socketio::packet_type::connect;
                reply = engineio::encode_message(socketio::encode(connect));
                stage_ = stage::connect;
                return "";
            }
            case stage::connect: {
                const auto s = socketio::parse(p->data);
                if (p->type != engineio::packet_type::message || !s ||
                    s->type != socketio::packet_type::connect) {
                    return "CONNECT refused: " + std::string(packet);
                }
                reply = join_request(config_.join_every_room ? 0 : room_);
                stage_ = stage::join;
                return "";
            }
            case stage::join: {
                if (p->type == engineio::packet_type::ping) {
                    reply = "3";
                    return "";
                }
                const auto s = socketio::parse(p->data);
                if (!s || s->type != socketio::packet_type::event || !s->data) {
                    return "unexpected packet while joining: " + std::string(packet);
                }
                const auto& args = s->data->as_array();
                const auto* answer = args.size() > 1 ? args[1].if_object() : nullptr;
                const auto* msg = answer ? answer->if_contains("msg") : nullptr;
                if (!msg || !msg->is_string() || msg->get_string() != "connection success") {
                    return "join refused: " + std::string(packet);
                }
                if (config_.join_every_room && ++rooms_joined_ < config_.room_ids.size()) {
                    reply = join_request(rooms_joined_);
                    return "";
                }
                stage_ = stage::joined;
                return "";
            }
            case stage::joined:
                break;
        }
        return "";
    }

    // The seed's room join (SPEC §2) for room_ids[room], as an Engine.IO packet.
    std::string join_request(std::size_t room) const {
        const json::object join{{"type", "chat"},
                                {"roomId", config_.room_ids[room]},
                                {"msg", "room connection request"}};
        return engineio::encode_message(
            socketio::encode_event("event.client", json::serialize(join)));
    }

    // The index in room_ids of the event's roomId; nullopt if not one of ours.
    std::optional<std::size_t> find_room(std::string_view packet) const {
        if (!config_.join_every_room) return room_;
        constexpr std::string_view key = R"("roomId":")";
        const auto at = packet.find(key);
        if (at == std::string_view::npos) return std::nullopt;
        const auto id = packet.substr(at + key.size(), 36);
        for (std::size_t r = 0; r < config_.room_ids.size(); ++r) {
            if (config_.room_ids[r] == id) return r;
        }
        return std::nullopt;
    }

    void on_event(std::string_view packet) {
        // Events published straight to Redis carry their send time; events
        // caused by a POST are matched by their room's seq.
        const auto sent_ns = find_number(packet, R"("sentNs":)");
        const auto seq = sent_ns ? sent_ns : find_number(packet, R"("seq":)");
        const auto room = find_room(packet);
        if (!seq || !room) return;  // not a relay event of ours
        const std::int64_t sent =
            sent_ns ? static_cast<std::int64_t>(*sent_ns) : sent_.get(*room, *seq);
        w_.deliveries.fetch_add(1, std::memory_order_relaxed);
        // A text frame of a ~200-byte packet has a 4-byte header (RFC 6455 §5.2).
        w_.bytes.fetch_add(packet.size() + websocket::header_size(packet.size()),
                           std::memory_order_relaxed);
        w_.last_receipt.store(read_at_, std::memory_order_relaxed);
        if (sent == 0) {
            w_.unmatched.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (sent < 0) return;  // a warm-up post
        w_.latencies.push_back(read_at_ - sent);
    }

    // Appends what the socket has to the buffer; false on EOF or error.
    asio::awaitable<bool> read_more(boost::system::error_code& ec) {
        if (have_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
        const std::size_t n = co_await socket_.async_read_some(
            asio::buffer(buffer_.data() + have_, buffer_.size() - have_), redirect(ec));
        read_at_ = now_ns();
        have_ += n;
        co_return !ec && n > 0;
    }

    void consume(std::size_t n) {
        std::memmove(buffer_.data(), buffer_.data() + n, have_ - n);
        have_ -= n;
    }

    fleet::worker& w_;
    const fleet_config& config_;
    const send_times& sent_;
    const std::size_t index_;
    const std::size_t room_;
    std::function<void()> settled_;
    tcp::socket socket_;
    const std::uint32_t mask_;
    std::vector<char> buffer_ = std::vector<char>(4096);
    std::size_t have_ = 0;
    std::int64_t read_at_ = 0;
    stage stage_ = stage::open;
    std::size_t rooms_joined_ = 0;  // with join_every_room
};

}  // namespace

fleet::fleet(fleet_config config, const send_times& sent)
    : config_(std::move(config)), sent_(sent) {
    for (unsigned i = 0; i < std::max(1u, config_.threads); ++i) {
        workers_.push_back(std::make_unique<worker>());
    }
}

fleet::~fleet() {
    stop();
}

void fleet::start() {
    for (auto& w : workers_) {
        threads_.emplace_back([&io = w->io] { io.run(); });
    }
    for (std::size_t i = 0; i < std::min(config_.in_flight, config_.clients); ++i) launch_next();
}

void fleet::launch_next() {
    const std::size_t index = next_.fetch_add(1);
    if (index >= config_.clients) return;
    worker& w = *workers_[index % workers_.size()];
    auto c = std::make_shared<client>(w, config_, sent_, index, [this] { launch_next(); });
    asio::co_spawn(
        w.io, [c]() { return c->run(); }, asio::detached);
}

std::size_t fleet::joined() const {
    std::size_t n = 0;
    for (const auto& w : workers_) n += w->joined.load(std::memory_order_relaxed);
    return n;
}

std::size_t fleet::failed() const {
    std::size_t n = 0;
    for (const auto& w : workers_) n += w->failed.load(std::memory_order_relaxed);
    return n;
}

std::size_t fleet::dropped() const {
    std::size_t n = 0;
    for (const auto& w : workers_) n += w->dropped.load(std::memory_order_relaxed);
    return n;
}

std::uint64_t fleet::deliveries() const {
    std::uint64_t n = 0;
    for (const auto& w : workers_) n += w->deliveries.load(std::memory_order_relaxed);
    return n;
}

std::uint64_t fleet::delivered_bytes() const {
    std::uint64_t n = 0;
    for (const auto& w : workers_) n += w->bytes.load(std::memory_order_relaxed);
    return n;
}

std::uint64_t fleet::unmatched() const {
    std::uint64_t n = 0;
    for (const auto& w : workers_) n += w->unmatched.load(std::memory_order_relaxed);
    return n;
}

std::int64_t fleet::last_receipt_ns() const {
    std::int64_t t = 0;
    for (const auto& w : workers_) t = std::max(t, w->last_receipt.load(std::memory_order_relaxed));
    return t;
}

void fleet::stop() {
    for (auto& w : workers_) w->io.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

std::vector<std::int64_t> fleet::take_latencies() {
    std::vector<std::int64_t> all;
    for (auto& w : workers_) {
        std::promise<std::vector<std::int64_t>> taken;
        auto result = taken.get_future();
        asio::post(w->io, [&w = *w, &taken] { taken.set_value(std::exchange(w.latencies, {})); });
        const auto part = result.get();
        all.insert(all.end(), part.begin(), part.end());
    }
    return all;
}

std::vector<std::int64_t> fleet::latencies() const {
    std::vector<std::int64_t> all;
    for (const auto& w : workers_) all.insert(all.end(), w->latencies.begin(), w->latencies.end());
    return all;
}

}  // namespace chat::bench
