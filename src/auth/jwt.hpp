#pragma once
// HS256 access tokens (RFC 7519) through libjwt. The algorithm is pinned:
// a token whose header names anything but HS256 — "none" included — is
// refused before its claims are read.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::auth {

struct access_claims {
    std::string subject;          // user id
    std::string token_id;         // jti
    std::int64_t issued_at = 0;   // seconds since epoch
    std::int64_t expires_at = 0;  // seconds since epoch
};

enum class token_error { malformed, bad_algorithm, bad_signature, expired, missing_claims };

/// What verify() returns: the claims or why the token was refused.
struct verify_result {
    std::optional<access_claims> claims;
    token_error error = token_error::malformed;
    explicit operator bool() const noexcept { return claims.has_value(); }
};

/// Issues and verifies access tokens with one secret. Thread safe (immutable).
class jwt_codec {
public:
    /// `secret` must be at least 32 bytes (throws std::invalid_argument).
    /// `leeway` is the clock skew tolerated on `exp` (negative throws too).
    explicit jwt_codec(std::string secret, std::chrono::seconds leeway = std::chrono::seconds(30));

    /// A signed token for `user_id`, valid for `lifetime` from `now_s`, with a
    /// fresh jti (call core::init_crypto() first). Throws std::invalid_argument
    /// for an empty `user_id` (it could never verify).
    std::string issue(const std::string& user_id, std::int64_t now_s,
                      std::chrono::seconds lifetime) const;

    /// The claims of a valid token, or the first reason it is refused. Never
    /// throws on token content (std::bad_alloc aside).
    verify_result verify(std::string_view token, std::int64_t now_s) const;

private:
    std::string secret_;
    std::chrono::seconds leeway_;
};

/// Human-readable reason, for logs and error messages.
const char* to_string(token_error e) noexcept;

/// The token of an `Authorization: Bearer <token>` header value (RFC 6750
/// §2.1, scheme case-insensitive); nullopt for another scheme or no token.
std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept;

}  // namespace chat::auth
