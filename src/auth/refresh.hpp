#pragma once
// Opaque refresh tokens. The client holds the random token; the store keeps
// only its SHA-256, so a leaked table cannot be replayed. A fast hash is
// enough because the token carries 256 bits of entropy (no guessing to slow).

#include <string>
#include <string_view>

namespace chat::auth {

struct refresh_secret {
    std::string token;  // base64url of 32 random bytes; handed to the client once
    std::string hash;   // lower-case hex SHA-256 of `token`; what the store keeps
};

/// A fresh refresh token and its hash. Thread safe. Call core::init_crypto() first.
refresh_secret make_refresh_secret();

/// The stored form of a token presented by a client (same as
/// make_refresh_secret().hash for that token). Thread safe; never throws on content.
std::string hash_refresh_secret(std::string_view token);

}  // namespace chat::auth
