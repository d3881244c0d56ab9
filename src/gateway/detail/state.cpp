#include "gateway/detail/state.hpp"

#include "core/random.hpp"
#include "core/time.hpp"
#include "http/response.hpp"

#include <boost/json/object.hpp>

namespace chat::gateway::detail {

gateway_metrics::gateway_metrics(core::registry& r)
    : connections(r.get_counter("chat_gateway_connections_total", "Engine.IO sessions opened.")),
      refused(r.get_counter("chat_gateway_refused_total",
                            "Handshakes refused by connection limits or shutdown.")),
      open_sessions(r.get_gauge("chat_gateway_sessions", "Open Engine.IO sessions.")),
      connected_sockets(
          r.get_gauge("chat_gateway_sockets", "Connected, authenticated Socket.IO sockets.")),
      auth_failures(r.get_counter("chat_gateway_auth_failures_total",
                                  "CONNECT refused for want of a valid token.")),
      joins_ok(r.get_counter("chat_gateway_joins_total", "Join requests accepted.",
                             {{"result", "success"}})),
      joins_refused(r.get_counter("chat_gateway_joins_total", "Join requests accepted.",
                                  {{"result", "failure"}})),
      dropped_slow(r.get_counter("chat_gateway_dropped_total",
                                 "Sockets disconnected because their send queue was full.")),
      ping_timeouts(
          r.get_counter("chat_gateway_ping_timeouts_total", "Sessions closed for a missing pong.")),
      invalid_packets(r.get_counter("chat_gateway_invalid_packets_total",
                                    "Connections closed for a malformed or unexpected packet.")),
      upgrades(
          r.get_counter("chat_gateway_upgrades_total", "Polling sessions upgraded to WebSocket.")),
      refused_connections(core::limit_refusals(r, "connections")),
      refused_connections_per_ip(core::limit_refusals(r, "connections_per_ip")),
      send_queue_full(core::limit_refusals(r, "send_queue")),
      join_rate_limited(core::limit_refusals(r, "join_socket")),
      channels_per_socket(core::limit_refusals(r, "channels_per_socket")),
      dropped_flooding(
          r.get_counter("chat_gateway_dropped_flooding_total",
                        "Sockets disconnected for flooding joins past the rate limit.")) {}

gateway_state::gateway_state(gateway_config c, gateway_dependencies d)
    : config(std::move(c)), deps(d), metrics(d.metrics), channels(d.metrics, d.io) {}

std::shared_ptr<session> gateway_state::create_session(const boost::asio::ip::address& remote,
                                                       std::optional<std::string> handshake_user,
                                                       transport_kind transport) {
    std::shared_ptr<session> s;
    core::counter* limit = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto& from_ip = per_ip_[remote];
        if (!stopping_ && sessions_.size() >= config.max_connections) {
            limit = &metrics.refused_connections;
        } else if (!stopping_ && from_ip >= config.max_connections_per_ip) {
            limit = &metrics.refused_connections_per_ip;
        }
        if (stopping_ || limit) {
            if (from_ip == 0) per_ip_.erase(remote);
            s = nullptr;
        } else {
            // 120 random bits: a session id is a bearer capability for polling.
            auto sid = core::base64url_encode(core::random_bytes(15));
            s = std::make_shared<session>(*this, sid, remote, std::move(handshake_user), transport);
            sessions_.emplace(std::move(sid), s);
            ++from_ip;
        }
    }
    if (!s) {
        metrics.refused.inc();
        if (limit) limit->inc();
        return nullptr;
    }
    metrics.connections.inc();
    metrics.open_sessions.inc();
    return s;
}

std::shared_ptr<session> gateway_state::find(const std::string& sid) const {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : it->second;
}

void gateway_state::forget(const session& s) {
    std::shared_ptr<session> keep_alive_until_unlocked;
    {
        std::lock_guard lock(mutex_);
        const auto it = sessions_.find(s.sid());
        if (it == sessions_.end() || it->second.get() != &s) return;
        keep_alive_until_unlocked = std::move(it->second);
        sessions_.erase(it);
        if (auto ip = per_ip_.find(s.remote()); ip != per_ip_.end() && --ip->second == 0)
            per_ip_.erase(ip);
    }
    metrics.open_sessions.dec();
}

std::size_t gateway_state::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

void gateway_state::stop() {
    stopping_ = true;
    std::vector<std::shared_ptr<session>> all;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [sid, s] : sessions_) all.push_back(s);
    }
    for (const auto& s : all) s->close(close_mode::graceful, "server shutting down");
}

std::optional<std::string> gateway_state::verify_token(std::string_view token) const {
    const auto r = deps.jwt.verify(token, core::now_ms() / 1000);
    if (!r) return std::nullopt;
    return r.claims->subject;
}

std::optional<std::string> gateway_state::verify_header(const http::request& req) const {
    const auto it = req.find(boost::beast::http::field::authorization);
    if (it == req.end()) return std::nullopt;
    const auto token = auth::bearer_token(it->value());
    if (!token) return std::nullopt;
    return verify_token(*token);
}

http::response engineio_error(int code, std::string_view message, unsigned version) {
    return http::json_response(http::status::bad_request,
                               boost::json::object{{"code", code}, {"message", message}}, version);
}

}  // namespace chat::gateway::detail

namespace chat::gateway {

gateway::gateway(gateway_config config, gateway_dependencies deps)
    : state_(std::make_shared<detail::gateway_state>(std::move(config), deps)) {}

gateway::~gateway() {
    stop();
}

void gateway::register_routes(http::router& r) {
    r.mount(state_->config.path, detail::make_polling_handler(state_),
            detail::make_upgrade_handler(state_));
}

void gateway::attach(relay::bus& bus) {
    std::weak_ptr<detail::gateway_state> weak = state_;
    bus.subscribe([weak](std::shared_ptr<const std::string> payload) {
        if (auto s = weak.lock()) s->channels.deliver(payload);
    });
}

void gateway::stop() {
    state_->stop();
}

std::size_t gateway::sessions() const {
    return state_->size();
}

}  // namespace chat::gateway
