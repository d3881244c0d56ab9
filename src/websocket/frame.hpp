#pragma once
// RFC 6455 framing for the server side, as a pure codec (no sockets).
//
// Why our own framing rather than Beast's websocket stream: the gateway sends
// one event to thousands of sockets. Encoding the complete frame (header and
// payload) once and handing the same bytes to every connection — and writing
// several queued frames with one gathered write — is what makes a delivery
// cost little more than the write itself. Beast's stream frames each message
// per connection and answers pings from inside its read operation, which
// would interleave with our raw writes. The handshake is plain HTTP and stays
// on the HTTP server.
//
// Thread safety: the free functions are reentrant; a frame_parser belongs to
// one connection. Nothing here throws on bad input; only std::bad_alloc can
// escape.

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::websocket {

enum class opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

/// RFC 6455 §7.4.1 close codes used by the server.
enum class close_code : std::uint16_t {
    normal = 1000,
    going_away = 1001,
    protocol_error = 1002,
    unsupported_data = 1003,
    invalid_payload = 1007,  // e.g. text that is not UTF-8
    policy_violation = 1008,
    too_big = 1009,
    internal_error = 1011,
};

/// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2):
/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string accept_key(std::string_view client_key);

/// True when `key` is base64 of 16 bytes, as §4.1 requires of clients.
bool is_valid_client_key(std::string_view key);

/// Size of the header that encode_frame puts in front of `payload_size` bytes
/// (2, 4 or 10: §5.2, server frames are never masked).
std::size_t header_size(std::size_t payload_size) noexcept;

/// Appends one complete unmasked, unfragmented server frame to `out`.
void append_frame(std::string& out, opcode op, std::string_view payload);

/// One complete frame as a new string.
std::string encode_frame(opcode op, std::string_view payload);

/// A close frame with a code and a (truncated to fit 125 bytes) reason.
std::string encode_close(close_code code, std::string_view reason);

/// One complete message (fragments joined) or control frame from a client.
struct message {
    opcode op = opcode::text;  // text, binary, close, ping or pong
    std::string payload;       // unmasked
};

/// Incremental parser of client-to-server frames (§5.2–§5.5).
///
/// Refuses (error set, parser then unusable): unmasked client frames, reserved
/// bits set (no extension is negotiated), unknown opcodes, control frames that
/// are fragmented or longer than 125 bytes, a continuation without a start, a
/// new data frame inside a fragmented message, 64-bit lengths with the top
/// bit set, a data message over `max_message_size` (checked from the header,
/// before buffering; control frames have their own 125-byte cap), text
/// messages that are not valid UTF-8, and a close payload of one byte, with a
/// code outside 1000-1003, 1007-1011, 3000-4999 (§7.4), or with a reason that
/// is not UTF-8. Framing violations map to protocol_error, size to too_big,
/// bad UTF-8 to invalid_payload.
class frame_parser {
public:
    explicit frame_parser(std::size_t max_message_size) : max_message_size_(max_message_size) {}

    /// Consumes whole frames from the front of `input` (advancing it past
    /// them) until one message is complete, then returns it. A partial frame
    /// at the end is left in `input` for the caller to keep and extend.
    /// Returns nullopt when more input is needed or on error (check `error()`).
    ///
    /// Call it again until it returns nullopt: one buffer may hold several
    /// messages. Fragments of an unfinished message are copied into the
    /// parser and consumed from `input` even when nullopt is returned, so the
    /// caller keeps only the last `input.size()` bytes. Because the size limit
    /// is checked from the header, what is left is always shorter than
    /// `max(max_message_size, 125) + 14` (14: the largest header), which
    /// bounds the caller's read buffer. Control frames (§5.5) are
    /// returned as soon as they are whole, also between the fragments of a
    /// data message. A close message's payload is the raw body (big-endian
    /// code, then the UTF-8 reason), already checked; echoing it unchanged
    /// is a valid §5.5.1 reply.
    std::optional<message> next(std::string_view& input);

    /// Set once the input violated the protocol; the close code to send.
    std::optional<close_code> error() const noexcept { return error_; }
    /// What was wrong, for the log.
    const std::string& error_message() const noexcept { return error_message_; }

private:
    // Record the error, drop any partial message; always returns nullopt.
    std::optional<message> fail(close_code code, std::string_view why);
    // Fail (and return false) on a text message that is not UTF-8 (§5.6).
    bool check_text(const message& m);
    // Fail (and return false) on a malformed close body (§5.5.1, §7.4).
    bool check_close(std::string_view payload);

    std::size_t max_message_size_;
    std::optional<close_code> error_;
    std::string error_message_;
    // Fragmented data message being assembled.
    bool in_fragmented_ = false;
    opcode fragmented_op_ = opcode::text;
    std::string fragmented_;
};

}  // namespace chat::websocket
