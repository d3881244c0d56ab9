#pragma once
// Password storage with Argon2id (libsodium crypto_pwhash_str, interactive
// limits). Thread safe. Call core::init_crypto() first.

#include <string>
#include <string_view>

namespace chat::auth {

/// An encoded Argon2id hash ("$argon2id$v=19$m=...") including its salt.
/// Takes ~50-100 ms and 64 MiB; throws std::bad_alloc if that memory is refused.
std::string hash_password(std::string_view password);

/// Constant-time check of `password` against an encoded hash; false for any
/// malformed hash.
bool verify_password(std::string_view password, const std::string& encoded_hash);

}  // namespace chat::auth
