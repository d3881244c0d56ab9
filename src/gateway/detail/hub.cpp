#include "gateway/detail/hub.hpp"

#include "gateway/detail/session.hpp"
#include "relay/event.hpp"
#include "socketio/packet.hpp"
#include "websocket/frame.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdint>
#include <thread>

namespace chat::gateway::detail {

frame_ptr make_frame(std::string_view engineio_packet) {
    auto f = std::make_shared<frame>();
    f->header = websocket::header_size(engineio_packet.size());
    f->bytes.reserve(f->header + engineio_packet.size());
    websocket::append_frame(f->bytes, websocket::opcode::text, engineio_packet);
    return f;
}

frame_ptr make_socketio_frame(std::string_view socketio_packet) {
    std::string packet;
    packet.reserve(socketio_packet.size() + 1);
    packet.push_back('4');
    packet.append(socketio_packet);
    return make_frame(packet);
}

std::string room_channel(std::string_view room_id) {
    return "r:" + std::string(room_id);
}
std::string person_channel(std::string_view user_id) {
    return "p:" + std::string(user_id);
}

namespace {

std::size_t default_shards() {
    return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 16);
}

}  // namespace

hub::hub(core::registry& metrics, boost::asio::io_context& io, std::size_t shards)
    : events_(metrics.get_counter("chat_gateway_relay_events_total",
                                  "Relay events received from the bus.")),
      invalid_events_(metrics.get_counter("chat_gateway_relay_invalid_total",
                                          "Relay events refused as malformed.")),
      deliveries_(metrics.get_counter("chat_gateway_deliveries_total",
                                      "Relay events queued to sockets (one per recipient).")) {
    if (shards == 0) shards = default_shards();
    for (std::size_t i = 0; i < shards; ++i) shards_.push_back(boost::asio::make_strand(io));
}

std::size_t hub::shard_of(const session* s) const noexcept {
    // Sessions are heap blocks of several hundred bytes: drop the low bits
    // that every address shares.
    return (reinterpret_cast<std::uintptr_t>(s) >> 8) % shards_.size();
}

bool hub::join(const std::string& channel, const std::shared_ptr<session>& s,
               const std::string& user_id, std::size_t limit) {
    std::lock_guard lock(mutex_);
    // Checked under the hub's mutex: close() marks the session closed before
    // leave_all() takes this mutex, so a join racing a close cannot leave a
    // closed session behind in a channel.
    if (s->closed()) return false;
    auto& mine = joined_[s.get()];
    if (std::find(mine.begin(), mine.end(), channel) != mine.end()) return true;  // already in
    if (mine.size() >= limit) return false;
    mine.push_back(channel);
    channels_[channel].emplace(s.get(), member{s, user_id});
    return true;
}

void hub::leave_all(const session* s) {
    std::lock_guard lock(mutex_);
    const auto it = joined_.find(s);
    if (it == joined_.end()) return;
    for (const auto& channel : it->second) {
        if (auto c = channels_.find(channel); c != channels_.end()) {
            c->second.erase(s);
            if (c->second.empty()) channels_.erase(c);
        }
    }
    joined_.erase(it);
}

void hub::remove_user(const std::string& channel, const std::string& user_id) {
    std::lock_guard lock(mutex_);
    const auto c = channels_.find(channel);
    if (c == channels_.end()) return;
    for (auto m = c->second.begin(); m != c->second.end();) {
        if (m->second.user_id != user_id) {
            ++m;
            continue;
        }
        if (auto j = joined_.find(m->first); j != joined_.end()) {
            std::erase(j->second, channel);
        }
        m = c->second.erase(m);
    }
    if (c->second.empty()) channels_.erase(c);
}

void hub::deliver(const std::shared_ptr<const std::string>& payload) {
    events_.inc();
    const auto event = relay::parse(*payload);
    if (!event) {
        invalid_events_.inc();
        spdlog::warn("gateway: refused relay event: {}", event.error().message());
        return;
    }
    std::string channel;
    switch (event->type) {
        case relay::relay_type::chat:
            channel = room_channel(event->target_id);
            break;
        case relay::relay_type::person:
            channel = person_channel(event->target_id);
            break;
        case relay::relay_type::all:
            channel = all_channel;
            break;
    }
    // SPEC §3: the object is forwarded unchanged, so the payload bytes are
    // embedded as the event argument; one frame serves every recipient.
    const frame_ptr f = make_socketio_frame(socketio::encode_event("event.server", *payload));

    std::vector<std::vector<std::shared_ptr<session>>> recipients(shards_.size());
    {
        std::lock_guard lock(mutex_);
        if (const auto c = channels_.find(channel); c != channels_.end()) {
            const auto per_shard = c->second.size() / shards_.size() + 1;
            for (auto& r : recipients) r.reserve(per_shard);
            for (const auto& [ptr, m] : c->second) {
                if (auto s = m.s.lock()) recipients[shard_of(ptr)].push_back(std::move(s));
            }
        }
    }
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        if (recipients[i].empty()) continue;
        boost::asio::post(shards_[i], [this, f, sessions = std::move(recipients[i])] {
            std::uint64_t delivered = 0;
            for (const auto& s : sessions) delivered += s->send(f) ? 1 : 0;
            deliveries_.inc(delivered);
        });
    }

    // A participant who left is removed from the room's sockets at once,
    // after the event itself has reached them.
    if (event->type == relay::relay_type::chat && event->msg_type == "room.person.out") {
        if (const auto* u = event->extra.if_contains("userId"); u && u->is_string()) {
            remove_user(channel, std::string(u->get_string()));
        }
    }
}

}  // namespace chat::gateway::detail
