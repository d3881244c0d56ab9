// WebSocket frame parser: every byte a client sends after the upgrade.
//
// The first input byte picks the message size limit and how the rest is cut
// into reads; the rest is the byte stream. Invariants:
//  - reading the stream whole and in small pieces gives the same messages and
//    the same error (the parser is incremental, like the socket);
//  - what the caller must keep between reads stays within the documented
//    bound, so a client cannot grow the read buffer;
//  - every message respects the limits (size, control frames ≤ 125 bytes,
//    text is UTF-8, checked against an independent decoder);
//  - every message, framed again as a client would (masked, fragmented,
//    with a ping in between), parses back to itself.

#include "check.hpp"
#include "websocket/detail/utf8.hpp"
#include "websocket/frame.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace ws = chat::websocket;

// 1'000'000 is the gateway's default (gateway_config::max_payload); the small
// ones let short inputs reach the size checks.
constexpr std::array<std::size_t, 8> limits{0, 1, 2, 125, 126, 200, 65536, 1'000'000};
// The largest frame header (§5.2: 2 + 8 length bytes + 4 mask bytes).
constexpr std::size_t max_header = 14;

// RFC 3629 §3-4, written plainly as the reference for the parser's own
// (optimised) validator.
bool reference_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (s.size() - i <= extra) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
        if (cp < smallest[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

struct outcome {
    std::vector<ws::message> messages;
    std::optional<ws::close_code> error;
};

bool same(const ws::message& a, const ws::message& b) {
    return a.op == b.op && a.payload == b.payload;
}

// Feeds `stream` in reads of at most `piece` bytes, keeping the unconsumed
// tail as the gateway does, and checks the tail's bound after every read.
outcome parse(std::string_view stream, std::size_t piece, std::size_t limit) {
    ws::frame_parser parser(limit);
    outcome out;
    std::string pending;
    std::size_t offset = 0;
    while (offset < stream.size() && !parser.error()) {
        const std::size_t n = std::min(piece, stream.size() - offset);
        pending.append(stream.substr(offset, n));
        offset += n;
        std::string_view input = pending;
        while (auto m = parser.next(input)) out.messages.push_back(std::move(*m));
        if (!parser.error())
            FUZZ_CHECK(input.size() < std::max<std::size_t>(limit, 125) + max_header);
        pending.erase(0, pending.size() - input.size());
    }
    out.error = parser.error();
    if (out.error) FUZZ_CHECK(!parser.error_message().empty());
    return out;
}

// A client frame (§5.2): masked with `key`, FIN as given.
void append_client_frame(std::string& out, ws::opcode op, bool fin, std::string_view payload,
                         std::uint32_t key) {
    out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | static_cast<unsigned char>(op)));
    const std::size_t size = payload.size();
    if (size <= 125) {
        out.push_back(static_cast<char>(0x80 | size));
    } else if (size <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>(size >> shift));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>(static_cast<std::uint64_t>(size) >> shift));
        }
    }
    const char mask[4] = {static_cast<char>(key >> 24), static_cast<char>(key >> 16),
                          static_cast<char>(key >> 8), static_cast<char>(key)};
    out.append(mask, 4);
    for (std::size_t i = 0; i < size; ++i)
        out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
}

bool is_control(ws::opcode op) {
    return op == ws::opcode::close || op == ws::opcode::ping || op == ws::opcode::pong;
}

void check_reframed(const ws::message& m, std::size_t limit, std::uint32_t key) {
    std::string stream;
    const bool fragment = !is_control(m.op) && m.payload.size() > 1;
    if (fragment) {
        const std::size_t half = m.payload.size() / 2;
        const std::string_view payload = m.payload;
        append_client_frame(stream, m.op, false, payload.substr(0, half), key);
        append_client_frame(stream, ws::opcode::ping, true, "between", ~key);
        append_client_frame(stream, ws::opcode::continuation, true, payload.substr(half), key * 7);
    } else {
        append_client_frame(stream, m.op, true, m.payload, key);
    }
    const auto parsed = parse(stream, stream.size(), limit);
    FUZZ_CHECK(!parsed.error);
    FUZZ_CHECK(parsed.messages.size() == (fragment ? 2u : 1u));
    if (fragment) FUZZ_CHECK(parsed.messages[0].op == ws::opcode::ping);
    FUZZ_CHECK(same(parsed.messages.back(), m));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t limit = limits[data[0] & 0x07];
    const std::size_t piece = (data[0] >> 3) + 1;  // 1..32 bytes per read
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

    FUZZ_CHECK(ws::detail::is_valid_utf8(stream) == reference_utf8(stream));

    const auto whole = parse(stream, stream.size() + 1, limit);
    const auto pieces = parse(stream, piece, limit);
    FUZZ_CHECK(whole.error == pieces.error);
    FUZZ_CHECK(whole.messages.size() == pieces.messages.size());
    for (std::size_t i = 0; i < whole.messages.size(); ++i) {
        const auto& m = whole.messages[i];
        FUZZ_CHECK(same(m, pieces.messages[i]));
        FUZZ_CHECK(m.op != ws::opcode::continuation);
        if (is_control(m.op)) {
            FUZZ_CHECK(m.payload.size() <= 125);
        } else {
            FUZZ_CHECK(m.payload.size() <= limit);
        }
        if (m.op == ws::opcode::text) FUZZ_CHECK(reference_utf8(m.payload));
        if (m.op == ws::opcode::close && !m.payload.empty()) {
            FUZZ_CHECK(m.payload.size() >= 2 &&
                       reference_utf8(std::string_view(m.payload).substr(2)));
        }
        check_reframed(m, limit, static_cast<std::uint32_t>(i * 2654435761u) ^ data[0]);
    }
    return 0;
}
