#pragma once
// Socket.IO v5 packet codec (the public `Readme.md` of
// socketio/socket.io-protocol, "5th version", section "Packet encoding";
// SPEC §2). Pure: no sockets, clocks or logging; a fuzz target is
// `(void)parse(std::string_view(data, size));`.
//
// A Socket.IO packet travels as the data of one Engine.IO `message` packet;
// binary attachments follow as separate Engine.IO binary messages and are
// not this codec's business (it only reads the attachment count).
//
// Thread safety: every function is reentrant and touches no shared state.
// Nothing here throws on bad input; only std::bad_alloc can escape.

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace chat::socketio {

/// The packet type is the first character, one decimal digit ("Exchange protocol").
enum class packet_type {
    connect = 0,
    disconnect = 1,
    event = 2,
    ack = 3,
    connect_error = 4,
    binary_event = 5,
    binary_ack = 6,
};

/// One decoded packet. `nsp` is "/" for the main namespace (the encoding
/// omits it then). `attachments` is meaningful for the binary types only.
struct packet {
    packet_type type = packet_type::event;
    std::string nsp = "/";
    std::optional<std::uint64_t> id;
    std::optional<boost::json::value> data;
    std::size_t attachments = 0;
};

/// Why a packet was refused.
enum class error {
    empty_packet = 1,      ///< no type digit
    unknown_packet_type,   ///< first character not '0'..'6'
    bad_attachment_count,  ///< binary type without `<digits>-`, or a count overflowing
    bad_namespace,         ///< namespace with a character outside a URL path
    bad_ack_id,            ///< ack id overflowing uint64, or present/absent against the type
    bad_json,              ///< payload is not one valid JSON value (UTF-8 checked, finite numbers)
    too_deep,              ///< payload nested deeper than `max_json_depth`
    invalid_payload,       ///< payload shape not allowed for the type
};

const boost::system::error_category& error_category() noexcept;
boost::system::error_code make_error_code(error e) noexcept;

/// Nesting limit for payloads; deeper input is refused before it can cost
/// stack or memory (the reference parser has no such limit; ours is defensive).
inline constexpr std::size_t max_json_depth = 32;

/// Parses one packet, the exact v5 grammar ("Packet encoding"):
///
///     <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
///
/// and then checks the payload against the type, as the reference decoder
/// does (socket.io-parser `isPayloadValid`) plus the rules of "Exchange
/// protocol":
///  - CONNECT: payload absent or an object; no ack id.
///  - DISCONNECT: no payload, no ack id.
///  - CONNECT_ERROR: an object ({"message": ...}), or a string (v4 servers); no ack id.
///  - EVENT / BINARY_EVENT: a non-empty array whose first element (the
///    event name) is a string; ack id optional.
///  - ACK / BINARY_ACK: an array (possibly empty) and an ack id.
/// A namespace starts with '/' and ends at ',' or at the end of the input
/// (the reference decoder accepts "40/admin", and the official test suite
/// sends it); its characters are those of a URL path (RFC 3986 §3.3), since
/// clients take it from the URL. Leading and trailing JSON whitespace is
/// allowed (JSON.parse allows it); anything else after the JSON is refused.
boost::system::result<packet> parse(std::string_view text);

/// Encodes a packet. Preconditions: `nsp` is "/" (or empty) or a namespace
/// `parse` accepts; `data` fits the type. Strings in `data` are JSON-escaped,
/// control characters included, so the result never holds the Engine.IO
/// record separator.
std::string encode(const packet& p);

/// `2["<event_name>",<json_arg>]` on the main namespace. `json_arg` must be
/// one serialized JSON value (e.g. a relay event exactly as received), which
/// is inserted without re-parsing; `event_name` is JSON-escaped.
std::string encode_event(std::string_view event_name, std::string_view json_arg);

/// `0{"sid":"<sid>"}`: the server's answer to CONNECT on the main namespace.
std::string encode_connect(std::string_view sid);

/// `4{"message":"<message>"}`: refuses a CONNECT on the main namespace.
std::string encode_connect_error(std::string_view message);

/// `3<id><json_args_array>` on the main namespace. `json_args_array` must be
/// one serialized JSON array, e.g. "[]" or `[{"ok":true}]`.
std::string encode_ack(std::uint64_t id, std::string_view json_args_array);

}  // namespace chat::socketio

template <>
struct boost::system::is_error_code_enum<chat::socketio::error> : std::true_type {};
