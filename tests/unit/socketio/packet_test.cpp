#include "socketio/packet.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <random>
#include <string>
#include <vector>

namespace chat::socketio {
namespace {

using namespace std::string_literals;

packet must_parse(std::string_view text) {
    auto r = parse(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message());
    return r ? *r : packet{};
}

void expect_error(std::string_view text, error expected) {
    auto r = parse(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error(), expected) << text << ": " << r.error().message();
}

// Every "Encoded" cell of the v5 document's "Packet encoding" tables, plus
// the packets of its "Sample session": each must parse and encode back to
// the same bytes.
TEST(SocketioPacket, SpecExamplesRoundTrip) {
    const std::vector<std::string> examples{
        // connection to a namespace
        "0",
        R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})",
        "0/admin,",
        R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})",
        R"(4{"message":"Not authorized"})",
        // sending and receiving data
        R"(2["foo"])",
        R"(2/admin,["bar"])",
        R"(51-["baz",{"_placeholder":true,"num":0}])",
        R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
        // acknowledgement
        R"(212["foo"])",
        "312[]",
        R"(2/admin,13["foo"])",
        R"(3/admin,13["bar"])",
        R"(51-14["foo",{"_placeholder":true,"num":0}])",
        R"(314["bar"])",
        R"(215["foo"])",
        R"(61-15["bar",{"_placeholder":true,"num":0}])",
        // disconnection from a namespace
        "1",
        "1/admin,",
        // sample session
        R"(2["hey","Jude"])",
        R"(2["hello"])",
        R"(0/admin,{"sid":"-G5j-67EZFp-q59rADQM"})",
        R"(2/admin,1["tellme"])",
        R"(61-/admin,1[{"_placeholder":true,"num":0}])",
        // the official test suite
        R"(0{"token":"123"})",
        R"(0/custom,{"token":"abc"})",
        R"(2["message",1,"2",{"3":[true]}])",
        R"(52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
        R"(4/random,{"message":"Invalid namespace"})",
    };
    for (const auto& text : examples) {
        auto r = parse(text);
        ASSERT_TRUE(r) << text << ": " << r.error().message();
        EXPECT_EQ(encode(*r), text);
    }
}

TEST(SocketioPacket, DecodedFields) {
    auto connect = must_parse(R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})");
    EXPECT_EQ(connect.type, packet_type::connect);
    EXPECT_EQ(connect.nsp, "/admin");
    EXPECT_FALSE(connect.id);
    ASSERT_TRUE(connect.data);
    EXPECT_EQ(connect.data->at("sid").as_string(), "oSO0OpakMV_3jnilAAAA");

    auto main = must_parse("0");
    EXPECT_EQ(main.nsp, "/");
    EXPECT_FALSE(main.data);

    auto ack = must_parse(R"(3/admin,13["bar"])");
    EXPECT_EQ(ack.type, packet_type::ack);
    EXPECT_EQ(ack.nsp, "/admin");
    EXPECT_EQ(ack.id, 13u);
    EXPECT_EQ(boost::json::serialize(*ack.data), R"(["bar"])");

    auto binary = must_parse(
        R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
    EXPECT_EQ(binary.type, packet_type::binary_event);
    EXPECT_EQ(binary.attachments, 2u);
    EXPECT_EQ(binary.nsp, "/admin");

    auto binary_ack = must_parse(R"(61-15["bar",{"_placeholder":true,"num":0}])");
    EXPECT_EQ(binary_ack.type, packet_type::binary_ack);
    EXPECT_EQ(binary_ack.attachments, 1u);
    EXPECT_EQ(binary_ack.id, 15u);

    auto legacy_error = must_parse(R"(4"Not authorized")");
    EXPECT_EQ(legacy_error.type, packet_type::connect_error);
    EXPECT_TRUE(legacy_error.data->is_string());
}

