#include "api/validation.hpp"

#include "api/error.hpp"

#include <gtest/gtest.h>
#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace chat::api {
namespace {

namespace json = boost::json;

// The api_error `f` throws; fails the test when it throws nothing.
template <class F>
std::optional<api_error> error_of(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const api_error& e) {
        return e;
    }
    ADD_FAILURE() << "expected an api_error";
    return std::nullopt;
}

// --- parse_json_body ------------------------------------------------------------

http::request json_request(std::string body, std::optional<std::string> content_type) {
    http::request req{http::verb::post, "/users", 11};
    if (content_type) req.set(boost::beast::http::field::content_type, *content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

std::optional<api_error> body_error(std::string body, std::optional<std::string> content_type) {
    const auto req = json_request(std::move(body), std::move(content_type));
    return error_of([&] { parse_json_body(req); });
}

TEST(ParseJsonBody, AcceptsAnObjectWithJsonContentType) {
    const auto req = json_request(R"({"email":"a@b.co","n":1})", "application/json");
    const auto body = parse_json_body(req);
    ASSERT_TRUE(body.contains("email"));
    EXPECT_EQ(body.at("email").as_string(), "a@b.co");
    EXPECT_EQ(body.at("n").as_int64(), 1);
}

TEST(ParseJsonBody, AcceptsParametersAfterTheMediaType) {
    const auto req = json_request(R"({"a":1})", "application/json; charset=utf-8");
    EXPECT_EQ(parse_json_body(req).size(), 1u);
    const auto spaced = json_request(R"({"a":1})", "application/json ; charset=UTF-8");
    EXPECT_EQ(parse_json_body(spaced).size(), 1u);
}

TEST(ParseJsonBody, MediaTypeIsCaseInsensitive) {
    const auto req = json_request(R"({"a":1})", "Application/JSON");
    EXPECT_EQ(parse_json_body(req).size(), 1u);
}

TEST(ParseJsonBody, MissingContentTypeIs415) {
    const auto e = body_error(R"({"a":1})", std::nullopt);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), http::status::unsupported_media_type);
    EXPECT_EQ(e->code(), "unsupported_media_type");
}

TEST(ParseJsonBody, OtherContentTypesAre415) {
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded",
                             "application/json-patch+json", "application/jsonx", "json", ""}) {
        SCOPED_TRACE(type);
        const auto e = body_error(R"({"a":1})", std::string(type));
        ASSERT_TRUE(e);
        EXPECT_EQ(e->status(), http::status::unsupported_media_type);
    }
}

TEST(ParseJsonBody, MalformedJsonIs400) {
    for (const char* body : {"", "{", R"({"a":})", R"({"a":1,})", "{'a':1}", R"({"a":1} x)"}) {
        SCOPED_TRACE(body);
        const auto e = body_error(body, "application/json");
        ASSERT_TRUE(e);
        EXPECT_EQ(e->status(), http::status::bad_request);
        EXPECT_EQ(e->code(), "bad_request");
    }
}

TEST(ParseJsonBody, NonObjectIs400) {
    for (const char* body : {"[1,2]", "42", R"("text")", "null", "true"}) {
        SCOPED_TRACE(body);
        const auto e = body_error(body, "application/json");
        ASSERT_TRUE(e);
        EXPECT_EQ(e->status(), http::status::bad_request);
        EXPECT_EQ(e->code(), "bad_request");
    }
}

std::string nested_objects(int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += R"({"a":)";
    s += "1";
    s.append(static_cast<std::size_t>(depth), '}');
    return s;
}

