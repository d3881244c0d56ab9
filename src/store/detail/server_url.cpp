#include "store/detail/server_url.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <charconv>
#include <stdexcept>

namespace chat::store::detail {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

/// Percent-encodes all but RFC 3986's unreserved characters: safe in every
/// part of a URI.
std::string pct(std::string_view s) {
    return boost::urls::encode(s, boost::urls::unreserved_chars);
}

/// A value for SOCI's MySQL connect string parser: single quotes, with `\`
/// escaping the next character.
std::string mysql_quoted(std::string_view s) {
    std::string out = "'";
    for (const char c : s) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    out += '\'';
    return out;
}

std::string host_for_uri(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : pct(host);
}

}  // namespace

std::string server_url::redacted() const {
    return scheme + "://" + pct(user) + "@" + host_for_uri(host) + ":" + std::to_string(port) +
           "/" + pct(database);
}

server_url parse_server_url(std::string_view url, std::uint16_t default_port) {
    // Messages never quote the URL: it may carry the password.
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed) throw std::invalid_argument("store: database URL is not a valid URI");
    const boost::urls::url_view& u = *parsed;
    server_url out;
    out.scheme = lower(u.scheme());
    if (u.has_query() || u.has_fragment()) {
        throw std::invalid_argument("store: database URL must not have a query or a fragment");
    }
    if (!u.has_authority() || u.host_type() == boost::urls::host_type::ipvfuture) {
        throw std::invalid_argument("store: database URL has no host");
    }
    out.host = u.host_address();  // IPv6 without the brackets, names percent-decoded
    if (out.host.empty()) throw std::invalid_argument("store: database URL has no host");

    out.port = default_port;
    if (u.has_port()) {
        const std::string_view text = u.port();
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port == 0 ||
            port > 65535) {
            throw std::invalid_argument("store: database URL port must be 1..65535");
        }
        out.port = static_cast<std::uint16_t>(port);
    }

    if (u.has_userinfo()) {
        out.user = u.user();
        if (u.has_password()) out.password = u.password();
    }
    if (out.user.empty()) throw std::invalid_argument("store: database URL has no user");

    const std::string path = u.path();  // percent-decoded
    if (path.size() < 2 || path.front() != '/' || path.find('/', 1) != std::string::npos) {
        throw std::invalid_argument("store: database URL path must be /<database name>");
    }
    out.database = path.substr(1);
    for (const std::string* part : {&out.user, &out.password, &out.host, &out.database}) {
        // Neither client library can pass a NUL byte on.
        if (part->find('\0') != std::string::npos) {
            throw std::invalid_argument("store: database URL holds a NUL byte");
        }
    }
    return out;
}

std::string mysql_connect_string(const server_url& u) {
    std::string s = "db=" + mysql_quoted(u.database) + " user=" + mysql_quoted(u.user);
    if (!u.password.empty()) s += " password=" + mysql_quoted(u.password);
    s += " host=" + mysql_quoted(u.host) + " port=" + std::to_string(u.port);
    // utf8mb4: MariaDB's `utf8` is the 3-byte subset. The read timeout (tried
    // three times by the client) must exceed the longest statement, which is
    // a lock wait of server_lock_timeout_s.
    s += " charset=utf8mb4 connect_timeout=" + std::to_string(server_connect_timeout_s) +
         " read_timeout=30 write_timeout=30";
    return s;
}

std::string postgresql_connect_string(const server_url& u) {
    std::string s = "postgresql://" + pct(u.user);
    if (!u.password.empty()) s += ":" + pct(u.password);
    s += "@" + host_for_uri(u.host) + ":" + std::to_string(u.port) + "/" + pct(u.database);
    // Keepalives find a peer that vanished without closing the connection.
    s += "?client_encoding=UTF8&application_name=simple-chat&connect_timeout=" +
         std::to_string(server_connect_timeout_s) +
         "&keepalives=1&keepalives_idle=30&keepalives_interval=10&keepalives_count=3";
    return s;
}

}  // namespace chat::store::detail
