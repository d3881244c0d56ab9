#include "websocket/frame.hpp"

#include "websocket/detail/utf8.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace chat::websocket {
namespace {

using namespace std::string_literals;

}  // namespace

// Readable failures instead of gtest's raw bytes.
void PrintTo(opcode op, std::ostream* os) {
    *os << "opcode " << static_cast<int>(op);
}
void PrintTo(close_code code, std::ostream* os) {
    *os << "close_code " << static_cast<int>(code);
}

namespace {

using mask_key = std::array<unsigned char, 4>;
constexpr mask_key rfc_key{0x37, 0xfa, 0x21, 0x3d};  // the key of the §5.7 examples

enum class final_frame { yes, no };
enum class masking { on, off };

// A tiny client-side encoder (§5.2, §5.3). The first byte is given raw so a
// test can set any FIN, RSV and opcode combination, legal or not.
std::string client_frame_raw(unsigned char first_byte, std::string_view payload,
                             mask_key key = rfc_key, masking mask = masking::on) {
    std::string out;
    out.push_back(static_cast<char>(first_byte));
    const unsigned char mask_bit = mask == masking::on ? 0x80 : 0x00;
    const std::uint64_t size = payload.size();
    if (size <= 125) {
        out.push_back(static_cast<char>(mask_bit | size));
    } else if (size <= 0xFFFF) {
        out.push_back(static_cast<char>(mask_bit | 126));
        out.push_back(static_cast<char>(size >> 8));
        out.push_back(static_cast<char>(size & 0xFF));
    } else {
        out.push_back(static_cast<char>(mask_bit | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((size >> shift) & 0xFF));
        }
    }
    if (mask == masking::on) out.append(reinterpret_cast<const char*>(key.data()), key.size());
    for (std::size_t i = 0; i < payload.size(); ++i) {
        const unsigned char k = mask == masking::on ? key[i % 4] : 0;
        out.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ k));
    }
    return out;
}

std::string client_frame(opcode op, std::string_view payload, final_frame fin = final_frame::yes,
                         mask_key key = rfc_key) {
    const unsigned char fin_bit = fin == final_frame::yes ? 0x80 : 0x00;
    return client_frame_raw(static_cast<unsigned char>(fin_bit | static_cast<unsigned char>(op)),
                            payload, key);
}

std::string close_body(std::uint16_t code, std::string_view reason = {}) {
    std::string body;
    body.push_back(static_cast<char>(code >> 8));
    body.push_back(static_cast<char>(code & 0xFF));
    body.append(reason);
    return body;
}

std::string bytes(std::initializer_list<unsigned char> list) {
    return std::string(list.begin(), list.end());
}

// Every message `next` yields from `input`, the way the gateway loops.
std::vector<message> drain(frame_parser& parser, std::string_view& input) {
    std::vector<message> out;
    while (auto m = parser.next(input)) out.push_back(std::move(*m));
    return out;
}

void expect_message(const message& m, opcode op, std::string_view payload) {
    EXPECT_EQ(static_cast<int>(m.op), static_cast<int>(op));
    EXPECT_EQ(m.payload, payload);
}

constexpr std::size_t default_max = 1 << 20;

// The parser refuses `wire` with `code`, and stays refused even when fed a
// perfectly good frame afterwards.
void expect_refused(std::string_view wire, close_code code, std::size_t max = default_max) {
    frame_parser parser(max);
    std::string_view input = wire;
    EXPECT_TRUE(drain(parser, input).empty());
    ASSERT_TRUE(parser.error().has_value());
    EXPECT_EQ(static_cast<int>(*parser.error()), static_cast<int>(code));
    EXPECT_FALSE(parser.error_message().empty());

    const std::string good = client_frame(opcode::text, "ok");
    std::string_view after = good;
    EXPECT_FALSE(parser.next(after).has_value());
    EXPECT_EQ(after.size(), good.size());
}

// ---------------------------------------------------------------- handshake

