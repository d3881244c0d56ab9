#pragma once
// Which address a request comes from when reverse proxies stand in between.
//
// Per-address limits (login and sign-up rates, sockets per address) and the
// access log need the client's address. Behind nginx the TCP peer is nginx
// itself, so the client is taken from X-Forwarded-For, but only when the
// peer is a proxy the operator trusts: anyone else could write any address
// into that header. Pure functions, no I/O.

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chat::http {

/// A set of networks (CIDR blocks) whose hosts are trusted reverse proxies.
/// IPv4 addresses and IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, as a
/// dual-stack listener sees IPv4 peers) are the same host. Empty: trust nobody.
/// Immutable after construction; safe to share between threads.
class trusted_proxies {
public:
    trusted_proxies() = default;

    /// Parses "10.0.0.0/8", "2001:db8::/32", "::ffff:10.0.0.0/104" or a
    /// plain address (a /32 or /128). Surrounding blanks are ignored. Throws
    /// std::invalid_argument naming the entry when it is not an address, the
    /// prefix is out of range, or bits past the prefix are set (a typo such
    /// as 10.0.0.1/8 must not silently trust more or fewer hosts).
    static trusted_proxies parse(const std::vector<std::string>& entries);

    /// Whether `address` lies in one of the networks.
    bool contains(const boost::asio::ip::address& address) const noexcept;
    bool empty() const noexcept { return networks_.empty(); }
    /// The networks in CIDR notation, for the startup log.
    std::string to_string() const;

private:
    struct network {
        std::array<unsigned char, 16> bytes;  // IPv4 as IPv4-mapped IPv6
        unsigned prefix;                      // of the 128 bits
    };
    std::vector<network> networks_;
};

/// The client's address for a request that arrived from `peer` with the
/// X-Forwarded-For field value `forwarded_for` (every X-Forwarded-For field
/// of the request joined with ',', in order; empty when absent).
///
/// Untrusted peer: the peer, whatever the header says. Trusted peer: the
/// rightmost address of the header that is not a trusted proxy (each proxy
/// appends the address it received from, so everything left of the first
/// untrusted hop may be forged); the leftmost when all are trusted; the peer
/// when the header is absent or an entry up to the answer is not a bare IP
/// address. An IPv4-mapped IPv6 answer is returned as IPv4, so one client
/// has one key whichever way it came.
boost::asio::ip::address client_address(const boost::asio::ip::address& peer,
                                        std::string_view forwarded_for,
                                        const trusted_proxies& trusted);

}  // namespace chat::http
