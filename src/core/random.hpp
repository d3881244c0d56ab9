#pragma once
// Cryptographically secure randomness for identifiers and secrets.
// All functions are thread safe (libsodium's generator).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace chat::core {

/// Initialises libsodium once; call before any other function here. Throws on failure.
void init_crypto();

/// `n` random bytes.
std::string random_bytes(std::size_t n);

/// A random RFC 4122 version 4 UUID in lower-case canonical form.
std::string uuid_v4();

/// True when `s` is a canonical UUID (8-4-4-4-12 hex digits, any case).
bool is_uuid(std::string_view s);

/// Base64url without padding (RFC 4648 §5).
std::string base64url_encode(std::string_view bytes);

/// Strict standard base64 with padding (RFC 4648 §4): only the alphabet and
/// '=', padding required, non-zero trailing bits refused, nothing after the
/// padding. nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

/// Lower-case hex of SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace chat::core