TEST(WebsocketHandshake, AcceptKeyMatchesRfcExample) {
    // §1.3 / §4.2.2.
    EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebsocketHandshake, ClientKeyMustBeBase64OfSixteenBytes) {
    EXPECT_TRUE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
    EXPECT_TRUE(is_valid_client_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    EXPECT_FALSE(is_valid_client_key(""));
    EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZQ"));      // no padding
    EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZR=="));    // non-zero trailing bits
    EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25j!Q=="));    // not base64
    EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZXM="));    // 17 bytes
    EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZQ==\r"));  // trailing garbage
    // A byte outside the alphabet, which libsodium alone reads as '/'.
    EXPECT_FALSE(
        is_valid_client_key("AAAAAAAAAAAAAAAAAAAAA\xff"
                            "A=="));
}

// ----------------------------------------------------------------- encoding

TEST(WebsocketEncode, RfcSingleFrameUnmaskedText) {
    // §5.7: a single-frame unmasked text message "Hello".
    EXPECT_EQ(encode_frame(opcode::text, "Hello"),
              bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
    EXPECT_EQ(encode_frame(opcode::pong, "Hello"),
              bytes({0x8A, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
    EXPECT_EQ(encode_frame(opcode::binary, ""), bytes({0x82, 0x00}));
}

TEST(WebsocketEncode, LengthFormsSwitchAtExactBoundaries) {
    struct expected {
        std::size_t size;
        std::string header;
    };
    const std::vector<expected> cases{
        {0, bytes({0x82, 0x00})},
        {125, bytes({0x82, 0x7D})},
        {126, bytes({0x82, 0x7E, 0x00, 0x7E})},
        {65535, bytes({0x82, 0x7E, 0xFF, 0xFF})},
        {65536, bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00})},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.size);
        const std::string payload(c.size, 'x');
        EXPECT_EQ(header_size(c.size), c.header.size());
        const std::string frame = encode_frame(opcode::binary, payload);
        ASSERT_EQ(frame.size(), c.header.size() + c.size);
        EXPECT_EQ(frame.substr(0, c.header.size()), c.header);
        EXPECT_EQ(frame.substr(c.header.size()), payload);
    }
}

TEST(WebsocketEncode, AppendFrameKeepsWhatIsAlreadyThere) {
    // Several frames in one buffer is what a gathered write sends.
    std::string out = "prefix";
    append_frame(out, opcode::text, "a");
    append_frame(out, opcode::ping, "");
    EXPECT_EQ(out, "prefix"s + bytes({0x81, 0x01, 'a', 0x89, 0x00}));
}

TEST(WebsocketEncode, CloseCarriesCodeAndReason) {
    EXPECT_EQ(encode_close(close_code::normal, ""), bytes({0x88, 0x02, 0x03, 0xE8}));
    EXPECT_EQ(encode_close(close_code::going_away, "bye"),
              bytes({0x88, 0x05, 0x03, 0xE9, 'b', 'y', 'e'}));
}

TEST(WebsocketEncode, CloseReasonIsCutToFitOnACodePointBoundary) {
    const std::string ascii(200, 'r');
    const std::string frame = encode_close(close_code::policy_violation, ascii);
    ASSERT_EQ(frame.size(), 2 + 125u);
    EXPECT_EQ(frame.substr(4), std::string(123, 'r'));

    // 122 ASCII bytes then "é": the 124th byte would split the sequence.
    const std::string split = std::string(122, 'r') + "\xC3\xA9";
    const std::string cut = encode_close(close_code::policy_violation, split);
    EXPECT_EQ(cut.substr(4), std::string(122, 'r'));
    EXPECT_TRUE(detail::is_valid_utf8(cut.substr(4)));
}

TEST(WebsocketEncode, ServerCloseFramesParseBackThroughAClientEncoder) {
    // What we send must itself pass the checks we apply to clients.
    const std::string sent = encode_close(close_code::too_big, "message too big");
    const std::string body = sent.substr(2);
    const std::string wire = client_frame(opcode::close, body);
    frame_parser parser(default_max);
    std::string_view input = wire;
    auto m = parser.next(input);
    ASSERT_TRUE(m.has_value()) << parser.error_message();
    expect_message(*m, opcode::close, body);
}

// ------------------------------------------------------------------ parsing

TEST(WebsocketParse, RfcMaskedHello) {
    // §5.7: a single-frame masked text message "Hello".
    const std::string wire =
        bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    EXPECT_EQ(client_frame(opcode::text, "Hello"), wire);
    frame_parser parser(default_max);
    std::string_view input = wire;
    auto m = parser.next(input);
    ASSERT_TRUE(m.has_value());
    expect_message(*m, opcode::text, "Hello");
    EXPECT_TRUE(input.empty());
    EXPECT_FALSE(parser.next(input).has_value());
    EXPECT_FALSE(parser.error().has_value());
}

TEST(WebsocketParse, SingleTextAndBinary) {
    const std::string text = "h\xC3\xA9llo \xF0\x9F\x98\x80";
    const std::string binary = "\x00\xFF\x80\xC0 not utf-8 \xED\xA0\x80"s;
    const std::string wire =
        client_frame(opcode::text, text) + client_frame(opcode::binary, binary);
    frame_parser parser(default_max);
    std::string_view input = wire;
    const auto got = drain(parser, input);
    ASSERT_EQ(got.size(), 2u);
    expect_message(got[0], opcode::text, text);
    expect_message(got[1], opcode::binary, binary);
    EXPECT_TRUE(input.empty());
    EXPECT_FALSE(parser.error().has_value());
}

TEST(WebsocketParse, EveryPayloadLengthUnmasksCorrectly) {
    // Covers the word loop, its tail, and the extended length forms.
    std::mt19937 rng(6455);
    const mask_key key{0xA5, 0x01, 0xFF, 0x5A};
    for (std::size_t size :
         {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 63, 125, 126, 127, 1000, 65535, 65536, 70001}) {
        SCOPED_TRACE(size);
        std::string payload(size, '\0');
        for (auto& c : payload) c = static_cast<char>(rng());
        const std::string wire = client_frame_raw(0x82, payload, key);
        frame_parser parser(default_max);
        std::string_view input = wire;
        auto m = parser.next(input);
        ASSERT_TRUE(m.has_value()) << parser.error_message();
        expect_message(*m, opcode::binary, payload);
        EXPECT_TRUE(input.empty());
    }
}

TEST(WebsocketParse, FragmentedTextWithPingInTheMiddle) {
    // "é€" split inside both characters: each fragment alone is not UTF-8,
    // the joined message is (§5.6 applies to the message).
    const std::string wire =
        client_frame(opcode::text, "ab\xC3", final_frame::no, {1, 2, 3, 4}) +
        client_frame(opcode::continuation, "\xA9\xE2", final_frame::no, {9, 8, 7, 6}) +
        client_frame(opcode::ping, "are you there") +
        client_frame(opcode::continuation, "\x82\xAC!", final_frame::yes, {0xF0, 0x0F, 0xAA, 0x55});
    frame_parser parser(default_max);
    std::string_view input = wire;
    const auto got = drain(parser, input);
    ASSERT_EQ(got.size(), 2u) << parser.error_message();
    expect_message(got[0], opcode::ping, "are you there");
    expect_message(got[1], opcode::text, "ab\xC3\xA9\xE2\x82\xAC!");
    EXPECT_TRUE(input.empty());
    EXPECT_FALSE(parser.error().has_value());
}

TEST(WebsocketParse, FragmentedBinaryThenMoreMessages) {
    const std::string wire = client_frame(opcode::binary, "12", final_frame::no) +
                             client_frame(opcode::continuation, "", final_frame::no) +
                             client_frame(opcode::continuation, "34") +
                             client_frame(opcode::text, "next");
    frame_parser parser(default_max);
    std::string_view input = wire;
    const auto got = drain(parser, input);
    ASSERT_EQ(got.size(), 2u) << parser.error_message();
    expect_message(got[0], opcode::binary, "1234");
    expect_message(got[1], opcode::text, "next");
}

TEST(WebsocketParse, SeveralFramesInOneBuffer) {
    const std::string wire = client_frame(opcode::text, "one") + client_frame(opcode::ping, "") +
                             client_frame(opcode::binary, "two") + client_frame(opcode::pong, "p") +
                             client_frame(opcode::close, close_body(1000, "done"));
    frame_parser parser(default_max);
    std::string_view input = wire;
    const auto got = drain(parser, input);
    ASSERT_EQ(got.size(), 5u) << parser.error_message();
    expect_message(got[0], opcode::text, "one");
    expect_message(got[1], opcode::ping, "");
    expect_message(got[2], opcode::binary, "two");
    expect_message(got[3], opcode::pong, "p");
    expect_message(got[4], opcode::close, close_body(1000, "done"));
    EXPECT_TRUE(input.empty());
}

TEST(WebsocketParse, ByteByByteFeedingKeepsPartialFrames) {
    const std::string big(300, 'z');  // 16-bit length form
    const std::string wire =
        client_frame(opcode::text, "hello") + client_frame(opcode::binary, big) +
        client_frame(opcode::text, "fr", final_frame::no) + client_frame(opcode::ping, "mid") +
        client_frame(opcode::continuation, "ag");
    frame_parser parser(default_max);
    std::string buffer;  // what the gateway keeps between reads
    std::vector<message> got;
    for (char c : wire) {
        buffer.push_back(c);
        std::string_view input = buffer;
        for (auto& m : drain(parser, input)) got.push_back(std::move(m));
        ASSERT_FALSE(parser.error().has_value()) << parser.error_message();
        // Only whole frames are consumed: what is left is a suffix of the buffer.
        EXPECT_EQ(input.data(), buffer.data() + (buffer.size() - input.size()));
        buffer.erase(0, buffer.size() - input.size());
    }
    EXPECT_TRUE(buffer.empty());
    ASSERT_EQ(got.size(), 4u);
    expect_message(got[0], opcode::text, "hello");
    expect_message(got[1], opcode::binary, big);
    expect_message(got[2], opcode::ping, "mid");
    expect_message(got[3], opcode::text, "frag");
}

TEST(WebsocketParse, PartialFrameIsNotConsumed) {
    const std::string wire = client_frame(opcode::text, "hello");
    for (std::size_t cut = 0; cut < wire.size(); ++cut) {
        frame_parser parser(default_max);
        std::string_view input(wire.data(), cut);
        EXPECT_FALSE(parser.next(input).has_value());
        EXPECT_EQ(input.size(), cut);
        EXPECT_FALSE(parser.error().has_value());
    }
}

TEST(WebsocketParse, ControlFramesUpTo125BytesPass) {
    const std::string body(125, 'p');
    const std::string wire = client_frame(opcode::ping, body) + client_frame(opcode::pong, body);
    frame_parser parser(16);  // the data limit does not apply to control frames
    std::string_view input = wire;
    const auto got = drain(parser, input);
    ASSERT_EQ(got.size(), 2u) << parser.error_message();
    expect_message(got[0], opcode::ping, body);
    expect_message(got[1], opcode::pong, body);
}

TEST(WebsocketParse, MessageOfExactlyTheLimitPasses) {
    const std::string wire = client_frame(opcode::binary, std::string(600, 'a'), final_frame::no) +
                             client_frame(opcode::continuation, std::string(424, 'b'));
    frame_parser parser(1024);
    std::string_view input = wire;
    auto m = parser.next(input);
    ASSERT_TRUE(m.has_value()) << parser.error_message();
    EXPECT_EQ(m->payload.size(), 1024u);
}

TEST(WebsocketParse, CloseBodies) {
    for (std::uint16_t code :
         {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999}) {
        SCOPED_TRACE(code);
        const std::string body = close_body(code, "reason \xC3\xA9");
        const std::string wire = client_frame(opcode::close, body);
        frame_parser parser(default_max);
        std::string_view input = wire;
        auto m = parser.next(input);
        ASSERT_TRUE(m.has_value()) << parser.error_message();
        expect_message(*m, opcode::close, body);
    }
    // §5.5.1: the body is optional.
    const std::string empty = client_frame(opcode::close, "");
    frame_parser parser(default_max);
    std::string_view input = empty;
    auto m = parser.next(input);
    ASSERT_TRUE(m.has_value());
    expect_message(*m, opcode::close, "");
}

// ---------------------------------------------------------------- refusals

TEST(WebsocketRefuse, UnmaskedFrame) {
    expect_refused(client_frame_raw(0x81, "hi", rfc_key, masking::off), close_code::protocol_error);
    // Refused from the first two bytes, not after waiting for the payload.
    expect_refused(bytes({0x81, 0x05}), close_code::protocol_error);
}

TEST(WebsocketRefuse, ReservedBits) {
    for (unsigned char rsv : {0x40, 0x20, 0x10}) {
        SCOPED_TRACE(rsv);
        expect_refused(client_frame_raw(static_cast<unsigned char>(0x81 | rsv), "hi"),
                       close_code::protocol_error);
    }
}

TEST(WebsocketRefuse, UnknownOpcodes) {
    for (unsigned char op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        SCOPED_TRACE(op);
        expect_refused(client_frame_raw(static_cast<unsigned char>(0x80 | op), ""),
                       close_code::protocol_error);
    }
}

TEST(WebsocketRefuse, ControlFrameOver125Bytes) {
    expect_refused(client_frame(opcode::ping, std::string(126, 'p')), close_code::protocol_error);
    expect_refused(client_frame(opcode::close, close_body(1000, std::string(124, 'r'))),
                   close_code::protocol_error);
}

TEST(WebsocketRefuse, FragmentedPing) {
    expect_refused(client_frame(opcode::ping, "x", final_frame::no), close_code::protocol_error);
}

TEST(WebsocketRefuse, ContinuationWithoutStart) {
    expect_refused(client_frame(opcode::continuation, "x"), close_code::protocol_error);

    // Also right after a message has been completed.
    const std::string wire =
        client_frame(opcode::text, "a") + client_frame(opcode::continuation, "x");
    frame_parser parser(default_max);
    std::string_view input = wire;
    ASSERT_TRUE(parser.next(input).has_value());
    EXPECT_FALSE(parser.next(input).has_value());
    EXPECT_EQ(parser.error(), close_code::protocol_error);
}

TEST(WebsocketRefuse, NewDataFrameInsideFragmentedMessage) {
    expect_refused(
        client_frame(opcode::text, "a", final_frame::no) + client_frame(opcode::text, "b"),
        close_code::protocol_error);
    expect_refused(client_frame(opcode::text, "a", final_frame::no) +
                       client_frame(opcode::binary, "b", final_frame::no),
                   close_code::protocol_error);
}

TEST(WebsocketRefuse, SixtyFourBitLengthWithTopBitSet) {
    expect_refused(bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0x01}), close_code::protocol_error,
                   SIZE_MAX);
}

