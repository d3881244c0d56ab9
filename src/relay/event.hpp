#pragma once
// The relay event (SPEC §3): the small JSON signal the API publishes and every
// gateway forwards unchanged. Pure codec: no I/O, no clock.

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

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
/// Keys of `extra` that would repeat one of those fields are left out. Pure; never throws
/// except std::bad_alloc.
std::string encode(const event& e);

/// Inputs larger than this are refused by parse() unread (events are a few hundred bytes).
inline constexpr std::size_t max_event_bytes = 64 * 1024;

/// Why parse() refused its input (category "chat.relay.event").
enum class event_error {
    too_large = 1,   // more than max_event_bytes
    not_json,        // invalid JSON or UTF-8, nested over 32, a number over a double
    not_object,      // valid JSON but not an object
    bad_relay_type,  // relay-type missing, not a string or not chat/person/all
    bad_target,      // roomId (chat) / userId (person) missing, not a string or empty
    bad_timestamp,   // timestamp missing, not a string or empty
    bad_msg_type,    // msg-type missing, not a string, or without the type's prefix
};

const boost::system::error_category& event_category() noexcept;
boost::system::error_code make_error_code(event_error e) noexcept;

/// Parses and validates one relay event: a JSON object whose relay-type is
/// chat/person/all, with roomId (chat) or userId (person) a non-empty string,
/// a non-empty string timestamp and a string msg-type whose prefix matches the type
/// ("room." for chat, "person." for person, "all." for all) followed by at
/// least one character. Other fields go to `extra`, in their order. Never
/// throws on bad input (an event_error code instead); std::bad_alloc aside.
boost::system::result<event> parse(std::string_view json);

const char* to_string(relay_type t) noexcept;

}  // namespace chat::relay

namespace boost::system {
template <>
struct is_error_code_enum<chat::relay::event_error> : std::true_type {};
}  // namespace boost::system
