#pragma once
// The relay event (SPEC §3): the small JSON signal the API publishes and every
// gateway forwards unchanged. Pure codec: no I/O, no clock.

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace chat::relay {

enum class relay_type { chat, person, all };

/// One relay event. `extra` holds the optional fields (messageId, seq, ...).
struct event {
    relay_type type = relay_type::all;
    std::string target_id;  // roomId for chat, userId for person, empty for all
    std::string timestamp;  // ISO-8601 UTC with milliseconds
    std::string msg_type;   // e.g. "room.msg.new"
    boost::json::object extra;
};

/// Serialised JSON object: {"relay-type", "roomId"|"userId", "timestamp", "msg-type", ...extra}.
std::string encode(const event& e);

/// Parses and validates one relay event: a JSON object whose relay-type is
/// chat/person/all, with roomId (chat) or userId (person) a non-empty string,
/// a string timestamp and a string msg-type whose prefix matches the type
/// ("room." for chat, "person." for person, "all." for all). Other fields go
/// to `extra`.
boost::system::result<event> parse(std::string_view json);

const char* to_string(relay_type t) noexcept;

}  // namespace chat::relay