TEST(WebsocketRefuse, MessageOverTheLimitFromTheHeaderAlone) {
    // Only the header: nothing of the payload has arrived yet.
    expect_refused(bytes({0x81, 0xFE, 0x07, 0xD0}), close_code::too_big, 1024);
    expect_refused(bytes({0x82, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0}), close_code::too_big, 1024);
    expect_refused(client_frame(opcode::binary, std::string(1025, 'a')), close_code::too_big, 1024);
    // The limit is on the joined message, not on each fragment.
    const std::string first = client_frame(opcode::text, std::string(600, 'a'), final_frame::no);
    const std::string second_header = client_frame(opcode::continuation, std::string(425, 'b'));
    expect_refused(first + second_header.substr(0, 4), close_code::too_big, 1024);
}

TEST(WebsocketRefuse, TextThatIsNotUtf8) {
    expect_refused(client_frame(opcode::text, "over\xC0\xAFlong"), close_code::invalid_payload);
    expect_refused(client_frame(opcode::text, "\xE0\x80\xAF"), close_code::invalid_payload);
    expect_refused(client_frame(opcode::text, "sur\xED\xA0\x80rogate"),
                   close_code::invalid_payload);
    expect_refused(client_frame(opcode::text, "\xF4\x90\x80\x80"), close_code::invalid_payload);
    // A sequence left open at the end of the last fragment.
    expect_refused(client_frame(opcode::text, "ab", final_frame::no) +
                       client_frame(opcode::continuation, "\xE2\x82"),
                   close_code::invalid_payload);
}

