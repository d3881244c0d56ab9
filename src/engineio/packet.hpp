#pragma once
// Engine.IO v4 packet codec (the public `README.md` of
// socketio/engine.io-protocol, "4th version"; SPEC §2). Pure: no sockets,
// clocks or logging, so the gateway, the tests and a fuzz target
// (`parse_payload(std::string_view(data, size), limit)`) all use it the same way.
//
// Thread safety: every function is reentrant and touches no shared state.
// Nothing here throws on bad input; only std::bad_alloc can escape.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace chat::engineio {

/// The packet type is the first character of a text packet ("Protocol").
enum class packet_type : char {
    open = '0',
    close = '1',
    ping = '2',
    pong = '3',
    message = '4',
    upgrade = '5',
    noop = '6',
};

/// One Engine.IO packet. A binary packet is always a `message` whose `data`
/// holds raw bytes; v4 has no other binary packet type.
struct packet {
    packet_type type = packet_type::message;
    std::string data;
    bool binary = false;
};

/// Why a packet or payload was refused.
enum class error {
    empty_packet = 1,     ///< a packet with no type character
    unknown_packet_type,  ///< first character outside '0'..'6' (and not 'b')
    bad_base64,           ///< 'b' packet whose rest is not padded standard base64
    payload_too_large,    ///< polling body over the announced maxPayload
    bad_handshake,        ///< open packet JSON missing or mistyping a field
};

const boost::system::error_category& error_category() noexcept;
boost::system::error_code make_error_code(error e) noexcept;

/// The record separator joining packets in a long-polling payload
/// ("Packet encoding / HTTP long-polling").
inline constexpr char record_separator = '\x1e';

/// Parses one text packet: a WebSocket text frame, or one record of a
/// polling payload. `<type char>[<data>]`, or `b<base64>` for a binary
/// message ("Packet encoding": binary payloads on a text channel are
/// base64-encoded and prefixed with `b`). `data` is taken as is; it is the
/// caller's job to interpret it per type (e.g. "probe" on ping).
boost::system::result<packet> parse_text(std::string_view text);

/// A WebSocket binary frame is one binary message packet: the bytes as they
/// are, with no type byte ("Packet encoding / WebSocket": "Binary payloads
/// are sent as is"). Cannot fail.
packet parse_binary(std::string_view bytes);

/// Text encoding of one packet: `<type char><data>`, or `b<base64(data)>`
/// when `p.binary` (the type is then ignored: binary is always a message).
/// On WebSocket, send a binary packet's raw `data` in a binary frame instead.
std::string encode_text(const packet& p);

/// `4<data>`: the common case, without building a `packet` first.
std::string encode_message(std::string_view data);

/// Joins packets with the record separator into one polling payload.
/// Precondition: no text packet's data contains '\x1e' (the protocol has no
/// escape for it; JSON produced by a serializer never does, since control
/// characters are always escaped inside strings).
std::string encode_payload(std::span<const packet> packets);

/// Appends one already text-encoded packet (from `encode_text` /
/// `encode_message`) to a payload being built in `out`, adding the separator
/// when `out` already holds a packet. `out` must be empty or built only by
/// this function; this lets the gateway join its queue of shared encoded
/// frames with one copy each.
void append_to_payload(std::string& out, std::string_view encoded_packet);

/// Splits and parses the body of a polling POST. Refuses, without partial
/// results: a body longer than `max_payload` bytes, an empty body, an empty
/// record (separator at either end or doubled), and any record `parse_text`
/// refuses.
boost::system::result<std::vector<packet>> parse_payload(std::string_view body,
                                                         std::size_t max_payload);

/// The handshake data carried by the open packet ("Protocol / Handshake").
struct handshake {
    std::string sid;
    std::vector<std::string> upgrades;  // {"websocket"} on polling, {} on WebSocket
    std::chrono::milliseconds ping_interval{25000};
    std::chrono::milliseconds ping_timeout{20000};
    std::uint64_t max_payload = 1000000;  // bytes per polling payload
};

/// The complete open packet, `0{"sid":..,"upgrades":[..],"pingInterval":..,
/// "pingTimeout":..,"maxPayload":..}`, with the field names of the spec.
std::string encode_open(const handshake& h);

/// Reads the JSON data of an open packet (the part after '0'), as a client
/// does; for tests and load generators. Unknown fields are ignored.
boost::system::result<handshake> parse_open(std::string_view json);

}  // namespace chat::engineio

template <>
struct boost::system::is_error_code_enum<chat::engineio::error> : std::true_type {};
