#pragma once
// Database URLs of server databases (MariaDB, PostgreSQL) and the connect
// strings SOCI's back ends take for them. Separate from the dialects so that
// the parsing and quoting can be tested without a server.

#include <cstdint>
#include <string>
#include <string_view>

namespace chat::store::detail {

/// `<scheme>://user[:password]@host[:port]/database`, percent-decoded.
struct server_url {
    std::string scheme;  // as written, lower-case: mariadb, mysql, postgresql, postgres
    std::string user;
    std::string password;  // empty when the URL has none
    std::string host;      // IPv6 without brackets
    std::uint16_t port = 0;
    std::string database;

    /// The URL without the password, for logs and error messages.
    std::string redacted() const;
};

/// Parses a server URL whose scheme the caller has recognised. `default_port`
/// applies when the URL has none. Throws std::invalid_argument naming what is
/// wrong, never quoting the URL (it may hold the password). A query or a
/// fragment is refused rather than silently ignored.
server_url parse_server_url(std::string_view url, std::uint16_t default_port);

/// The SOCI MySQL back end's connect string: every value single-quoted with
/// `\` escapes, utf8mb4, and timeouts so that a dead server fails a call
/// instead of hanging it.
std::string mysql_connect_string(const server_url& u);

/// The SOCI PostgreSQL back end's connect string, with UTF-8, a connect
/// timeout and TCP keepalives. It is a libpq URI, not `key=value` pairs:
/// SOCI 4.0.3 re-tokenises `key=value` strings at whitespace, dropping the
/// quotes, before handing them to libpq, so a password with spaces or
/// quotes would not get through. A URI carries any byte percent-encoded and
/// passes through unchanged as long as it holds a `=`, which its query part
/// guarantees.
std::string postgresql_connect_string(const server_url& u);

/// Lock waits give up after this long, like SQLite's busy timeout, so that a
/// stuck transaction elsewhere turns into `unavailable` instead of a hang.
/// Set per session by the dialects.
inline constexpr int server_lock_timeout_s = 5;
/// Connecting gives up after this long.
inline constexpr int server_connect_timeout_s = 5;

}  // namespace chat::store::detail