TEST(WebsocketRefuse, CloseWithOneBytePayload) {
    expect_refused(client_frame(opcode::close, "\x03"), close_code::protocol_error);
}

TEST(WebsocketRefuse, CloseWithInvalidCode) {
    for (std::uint16_t code :
         {0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 2000, 2999, 5000, 65535}) {
        SCOPED_TRACE(code);
        expect_refused(client_frame(opcode::close, close_body(code)), close_code::protocol_error);
    }
}

TEST(WebsocketRefuse, CloseReasonThatIsNotUtf8) {
    expect_refused(client_frame(opcode::close, close_body(1000, "bad \xFF")),
                   close_code::invalid_payload);
}

TEST(WebsocketRefuse, MessagesBeforeTheErrorAreStillDelivered) {
    const std::string wire =
        client_frame(opcode::text, "fine") + client_frame_raw(0x81, "bad", rfc_key, masking::off);
    frame_parser parser(default_max);
    std::string_view input = wire;
    auto first = parser.next(input);
    ASSERT_TRUE(first.has_value());
    expect_message(*first, opcode::text, "fine");
    EXPECT_FALSE(parser.next(input).has_value());
    EXPECT_TRUE(parser.error().has_value());
    EXPECT_FALSE(parser.next(input).has_value());
}