// The reference decoder ends a namespace at ',' or at the end of input, and
// the official test suite sends "40/random" and "41/custom" without a comma.
TEST(SocketioPacket, NamespaceMayEndTheInput) {
    auto connect = must_parse("0/random");
    EXPECT_EQ(connect.type, packet_type::connect);
    EXPECT_EQ(connect.nsp, "/random");
    auto disconnect = must_parse("1/custom");
    EXPECT_EQ(disconnect.nsp, "/custom");
    EXPECT_EQ(encode(disconnect), "1/custom,");
    EXPECT_EQ(must_parse("0/my%20ns,").nsp, "/my%20ns");
    EXPECT_EQ(must_parse("0/a/b.c~d,").nsp, "/a/b.c~d");
}

TEST(SocketioPacket, EncodesEveryType) {
    packet p;
    p.type = packet_type::connect;
    EXPECT_EQ(encode(p), "0");
    p.type = packet_type::disconnect;
    p.nsp = "/admin";
    EXPECT_EQ(encode(p), "1/admin,");
    p.type = packet_type::event;
    p.nsp = "/";
    p.id = 7;
    p.data = boost::json::parse(R"(["e",{"k":"\u001e"}])");
    EXPECT_EQ(encode(p), R"(27["e",{"k":"\u001e"}])");
    p.type = packet_type::ack;
    p.data = boost::json::array{};
    EXPECT_EQ(encode(p), "37[]");
    p.type = packet_type::connect_error;
    p.id.reset();
    p.data = boost::json::parse(R"({"message":"no"})");
    EXPECT_EQ(encode(p), R"(4{"message":"no"})");
    p.type = packet_type::binary_event;
    p.attachments = 3;
    p.data = boost::json::parse(R"(["b"])");
    EXPECT_EQ(encode(p), R"(53-["b"])");
    p.type = packet_type::binary_ack;
    p.id = 0;
    p.nsp = "";  // empty means the main namespace too
    EXPECT_EQ(encode(p), R"(63-0["b"])");
    EXPECT_TRUE(parse(encode(p)));
}

TEST(SocketioHelpers, EncodeEventWrapsSerializedArgument) {
    const std::string relay =
        R"({"relay-type":"chat","roomId":"r","timestamp":"2026-11-29T13:40:00.123Z","msg-type":"room.msg.new"})";
    const std::string frame = encode_event("event.server", relay);
    EXPECT_EQ(frame, R"(2["event.server",)" + relay + "]");
    auto p = must_parse(frame);
    EXPECT_EQ(p.type, packet_type::event);
    EXPECT_EQ(p.data->as_array().at(0).as_string(), "event.server");
    EXPECT_EQ(boost::json::serialize(p.data->as_array().at(1)), relay);

    EXPECT_EQ(encode_event(R"(a"b\)", "1"), R"(2["a\"b\\",1])");
    EXPECT_EQ(encode_event("event.server", R"({"type":"all","msg":"connection success"})"),
              R"(2["event.server",{"type":"all","msg":"connection success"}])");
}

TEST(SocketioHelpers, ConnectConnectErrorAndAck) {
    EXPECT_EQ(encode_connect("wZX3oN0bSVIhsaknAAAI"), R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})");
    EXPECT_EQ(encode_connect_error("Not authorized"), R"(4{"message":"Not authorized"})");
    EXPECT_EQ(encode_ack(12, "[]"), "312[]");
    EXPECT_EQ(encode_ack(18446744073709551615ull, R"([{"ok":true}])"),
              R"(318446744073709551615[{"ok":true}])");

    // Quotes, backslashes and control characters are escaped; the record
    // separator must never appear raw (it would split a polling payload).
    const std::string nasty = "bad \"token\"\\\n\x1e\x01 €";
    const std::string refused = encode_connect_error(nasty);
    EXPECT_EQ(refused.find('\x1e'), std::string::npos);
    EXPECT_EQ(refused.find('\n'), std::string::npos);
    auto p = must_parse(refused);
    EXPECT_EQ(p.type, packet_type::connect_error);
    EXPECT_EQ(p.data->at("message").as_string(), nasty);
    EXPECT_EQ(must_parse(encode_connect(nasty)).data->at("sid").as_string(), nasty);
}