TEST(ParseJsonBody, DepthIsLimitedTo32) {
    EXPECT_NO_THROW(parse_json_body(json_request(nested_objects(32), "application/json")));
    const auto e = body_error(nested_objects(33), "application/json");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), http::status::bad_request);
    EXPECT_TRUE(body_error(nested_objects(10'000), "application/json"));
}

// --- body_reader: strings -------------------------------------------------------------

// The fields object of the validation_failed error `r.finish()` throws.
json::object finish_fields(const body_reader& r) {
    const auto e = error_of([&] { r.finish(); });
    if (!e) return {};
    EXPECT_EQ(e->status(), http::status::bad_request);
    EXPECT_EQ(e->code(), "validation_failed");
    return e->fields();
}

TEST(BodyReaderString, RequiredPresentAndValid) {
    const json::object body{{"nickname", "alice"}};
    body_reader r(body);
    EXPECT_EQ(r.string("nickname", true, 1, 40), "alice");
    EXPECT_NO_THROW(r.finish());
}

TEST(BodyReaderString, RequiredAbsentOrNullIsAnError) {
    const json::object body{{"b", nullptr}};
    body_reader r(body);
    EXPECT_EQ(r.string("a", true, 1, 40), std::nullopt);
    EXPECT_EQ(r.string("b", true, 1, 40), std::nullopt);
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 2u);
    ASSERT_TRUE(fields.contains("a"));
    EXPECT_EQ(fields.at("a").as_string(), "is required");
    EXPECT_EQ(fields.at("b").as_string(), "is required");
}

TEST(BodyReaderString, OptionalAbsentOrNullIsNotAnError) {
    const json::object body{{"b", nullptr}};
    body_reader r(body);
    EXPECT_EQ(r.string("a", false, 1, 40), std::nullopt);
    EXPECT_EQ(r.string("b", false, 1, 40), std::nullopt);
    EXPECT_NO_THROW(r.finish());
}

TEST(BodyReaderString, WrongTypesAreRefused) {
    const json::object body{{"n", 5}, {"b", true}, {"a", json::array{"x"}}, {"o", json::object{}}};
    body_reader r(body);
    for (const char* name : {"n", "b", "a", "o"}) {
        EXPECT_EQ(r.string(name, false, 0, 40), std::nullopt) << name;
    }
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 4u);
    for (const char* name : {"n", "b", "a", "o"}) {
        ASSERT_TRUE(fields.contains(name)) << name;
        EXPECT_EQ(fields.at(name).as_string(), "must be a string");
    }
}

std::string repeat(std::string_view unit, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += unit;
    return s;
}

TEST(BodyReaderString, LengthCountsCodePointsNotBytes) {
    const std::string ga = "\xea\xb0\x80";  // U+AC00 HANGUL SYLLABLE GA, three bytes
    const json::object body{{"ok", repeat(ga, 40)}, {"long", repeat(ga, 41)}};
    body_reader r(body);
    EXPECT_EQ(r.string("ok", true, 1, 40), repeat(ga, 40));  // 120 bytes, 40 characters
    EXPECT_EQ(r.string("long", true, 1, 40), std::nullopt);
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 1u);
    ASSERT_TRUE(fields.contains("long"));
    EXPECT_EQ(fields.at("long").as_string(), "must be 1 to 40 characters");
}

TEST(BodyReaderString, MinimumLength) {
    const json::object body{{"short", "ab"}, {"empty", ""}, {"exact", "abc"}};
    body_reader r(body);
    EXPECT_EQ(r.string("short", true, 3, 10), std::nullopt);
    EXPECT_EQ(r.string("empty", true, 1, 10), std::nullopt);
    EXPECT_EQ(r.string("exact", true, 3, 3), "abc");
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields.at("short").as_string(), "must be 3 to 10 characters");
}

TEST(BodyReaderString, FixedLengthMessage) {
    const json::object body{{"code", "12345"}};
    body_reader r(body);
    EXPECT_EQ(r.string("code", true, 6, 6), std::nullopt);
    EXPECT_EQ(finish_fields(r).at("code").as_string(), "must be 6 characters");
}

TEST(BodyReaderString, TrimsBeforeMeasuring) {
    const json::object body{{"padded", " \t\r\n abc \n\t "}, {"blank", "   \n  "}};
    body_reader r(body);
    EXPECT_EQ(r.string("padded", true, 1, 3), "abc");
    EXPECT_EQ(r.string("blank", true, 1, 10), std::nullopt);  // empty once trimmed
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 1u);
    EXPECT_TRUE(fields.contains("blank"));
}

TEST(BodyReaderString, WithoutTrimKeepsWhitespace) {
    const json::object body{{"text", "  two words  "}};
    body_reader r(body);
    EXPECT_EQ(r.string("text", true, 1, 100, false), "  two words  ");
    EXPECT_NO_THROW(r.finish());
}

