#include "gateway/detail/frame.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace chat::gateway::detail {
namespace {

std::uint8_t byte(const frame& f, std::size_t i) {
    return static_cast<std::uint8_t>(f.bytes.at(i));
}

/// The payload length the frame's header announces (RFC 6455 §5.2).
std::uint64_t announced_length(const frame& f) {
    const std::uint8_t len7 = byte(f, 1) & 0x7f;
    if (len7 < 126) return len7;
    const std::size_t extra = len7 == 126 ? 2 : 8;
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < extra; ++i) n = (n << 8) | byte(f, 2 + i);
    return n;
}

TEST(MakeFrame, ShortTextFrame) {
    const auto f = make_frame("42[\"event.server\",{}]");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(byte(*f, 0), 0x81);      // FIN, text opcode, no reserved bits
    EXPECT_EQ(byte(*f, 1) & 0x80, 0);  // server frames are not masked
    EXPECT_EQ(f->header, 2u);
    EXPECT_EQ(announced_length(*f), 21u);
    EXPECT_EQ(f->bytes.size(), f->header + 21);
    EXPECT_EQ(f->packet(), "42[\"event.server\",{}]");
}

TEST(MakeFrame, EmptyPacket) {
    const auto f = make_frame("");
    EXPECT_EQ(f->bytes, std::string("\x81\x00", 2));
    EXPECT_EQ(f->header, 2u);
    EXPECT_TRUE(f->packet().empty());
}

TEST(MakeFrame, LengthEncodingBoundaries) {
    struct sample {
        std::size_t size;
        std::size_t header;
        std::uint8_t len7;
    };
    for (const auto& [size, header, len7] :
         {sample{125, 2, 125}, sample{126, 4, 126}, sample{65535, 4, 126}, sample{65536, 10, 127},
          sample{70000, 10, 127}}) {
        SCOPED_TRACE(size);
        std::string packet(size, 'x');
        packet.front() = '4';
        packet.back() = 'z';
        const auto f = make_frame(packet);
        EXPECT_EQ(byte(*f, 0), 0x81);
        EXPECT_EQ(byte(*f, 1), len7);
        EXPECT_EQ(f->header, header);
        EXPECT_EQ(announced_length(*f), size);
        EXPECT_EQ(f->bytes.size(), header + size);
        EXPECT_EQ(f->packet(), packet);
    }
}

TEST(MakeFrame, EngineIoControlPackets) {
    for (const char* packet : {"1", "2", "3probe", "6"}) {
        const auto f = make_frame(packet);
        EXPECT_EQ(f->bytes,
                  std::string("\x81") + static_cast<char>(std::string(packet).size()) + packet);
    }
}

}  // namespace
}  // namespace chat::gateway::detail
