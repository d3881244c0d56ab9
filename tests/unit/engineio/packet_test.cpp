#include "engineio/packet.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>
#include <vector>

namespace chat::engineio {
namespace {

using namespace std::string_literals;

packet text_packet(packet_type t, std::string data) {
    return packet{t, std::move(data), false};
}
packet binary_packet(std::string bytes) {
    return packet{packet_type::message, std::move(bytes), true};
}

void expect_packet(const packet& p, packet_type type, std::string_view data, bool binary) {
    EXPECT_EQ(p.type, type);
    EXPECT_EQ(p.data, data);
    EXPECT_EQ(p.binary, binary);
}

TEST(EngineioPacket, EveryTextTypeRoundTrips) {
    const std::array types{packet_type::open, packet_type::close,   packet_type::ping,
                           packet_type::pong, packet_type::message, packet_type::upgrade,
                           packet_type::noop};
    for (const auto type : types) {
        for (const std::string& data : {""s, "probe"s, "HelloWorld"s, "€ ünïcode"s}) {
            const std::string encoded = encode_text(text_packet(type, data));
            ASSERT_EQ(encoded.size(), data.size() + 1);
            EXPECT_EQ(encoded[0], static_cast<char>(type));
            auto parsed = parse_text(encoded);
            ASSERT_TRUE(parsed) << encoded;
            expect_packet(*parsed, type, data, false);
        }
    }
}

// The WebSocket examples of the v4 document ("Upgrade", "Packet encoding / WebSocket").
TEST(EngineioPacket, SpecWebSocketExamples) {
    auto ping = parse_text("2probe");
    ASSERT_TRUE(ping);
    expect_packet(*ping, packet_type::ping, "probe", false);
    EXPECT_EQ(encode_text(text_packet(packet_type::pong, "probe")), "3probe");

    auto upgrade = parse_text("5");
    ASSERT_TRUE(upgrade);
    expect_packet(*upgrade, packet_type::upgrade, "", false);

    auto hello = parse_text("4hello");
    ASSERT_TRUE(hello);
    expect_packet(*hello, packet_type::message, "hello", false);

    EXPECT_EQ(encode_text(text_packet(packet_type::ping, "")), "2");
    EXPECT_EQ(encode_text(text_packet(packet_type::noop, "")), "6");
    EXPECT_EQ(encode_message("hello"), "4hello");
}

TEST(EngineioPacket, BinaryFrameIsRawMessage) {
    const std::string bytes = "\x01\x02\x03\x04\x00\xff"s;
    const packet p = parse_binary(bytes);
    expect_packet(p, packet_type::message, bytes, true);
    // On a text channel the same packet is 'b' + base64.
    EXPECT_EQ(encode_text(binary_packet("\x01\x02\x03\x04")), "bAQIDBA==");
    auto back = parse_text("bAQIDBA==");
    ASSERT_TRUE(back);
    expect_packet(*back, packet_type::message, "\x01\x02\x03\x04", true);
}

// RFC 4648 §10 test vectors through the 'b' packet encoding.
TEST(EngineioPacket, Base64Vectors) {
    const std::vector<std::pair<std::string, std::string>> vectors{{"", "b"},
                                                                   {"f", "bZg=="},
                                                                   {"fo", "bZm8="},
                                                                   {"foo", "bZm9v"},
                                                                   {"foob", "bZm9vYg=="},
                                                                   {"fooba", "bZm9vYmE="},
                                                                   {"foobar", "bZm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(encode_text(binary_packet(plain)), encoded);
        auto parsed = parse_text(encoded);
        ASSERT_TRUE(parsed) << encoded;
        expect_packet(*parsed, packet_type::message, plain, true);
    }
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    auto parsed = parse_text(encode_text(binary_packet(all)));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->data, all);
}

TEST(EngineioPacket, RefusesMalformedText) {
    EXPECT_EQ(parse_text("").error(), error::empty_packet);
    for (const std::string& bad : {"7"s, "9"s, "a"s, "abc"s, "/"s, "\x1e"s, "\0"s, " 4x"s}) {
        auto r = parse_text(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error(), error::unknown_packet_type) << bad;
    }
    for (const std::string& bad : {"b!!!!"s, "bAQIDBA"s, "bAQIDBA="s, "bAQIDBA==="s, "bAQI DBA="s,
                                   "bZh=="s, "bZm9="s, "b===="s, "bAQIDBA==\n"s, "bAQ-_A=="s,
                                   // Not ASCII: once decoded as "////" (fuzz/engineio_payload).
                                   "b\xff\xff\xff\xff"s, "bAQID\xc9\x8f\x8d\x90"s}) {
        auto r = parse_text(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error(), error::bad_base64) << bad;
    }
}

// "Packet encoding / HTTP long-polling" examples, verbatim.
TEST(EngineioPayload, SpecExamples) {
    auto three = parse_payload(
        "4hello\x1e"
        "2\x1e"
        "4world",
        1000000);
    ASSERT_TRUE(three);
    ASSERT_EQ(three->size(), 3u);
    expect_packet((*three)[0], packet_type::message, "hello", false);
    expect_packet((*three)[1], packet_type::ping, "", false);
    expect_packet((*three)[2], packet_type::message, "world", false);
    EXPECT_EQ(encode_payload(*three),
              "4hello\x1e"
              "2\x1e"
              "4world");

    auto mixed = parse_payload(
        "4hello\x1e"
        "bAQIDBA==",
        1000000);
    ASSERT_TRUE(mixed);
    ASSERT_EQ(mixed->size(), 2u);
    expect_packet((*mixed)[0], packet_type::message, "hello", false);
    expect_packet((*mixed)[1], packet_type::message, "\x01\x02\x03\x04", true);
    EXPECT_EQ(encode_payload(*mixed),
              "4hello\x1e"
              "bAQIDBA==");
}

// The Socket.IO document's sample session: two events in one POST body.
TEST(EngineioPayload, SocketioSampleSessionPost) {
    auto r = parse_payload(
        "42[\"hello\"]\x1e"
        "42[\"world\"]",
        1000000);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 2u);
    expect_packet((*r)[0], packet_type::message, "2[\"hello\"]", false);
    expect_packet((*r)[1], packet_type::message, "2[\"world\"]", false);
}

TEST(EngineioPayload, SinglePacketAndAppend) {
    auto one = parse_payload("1", 10);
    ASSERT_TRUE(one);
    ASSERT_EQ(one->size(), 1u);
    expect_packet((*one)[0], packet_type::close, "", false);

    const std::vector<packet> packets{
        text_packet(packet_type::message, "2[\"a\"]"), binary_packet("\x00\x01"s),
        text_packet(packet_type::noop, ""), text_packet(packet_type::message, "€")};
    std::string joined;
    for (const auto& p : packets) append_to_payload(joined, encode_text(p));
    EXPECT_EQ(joined, encode_payload(packets));
    auto back = parse_payload(joined, joined.size());
    ASSERT_TRUE(back);
    ASSERT_EQ(back->size(), packets.size());
    for (std::size_t i = 0; i < packets.size(); ++i) {
        expect_packet((*back)[i], packets[i].type, packets[i].data, packets[i].binary);
    }
    EXPECT_EQ(encode_payload({}), "");
}

TEST(EngineioPayload, RefusesMalformedBodies) {
    struct bad_case {
        std::string body;
        error expected;
    };
    const std::vector<bad_case> cases{
        {"", error::empty_packet},
        {"\x1e", error::empty_packet},
        {"\x1e"
         "4a",
         error::empty_packet},
        {"4a\x1e", error::empty_packet},
        {"4a\x1e\x1e"
         "4b",
         error::empty_packet},
        {"4a\x1e"
         "x\x1e"
         "4b",
         error::unknown_packet_type},
        {"7", error::unknown_packet_type},
        {"4a\x1e"
         "b%%%%",
         error::bad_base64},
        {"bAQIDBA", error::bad_base64},
    };
    for (const auto& c : cases) {
        auto r = parse_payload(c.body, 1000);
        ASSERT_FALSE(r) << c.body;
        EXPECT_EQ(r.error(), c.expected) << c.body;
    }
}

TEST(EngineioPayload, EnforcesMaxPayload) {
    const std::string body = "4" + std::string(99, 'x');  // exactly 100 bytes
    EXPECT_TRUE(parse_payload(body, 100));
    auto over = parse_payload(body + "x", 100);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error(), error::payload_too_large);
    // The limit is checked before anything else, even on garbage.
    EXPECT_EQ(parse_payload(std::string(101, '\x1e'), 100).error(), error::payload_too_large);