TEST(BodyReaderString, ControlCharactersAreRefused) {
    const json::object body{{"nul", std::string("a\0b", 3)},
                            {"soh", "a\x01z"},
                            {"cr", "a\rb"},
                            {"esc", "a\x1b[31m"},
                            {"us", "a\x1f"}};
    body_reader r(body);
    for (const char* name : {"nul", "soh", "cr", "esc", "us"}) {
        EXPECT_EQ(r.string(name, true, 1, 100, false), std::nullopt) << name;
    }
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 5u);
    for (const char* name : {"nul", "soh", "cr", "esc", "us"}) {
        ASSERT_TRUE(fields.contains(name)) << name;
        EXPECT_EQ(fields.at(name).as_string(), "must not contain control characters");
    }
}

TEST(BodyReaderString, NewlineAndTabAreAllowedInText) {
    const json::object body{{"text", "line one\nline two\tcolumn"}};
    body_reader r(body);
    EXPECT_EQ(r.string("text", true, 1, 100), "line one\nline two\tcolumn");
    EXPECT_NO_THROW(r.finish());
}

// --- body_reader: integers and booleans ------------------------------------------------

TEST(BodyReaderInteger, InRange) {
    const json::object body{{"min", 1}, {"max", 100}, {"neg", -5}, {"u", std::uint64_t{7}}};
    body_reader r(body);
    EXPECT_EQ(r.integer("min", true, 1, 100), 1);
    EXPECT_EQ(r.integer("max", true, 1, 100), 100);
    EXPECT_EQ(r.integer("neg", true, -10, 10), -5);
    EXPECT_EQ(r.integer("u", true, 0, 10), 7);  // stored as uint64, fits int64
    EXPECT_NO_THROW(r.finish());
}

TEST(BodyReaderInteger, OutOfRange) {
    const json::object body{{"low", 0}, {"high", 101}};
    body_reader r(body);
    EXPECT_EQ(r.integer("low", true, 1, 100), std::nullopt);
    EXPECT_EQ(r.integer("high", true, 1, 100), std::nullopt);
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields.at("low").as_string(), "must be between 1 and 100");
    EXPECT_EQ(fields.at("high").as_string(), "must be between 1 and 100");
}

TEST(BodyReaderInteger, FullInt64RangeIsAccepted) {
    constexpr auto lo = std::numeric_limits<std::int64_t>::min();
    constexpr auto hi = std::numeric_limits<std::int64_t>::max();
    const json::object body{{"lo", lo}, {"hi", static_cast<std::uint64_t>(hi)}};
    body_reader r(body);
    EXPECT_EQ(r.integer("lo", true, lo, hi), lo);
    EXPECT_EQ(r.integer("hi", true, lo, hi), hi);
    EXPECT_NO_THROW(r.finish());
}

TEST(BodyReaderInteger, Uint64BeyondInt64IsRefused) {
    constexpr auto lo = std::numeric_limits<std::int64_t>::min();
    constexpr auto hi = std::numeric_limits<std::int64_t>::max();
    const json::object body{
        {"just_over", static_cast<std::uint64_t>(hi) + 1},
        {"max", std::numeric_limits<std::uint64_t>::max()},
    };
    body_reader r(body);
    // Wrapping to a negative int64 would land inside [lo, hi]; it must not.
    EXPECT_EQ(r.integer("just_over", true, lo, hi), std::nullopt);
    EXPECT_EQ(r.integer("max", true, lo, hi), std::nullopt);
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.at("just_over").as_string(), "must be an integer");
    EXPECT_EQ(fields.at("max").as_string(), "must be an integer");
}

TEST(BodyReaderInteger, ParsedUint64OverflowIsRefused) {
    const auto req =
        json_request(R"({"n":18446744073709551615,"m":9223372036854775808})", "application/json");
    const auto body = parse_json_body(req);
    body_reader r(body);
    EXPECT_EQ(r.integer("n", true, 0, std::numeric_limits<std::int64_t>::max()), std::nullopt);
    EXPECT_EQ(r.integer("m", true, 0, std::numeric_limits<std::int64_t>::max()), std::nullopt);
    EXPECT_EQ(finish_fields(r).size(), 2u);
}

