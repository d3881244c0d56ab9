#pragma once
// The client half of RFC 6455 framing, which src/websocket does not need:
// clients mask every frame they send (§5.3) and read unmasked server frames
// (§5.2). Pure: no sockets or clocks; for the load generator only, so it
// trusts the server and keeps no state across messages beyond what is buffered.
//
// Thread safety: the functions are reentrant.

#include "websocket/frame.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::bench {

/// Appends one complete, masked, unfragmented client frame to `out`.
/// `mask_key` is the 4-byte masking key (§5.3 wants it unpredictable; a load
/// generator talking to its own server may reuse one).
void append_client_frame(std::string& out, websocket::opcode op, std::string_view payload,
                         std::uint32_t mask_key);

/// One server frame as it sits in the read buffer.
struct server_frame {
    websocket::opcode op = websocket::opcode::text;
    bool fin = true;
    std::string_view payload;  // points into the input
};

/// Reads one whole unmasked server frame from the front of `input` and
/// advances `input` past it. nullopt when the frame is not complete yet.
/// A masked or otherwise malformed frame sets `malformed` and returns nullopt.
std::optional<server_frame> next_server_frame(std::string_view& input, bool& malformed);

}  // namespace chat::bench