    const std::string big = "4" + std::string(1000000 - 1, 'y');
    auto r = parse_payload(big, 1000000);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[0].data.size(), 999999u);
}

TEST(EngineioHandshake, EncodesSpecExample) {
    handshake h;
    h.sid = "lv_VI97HAXpY6yYWAAAC";
    h.upgrades = {"websocket"};
    h.ping_interval = std::chrono::milliseconds(25000);
    h.ping_timeout = std::chrono::milliseconds(20000);
    h.max_payload = 1000000;
    const std::string open = encode_open(h);
    EXPECT_EQ(open,
              R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,)"
              R"("pingTimeout":20000,"maxPayload":1000000})");

    auto parsed = parse_text(open);
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->type, packet_type::open);
    auto back = parse_open(parsed->data);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->sid, h.sid);
    EXPECT_EQ(back->upgrades, h.upgrades);
    EXPECT_EQ(back->ping_interval, h.ping_interval);
    EXPECT_EQ(back->ping_timeout, h.ping_timeout);
    EXPECT_EQ(back->max_payload, h.max_payload);

    h.upgrades.clear();  // a WebSocket-only session offers no upgrade
    EXPECT_NE(encode_open(h).find(R"("upgrades":[])"), std::string::npos);
}

// The Socket.IO document's sample session, request n°1.
TEST(EngineioHandshake, ParsesSampleSession) {
    auto p = parse_text(
        R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000})");
    ASSERT_TRUE(p);
    auto h = parse_open(p->data);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->ping_timeout, std::chrono::milliseconds(5000));
}