// ------------------------------------------------------------ random inputs

struct outcome {
    std::vector<message> messages;
    std::optional<close_code> error;
};

void check_invariants(const message& m, std::size_t max) {
    switch (m.op) {
        case opcode::text:
            EXPECT_TRUE(detail::is_valid_utf8(m.payload));
            [[fallthrough]];
        case opcode::binary:
            EXPECT_LE(m.payload.size(), max);
            break;
        case opcode::close:
        case opcode::ping:
        case opcode::pong:
            EXPECT_LE(m.payload.size(), 125u);
            break;
        case opcode::continuation:
            ADD_FAILURE() << "continuation returned as a message";
            break;
    }
}

outcome parse_in_chunks(std::string_view wire, std::size_t max, std::mt19937& rng,
                        std::size_t max_chunk) {
    frame_parser parser(max);
    outcome result;
    std::string buffer;
    std::size_t pos = 0;
    while (pos < wire.size() && !parser.error()) {
        const std::size_t chunk = std::min(wire.size() - pos, 1 + rng() % max_chunk);
        buffer.append(wire.substr(pos, chunk));
        pos += chunk;
        std::string_view input = buffer;
        for (auto& m : drain(parser, input)) {
            check_invariants(m, max);
            result.messages.push_back(std::move(m));
        }
        if (!parser.error()) {
            // The bound that lets the gateway size its read buffer.
            EXPECT_LT(input.size(), max + 14);
        }
        buffer.erase(0, buffer.size() - input.size());
    }
    result.error = parser.error();
    return result;
}

