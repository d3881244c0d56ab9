#include "http/client_address.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace chat::http {
namespace {

namespace ip = boost::asio::ip;

ip::address addr(const char* text) {
    return ip::make_address(text);
}

std::string client(const char* peer, std::string_view xff, const trusted_proxies& trusted) {
    return client_address(addr(peer), xff, trusted).to_string();
}

TEST(TrustedProxies, EmptyTrustsNobody) {
    const trusted_proxies none;
    EXPECT_TRUE(none.empty());
    EXPECT_FALSE(none.contains(addr("127.0.0.1")));
    EXPECT_FALSE(none.contains(addr("::1")));
    EXPECT_TRUE(trusted_proxies::parse({}).empty());
}

TEST(TrustedProxies, Ipv4Networks) {
    const auto t = trusted_proxies::parse({"10.0.0.0/8", "192.168.1.0/24", "172.16.0.0/12"});
    EXPECT_TRUE(t.contains(addr("10.0.0.0")));
    EXPECT_TRUE(t.contains(addr("10.255.255.255")));
    EXPECT_FALSE(t.contains(addr("11.0.0.0")));
    EXPECT_FALSE(t.contains(addr("9.255.255.255")));
    EXPECT_TRUE(t.contains(addr("192.168.1.77")));
    EXPECT_FALSE(t.contains(addr("192.168.2.1")));
    EXPECT_TRUE(t.contains(addr("172.31.255.255")));  // /12 ends inside a byte
    EXPECT_FALSE(t.contains(addr("172.32.0.0")));
    EXPECT_FALSE(t.contains(addr("172.15.255.255")));
    EXPECT_EQ(t.to_string(), "10.0.0.0/8, 192.168.1.0/24, 172.16.0.0/12");
}

TEST(TrustedProxies, PlainAddressIsOneHost) {
    const auto t = trusted_proxies::parse({"127.0.0.1", "2001:db8::1"});
    EXPECT_TRUE(t.contains(addr("127.0.0.1")));
    EXPECT_FALSE(t.contains(addr("127.0.0.2")));
    EXPECT_TRUE(t.contains(addr("2001:db8::1")));
    EXPECT_FALSE(t.contains(addr("2001:db8::2")));
    EXPECT_EQ(t.to_string(), "127.0.0.1/32, 2001:db8::1/128");
}

TEST(TrustedProxies, Ipv6Networks) {
    const auto t = trusted_proxies::parse({"2001:db8::/32", "fd00::/8", "::1/128"});
    EXPECT_TRUE(t.contains(addr("2001:db8:ffff::1")));
    EXPECT_FALSE(t.contains(addr("2001:db9::1")));
    EXPECT_TRUE(t.contains(addr("fdff::1")));
    EXPECT_FALSE(t.contains(addr("fe00::1")));
    EXPECT_TRUE(t.contains(addr("::1")));
    // An IPv6 network never covers IPv4 hosts unless it is the mapped range.
    EXPECT_FALSE(t.contains(addr("127.0.0.1")));
}

TEST(TrustedProxies, Ipv4MappedIsTheSameHost) {
    // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d.
    const auto v4 = trusted_proxies::parse({"10.0.0.0/8"});
    EXPECT_TRUE(v4.contains(addr("::ffff:10.1.2.3")));
    EXPECT_FALSE(v4.contains(addr("::ffff:11.1.2.3")));
    const auto mapped = trusted_proxies::parse({"::ffff:10.0.0.0/104"});
    EXPECT_TRUE(mapped.contains(addr("10.1.2.3")));
    EXPECT_FALSE(mapped.contains(addr("11.1.2.3")));
    EXPECT_EQ(mapped.to_string(), "10.0.0.0/8");
}

TEST(TrustedProxies, PrefixZeroTrustsEveryoneOfThatFamily) {
    const auto t = trusted_proxies::parse({"0.0.0.0/0"});
    EXPECT_TRUE(t.contains(addr("1.2.3.4")));
    EXPECT_FALSE(t.contains(addr("2001:db8::1")));
    const auto all = trusted_proxies::parse({"::/0"});
    EXPECT_TRUE(all.contains(addr("2001:db8::1")));
    EXPECT_TRUE(all.contains(addr("1.2.3.4")));  // as ::ffff:1.2.3.4
}

TEST(TrustedProxies, BlanksAroundEntriesAreIgnored) {
    const auto t = trusted_proxies::parse({" 10.0.0.0/8", "\t127.0.0.1 "});
    EXPECT_TRUE(t.contains(addr("10.9.9.9")));
    EXPECT_TRUE(t.contains(addr("127.0.0.1")));
}

TEST(TrustedProxies, BadEntriesThrowNamingTheEntry) {
    for (const char* text : {"",
                             " ",
                             "localhost",
                             "example.com",
                             "10.0.0.0/",
                             "10.0.0.0/33",
                             "10.0.0.0/-1",
                             "10.0.0.0/+8",
                             "10.0.0.0/8x",
                             "10.0.0.0/ 8",
                             "10.0.0/8",
                             "256.0.0.0/8",
                             "010.0.0.1",
                             "::1/129",
                             "[::1]",
                             "[::1]/128",
                             "10.0.0.1:80",
                             "fe80::1%lo",
                             "10.0.0.0/8/8",
                             "10.0.0.0//8"}) {
        SCOPED_TRACE(text);
        try {
            trusted_proxies::parse({text});
            ADD_FAILURE() << "accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("'") + text + "'"), std::string::npos)
                << e.what();
        }
    }
}

TEST(TrustedProxies, HostBitsPastThePrefixAreRefused) {
    EXPECT_THROW(trusted_proxies::parse({"10.0.0.1/8"}), std::invalid_argument);
    EXPECT_THROW(trusted_proxies::parse({"172.17.0.0/12"}), std::invalid_argument);
    EXPECT_THROW(trusted_proxies::parse({"2001:db8::1/32"}), std::invalid_argument);
    EXPECT_NO_THROW(trusted_proxies::parse({"172.16.0.0/12", "10.0.0.1/32", "0.0.0.0/0"}));
}

TEST(ClientAddress, UntrustedPeerIsTheClientWhateverTheHeaderSays) {
    const auto t = trusted_proxies::parse({"10.0.0.0/8"});
    EXPECT_EQ(client("203.0.113.7", "", t), "203.0.113.7");
    EXPECT_EQ(client("203.0.113.7", "198.51.100.1", t), "203.0.113.7");
    EXPECT_EQ(client("203.0.113.7", "10.0.0.1", t), "203.0.113.7");
    // Nobody trusted: the header never counts, not even from loopback.
    EXPECT_EQ(client("127.0.0.1", "198.51.100.1", trusted_proxies{}), "127.0.0.1");
}

TEST(ClientAddress, TrustedPeerWithoutHeaderIsTheClient) {
    const auto t = trusted_proxies::parse({"127.0.0.1"});
    EXPECT_EQ(client("127.0.0.1", "", t), "127.0.0.1");
    EXPECT_EQ(client("127.0.0.1", " , ,", t), "127.0.0.1");
}

TEST(ClientAddress, OneProxy) {
    const auto t = trusted_proxies::parse({"127.0.0.1"});
    EXPECT_EQ(client("127.0.0.1", "198.51.100.1", t), "198.51.100.1");
    EXPECT_EQ(client("127.0.0.1", "  2001:db8::7\t", t), "2001:db8::7");
}

TEST(ClientAddress, ChainOfTrustedProxiesIsSkippedFromTheRight) {
    const auto t = trusted_proxies::parse({"10.0.0.0/8", "127.0.0.1"});
    EXPECT_EQ(client("127.0.0.1", "198.51.100.1, 10.1.1.1, 10.2.2.2", t), "198.51.100.1");
    // Every hop trusted: the furthest one known.
    EXPECT_EQ(client("127.0.0.1", "10.3.3.3, 10.1.1.1", t), "10.3.3.3");
}

TEST(ClientAddress, ForgedEntriesLeftOfTheClientAreIgnored) {
    // The client wrote "10.9.9.9, 1.1.1.1" itself (nginx's
    // $proxy_add_x_forwarded_for keeps it and appends the real address).
    const auto t = trusted_proxies::parse({"10.0.0.0/8", "127.0.0.1"});
    EXPECT_EQ(client("127.0.0.1", "10.9.9.9, 1.1.1.1, 198.51.100.1", t), "198.51.100.1");
    EXPECT_EQ(client("127.0.0.1", "garbage, 198.51.100.1", t), "198.51.100.1");
    // Claiming to be a trusted proxy itself gets the client nothing either.
    EXPECT_EQ(client("127.0.0.1", "1.1.1.1, 10.9.9.9, 198.51.100.1, 10.1.1.1", t), "198.51.100.1");
}

TEST(ClientAddress, SeveralFieldsJoinedInOrder) {
    const auto t = trusted_proxies::parse({"10.0.0.0/8"});
    EXPECT_EQ(client("10.0.0.1", "198.51.100.1,10.0.0.2", t), "198.51.100.1");
    EXPECT_EQ(client("10.0.0.1", "198.51.100.1,,10.0.0.2,", t), "198.51.100.1");
}

TEST(ClientAddress, MalformedEntryFallsBackToThePeer) {
    const auto t = trusted_proxies::parse({"10.0.0.0/8"});
    for (const char* xff :
         {"unknown", "198.51.100.1:4711", "[2001:db8::1]", "example.com", "198.51.100.1 x", "1.2.3",
          "198.51.100.1, 10.0.0.2 10.0.0.3", "fe80::1%eth0", "198.51.100.1;10.0.0.2",
          "::ffff:1.2.3.4/96", "\"198.51.100.1\""}) {
        SCOPED_TRACE(xff);
        EXPECT_EQ(client("10.0.0.1", xff, t), "10.0.0.1");
    }
    // Malformed, but past the answer: never looked at.
    EXPECT_EQ(client("10.0.0.1", "junk, 198.51.100.1", t), "198.51.100.1");
}

TEST(ClientAddress, OverlongEntryFallsBackToThePeer) {
    const auto t = trusted_proxies::parse({"10.0.0.0/8"});
    const std::string padded = "2001:0db8:0000:0000:0000:0000:0000:0001" + std::string(40, '0');
    EXPECT_EQ(client("10.0.0.1", padded, t), "10.0.0.1");
}

TEST(ClientAddress, Ipv4MappedAnswersAreIpv4) {
    const auto t = trusted_proxies::parse({"10.0.0.0/8"});
    EXPECT_EQ(client("::ffff:10.0.0.1", "198.51.100.1", t), "198.51.100.1");
    EXPECT_EQ(client("::ffff:10.0.0.1", "::ffff:198.51.100.1", t), "198.51.100.1");
    EXPECT_EQ(client("::ffff:203.0.113.7", "198.51.100.1", t), "203.0.113.7");
    EXPECT_EQ(client("::ffff:10.0.0.1", "", t), "10.0.0.1");
    // A mapped hop inside a trusted IPv4 network is skipped like its IPv4 twin.
    EXPECT_EQ(client("10.0.0.1", "198.51.100.1, ::ffff:10.0.0.9", t), "198.51.100.1");
}

}  // namespace
}  // namespace chat::http
