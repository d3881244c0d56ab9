#pragma once
// An outbound Engine.IO text packet, encoded once and shared by every
// recipient: the bytes are a complete WebSocket frame whose payload is the
// packet, so a WebSocket write sends `bytes` as is and a polling response
// copies the `packet()` tail.

#include <memory>
#include <string>
#include <string_view>

namespace chat::gateway::detail {

struct frame {
    std::string bytes;
    std::size_t header = 0;
    std::string_view packet() const noexcept { return std::string_view(bytes).substr(header); }
};
using frame_ptr = std::shared_ptr<const frame>;

/// Wraps one Engine.IO text packet (e.g. `42[...]`).
frame_ptr make_frame(std::string_view engineio_packet);

/// Wraps one Socket.IO packet in an Engine.IO message (`4` + packet).
frame_ptr make_socketio_frame(std::string_view socketio_packet);

}  // namespace chat::gateway::detail
