#include "http/server.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace chat::http {
namespace {

using tcp = asio::ip::tcp;

TEST(ParseEndpoint, Ipv4AndPort) {
    const auto ep = parse_endpoint("127.0.0.1:8080");
    EXPECT_TRUE(ep.address().is_v4());
    EXPECT_EQ(ep.address().to_string(), "127.0.0.1");
    EXPECT_EQ(ep.port(), 8080);
}

TEST(ParseEndpoint, BracketedIpv6) {
    const auto ep = parse_endpoint("[::1]:0");
    EXPECT_TRUE(ep.address().is_v6());
    EXPECT_TRUE(ep.address().is_loopback());
    EXPECT_EQ(ep.port(), 0);

    const auto any = parse_endpoint("[::]:443");
    EXPECT_TRUE(any.address().is_v6());
    EXPECT_TRUE(any.address().is_unspecified());
    EXPECT_EQ(any.port(), 443);
}

TEST(ParseEndpoint, EmptyHostMeansEveryIpv4Interface) {
    const auto ep = parse_endpoint(":9000");
    EXPECT_EQ(ep, tcp::endpoint(asio::ip::make_address("0.0.0.0"), 9000));
}

TEST(ParseEndpoint, LocalhostIsIpv4Loopback) {
    const auto ep = parse_endpoint("localhost:1");
    EXPECT_EQ(ep, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 1));
}

TEST(ParseEndpoint, PortBounds) {
    EXPECT_EQ(parse_endpoint("0.0.0.0:65535").port(), 65535);
    EXPECT_EQ(parse_endpoint("0.0.0.0:0").port(), 0);
    EXPECT_THROW(parse_endpoint("0.0.0.0:65536"), std::invalid_argument);
    EXPECT_THROW(parse_endpoint("0.0.0.0:4294967296"), std::invalid_argument);
}

TEST(ParseEndpoint, BadPortThrows) {
    for (const char* text : {"127.0.0.1:", "127.0.0.1:abc", "127.0.0.1:80x", "127.0.0.1:-1",
                             "127.0.0.1:+80", "127.0.0.1: 80", "127.0.0.1:8 0", "[::1]", ":"}) {
        SCOPED_TRACE(text);
        EXPECT_THROW(parse_endpoint(text), std::invalid_argument);
    }
}

TEST(ParseEndpoint, MissingColonThrows) {
    EXPECT_THROW(parse_endpoint("127.0.0.1"), std::invalid_argument);
    EXPECT_THROW(parse_endpoint("8080"), std::invalid_argument);
    EXPECT_THROW(parse_endpoint(""), std::invalid_argument);
}

TEST(ParseEndpoint, BadHostThrows) {
    // Host names other than localhost are not resolved.
    for (const char* text : {"example.com:80", "256.0.0.1:80", "1.2.3:80", "[::1:80", "[zz::1]:80",
                             "local host:80", "[127.0.0.1]x:80"}) {
        SCOPED_TRACE(text);
        EXPECT_THROW(parse_endpoint(text), std::invalid_argument);
    }
}

}  // namespace
}  // namespace chat::http

namespace chat::http {
namespace {

TEST(LoggableTarget, RedactsCredentialsInTheQueryOnly) {
    EXPECT_EQ(loggable_target("/rooms?after=3"), "/rooms?after=3");
    EXPECT_EQ(loggable_target("/socket.io/?EIO=4&transport=polling&sid=abc123"),
              "/socket.io/?EIO=4&transport=polling&sid=REDACTED");
    EXPECT_EQ(loggable_target("/x?token=eyJ.a.b&access_token=t&refresh_token=r&sidx=1"),
              "/x?token=REDACTED&access_token=REDACTED&refresh_token=REDACTED&sidx=1");
    EXPECT_EQ(loggable_target("/sid=1/path"), "/sid=1/path");
    EXPECT_EQ(loggable_target("/p?"), "/p?");
    EXPECT_EQ(loggable_target("/p?&sid"), "/p?&sid");
}

}  // namespace
}  // namespace chat::http
