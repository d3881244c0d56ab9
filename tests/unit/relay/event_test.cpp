#include "relay/event.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <string>

namespace chat::relay {
namespace {

const std::string ts = "2026-11-29T13:40:00.123Z";

event make(relay_type t, std::string target, std::string msg_type, boost::json::object extra = {}) {
    event e;
    e.type = t;
    e.target_id = std::move(target);
    e.timestamp = ts;
    e.msg_type = std::move(msg_type);
    e.extra = std::move(extra);
    return e;
}

void expect_same(const event& a, const event& b) {
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.target_id, b.target_id);
    EXPECT_EQ(a.timestamp, b.timestamp);
    EXPECT_EQ(a.msg_type, b.msg_type);
    EXPECT_EQ(a.extra, b.extra);
}

TEST(RelayEvent, EncodesChatInWireOrder) {
    const auto e = make(relay_type::chat, "r1", "room.msg.new", {{"messageId", "m1"}, {"seq", 5}});
    EXPECT_EQ(encode(e),
              R"({"relay-type":"chat","roomId":"r1","timestamp":"2026-11-29T13:40:00.123Z",)"
              R"("msg-type":"room.msg.new","messageId":"m1","seq":5})");
}

TEST(RelayEvent, EncodesPerson) {
    const auto e = make(relay_type::person, "u1", "person.invited", {{"roomId", "r9"}});
    EXPECT_EQ(encode(e),
              R"({"relay-type":"person","userId":"u1","timestamp":"2026-11-29T13:40:00.123Z",)"
              R"("msg-type":"person.invited","roomId":"r9"})");
}

TEST(RelayEvent, EncodesAllWithoutTarget) {
    auto e = make(relay_type::all, "", "all.service-check");
    EXPECT_EQ(encode(e), R"({"relay-type":"all","timestamp":"2026-11-29T13:40:00.123Z",)"
                         R"("msg-type":"all.service-check"})");
    e.target_id = "ignored";  // `all` has no target field
    EXPECT_EQ(encode(e).find("ignored"), std::string::npos);
}

TEST(RelayEvent, EncodeKeepsExtraOrderAndSkipsOwnKeys) {
    const auto e = make(relay_type::chat, "r1", "room.person.in",
                        {{"userId", "u7"},
                         {"relay-type", "all"},
                         {"roomId", "evil"},
                         {"timestamp", "x"},
                         {"msg-type", "x"},
                         {"actorId", "u8"}});
    EXPECT_EQ(encode(e),
              R"({"relay-type":"chat","roomId":"r1","timestamp":"2026-11-29T13:40:00.123Z",)"
              R"("msg-type":"room.person.in","userId":"u7","actorId":"u8"})");
}

TEST(RelayEvent, EncodeEscapesStrings) {
    const auto e = make(relay_type::chat, "r\"1\\\n", "room.msg.new");
    const auto parsed = parse(encode(e));
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->target_id, "r\"1\\\n");
}

TEST(RelayEvent, RoundTripsEveryType) {
    const event cases[] = {
        make(relay_type::chat, "r1", "room.msg.new", {{"messageId", "m1"}, {"seq", 5}}),
        make(relay_type::chat, "r1", "room.person.out", {{"userId", "u1"}}),
        make(relay_type::person, "u1", "person.payment",
             {{"nested", {{"a", boost::json::array{1, 2, 3}}}}, {"flag", true}}),
        make(relay_type::all, "", "all.new-feature", {{"roomId", "r2"}, {"n", nullptr}}),
    };
    for (const auto& e : cases) {
        const auto wire = encode(e);
        const auto parsed = parse(wire);
        ASSERT_TRUE(parsed) << wire << ": " << parsed.error().message();
        expect_same(*parsed, e);
        EXPECT_EQ(encode(*parsed), wire);
    }
}

TEST(RelayEvent, ParseAcceptsAnyFieldOrderAndWhitespace) {
    const auto parsed = parse(
        R"( { "seq": 3, "msg-type": "room.msg.new", "timestamp": "t", "roomId": "r", "relay-type": "chat" } )");
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->type, relay_type::chat);
    EXPECT_EQ(parsed->target_id, "r");
    EXPECT_EQ(parsed->extra, (boost::json::object{{"seq", 3}}));
    // Re-encoding normalises the order.
    EXPECT_EQ(
        encode(*parsed),
        R"({"relay-type":"chat","roomId":"r","timestamp":"t","msg-type":"room.msg.new","seq":3})");
}

void expect_refused(std::string_view json, event_error why) {
    const auto r = parse(json);
    ASSERT_FALSE(r) << json.substr(0, 200);
    EXPECT_EQ(r.error(), make_error_code(why))
        << json.substr(0, 200) << ": " << r.error().message();
    EXPECT_EQ(&r.error().category(), &event_category());
}

TEST(RelayEvent, RefusesNonJson) {
    for (const char* s : {"", " ", "not json", "{", "{\"relay-type\":\"all\",}", "{'a':1}",
                          "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}", "// c\n{}", "nul"}) {
        expect_refused(s, event_error::not_json);
    }
    expect_refused("{\"relay-type\":\"all\",\"timestamp\":\"\xff\",\"msg-type\":\"all.x\"}",
                   event_error::not_json);  // invalid UTF-8
    // A number beyond a double would be re-encoded as "Infinity" (fuzz/relay_event).
    expect_refused(R"({"relay-type":"all","timestamp":"t","msg-type":"all.x","n":{"a":[1e400]}})",
                   event_error::not_json);
}

TEST(RelayEvent, RefusesNonObjects) {
    for (const char* s : {"[]", R"([{"relay-type":"all"}])", "1", "\"chat\"", "null", "true"}) {
        expect_refused(s, event_error::not_object);
    }
}

