#include "http/response.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>

namespace chat::http {
namespace {

namespace json = boost::json;

void expect_security_headers(const response& res) {
    EXPECT_EQ(res[beast::http::field::cache_control], "no-store");
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
}

TEST(ErrorResponse, BodyShapeWithoutFields) {
    const auto res = error_response(status::not_found, "not_found", "room not found", "trace-1");
    EXPECT_EQ(res.result(), status::not_found);
    EXPECT_EQ(res.version(), 11u);
    EXPECT_EQ(res[beast::http::field::content_type], "application/json");
    expect_security_headers(res);
    EXPECT_EQ(res[beast::http::field::content_length], std::to_string(res.body().size()));

    const auto body = json::parse(res.body());
    ASSERT_TRUE(body.is_object());
    const auto& o = body.as_object();
    EXPECT_EQ(o.size(), 2u);
    EXPECT_EQ(o.at("traceId").as_string(), "trace-1");
    const auto& err = o.at("error").as_object();
    EXPECT_EQ(err.size(), 2u);
    EXPECT_EQ(err.at("code").as_string(), "not_found");
    EXPECT_EQ(err.at("message").as_string(), "room not found");
    EXPECT_FALSE(err.contains("fields"));
}

TEST(ErrorResponse, FieldsIncludedWhenPresent) {
    const json::object fields{{"email", "is required"}, {"nickname", "must be 1 to 40 characters"}};
    const auto res = error_response(status::bad_request, "validation_failed",
                                    "request has invalid fields", "t", fields);
    EXPECT_EQ(res.result(), status::bad_request);
    expect_security_headers(res);
    const auto body = json::parse(res.body());
    const auto& err = body.at("error").as_object();
    ASSERT_TRUE(err.contains("fields"));
    EXPECT_EQ(err.at("fields").as_object(), fields);
}

TEST(ErrorResponse, EscapesTextAndKeepsVersion) {
    const auto res = error_response(status::internal_server_error, "internal",
                                    "quote \" and \\ and \n", "", {}, 10);
    EXPECT_EQ(res.version(), 10u);
    const auto body = json::parse(res.body());
    EXPECT_EQ(body.at("error").at("message").as_string(), "quote \" and \\ and \n");
    EXPECT_EQ(body.at("traceId").as_string(), "");
}

TEST(JsonResponse, SerialisesBodyWithHeaders) {
    const auto res = json_response(status::created, json::object{{"id", "x"}, {"n", 1}});
    EXPECT_EQ(res.result(), status::created);
    EXPECT_EQ(res[beast::http::field::content_type], "application/json");
    expect_security_headers(res);
    EXPECT_EQ(json::parse(res.body()), (json::value{{"id", "x"}, {"n", 1}}));
    EXPECT_EQ(res[beast::http::field::content_length], std::to_string(res.body().size()));
}

TEST(NoContent, HasNoBodyButTheHeaders) {
    const auto res = no_content();
    EXPECT_EQ(res.result(), status::no_content);
    EXPECT_TRUE(res.body().empty());
    expect_security_headers(res);
    EXPECT_EQ(res.find(beast::http::field::content_type), res.end());
}

}  // namespace
}  // namespace chat::http
