#include "auth/jwt.hpp"

#include "core/random.hpp"

#include <jwt.h>
#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace chat::auth {
namespace {

constexpr std::size_t min_secret_bytes = 32;  // RFC 7518 §3.2: key >= hash output size
constexpr std::size_t hs256_signature_bytes = 32;
// Far above any token we issue; keeps a hostile header or payload from
// costing more than a few kilobytes of decoding.
constexpr std::size_t max_token_bytes = 8 * 1024;

struct jwt_deleter {
    void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

struct c_string_deleter {
    void operator()(char* s) const noexcept { std::free(s); }
};

bool is_base64url(std::string_view s) {
    for (const char c : s) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

/// Strict base64url (no padding, canonical trailing bits); nullopt otherwise.
std::optional<std::string> base64url_decode(std::string_view in) {
    if (!is_base64url(in)) return std::nullopt;
    std::string out(in.size() * 3 / 4 + 1, '\0');
    std::size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                          in.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        return std::nullopt;
    }
    out.resize(len);
    return out;
}

/// A base64url segment holding a JSON object (RFC 7519 §7.2 steps 2-4, 7-10).
std::optional<boost::json::object> decode_json_object(std::string_view segment) {
    auto bytes = base64url_decode(segment);
    if (!bytes) return std::nullopt;
    boost::system::error_code ec;
    auto v = boost::json::parse(*bytes, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
}

std::optional<std::string> non_empty_string(const boost::json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (v == nullptr || !v->is_string() || v->as_string().empty()) return std::nullopt;
    return std::string(v->as_string());
}

// NumericDate (RFC 7519 §2) may be fractional in general; we issue whole
// seconds and accept only integers, so a float or a string is a wrong type.
std::optional<std::int64_t> integer_claim(const boost::json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        return static_cast<std::int64_t>(v->as_uint64());
    return std::nullopt;
}

verify_result refuse(token_error e) {
    verify_result r;
    r.error = e;
    return r;
}

}  // namespace

jwt_codec::jwt_codec(std::string secret, std::chrono::seconds leeway)
    : secret_(std::move(secret)), leeway_(leeway) {
    if (secret_.size() < min_secret_bytes)
        throw std::invalid_argument("jwt secret must be at least 32 bytes");
    if (secret_.size() > std::size_t(std::numeric_limits<int>::max()))
        throw std::invalid_argument("jwt secret too long");
    if (leeway_.count() < 0) throw std::invalid_argument("jwt leeway must not be negative");
}

std::string jwt_codec::issue(const std::string& user_id, std::int64_t now_s,
                             std::chrono::seconds lifetime) const {
    if (user_id.empty() || user_id.find('\0') != std::string::npos)
        throw std::invalid_argument("jwt subject must be a non-empty string without NUL");
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) throw std::bad_alloc();
    jwt_ptr j(raw);
    const auto key = reinterpret_cast<const unsigned char*>(secret_.data());
    // libjwt 1.10 takes `long` for integer grants: 64-bit on every target we build.
    static_assert(sizeof(long) >= sizeof(std::int64_t));
    if (jwt_add_grant(j.get(), "sub", user_id.c_str()) != 0 ||
        jwt_add_grant_int(j.get(), "iat", static_cast<long>(now_s)) != 0 ||
        jwt_add_grant_int(j.get(), "exp", static_cast<long>(now_s + lifetime.count())) != 0 ||
        jwt_add_grant(j.get(), "jti", core::uuid_v4().c_str()) != 0 ||
        jwt_set_alg(j.get(), JWT_ALG_HS256, key, static_cast<int>(secret_.size())) != 0) {
        throw std::runtime_error("jwt: cannot build token");
    }
    std::unique_ptr<char, c_string_deleter> out(jwt_encode_str(j.get()));
    if (!out) throw std::runtime_error("jwt: cannot encode token");
    return std::string(out.get());
}

verify_result jwt_codec::verify(std::string_view token, std::int64_t now_s) const {
    // Compact JWS (RFC 7515 §7.1): exactly three segments.
    if (token.empty() || token.size() > max_token_bytes) return refuse(token_error::malformed);
    const auto dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return refuse(token_error::malformed);
    const auto dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return refuse(token_error::malformed);
    const auto header_b64 = token.substr(0, dot1);
    const auto payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const auto signature_b64 = token.substr(dot2 + 1);

    const auto header = decode_json_object(header_b64);
    if (!header) return refuse(token_error::malformed);

    // Pin the algorithm before anything else is trusted: libjwt would verify
    // an HS512 token with our secret, and without a key it reports HS256
    // tokens as "none" and checks nothing (RFC 8725 §3.1).
    const auto* alg = header->if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->as_string() != "HS256")
        return refuse(token_error::bad_algorithm);
    // RFC 7515 §4.1.11: we understand no extensions, so any "crit" is fatal.
    if (header->contains("crit")) return refuse(token_error::malformed);

    const auto payload = decode_json_object(payload_b64);
    if (!payload) return refuse(token_error::malformed);

    const auto signature = base64url_decode(signature_b64);
    if (!signature) return refuse(token_error::malformed);
    if (signature->size() != hs256_signature_bytes) return refuse(token_error::bad_signature);

    // Structure is sound, so a libjwt refusal now means the MAC did not match
    // (or, for a payload only we could have signed, that jansson refused what
    // Boost.JSON accepted, e.g. an integer beyond 64 bits; refusing is right).
    const std::string token_z(token);  // libjwt wants a NUL-terminated string
    jwt_t* raw = nullptr;
    const int rc =
        jwt_decode(&raw, token_z.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                   static_cast<int>(secret_.size()));
    jwt_ptr j(raw);
    if (rc != 0 || !j) return refuse(token_error::bad_signature);
    if (jwt_get_alg(j.get()) != JWT_ALG_HS256) return refuse(token_error::bad_algorithm);

    // Claims are read from our own strict parse: libjwt's jwt_get_grant_int
    // returns 0 with errno unset for a string or float claim.
    access_claims c;
    auto sub = non_empty_string(*payload, "sub");
    auto jti = non_empty_string(*payload, "jti");
    const auto iat = integer_claim(*payload, "iat");
    const auto exp = integer_claim(*payload, "exp");
    if (!sub || !jti || !iat || !exp) return refuse(token_error::missing_claims);
    c.subject = std::move(*sub);
    c.token_id = std::move(*jti);
    c.issued_at = *iat;
    c.expires_at = *exp;

    // RFC 7519 §4.1.4: the token is valid only before exp; leeway absorbs skew.
    // Written as a subtraction so a huge exp cannot overflow.
    if (now_s - leeway_.count() >= c.expires_at) return refuse(token_error::expired);

    verify_result ok;
    ok.claims = std::move(c);
    return ok;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), authorization.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return std::nullopt;
    }
    return authorization.substr(scheme.size());
}

const char* to_string(token_error e) noexcept {
    switch (e) {
        case token_error::malformed:
            return "malformed token";
        case token_error::bad_algorithm:
            return "token algorithm not accepted";
        case token_error::bad_signature:
            return "bad token signature";
        case token_error::expired:
            return "token expired";
        case token_error::missing_claims:
            return "token claims missing or invalid";
    }
    return "invalid token";
}

}  // namespace chat::auth
