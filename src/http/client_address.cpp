#include "http/client_address.hpp"

#include <charconv>
#include <optional>
#include <stdexcept>

namespace chat::http {

namespace ip = boost::asio::ip;

namespace {

constexpr std::string_view blanks = " \t";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

// A bare IPv4 or IPv6 address, nothing else: no port, brackets, host name or
// IPv6 zone (a zone would make the parser look up an interface).
std::optional<ip::address> parse_address(std::string_view text) {
    if (text.empty() || text.size() > 64 || text.find('%') != std::string_view::npos)
        return std::nullopt;
    boost::system::error_code ec;
    const auto address = ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    return address;
}

// One 128-bit space for both families: IPv4 becomes ::ffff:a.b.c.d.
std::array<unsigned char, 16> as_v6_bytes(const ip::address& address) {
    if (address.is_v4()) return ip::make_address_v6(ip::v4_mapped, address.to_v4()).to_bytes();
    return address.to_v6().to_bytes();
}

bool same_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b,
                 unsigned prefix) {
    unsigned i = 0;
    for (; prefix >= 8; prefix -= 8, ++i) {
        if (a[i] != b[i]) return false;
    }
    if (prefix == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff00u >> prefix);
    return (a[i] & mask) == (b[i] & mask);
}

ip::address unmapped(const ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    return address;
}

}  // namespace

trusted_proxies trusted_proxies::parse(const std::vector<std::string>& entries) {
    trusted_proxies out;
    for (const auto& entry : entries) {
        const std::string_view text = trim(entry);
        const auto slash = text.find('/');
        const auto address = parse_address(text.substr(0, slash));
        if (!address)
            throw std::invalid_argument("trusted proxy '" + entry +
                                        "': expected an address or ADDRESS/PREFIX");
        const unsigned bits = address->is_v4() ? 32 : 128;
        unsigned prefix = bits;
        if (slash != std::string_view::npos) {
            const std::string_view digits = text.substr(slash + 1);
            const auto [end, ec] =
                std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
            if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
                prefix > bits)
                throw std::invalid_argument("trusted proxy '" + entry + "': prefix must be 0.." +
                                            std::to_string(bits));
        }
        network net{as_v6_bytes(*address), prefix + (128 - bits)};
        std::array<unsigned char, 16> zero{};
        for (unsigned i = 0; i < 16; ++i) {
            const unsigned keep = net.prefix > i * 8 ? std::min(8u, net.prefix - i * 8) : 0;
            zero[i] = static_cast<unsigned char>(net.bytes[i] & (0xff00u >> keep));
        }
        if (zero != net.bytes)
            throw std::invalid_argument("trusted proxy '" + entry +
                                        "': address has bits set past the prefix");
        out.networks_.push_back(net);
    }
    return out;
}

bool trusted_proxies::contains(const ip::address& address) const noexcept {
    const auto bytes = as_v6_bytes(address);
    for (const auto& net : networks_) {
        if (same_prefix(bytes, net.bytes, net.prefix)) return true;
    }
    return false;
}

std::string trusted_proxies::to_string() const {
    std::string out;
    for (const auto& net : networks_) {
        if (!out.empty()) out += ", ";
        const ip::address_v6 v6(net.bytes);
        if (v6.is_v4_mapped() && net.prefix >= 96) {
            out += ip::make_address_v4(ip::v4_mapped, v6).to_string() + '/' +
                   std::to_string(net.prefix - 96);
        } else {
            out += v6.to_string() + '/' + std::to_string(net.prefix);
        }
    }
    return out;
}

ip::address client_address(const ip::address& peer, std::string_view forwarded_for,
                           const trusted_proxies& trusted) {
    if (!trusted.contains(peer)) return unmapped(peer);
    std::optional<ip::address> leftmost;
    // Right to left: each trusted proxy appended the address it received from.
    while (!forwarded_for.empty()) {
        const auto comma = forwarded_for.rfind(',');
        const std::string_view entry =
            trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
        forwarded_for =
            comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
        if (entry.empty()) continue;  // empty list elements are allowed (RFC 9110 §5.6.1)
        const auto hop = parse_address(entry);
        if (!hop) return unmapped(peer);
        if (!trusted.contains(*hop)) return unmapped(*hop);
        leftmost = hop;
    }
    return unmapped(leftmost.value_or(peer));
}

}  // namespace chat::http