std::string random_payload(std::mt19937& rng, std::size_t size) {
    // Valid UTF-8, mostly ASCII, so that unmutated text frames pass.
    std::string s;
    while (s.size() < size) {
        if (rng() % 8 == 0) {
            s += "\xC3\xA9";
        } else {
            s.push_back(static_cast<char>('a' + rng() % 26));
        }
    }
    return s;
}

std::string random_stream(std::mt19937& rng) {
    constexpr std::array<std::uint16_t, 5> valid_codes{1000, 1001, 1008, 3000, 4999};
    std::string wire;
    const int frames = 1 + static_cast<int>(rng() % 6);
    for (int f = 0; f < frames; ++f) {
        const mask_key key{static_cast<unsigned char>(rng()), static_cast<unsigned char>(rng()),
                           static_cast<unsigned char>(rng()), static_cast<unsigned char>(rng())};
        switch (rng() % 6) {
            case 0:
                wire += client_frame(opcode::text, random_payload(rng, rng() % 200),
                                     final_frame::yes, key);
                break;
            case 1:
                wire += client_frame(opcode::binary, random_payload(rng, rng() % 400),
                                     final_frame::yes, key);
                break;
            case 2:
                wire += client_frame(opcode::text, "frag", final_frame::no, key) +
                        client_frame(opcode::ping, random_payload(rng, rng() % 20)) +
                        client_frame(opcode::continuation, random_payload(rng, rng() % 150),
                                     final_frame::yes, key);
                break;
            case 3:
                // 124: random_payload may overshoot by one byte, and 125 is the cap.
                wire += client_frame(opcode::ping, random_payload(rng, rng() % 124),
                                     final_frame::yes, key);
                break;
            case 4:
                wire += client_frame(opcode::close,
                                     close_body(valid_codes[rng() % valid_codes.size()], "bye"),
                                     final_frame::yes, key);
                break;
            default:
                wire += client_frame(opcode::binary, std::string(300 + rng() % 300, 'L'),
                                     final_frame::yes, key);
                break;
        }
    }
    return wire;
}

