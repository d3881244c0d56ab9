#include "http/router.hpp"

#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace chat::http {
namespace {

/// A handler that says which one it is, read back through std::function::target.
struct tagged {
    int id;
    asio::awaitable<response> operator()(request_context&) const { co_return response{}; }
};

struct tagged_upgrade {
    int id;
    asio::awaitable<void> operator()(beast::tcp_stream&, request&, request_context&) const {
        co_return;
    }
};

using params_t = std::vector<std::pair<std::string, std::string>>;

/// The id of the handler a match resolved to, -1 when none.
int handler_id(const router::match_result& m) {
    if (!m.target) return -1;
    const auto* t = m.target->target<tagged>();
    return t ? t->id : -1;
}

class RouterTest : public ::testing::Test {
protected:
    router::match_result match(verb method, std::string_view path) {
        params_.clear();
        return routes_.match(method, path, params_);
    }

    core::registry metrics_;
    router routes_{metrics_};
    params_t params_;
};

TEST_F(RouterTest, LiteralRouteMatches) {
    routes_.add(verb::get, "/health", tagged{1});
    routes_.add(verb::get, "/rooms", tagged{2});
    const auto m = match(verb::get, "/rooms");
    EXPECT_EQ(m.result, router::outcome::matched);
    EXPECT_EQ(handler_id(m), 2);
    EXPECT_NE(m.metrics, nullptr);
    EXPECT_EQ(m.upgrade, nullptr);
    EXPECT_TRUE(params_.empty());
    EXPECT_TRUE(m.allow.empty());
}

TEST_F(RouterTest, RootPath) {
    routes_.add(verb::get, "/", tagged{1});
    EXPECT_EQ(handler_id(match(verb::get, "/")), 1);
    EXPECT_EQ(match(verb::get, "/x").result, router::outcome::not_found);
}

TEST_F(RouterTest, FirstAddedWinsLiteralBeforePlaceholder) {
    routes_.add(verb::get, "/users/me", tagged{1});
    routes_.add(verb::get, "/users/{id}", tagged{2});

    const auto me = match(verb::get, "/users/me");
    EXPECT_EQ(handler_id(me), 1);
    EXPECT_TRUE(params_.empty());

    const auto other = match(verb::get, "/users/0b7e5d4c-1a2b-4c3d-8e9f-00112233aabb");
    EXPECT_EQ(handler_id(other), 2);
    EXPECT_EQ(params_, (params_t{{"id", "0b7e5d4c-1a2b-4c3d-8e9f-00112233aabb"}}));
}

TEST_F(RouterTest, FirstAddedWinsPlaceholderBeforeLiteral) {
    routes_.add(verb::get, "/users/{id}", tagged{2});
    routes_.add(verb::get, "/users/me", tagged{1});
    EXPECT_EQ(handler_id(match(verb::get, "/users/me")), 2);
    EXPECT_EQ(params_, (params_t{{"id", "me"}}));
}

TEST_F(RouterTest, ExtractsEveryPlaceholderInOrder) {
    routes_.add(verb::get, "/rooms/{id}/messages/{messageId}/thread", tagged{7});
    const auto m = match(verb::get, "/rooms/r-1/messages/m-2/thread");
    EXPECT_EQ(handler_id(m), 7);
    EXPECT_EQ(params_, (params_t{{"id", "r-1"}, {"messageId", "m-2"}}));
}

TEST_F(RouterTest, MatchReplacesStaleParams) {
    routes_.add(verb::get, "/rooms/{id}", tagged{1});
    params_ = {{"stale", "value"}};
    const auto m = routes_.match(verb::get, "/rooms/r1", params_);
    EXPECT_EQ(handler_id(m), 1);
    EXPECT_EQ(params_, (params_t{{"id", "r1"}}));
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
    routes_.add(verb::get, "/rooms", tagged{1});
    routes_.add(verb::get, "/rooms/{id}", tagged{2});
    for (const char* path : {"/nope", "/room", "/roomsx", "/ROOMS", "", "/rooms/a/messages"}) {
        SCOPED_TRACE(path);
        const auto m = match(verb::get, path);
        EXPECT_EQ(m.result, router::outcome::not_found);
        EXPECT_EQ(m.target, nullptr);
        EXPECT_EQ(m.metrics, nullptr);
        EXPECT_TRUE(m.allow.empty());
    }
}

TEST_F(RouterTest, WrongSegmentCountIsNotFound) {
    routes_.add(verb::get, "/users/{id}", tagged{1});
    for (const char* path : {"/users", "/users/a/b", "/users/a/", "/a/users/b"}) {
        SCOPED_TRACE(path);
        EXPECT_EQ(match(verb::get, path).result, router::outcome::not_found);
    }
    // And not method_not_allowed either, for another method.
    EXPECT_EQ(match(verb::post, "/users/a/b").result, router::outcome::not_found);
}

TEST_F(RouterTest, EmptyPlaceholderSegmentDoesNotMatch) {
    routes_.add(verb::get, "/rooms/{id}/messages", tagged{1});
    routes_.add(verb::get, "/users/{id}", tagged{2});
    EXPECT_EQ(match(verb::get, "/rooms//messages").result, router::outcome::not_found);
    EXPECT_EQ(match(verb::get, "/users/").result, router::outcome::not_found);
    EXPECT_EQ(match(verb::post, "/rooms//messages").result, router::outcome::not_found);
    EXPECT_EQ(handler_id(match(verb::get, "/rooms/x/messages")), 1);
}

TEST_F(RouterTest, OtherMethodIs405WithSortedDeduplicatedAllow) {
    routes_.add(verb::get, "/rooms/{id}", tagged{1});
    routes_.add(verb::patch, "/rooms/{id}", tagged{2});
    routes_.add(verb::delete_, "/rooms/{id}", tagged{3});
    routes_.add(verb::delete_, "/rooms/{roomId}", tagged{4});  // same method again
    routes_.add(verb::post, "/rooms", tagged{5});              // other path: not listed

    const auto m = match(verb::put, "/rooms/r1");
    EXPECT_EQ(m.result, router::outcome::method_not_allowed);
    EXPECT_EQ(m.target, nullptr);
    EXPECT_EQ(m.allow, "DELETE, GET, PATCH");
}

TEST_F(RouterTest, AllowListsMethodsOfEveryMatchingPattern) {
    routes_.add(verb::post, "/users/me", tagged{1});
    routes_.add(verb::get, "/users/{id}", tagged{2});
    const auto m = match(verb::delete_, "/users/me");
    EXPECT_EQ(m.result, router::outcome::method_not_allowed);
    EXPECT_EQ(m.allow, "GET, POST");
    // Only the placeholder route matches another id.
    EXPECT_EQ(match(verb::delete_, "/users/x").allow, "GET");
}

TEST_F(RouterTest, MethodMatchWinsOverEarlierOtherMethod) {
    routes_.add(verb::get, "/rooms", tagged{1});
    routes_.add(verb::post, "/rooms", tagged{2});
    const auto m = match(verb::post, "/rooms");
    EXPECT_EQ(m.result, router::outcome::matched);
    EXPECT_EQ(handler_id(m), 2);
    EXPECT_TRUE(m.allow.empty());
}

TEST_F(RouterTest, MountMatchesPrefixAnyMethod) {
    routes_.mount("/socket.io/", tagged{9});
    for (const verb method : {verb::get, verb::post, verb::options, verb::delete_, verb::put}) {
        for (const char* path : {"/socket.io/", "/socket.io/x", "/socket.io/a/b/c"}) {
            SCOPED_TRACE(path);
            const auto m = match(method, path);
            EXPECT_EQ(m.result, router::outcome::matched);
            EXPECT_EQ(handler_id(m), 9);
            EXPECT_NE(m.metrics, nullptr);
            EXPECT_EQ(m.upgrade, nullptr);  // none given
        }
    }
    EXPECT_TRUE(params_.empty());
}

TEST_F(RouterTest, MountMatchesPrefixWithoutTrailingSlash) {
    routes_.mount("/socket.io/", tagged{9});
    EXPECT_EQ(handler_id(match(verb::get, "/socket.io")), 9);
    for (const char* path : {"/socket.iox", "/socket.i", "/socket", "/", "/other/socket.io/"}) {
        SCOPED_TRACE(path);
        EXPECT_EQ(match(verb::get, path).result, router::outcome::not_found);
    }
}

TEST_F(RouterTest, MountCarriesItsUpgradeHandler) {
    routes_.mount("/socket.io/", tagged{9}, tagged_upgrade{3});
    const auto m = match(verb::get, "/socket.io/");
    ASSERT_NE(m.upgrade, nullptr);
    ASSERT_NE(m.upgrade->target<tagged_upgrade>(), nullptr);
    EXPECT_EQ(m.upgrade->target<tagged_upgrade>()->id, 3);
}

TEST_F(RouterTest, MountsComeBeforeRoutes) {
    routes_.add(verb::get, "/socket.io/{x}", tagged{1});
    routes_.add(verb::get, "/rooms", tagged{2});
    routes_.mount("/socket.io/", tagged{9});
    EXPECT_EQ(handler_id(match(verb::get, "/socket.io/abc")), 9);
    EXPECT_EQ(handler_id(match(verb::get, "/rooms")), 2);
}

// --- metrics ---------------------------------------------------------------------------------

TEST_F(RouterTest, RouteMetricsCountPerStatusClass) {
    routes_.add(verb::get, "/users/{id}", tagged{1});
    routes_.add(verb::post, "/users", tagged{2});
    const auto m = match(verb::get, "/users/u1");
    ASSERT_NE(m.metrics, nullptr);
    m.metrics->record(101, 0.001);
    m.metrics->record(200, 0.001);
    m.metrics->record(204, 0.001);
    m.metrics->record(302, 0.001);
    m.metrics->record(404, 0.001);
    m.metrics->record(503, 0.001);
    m.metrics->record(99, 0.001);   // no class: only the duration
    m.metrics->record(600, 0.001);  // likewise
    EXPECT_EQ(m.metrics->by_class[0]->value(), 1u);
    EXPECT_EQ(m.metrics->by_class[1]->value(), 2u);
    EXPECT_EQ(m.metrics->by_class[2]->value(), 1u);
    EXPECT_EQ(m.metrics->by_class[3]->value(), 1u);
    EXPECT_EQ(m.metrics->by_class[4]->value(), 1u);
    EXPECT_EQ(m.metrics->duration->count(), 8u);

    // Another route has its own instruments.
    const auto post = match(verb::post, "/users");
    ASSERT_NE(post.metrics, nullptr);
    EXPECT_NE(post.metrics, m.metrics);
    EXPECT_EQ(post.metrics->by_class[1]->value(), 0u);
    EXPECT_EQ(post.metrics->duration->count(), 0u);
}

TEST_F(RouterTest, RegistryRenderShowsRouteMetrics) {
    routes_.add(verb::get, "/users/{id}", tagged{1});
    routes_.mount("/socket.io/", tagged{9});
    match(verb::get, "/users/u1").metrics->record(200, 0.002);
    match(verb::get, "/users/u1").metrics->record(201, 0.002);
    match(verb::post, "/socket.io/").metrics->record(400, 0.002);
    routes_.unmatched_metrics().record(404, 0.002);

    const std::string text = metrics_.render();
    const auto has = [&](const std::string& line) {
        EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\nin:\n" << text;
    };
    has("# TYPE chat_http_requests_total counter");
    has(R"(chat_http_requests_total{method="GET",route="/users/{id}",status="2xx"} 2)");
    has(R"(chat_http_requests_total{method="GET",route="/users/{id}",status="5xx"} 0)");
    has(R"(chat_http_requests_total{method="any",route="/socket.io/",status="4xx"} 1)");
    has(R"(chat_http_requests_total{method="any",route="unmatched",status="4xx"} 1)");
    has("# TYPE chat_http_request_duration_seconds histogram");
    has(R"(chat_http_request_duration_seconds_count{method="GET",route="/users/{id}"} 2)");
    has(R"(chat_http_request_duration_seconds_bucket{method="GET",route="/users/{id}",le="0.0025"} 2)");
    has(R"(chat_http_request_duration_seconds_bucket{method="GET",route="/users/{id}",le="0.001"} 0)");
}

TEST_F(RouterTest, UnmatchedMetricsAreSeparate) {
    routes_.add(verb::get, "/rooms", tagged{1});
    const auto& unmatched = routes_.unmatched_metrics();
    unmatched.record(404, 0.001);
    unmatched.record(405, 0.001);
    EXPECT_EQ(unmatched.by_class[3]->value(), 2u);
    EXPECT_EQ(match(verb::get, "/rooms").metrics->by_class[3]->value(), 0u);
}

TEST_F(RouterTest, RouteBodyLimits) {
    EXPECT_EQ(routes_.largest_body_limit(), 0u);
    routes_.add(verb::get, "/files/{id}", tagged{1});
    routes_.add(verb::post, "/files", tagged{2}, 5000);
    routes_.add(verb::post, "/rooms/{id}/files", tagged{3}, 300);
    routes_.mount("/socket.io/", tagged{4});
    EXPECT_EQ(routes_.largest_body_limit(), 5000u);
    EXPECT_EQ(routes_.body_limit(verb::post, "/files"), 5000u);
    EXPECT_EQ(routes_.body_limit(verb::post, "/rooms/r1/files"), 300u);
    EXPECT_EQ(routes_.body_limit(verb::get, "/files/f1"), std::nullopt);  // the server's
    EXPECT_EQ(routes_.body_limit(verb::put, "/files"), std::nullopt);     // no such route
    EXPECT_EQ(routes_.body_limit(verb::post, "/socket.io/"), std::nullopt);
    EXPECT_EQ(handler_id(match(verb::post, "/files")), 2);
}

TEST_F(RouterTest, FallbackTakesOnlyUnmatchedGetAndHead) {
    routes_.add(verb::post, "/users", tagged{1});
    routes_.add(verb::get, "/rooms/{id}", tagged{2});
    routes_.mount("/socket.io/", tagged{3});
    routes_.fallback(tagged{9}, [](std::string_view path) {
        return path == "/" || path == "/js/app.js" || path == "/index.html" || path == "/rooms/abc";
    });

    EXPECT_EQ(handler_id(match(verb::get, "/")), 9);
    EXPECT_EQ(handler_id(match(verb::head, "/js/app.js")), 9);
    EXPECT_EQ(match(verb::get, "/nope.js").result, router::outcome::not_found);
    EXPECT_EQ(handler_id(match(verb::get, "/rooms/abc")), 2);   // a route wins
    EXPECT_EQ(handler_id(match(verb::get, "/socket.io/")), 3);  // a mount wins
    EXPECT_EQ(match(verb::get, "/users").result, router::outcome::method_not_allowed);
    EXPECT_EQ(match(verb::post, "/index.html").result, router::outcome::not_found);
    EXPECT_EQ(match(verb::delete_, "/").result, router::outcome::not_found);
    EXPECT_NE(match(verb::get, "/").metrics, &routes_.unmatched_metrics());
    EXPECT_EQ(match(verb::get, "/nope.js").metrics, nullptr);  // the server counts it as unmatched
}

}  // namespace
}  // namespace chat::http