TEST(EngineioHandshake, RefusesBadHandshakes) {
    for (const std::string& bad :
         {""s, "[]"s, "{"s, R"({"upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":1})"s,
          R"({"sid":1,"upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":1})"s,
          R"({"sid":"a","upgrades":[1],"pingInterval":1,"pingTimeout":1,"maxPayload":1})"s,
          R"({"sid":"a","upgrades":[],"pingInterval":-1,"pingTimeout":1,"maxPayload":1})"s,
          R"({"sid":"a","upgrades":[],"pingInterval":"1","pingTimeout":1,"maxPayload":1})"s,
          R"({"sid":"a","upgrades":[],"pingInterval":1.5,"pingTimeout":1,"maxPayload":1})"s,
          R"({"sid":"a","upgrades":[],"pingInterval":1,"maxPayload":1})"s}) {
        auto r = parse_open(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error(), error::bad_handshake) << bad;
    }
}

TEST(EngineioPacket, ErrorCodesHaveMessages) {
    const boost::system::error_code ec = error::bad_base64;
    EXPECT_EQ(ec.category().name(), std::string("chat.engineio"));
    EXPECT_FALSE(ec.message().empty());
}

// A cheap, deterministic stand-in for the fuzz target: mutated valid inputs
// must never crash or throw.
TEST(EngineioPacket, MutatedInputsNeverThrow) {
    const std::vector<std::string> seeds{
        "4hello\x1e"
        "2\x1e"
        "4world",
        "4hello\x1e"
        "bAQIDBA==",
        "2probe", "bZm9vYmFy"};
    std::mt19937 rng(12345);
    for (int i = 0; i < 20000; ++i) {
        std::string s = seeds[static_cast<std::size_t>(i) % seeds.size()];
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !s.empty(); ++e) {
            const std::size_t at = rng() % s.size();
            switch (rng() % 3) {
                case 0:
                    s[at] = static_cast<char>(rng());
                    break;
                case 1:
                    s.erase(at, 1);
                    break;
                default:
                    s.insert(at, 1, static_cast<char>(rng()));
                    break;
            }
        }
        EXPECT_NO_THROW({
            (void)parse_text(s);
            (void)parse_payload(s, 64);
            (void)parse_open(s);
        });
    }
}

}  // namespace
}  // namespace chat::engineio