TEST(SocketioPacket, RefusesBadTypes) {
    expect_error("", error::empty_packet);
    expect_error("7", error::unknown_packet_type);
    expect_error("9[\"a\"]", error::unknown_packet_type);
    expect_error("abc", error::unknown_packet_type);  // the test suite's "4abc"
    expect_error("-1", error::unknown_packet_type);
    expect_error(" 2[\"a\"]", error::unknown_packet_type);
    expect_error("\x1e", error::unknown_packet_type);
}

TEST(SocketioPacket, RefusesBadAttachmentCounts) {
    expect_error(R"(51["baz",{"_placeholder":true,"num":0}])", error::bad_attachment_count);
    expect_error(R"(5-["baz"])", error::bad_attachment_count);
    expect_error("5", error::bad_attachment_count);
    expect_error("51", error::bad_attachment_count);
    expect_error("6/admin,1[]", error::bad_attachment_count);
    expect_error(R"(5+1-["baz"])", error::bad_attachment_count);
    expect_error(R"(5999999999999999999999999-["baz"])", error::bad_attachment_count);
    // On a non-binary type "1-" reads as ack id 1 followed by bad JSON.
    expect_error(R"(21-["baz"])", error::bad_json);
}

TEST(SocketioPacket, RefusesBadNamespaces) {
    expect_error(R"(0/admin{"token":"x"})", error::bad_namespace);  // forgotten ','
    expect_error("0/ad min,", error::bad_namespace);
    expect_error("0/a\x01,", error::bad_namespace);
    expect_error("0/%zz,", error::bad_namespace);
    expect_error("0/%2,", error::bad_namespace);
    expect_error("0/\xc3\xbc,", error::bad_namespace);
    expect_error(R"(2/a"b,["x"])", error::bad_namespace);
    // Not starting with '/': what follows the type must then be id or JSON.
    expect_error("0admin,", error::bad_json);
    expect_error("0,", error::bad_json);
}

TEST(SocketioPacket, RefusesBadEventPayloads) {
    expect_error("2", error::invalid_payload);  // payload mandatory
    expect_error("212", error::invalid_payload);
    expect_error("2[]", error::invalid_payload);
    expect_error(R"(2{"a":1})", error::invalid_payload);
    expect_error(R"(2"foo")", error::invalid_payload);
    expect_error("2null", error::invalid_payload);
    expect_error("2[1]", error::invalid_payload);
    expect_error("2[null]", error::invalid_payload);
    expect_error(R"(2[["a"]])", error::invalid_payload);
    expect_error(R"(2[{"a":1}])", error::invalid_payload);
    expect_error(R"(51-[1,{"_placeholder":true,"num":0}])", error::invalid_payload);
    expect_error("51-[]", error::invalid_payload);
}

TEST(SocketioPacket, RefusesBadPayloadsPerType) {
    expect_error(R"(0["a"])", error::invalid_payload);  // CONNECT: object only
    expect_error(R"(0"token")", error::invalid_payload);
    expect_error("0null", error::invalid_payload);
    expect_error("1{}", error::invalid_payload);  // DISCONNECT: no payload
    expect_error("1/admin,[]", error::invalid_payload);
    expect_error("4", error::invalid_payload);  // CONNECT_ERROR: payload needed
    expect_error("4[]", error::invalid_payload);
    expect_error("412", error::bad_ack_id);
    expect_error("3[]", error::bad_ack_id);  // ACK: id needed
    expect_error(R"(3["bar"])", error::bad_ack_id);
    expect_error("312", error::invalid_payload);  // ACK: array needed
    expect_error(R"(312{"a":1})", error::invalid_payload);
    expect_error("61-[]", error::bad_ack_id);
    expect_error("012{}", error::bad_ack_id);  // no id on CONNECT / DISCONNECT
    expect_error("11", error::bad_ack_id);
}