void mutate(std::string& wire, std::mt19937& rng) {
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
        if (wire.empty()) wire.push_back(static_cast<char>(rng()));
        const std::size_t at = rng() % wire.size();
        switch (rng() % 6) {
            case 0:
                wire[at] = static_cast<char>(wire[at] ^ (1u << (rng() % 8)));
                break;
            case 1:
                wire[at] = static_cast<char>(rng());
                break;
            case 2:
                wire.insert(at, 1, static_cast<char>(rng()));
                break;
            case 3:
                wire.erase(at, 1 + rng() % 4);
                break;
            case 4:
                wire.resize(at);
                break;
            default:
                // Header-heavy bytes: lengths and opcodes are where parsers break.
                wire[at] = static_cast<char>(
                    std::array<unsigned char, 6>{0x7E, 0x7F, 0xFE, 0xFF, 0x80, 0x00}[rng() % 6]);
                break;
        }
    }
}

TEST(WebsocketFuzz, RandomMutationsNeverCrashAndChunkingDoesNotMatter) {
    std::mt19937 rng(20240611);
    constexpr std::size_t max = 512;
    int refused = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string wire = random_stream(rng);
        if (round % 10 != 0) mutate(wire, rng);  // keep some unmutated as a control
        const outcome whole = parse_in_chunks(wire, max, rng, wire.size() + 1);
        const outcome pieces = parse_in_chunks(wire, max, rng, 1 + rng() % 32);
        ASSERT_EQ(whole.messages.size(), pieces.messages.size()) << "round " << round;
        for (std::size_t i = 0; i < whole.messages.size(); ++i) {
            ASSERT_EQ(whole.messages[i].op, pieces.messages[i].op) << "round " << round;
            ASSERT_EQ(whole.messages[i].payload, pieces.messages[i].payload) << "round " << round;
        }
        ASSERT_EQ(whole.error, pieces.error) << "round " << round;
        if (round % 10 == 0) {
            // Streams as generated are valid apart from the oversized binaries.
            if (whole.error) {
                EXPECT_EQ(*whole.error, close_code::too_big) << "round " << round;
            }
        }
        if (whole.error) ++refused;
    }
    // The mutations must actually reach the refusal paths.
    EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace chat::websocket