TEST(RelayEvent, RefusesBadRelayType) {
    expect_refused(R"({"timestamp":"t","msg-type":"all.x"})", event_error::bad_relay_type);
    expect_refused(R"({"relay-type":null,"timestamp":"t","msg-type":"all.x"})",
                   event_error::bad_relay_type);
    expect_refused(R"({"relay-type":1,"timestamp":"t","msg-type":"all.x"})",
                   event_error::bad_relay_type);
    for (const char* t : {"room", "Chat", "ALL", "", " all", "everyone"}) {
        expect_refused(std::string(R"({"relay-type":")") + t +
                           R"(","roomId":"r","userId":"u","timestamp":"t","msg-type":"all.x"})",
                       event_error::bad_relay_type);
    }
}

TEST(RelayEvent, RefusesMissingTarget) {
    expect_refused(R"({"relay-type":"chat","timestamp":"t","msg-type":"room.msg.new"})",
                   event_error::bad_target);
    expect_refused(R"({"relay-type":"chat","userId":"u","timestamp":"t","msg-type":"room.x"})",
                   event_error::bad_target);
    expect_refused(R"({"relay-type":"chat","roomId":"","timestamp":"t","msg-type":"room.x"})",
                   event_error::bad_target);
    expect_refused(R"({"relay-type":"chat","roomId":5,"timestamp":"t","msg-type":"room.x"})",
                   event_error::bad_target);
    expect_refused(R"({"relay-type":"person","timestamp":"t","msg-type":"person.invited"})",
                   event_error::bad_target);
    expect_refused(R"({"relay-type":"person","roomId":"r","timestamp":"t","msg-type":"person.x"})",
                   event_error::bad_target);
    expect_refused(
        R"({"relay-type":"person","userId":["u"],"timestamp":"t","msg-type":"person.x"})",
        event_error::bad_target);
}

TEST(RelayEvent, RefusesBadTimestamp) {
    expect_refused(R"({"relay-type":"all","msg-type":"all.x"})", event_error::bad_timestamp);
    expect_refused(R"({"relay-type":"all","timestamp":"","msg-type":"all.x"})",
                   event_error::bad_timestamp);
    expect_refused(R"({"relay-type":"all","timestamp":1764423600123,"msg-type":"all.x"})",
                   event_error::bad_timestamp);
}

TEST(RelayEvent, RefusesBadMsgType) {
    const auto with = [](const char* type, const char* target, const std::string& msg) {
        return std::string(R"({"relay-type":")") + type + "\"," + target + R"("timestamp":"t",)" +
               msg + "}";
    };
    expect_refused(with("all", "", R"("x":1)"), event_error::bad_msg_type);
    expect_refused(with("all", "", R"("msg-type":7)"), event_error::bad_msg_type);
    expect_refused(with("all", "", R"("msg-type":"all.")"), event_error::bad_msg_type);
    expect_refused(with("all", "", R"("msg-type":"room.msg.new")"), event_error::bad_msg_type);
    expect_refused(with("chat", R"("roomId":"r",)", R"("msg-type":"person.invited")"),
                   event_error::bad_msg_type);
    expect_refused(with("chat", R"("roomId":"r",)", R"("msg-type":"roommsg")"),
                   event_error::bad_msg_type);
    expect_refused(with("person", R"("userId":"u",)", R"("msg-type":"all.biz-event")"),
                   event_error::bad_msg_type);
    expect_refused(with("person", R"("userId":"u",)", R"("msg-type":"Person.invited")"),
                   event_error::bad_msg_type);
}

TEST(RelayEvent, RefusesDeeplyNestedJunk) {
    const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
    expect_refused(deep, event_error::too_large);
    const std::string nested = std::string(1000, '[') + std::string(1000, ']');
    expect_refused(nested, event_error::not_json);
    const std::string in_extra = R"({"relay-type":"all","timestamp":"t","msg-type":"all.x","x":)" +
                                 std::string(40, '[') + std::string(40, ']') + "}";
    expect_refused(in_extra, event_error::not_json);
    // Modest nesting in extra is fine.
    const std::string ok = R"({"relay-type":"all","timestamp":"t","msg-type":"all.x","x":)" +
                           std::string(10, '[') + std::string(10, ']') + "}";
    EXPECT_TRUE(parse(ok));
}

TEST(RelayEvent, RefusesHugeInput) {
    const std::string huge = R"({"relay-type":"chat","roomId":")" + std::string(1 << 20, 'r') +
                             R"(","timestamp":"t","msg-type":"room.msg.new"})";
    expect_refused(huge, event_error::too_large);
    expect_refused(std::string(max_event_bytes + 1, ' '), event_error::too_large);
}

TEST(RelayEvent, ErrorsHaveMessages) {
    for (int i = 1; i <= static_cast<int>(event_error::bad_msg_type); ++i) {
        const auto ec = make_error_code(static_cast<event_error>(i));
        EXPECT_FALSE(ec.message().empty());
        EXPECT_TRUE(ec);
    }
    EXPECT_STREQ(event_category().name(), "chat.relay.event");
    const boost::system::error_code ec = event_error::too_large;  // implicit via is_error_code_enum
    EXPECT_EQ(ec, make_error_code(event_error::too_large));
}

TEST(RelayEvent, TypeNames) {
    EXPECT_STREQ(to_string(relay_type::chat), "chat");
    EXPECT_STREQ(to_string(relay_type::person), "person");
    EXPECT_STREQ(to_string(relay_type::all), "all");
}

}  // namespace
}  // namespace chat::relay