TEST(SocketioPacket, RefusesBadJson) {
    expect_error(R"(2["foo")", error::bad_json);
    expect_error(R"(2["foo"]x)", error::bad_json);  // trailing garbage
    expect_error(R"(2["foo"]])", error::bad_json);
    expect_error(R"(2["foo"]["bar"])", error::bad_json);
    expect_error(R"(2['foo'])", error::bad_json);
    expect_error(R"(2["foo",])", error::bad_json);      // no trailing commas
    expect_error(R"(2["foo"/*c*/])", error::bad_json);  // no comments
    expect_error("2[\"\xff\"]", error::bad_json);       // invalid UTF-8
    expect_error("2[\"a\x01\"]", error::bad_json);      // raw control character
    expect_error("2 ", error::bad_json);
    expect_error("0/admin, {}x", error::bad_json);
    // Numbers beyond a double: Boost.JSON would read them as infinity and
    // write "Infinity" when the gateway echoes a join field (fuzz/socketio_packet).
    expect_error(R"(2["event.client",{"type":1e400}])", error::bad_json);
    expect_error(R"(2["x",[-1e999]])", error::bad_json);
    expect_error(R"(0{"token":1E+309})", error::bad_json);
    EXPECT_TRUE(parse(R"(2["x",1.7976931348623157e308,5e-324,1e-400])"));
    // JSON whitespace around the value is what JSON.parse accepts too.
    EXPECT_TRUE(parse("2 [\"foo\"] \n"));
}

TEST(SocketioPacket, AckIdLimits) {
    EXPECT_EQ(must_parse(R"(218446744073709551615["foo"])").id, 18446744073709551615ull);
    EXPECT_EQ(must_parse(R"(20["foo"])").id, 0u);
    EXPECT_EQ(must_parse(R"(2007["foo"])").id, 7u);
    expect_error(R"(218446744073709551616["foo"])", error::bad_ack_id);
    expect_error(R"(299999999999999999999999999999["foo"])", error::bad_ack_id);
    expect_error("399999999999999999999999999999[]", error::bad_ack_id);
}

TEST(SocketioPacket, LargeStringPayload) {
    const std::string big(2 * 1024 * 1024, 'x');
    const std::string text = R"(2["event.client",")" + big + R"("])";
    auto p = must_parse(text);
    EXPECT_EQ(p.data->as_array().at(1).as_string().size(), big.size());
    EXPECT_EQ(encode(p), text);
    // A large unterminated string is just bad JSON.
    expect_error(R"(2["event.client",")" + big, error::bad_json);
}

TEST(SocketioPacket, NestingLimit) {
    auto nested = [](std::size_t depth) {
        // Depth counts the outer event array too.
        return R"(2["a",)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "]";
    };
    EXPECT_TRUE(parse(nested(max_json_depth)));
    expect_error(nested(max_json_depth + 1), error::too_deep);
    expect_error(nested(100000), error::too_deep);
    std::string objects = "0";
    for (int i = 0; i < 100000; ++i) objects += R"({"a":)";
    expect_error(objects, error::too_deep);
    expect_error("2" + std::string(1000000, '['), error::too_deep);
}

TEST(SocketioPacket, ErrorCodesHaveMessages) {
    const boost::system::error_code ec = error::too_deep;
    EXPECT_EQ(ec.category().name(), std::string("chat.socketio"));
    EXPECT_FALSE(ec.message().empty());
}

// A cheap, deterministic stand-in for the fuzz target: mutated valid packets
// must never crash or throw, and whatever parses must encode to something
// that parses again.
TEST(SocketioPacket, MutatedInputsNeverThrow) {
    const std::vector<std::string> seeds{
        R"(52-/admin,13["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
        R"(0/admin,{"token":"123"})", R"(3/admin,13["bar"])", R"(4{"message":"no"})", "1/a,"};
    std::mt19937 rng(6789);
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
            auto r = parse(s);
            if (r) {
                EXPECT_TRUE(parse(encode(*r))) << s;
            }
        });
    }
}

}  // namespace
}  // namespace chat::socketio