TEST(BodyReaderInteger, FloatsAndOtherTypesAreRefused) {
    const json::object body{
        {"half", 1.5}, {"whole", 2.0}, {"text", "5"}, {"flag", true}, {"list", json::array{1}}};
    body_reader r(body);
    for (const char* name : {"half", "whole", "text", "flag", "list"}) {
        EXPECT_EQ(r.integer(name, true, 0, 10), std::nullopt) << name;
    }
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 5u);
    for (const char* name : {"half", "whole", "text", "flag", "list"}) {
        ASSERT_TRUE(fields.contains(name)) << name;
        EXPECT_EQ(fields.at(name).as_string(), "must be an integer");
    }
}

TEST(BodyReaderInteger, RequiredAndOptional) {
    const json::object body{{"null", nullptr}};
    body_reader optional(body);
    EXPECT_EQ(optional.integer("absent", false, 0, 10), std::nullopt);
    EXPECT_EQ(optional.integer("null", false, 0, 10), std::nullopt);
    EXPECT_NO_THROW(optional.finish());

    body_reader required(body);
    EXPECT_EQ(required.integer("absent", true, 0, 10), std::nullopt);
    EXPECT_EQ(required.integer("null", true, 0, 10), std::nullopt);
    const auto fields = finish_fields(required);
    EXPECT_EQ(fields.at("absent").as_string(), "is required");
    EXPECT_EQ(fields.at("null").as_string(), "is required");
}

TEST(BodyReaderBoolean, TypesAndPresence) {
    const json::object body{{"t", true}, {"f", false}, {"s", "true"}, {"n", 1}, {"z", nullptr}};
    body_reader r(body);
    EXPECT_EQ(r.boolean("t", true), true);
    EXPECT_EQ(r.boolean("f", true), false);
    EXPECT_EQ(r.boolean("s", true), std::nullopt);
    EXPECT_EQ(r.boolean("n", true), std::nullopt);
    EXPECT_EQ(r.boolean("z", false), std::nullopt);
    EXPECT_EQ(r.boolean("absent", true), std::nullopt);
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 3u);
    EXPECT_EQ(fields.at("s").as_string(), "must be a boolean");
    EXPECT_EQ(fields.at("n").as_string(), "must be a boolean");
    EXPECT_EQ(fields.at("absent").as_string(), "is required");
}

// --- body_reader: uuid lists -----------------------------------------------------------

constexpr const char* uuid_a = "0b7e5d4c-1a2b-4c3d-8e9f-00112233aabb";
constexpr const char* uuid_a_upper = "0B7E5D4C-1A2B-4C3D-8E9F-00112233AABB";
constexpr const char* uuid_b = "f47ac10b-58cc-4372-a567-0e02b2c3d479";

TEST(BodyReaderUuidList, LowerCasesAndRemovesDuplicatesInOrder) {
    const json::object body{{"ids", json::array{uuid_b, uuid_a_upper, uuid_a, uuid_b}}};
    body_reader r(body);
    const auto ids = r.uuid_list("ids", true, 10);
    ASSERT_TRUE(ids);
    EXPECT_EQ(*ids, (std::vector<std::string>{uuid_b, uuid_a}));
    EXPECT_NO_THROW(r.finish());
}

TEST(BodyReaderUuidList, EmptyListIsFine) {
    const json::object body{{"ids", json::array{}}};
    body_reader r(body);
    const auto ids = r.uuid_list("ids", true, 10);
    ASSERT_TRUE(ids);
    EXPECT_TRUE(ids->empty());
}

TEST(BodyReaderUuidList, MaxItems) {
    const json::object body{{"ok", json::array{uuid_a, uuid_b}},
                            {"over", json::array{uuid_a, uuid_b, uuid_a_upper}}};
    body_reader r(body);
    EXPECT_TRUE(r.uuid_list("ok", true, 2));
    EXPECT_EQ(r.uuid_list("over", true, 2), std::nullopt);
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 1u);
    EXPECT_EQ(fields.at("over").as_string(), "must have at most 2 items");
}

