#include "relay/event.hpp"

#include "core/json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <utility>

namespace chat::relay {
namespace {

// Boost.JSON's default nesting limit, kept explicit.
constexpr std::size_t max_event_depth = 32;

// SPEC §3 field names.
constexpr std::string_view key_relay_type = "relay-type";
constexpr std::string_view key_room_id = "roomId";
constexpr std::string_view key_user_id = "userId";
constexpr std::string_view key_timestamp = "timestamp";
constexpr std::string_view key_msg_type = "msg-type";

/// The key naming the target for `t`, empty for `all`.
std::string_view target_key(relay_type t) noexcept {
    switch (t) {
        case relay_type::chat:
            return key_room_id;
        case relay_type::person:
            return key_user_id;
        case relay_type::all:
            break;
    }
    return {};
}

std::string_view msg_type_prefix(relay_type t) noexcept {
    switch (t) {
        case relay_type::chat:
            return "room.";
        case relay_type::person:
            return "person.";
        case relay_type::all:
            break;
    }
    return "all.";
}

/// True for the keys encode() writes itself for an event of type `t`.
bool is_own_key(relay_type t, std::string_view key) noexcept {
    return key == key_relay_type || key == key_timestamp || key == key_msg_type ||
           (!target_key(t).empty() && key == target_key(t));
}

const boost::json::string* string_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

class event_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "chat.relay.event"; }
    std::string message(int ev) const override {
        switch (static_cast<event_error>(ev)) {
            case event_error::too_large:
                return "relay event too large";
            case event_error::not_json:
                return "relay event is not valid JSON";
            case event_error::not_object:
                return "relay event is not a JSON object";
            case event_error::bad_relay_type:
                return "relay event has no valid relay-type";
            case event_error::bad_target:
                return "relay event has no valid roomId/userId";
            case event_error::bad_timestamp:
                return "relay event has no valid timestamp";
            case event_error::bad_msg_type:
                return "relay event has no valid msg-type";
        }
        return "unknown relay event error";
    }
};

}  // namespace

const boost::system::error_category& event_category() noexcept {
    static const event_category_impl category;
    return category;
}

boost::system::error_code make_error_code(event_error e) noexcept {
    return {static_cast<int>(e), event_category()};
}

const char* to_string(relay_type t) noexcept {
    switch (t) {
        case relay_type::chat:
            return "chat";
        case relay_type::person:
            return "person";
        case relay_type::all:
            break;
    }
    return "all";
}

std::string encode(const event& e) {
    boost::json::object o;
    o.reserve(4 + e.extra.size());
    // boost::json::object keeps insertion order, which is the wire order.
    o.emplace(key_relay_type, to_string(e.type));
    if (const auto key = target_key(e.type); !key.empty()) o.emplace(key, e.target_id);
    o.emplace(key_timestamp, e.timestamp);
    o.emplace(key_msg_type, e.msg_type);
    for (const auto& kv : e.extra) {
        if (!is_own_key(e.type, kv.key())) o.emplace(kv.key(), kv.value());
    }
    return boost::json::serialize(o);
}

boost::system::result<event> parse(std::string_view json) {
    if (json.size() > max_event_bytes) return event_error::too_large;

    // Strict RFC 8259, valid UTF-8 only, depth <= 32, so a hostile publisher
    // cannot make us recurse or allocate without bound; finite numbers only,
    // so encode() of an event always writes JSON.
    boost::system::error_code ec;
    boost::json::value v = core::parse_finite_json(json, max_event_depth, ec);
    if (ec) return event_error::not_json;
    if (!v.is_object()) return event_error::not_object;
    auto& o = v.get_object();

    event e;
    const auto* type = string_field(o, key_relay_type);
    if (type == nullptr) return event_error::bad_relay_type;
    if (*type == "chat") {
        e.type = relay_type::chat;
    } else if (*type == "person") {
        e.type = relay_type::person;
    } else if (*type == "all") {
        e.type = relay_type::all;
    } else {
        return event_error::bad_relay_type;
    }

    if (const auto key = target_key(e.type); !key.empty()) {
        const auto* target = string_field(o, key);
        if (target == nullptr || target->empty()) return event_error::bad_target;
        e.target_id.assign(target->data(), target->size());
    }

    const auto* timestamp = string_field(o, key_timestamp);
    if (timestamp == nullptr || timestamp->empty()) return event_error::bad_timestamp;
    e.timestamp.assign(timestamp->data(), timestamp->size());

    const auto* msg_type = string_field(o, key_msg_type);
    const auto prefix = msg_type_prefix(e.type);
    if (msg_type == nullptr || msg_type->size() <= prefix.size() ||
        std::string_view(*msg_type).substr(0, prefix.size()) != prefix) {
        return event_error::bad_msg_type;
    }
    e.msg_type.assign(msg_type->data(), msg_type->size());

    e.extra.reserve(o.size());
    for (auto& kv : o) {
        if (!is_own_key(e.type, kv.key())) e.extra.emplace(kv.key(), std::move(kv.value()));
    }
    return e;
}

}  // namespace chat::relay
