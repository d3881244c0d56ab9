#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <random>

namespace chat::http {
namespace {

namespace fs = std::filesystem;

TEST(NormalizePath, MapsDirectoriesToTheirIndex) {
    EXPECT_EQ(normalize_path("/"), "index.html");
    EXPECT_EQ(normalize_path("/docs/"), "docs/index.html");
    EXPECT_EQ(normalize_path("/index.html"), "index.html");
    EXPECT_EQ(normalize_path("/js/app.js"), "js/app.js");
    EXPECT_EQ(normalize_path("/vendor/socket.io.min.js"), "vendor/socket.io.min.js");
}

TEST(NormalizePath, RefusesAnythingThatCouldLeaveTheRoot) {
    // The server percent-decodes before routing, so "%2e%2e" and "%2f" arrive
    // here as ".." and "/".
    for (const char* bad :
         {"", "index.html", "/..", "/../etc/passwd", "/js/../../x", "/./index.html", "/js/.",
          "//etc/passwd", "/js//app.js", "/..\\x", "/js\\..\\x", "/.env", "/.git/config",
          "/js/.hidden", "/a\x01", "/a\x7f"}) {
        EXPECT_EQ(normalize_path(bad), std::nullopt) << bad;
    }
    EXPECT_EQ(normalize_path(std::string_view("/a\0b", 4)), std::nullopt);
}

TEST(NormalizePath, KeepsHarmlessOddNames) {
    // Dots inside a name and a literal percent sign (double-encoded input) are
    // just names: they can only match a file that exists in the root.
    EXPECT_EQ(normalize_path("/a..b.js"), "a..b.js");
    EXPECT_EQ(normalize_path("/%2e%2e/x"), "%2e%2e/x");
}

TEST(ContentType, ByExtensionCaseInsensitive) {
    EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(content_type_for("js/app.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("x.MJS"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("app.CSS"), "text/css; charset=utf-8");
    EXPECT_EQ(content_type_for("icon.svg"), "image/svg+xml");
    EXPECT_EQ(content_type_for("a.png"), "image/png");
    EXPECT_EQ(content_type_for("favicon.ico"), "image/x-icon");
    EXPECT_EQ(content_type_for("m.webmanifest"), "application/manifest+json");
    EXPECT_EQ(content_type_for("socket.io.min.js.map"), "application/json");
}

TEST(ContentType, UnknownOrMissingExtensionIsOctetStream) {
    EXPECT_EQ(content_type_for("README"), "application/octet-stream");
    EXPECT_EQ(content_type_for("a.exe"), "application/octet-stream");
    EXPECT_EQ(content_type_for("dir.js/file"), "application/octet-stream");
    EXPECT_EQ(content_type_for("html"), "application/octet-stream");
}

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        base_ = fs::temp_directory_path() /
                ("simple-chat-static-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
        root_ = base_ / "root";
        fs::create_directories(root_ / "js");
        fs::create_directories(root_ / ".git");
        write(root_ / "index.html", "<!doctype html><title>chat</title>");
        write(root_ / "js" / "app.js", "console.log(1);");
        write(root_ / ".env", "SECRET=1");
        write(root_ / ".git" / "config", "[core]");
        write(base_ / "outside.txt", "not for you");
        fs::create_symlink(base_ / "outside.txt", root_ / "leak.txt");
        fs::create_symlink(root_ / "js" / "app.js", root_ / "alias.js");
    }
    void TearDown() override { fs::remove_all(base_); }

    static void write(const fs::path& p, const std::string& text) {
        std::ofstream(p, std::ios::binary) << text;
    }
    static request make(verb method, std::string_view target, std::string_view if_none_match = {}) {
        request req{method, target, 11};
        if (!if_none_match.empty()) req.set(beast::http::field::if_none_match, if_none_match);
        return req;
    }
    response get(const static_files& site, std::string_view path, verb method = verb::get,
                 std::string_view if_none_match = {}) {
        const auto req = make(method, path, if_none_match);
        return site.respond(req, path, "trace");
    }

    fs::path base_;
    fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypeCacheAndSecurityHeaders) {
    const auto site = static_files::load(root_);
    const auto res = get(site, "/");
    EXPECT_EQ(res.result(), status::ok);
    EXPECT_EQ(res.body(), "<!doctype html><title>chat</title>");
    EXPECT_EQ(res[beast::http::field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(res[beast::http::field::cache_control], "no-cache");
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(res["Content-Security-Policy"], web_content_security_policy);
    EXPECT_EQ(res[beast::http::field::content_length], "34");
    const std::string etag(res[beast::http::field::etag]);
    EXPECT_EQ(etag.size(), 34u);
    EXPECT_EQ(etag.front(), '"');

    const auto js = get(site, "/js/app.js");
    EXPECT_EQ(js.result(), status::ok);
    EXPECT_EQ(js[beast::http::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_NE(js[beast::http::field::etag], etag);
}

TEST_F(StaticFilesTest, HeadHasTheHeadersButNoBody) {
    const auto site = static_files::load(root_);
    const auto res = get(site, "/js/app.js", verb::head);
    EXPECT_EQ(res.result(), status::ok);
    EXPECT_TRUE(res.body().empty());
    EXPECT_EQ(res[beast::http::field::content_length], "15");
    EXPECT_EQ(res[beast::http::field::content_type], "text/javascript; charset=utf-8");
}

TEST_F(StaticFilesTest, IfNoneMatchGives304WithoutBody) {
    const auto site = static_files::load(root_);
    const std::string etag(get(site, "/index.html")[beast::http::field::etag]);
    const auto res = get(site, "/index.html", verb::get, "W/" + etag);
    EXPECT_EQ(res.result(), status::not_modified);
    EXPECT_TRUE(res.body().empty());
    EXPECT_EQ(res[beast::http::field::etag], etag);
    EXPECT_EQ(res[beast::http::field::cache_control], "no-cache");
    EXPECT_EQ(get(site, "/index.html", verb::get, "\"stale\"").result(), status::ok);
}

TEST_F(StaticFilesTest, UnknownHiddenAndEscapingPathsAre404) {
    const auto site = static_files::load(root_);
    for (const char* path : {"/missing.js", "/.env", "/.git/config", "/leak.txt", "/../outside.txt",
                             "/js/../index.html", "/js", "/js/"}) {
        const auto res = get(site, path);
        EXPECT_EQ(res.result(), status::not_found) << path;
        EXPECT_EQ(res[beast::http::field::content_type], "application/json") << path;
        EXPECT_EQ(res.body().find("not for you"), std::string::npos) << path;
    }
}

TEST_F(StaticFilesTest, ContainsOnlyServedFiles) {
    const auto site = static_files::load(root_);
    EXPECT_TRUE(site.contains("/"));
    EXPECT_TRUE(site.contains("/js/app.js"));
    EXPECT_TRUE(site.contains("/alias.js"));
    for (const char* path : {"/missing.js", "/.env", "/leak.txt", "/js", "/js/", "/../x", ""}) {
        EXPECT_FALSE(site.contains(path)) << path;
    }
}

TEST_F(StaticFilesTest, LoadsOnlyRegularFilesInsideTheRoot) {
    const auto site = static_files::load(root_);
    // index.html, js/app.js and alias.js (a symlink that stays inside).
    EXPECT_EQ(site.file_count(), 3u);
    EXPECT_EQ(get(site, "/alias.js").body(), "console.log(1);");
}

TEST_F(StaticFilesTest, RootThatIsNotADirectoryOrTooLargeThrows) {
    EXPECT_THROW(static_files::load(base_ / "nowhere"), std::runtime_error);
    EXPECT_THROW(static_files::load(base_ / "outside.txt"), std::runtime_error);
    EXPECT_THROW(static_files::load(root_, {.max_total_bytes = 10, .max_files = 100}),
                 std::runtime_error);
    EXPECT_THROW(static_files::load(root_, {.max_total_bytes = 1 << 20, .max_files = 2}),
                 std::runtime_error);
}

}  // namespace
}  // namespace chat::http