TEST(BodyReaderUuidList, NonUuidItemsAreRefused) {
    const json::object body{
        {"word", json::array{uuid_a, "not-a-uuid"}},
        {"number", json::array{42}},
        {"braced", json::array{"{0b7e5d4c-1a2b-4c3d-8e9f-00112233aabb}"}},
        {"short", json::array{"0b7e5d4c-1a2b-4c3d-8e9f-00112233aab"}},
        {"nested", json::array{json::array{uuid_a}}},
    };
    body_reader r(body);
    for (const char* name : {"word", "number", "braced", "short", "nested"}) {
        EXPECT_EQ(r.uuid_list(name, true, 10), std::nullopt) << name;
    }
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 5u);
    EXPECT_EQ(fields.at("word").as_string(), "must contain only ids (UUID strings)");
}

TEST(BodyReaderUuidList, NotAnArrayAndPresence) {
    const json::object body{{"str", uuid_a}, {"null", nullptr}};
    body_reader r(body);
    EXPECT_EQ(r.uuid_list("str", false, 10), std::nullopt);
    EXPECT_EQ(r.uuid_list("null", false, 10), std::nullopt);
    EXPECT_EQ(r.uuid_list("absent", true, 10), std::nullopt);
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields.at("str").as_string(), "must be an array of ids (UUID strings)");
    EXPECT_EQ(fields.at("absent").as_string(), "is required");
}

TEST(BodyReaderEmailList, LowerCasesAndRemovesDuplicatesInOrder) {
    const json::object body{
        {"emails", json::array{"Bob@Example.com", "ann@example.com", "bob@example.COM"}}};
    body_reader r(body);
    const auto emails = r.email_list("emails", true, 10);
    ASSERT_TRUE(emails);
    EXPECT_EQ(*emails, (std::vector<std::string>{"bob@example.com", "ann@example.com"}));
    EXPECT_NO_THROW(r.finish());
}

TEST(BodyReaderEmailList, RefusesBadItemsTooManyAndNonArrays) {
    const json::object body{
        {"bad", json::array{"ann@example.com", "not an address"}},
        {"number", json::array{42}},
        {"over", json::array{"a@example.com", "b@example.com", "c@example.com"}},
        {"str", "ann@example.com"},
        {"null", nullptr},
    };
    body_reader r(body);
    for (const char* name : {"bad", "number", "over", "str", "absent"}) {
        EXPECT_EQ(r.email_list(name, true, 2), std::nullopt) << name;
    }
    EXPECT_EQ(r.email_list("null", false, 2), std::nullopt);
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.size(), 5u);
    EXPECT_EQ(fields.at("bad").as_string(), "must contain only valid e-mail addresses");
    EXPECT_EQ(fields.at("over").as_string(), "must have at most 2 items");
    EXPECT_EQ(fields.at("str").as_string(), "must be an array of e-mail addresses");
    EXPECT_EQ(fields.at("absent").as_string(), "is required");
}

// --- body_reader: finish -----------------------------------------------------------------

TEST(BodyReaderFinish, CollectsEveryBadFieldInOneError) {
    const json::object body{{"email", 5},     {"nickname", repeat("x", 41)}, {"limit", 1.5},
                            {"admin", "yes"}, {"ids", json::array{"nope"}},  {"good", "fine"}};
    body_reader r(body);
    r.string("email", true, 3, 254);
    r.string("nickname", true, 1, 40);
    r.integer("limit", true, 1, 100);
    r.boolean("admin", true);
    r.uuid_list("ids", true, 10);
    r.string("password", true, 8, 256);
    EXPECT_EQ(r.string("good", true, 1, 10), "fine");

    const auto e = error_of([&] { r.finish(); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), http::status::bad_request);
    EXPECT_EQ(e->code(), "validation_failed");
    const auto& fields = e->fields();
    EXPECT_EQ(fields.size(), 6u);
    for (const char* name : {"email", "nickname", "limit", "admin", "ids", "password"}) {
        ASSERT_TRUE(fields.contains(name)) << name;
        EXPECT_TRUE(fields.at(name).is_string()) << name;
    }
    EXPECT_FALSE(fields.contains("good"));
}

