#include "client_frame.hpp"

#include <array>
#include <cstring>

namespace chat::bench {

void append_client_frame(std::string& out, websocket::opcode op, std::string_view payload,
                         std::uint32_t mask_key) {
    // §5.2: FIN, opcode, MASK bit with a 7-bit, 16-bit or 64-bit length.
    out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(op)));
    const std::size_t n = payload.size();
    if (n < 126) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF));
        }
    }
    std::array<char, 4> key{};
    std::memcpy(key.data(), &mask_key, key.size());
    out.append(key.data(), key.size());
    const std::size_t start = out.size();
    out.append(payload);
    for (std::size_t i = 0; i < n; ++i) out[start + i] ^= key[i % 4];
}

std::optional<server_frame> next_server_frame(std::string_view& input, bool& malformed) {
    if (input.size() < 2) return std::nullopt;
    const auto b0 = static_cast<std::uint8_t>(input[0]);
    const auto b1 = static_cast<std::uint8_t>(input[1]);
    if ((b1 & 0x80) != 0 || (b0 & 0x70) != 0) {  // §5.1: servers never mask; no extensions
        malformed = true;
        return std::nullopt;
    }
    std::size_t header = 2;
    std::uint64_t length = b1 & 0x7F;
    if (length == 126) {
        if (input.size() < 4) return std::nullopt;
        length = (std::uint64_t{static_cast<std::uint8_t>(input[2])} << 8) |
                 static_cast<std::uint8_t>(input[3]);
        header = 4;
    } else if (length == 127) {
        if (input.size() < 10) return std::nullopt;
        length = 0;
        for (std::size_t i = 2; i < 10; ++i) {
            length = (length << 8) | static_cast<std::uint8_t>(input[i]);
        }
        header = 10;
    }
    if (length > input.size() - header) return std::nullopt;
    server_frame f;
    f.op = static_cast<websocket::opcode>(b0 & 0x0F);
    f.fin = (b0 & 0x80) != 0;
    f.payload = input.substr(header, static_cast<std::size_t>(length));
    input.remove_prefix(header + static_cast<std::size_t>(length));
    return f;
}

}  // namespace chat::bench