TEST(BodyReaderFinish, FirstProblemPerFieldWins) {
    const json::object body{};
    body_reader r(body);
    r.string("email", true, 3, 254);
    r.fail("email", "is already taken");
    r.fail("other", "custom problem");
    const auto fields = finish_fields(r);
    EXPECT_EQ(fields.at("email").as_string(), "is required");
    EXPECT_EQ(fields.at("other").as_string(), "custom problem");
}

TEST(BodyReaderFinish, FailAloneMakesFinishThrow) {
    const json::object body{{"a", 1}};
    body_reader r(body);
    EXPECT_TRUE(r.has("a"));
    EXPECT_FALSE(r.has("b"));
    EXPECT_NO_THROW(r.finish());
    r.fail("a", "is wrong");
    EXPECT_EQ(finish_fields(r).size(), 1u);
}

// --- free functions ---------------------------------------------------------------------

TEST(IsValidEmail, Valid) {
    for (const char* email : {"a@b.co", "first.last+tag@example.com", "user_name-1@sub.example.org",
                              "UPPER@EXAMPLE.COM"}) {
        EXPECT_TRUE(is_valid_email(email)) << email;
    }
}

TEST(IsValidEmail, Invalid) {
    for (const char* email : {
             "",
             "ab.co",         // no @
             "a@b@c.co",      // two @
             "@b.co",         // empty local part
             "a@",            // empty domain
             "a@bco",         // no dot in domain
             "a@.b.co",       // leading dot
             "a@b.co.",       // trailing dot
             "a@b..co",       // double dot
             "a b@c.co",      // space in local part
             "a@b .co",       // space in domain
             " a@b.co",       // leading space
             "a@b.co ",       // trailing space
             "a\t@b.co",      // control character
             "a<b>@c.co",     // specials
             "\"a\"@b.co",    // quoted local parts are not supported
             "a@[127.0.0.1]"  // nor address literals
         }) {
        EXPECT_FALSE(is_valid_email(email)) << '"' << email << '"';
    }
}

TEST(IsValidEmail, LengthLimits) {
    const std::string local64(64, 'l');
    const std::string at_254 = local64 + "@" + std::string(185, 'd') + ".com";
    ASSERT_EQ(at_254.size(), 254u);
    EXPECT_TRUE(is_valid_email(at_254));
    const std::string at_255 = local64 + "@" + std::string(186, 'd') + ".com";
    EXPECT_FALSE(is_valid_email(at_255));
    EXPECT_FALSE(is_valid_email(std::string(65, 'l') + "@b.co"));  // local part over 64
}

TEST(PasswordProblem, Policy) {
    EXPECT_EQ(password_problem("abcdefg1"), std::nullopt);  // 8 with letter and digit
    EXPECT_EQ(password_problem("abcdef1"), "must be at least 8 characters");
    EXPECT_EQ(password_problem(""), "must be at least 8 characters");
    EXPECT_EQ(password_problem("abcdefgh"), "must contain at least one letter and one digit");
    EXPECT_EQ(password_problem("12345678"), "must contain at least one letter and one digit");
    EXPECT_EQ(password_problem("!@#$%^&*1"), "must contain at least one letter and one digit");
}

TEST(PasswordProblem, MaximumLength) {
    const std::string max = "a1" + std::string(254, 'x');
    ASSERT_EQ(max.size(), 256u);
    EXPECT_EQ(password_problem(max), std::nullopt);
    EXPECT_EQ(password_problem(max + "x"), "must be at most 256 characters");
}

TEST(PasswordProblem, CountsCodePointsAndNonAsciiLetters) {
    const std::string e_acute = "\xc3\xa9";  // é, two bytes
    // Seven characters (13 bytes) are too short however many bytes they take.
    EXPECT_EQ(password_problem(repeat(e_acute, 6) + "1"), "must be at least 8 characters");
    // Eight characters with no ASCII letter: é counts as a letter.
    EXPECT_EQ(password_problem(repeat(e_acute, 7) + "1"), std::nullopt);
    // 256 two-byte characters (512 bytes) are within the limit; 257 are not.
    EXPECT_EQ(password_problem(repeat(e_acute, 255) + "1"), std::nullopt);
    EXPECT_EQ(password_problem(repeat(e_acute, 256) + "1"), "must be at most 256 characters");
}

TEST(Utf8Length, CountsCodePoints) {
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("\xc3\xa9"), 1u);                              // é
    EXPECT_EQ(utf8_length("\xea\xb0\x80\xeb\x82\x98\xeb\x8b\xa4"), 3u);  // 가나다
    EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80"), 1u);                      // U+1F600
    EXPECT_EQ(utf8_length("a\xf0\x9f\x98\x80z"), 3u);
}

TEST(ToLower, AsciiOnly) {
    EXPECT_EQ(to_lower("Alice@Example.COM"), "alice@example.com");
    EXPECT_EQ(to_lower("already-lower 123"), "already-lower 123");
    EXPECT_EQ(to_lower(""), "");
    EXPECT_EQ(to_lower("\xc3\x84Z"), "\xc3\x84z");  // Ä is left alone
}

// --- query_integer ----------------------------------------------------------------------

/// A request and the context a handler would see for `target`.
class QueryIntegerTest : public ::testing::Test {
protected:
    std::optional<std::int64_t> query(const std::string& target, std::int64_t min = 1,
                                      std::int64_t max = 100) {
        req_ = http::request{http::verb::get, target, 11};
        target_ = target;
        const auto url = boost::urls::parse_origin_form(target_);
        EXPECT_TRUE(url) << target;
        http::request_context ctx{req_, *url, {}, "trace", {}, {}};
        return query_integer(ctx, "limit", min, max);
    }

    std::optional<api_error> query_error(const std::string& target, std::int64_t min = 1,
                                         std::int64_t max = 100) {
        return error_of([&] { query(target, min, max); });
    }

    http::request req_;
    std::string target_;
};

TEST_F(QueryIntegerTest, AbsentOrEmptyIsNullopt) {
    EXPECT_EQ(query("/rooms"), std::nullopt);
    EXPECT_EQ(query("/rooms?other=5"), std::nullopt);
    EXPECT_EQ(query("/rooms?limit="), std::nullopt);
    EXPECT_EQ(query("/rooms?limit"), std::nullopt);
}

TEST_F(QueryIntegerTest, InRange) {
    EXPECT_EQ(query("/rooms?limit=1"), 1);
    EXPECT_EQ(query("/rooms?limit=100"), 100);
    EXPECT_EQ(query("/rooms?before=9&limit=42&after=1"), 42);
    EXPECT_EQ(query("/rooms?limit=%34%32"), 42);    // percent-decoded
    EXPECT_EQ(query("/rooms?limit=3&limit=4"), 3);  // the first one
    EXPECT_EQ(query("/rooms?limit=-5", -10, 10), -5);
}

TEST_F(QueryIntegerTest, OutOfBoundsIs400WithTheField) {
    for (const char* target : {"/rooms?limit=0", "/rooms?limit=101", "/rooms?limit=-1"}) {
        SCOPED_TRACE(target);
        const auto e = query_error(target);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->status(), http::status::bad_request);
        EXPECT_EQ(e->code(), "validation_failed");
        ASSERT_TRUE(e->fields().contains("limit"));
        EXPECT_EQ(e->fields().at("limit").as_string(), "must be an integer between 1 and 100");
    }
}

TEST_F(QueryIntegerTest, GarbageIs400) {
    for (const char* target :
         {"/rooms?limit=abc", "/rooms?limit=5x", "/rooms?limit=x5", "/rooms?limit=1.5",
          "/rooms?limit=+5", "/rooms?limit=%205", "/rooms?limit=5%20", "/rooms?limit=0x10",
          "/rooms?limit=99999999999999999999"}) {
        SCOPED_TRACE(target);
        const auto e = query_error(target, 0, std::numeric_limits<std::int64_t>::max());
        ASSERT_TRUE(e);
        EXPECT_EQ(e->status(), http::status::bad_request);
        EXPECT_TRUE(e->fields().contains("limit"));
    }
}

}  // namespace
}  // namespace chat::api
