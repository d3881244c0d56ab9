#include "auth/jwt.hpp"

#include "core/random.hpp"

#include <gtest/gtest.h>
#include <jwt.h>
#include <sodium.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace chat::auth {
namespace {

using namespace std::chrono_literals;

const std::string secret = "0123456789abcdef0123456789abcdef";  // exactly 32 bytes
constexpr std::int64_t now = 1'800'000'000;

std::string b64(std::string_view s) {
    return core::base64url_encode(s);
}

std::string b64_decode(std::string_view s) {
    std::string out(s.size(), '\0');
    std::size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), s.data(),
                          s.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        throw std::runtime_error("bad base64url in test");
    }
    out.resize(len);
    return out;
}

std::string hs256(std::string_view key, std::string_view data) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()),
                                key.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                  data.size());
    crypto_auth_hmacsha256_final(&st, mac);
    return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

/// A hand-built token: header and payload JSON as given, correctly HS256-signed with `key`.
std::string signed_token(std::string_view header, std::string_view payload,
                         std::string_view key = secret) {
    const auto signing_input = b64(header) + "." + b64(payload);
    return signing_input + "." + b64(hs256(key, signing_input));
}

const char* hs256_header = R"({"alg":"HS256","typ":"JWT"})";

std::string claims(std::int64_t exp = now + 900) {
    return R"({"sub":"user-1","jti":"id-1","iat":)" + std::to_string(now) + R"(,"exp":)" +
           std::to_string(exp) + "}";
}

struct part {
    std::string header, payload, signature;
};
part split(const std::string& token) {
    const auto a = token.find('.');
    const auto b = token.find('.', a + 1);
    return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

class Jwt : public ::testing::Test {
protected:
    static void SetUpTestSuite() { core::init_crypto(); }
    jwt_codec codec_{secret, 30s};
};

TEST_F(Jwt, RoundTripCarriesClaims) {
    const auto token = codec_.issue("user-42", now, 15min);
    const auto r = codec_.verify(token, now + 60);
    ASSERT_TRUE(r) << to_string(r.error);
    EXPECT_EQ(r.claims->subject, "user-42");
    EXPECT_EQ(r.claims->issued_at, now);
    EXPECT_EQ(r.claims->expires_at, now + 900);
    EXPECT_TRUE(core::is_uuid(r.claims->token_id)) << r.claims->token_id;
    EXPECT_EQ(split(token).header, b64(R"({"alg":"HS256","typ":"JWT"})"));
}

TEST_F(Jwt, EachTokenHasItsOwnJti) {
    const auto a = codec_.verify(codec_.issue("u", now, 1min), now);
    const auto b = codec_.verify(codec_.issue("u", now, 1min), now);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a.claims->token_id, b.claims->token_id);
}

TEST_F(Jwt, HandBuiltHs256TokenAccepted) {
    // Guards the test helpers themselves: the refusals below differ from this only in one point.
    const auto r = codec_.verify(signed_token(hs256_header, claims()), now);
    ASSERT_TRUE(r) << to_string(r.error);
    EXPECT_EQ(r.claims->subject, "user-1");
    EXPECT_TRUE(codec_.verify(signed_token(R"({"alg":"HS256"})", claims()), now));
}

TEST_F(Jwt, ExpiredBeyondLeewayRefused) {
    const auto token = codec_.issue("u", now, 60s);
    EXPECT_EQ(codec_.verify(token, now + 60 + 30).error, token_error::expired);
    EXPECT_EQ(codec_.verify(token, now + 10'000).error, token_error::expired);
}

TEST_F(Jwt, ExpiredWithinLeewayAccepted) {
    const auto token = codec_.issue("u", now, 60s);
    EXPECT_TRUE(codec_.verify(token, now + 59));
    EXPECT_TRUE(codec_.verify(token, now + 60));
    EXPECT_TRUE(codec_.verify(token, now + 60 + 29));
    jwt_codec strict(secret, 0s);
    EXPECT_TRUE(strict.verify(token, now + 59));
    EXPECT_EQ(strict.verify(token, now + 60).error, token_error::expired);
}

TEST_F(Jwt, AlgNoneRefused) {
    const auto unsigned_token = b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(claims()) + ".";
    EXPECT_EQ(codec_.verify(unsigned_token, now).error, token_error::bad_algorithm);
    // A "none" token that still carries a valid HS256 signature must not pass either.
    EXPECT_EQ(codec_.verify(signed_token(R"({"alg":"none","typ":"JWT"})", claims()), now).error,
              token_error::bad_algorithm);
    EXPECT_EQ(codec_.verify(unsigned_token + "c2ln", now).error, token_error::bad_algorithm);
    for (const char* alg : {"None", "NONE", "hs256", "HS256 ", ""}) {
        const auto header = std::string(R"({"alg":")") + alg + R"("})";
        EXPECT_EQ(codec_.verify(signed_token(header, claims()), now).error,
                  token_error::bad_algorithm)
            << alg;
    }
}

TEST_F(Jwt, MissingOrNonStringAlgRefused) {
    EXPECT_EQ(codec_.verify(signed_token(R"({"typ":"JWT"})", claims()), now).error,
              token_error::bad_algorithm);
    EXPECT_EQ(codec_.verify(signed_token(R"({"alg":null})", claims()), now).error,
              token_error::bad_algorithm);
    EXPECT_EQ(codec_.verify(signed_token(R"({"alg":["HS256"]})", claims()), now).error,
              token_error::bad_algorithm);
    // Duplicate names: RFC 7515 §4 allows "lexically last wins"; Boost.JSON and
    // libjwt's jansson both do that, so they agree on which alg is checked.
    EXPECT_EQ(codec_.verify(signed_token(R"({"alg":"HS256","alg":"none"})", claims()), now).error,
              token_error::bad_algorithm);
    EXPECT_TRUE(codec_.verify(signed_token(R"({"alg":"none","alg":"HS256"})", claims()), now));
}

TEST_F(Jwt, Hs512WithSameSecretRefused) {
    // libjwt alone would accept this: it verifies with whatever alg the header names.
    jwt_t* j = nullptr;
    ASSERT_EQ(jwt_new(&j), 0);
    ASSERT_EQ(jwt_add_grants_json(j, claims().c_str()), 0);
    ASSERT_EQ(jwt_set_alg(j, JWT_ALG_HS512, reinterpret_cast<const unsigned char*>(secret.data()),
                          static_cast<int>(secret.size())),
              0);
    char* raw = jwt_encode_str(j);
    jwt_free(j);
    ASSERT_NE(raw, nullptr);
    const std::string token(raw);
    std::free(raw);
    EXPECT_EQ(codec_.verify(token, now).error, token_error::bad_algorithm);
}

TEST_F(Jwt, Rs256HeaderRefused) {
    const auto token = b64(R"({"alg":"RS256","typ":"JWT"})") + "." + b64(claims()) + "." +
                       b64(std::string(256, 'x'));
    EXPECT_EQ(codec_.verify(token, now).error, token_error::bad_algorithm);
    // Key confusion: RS256 named, HMAC'd with our secret.
    EXPECT_EQ(codec_.verify(signed_token(R"({"alg":"RS256"})", claims()), now).error,
              token_error::bad_algorithm);
}

TEST_F(Jwt, CritHeaderRefused) {
    EXPECT_FALSE(
        codec_.verify(signed_token(R"({"alg":"HS256","crit":["x"],"x":1})", claims()), now));
}

TEST_F(Jwt, WrongKeyRefused) {
    jwt_codec other(std::string(32, 'k'));
    const auto token = other.issue("u", now, 1min);
    EXPECT_EQ(codec_.verify(token, now).error, token_error::bad_signature);
    EXPECT_TRUE(other.verify(token, now));
}

TEST_F(Jwt, TamperedPayloadRefused) {
    const auto token = codec_.issue("user-1", now, 1min);
    auto p = split(token);
    auto payload = b64_decode(p.payload);
    const auto at = payload.find("user-1");
    ASSERT_NE(at, std::string::npos);
    payload.replace(at, 6, "user-2");
    const auto forged = p.header + "." + b64(payload) + "." + p.signature;
    EXPECT_EQ(codec_.verify(forged, now).error, token_error::bad_signature);

    // Extending exp, same signature.
    auto later = b64_decode(p.payload);
    const auto exp_at = later.find(std::to_string(now + 60));
    ASSERT_NE(exp_at, std::string::npos);
    later.replace(exp_at, 10, std::to_string(now + 99999));
    EXPECT_EQ(codec_.verify(p.header + "." + b64(later) + "." + p.signature, now).error,
              token_error::bad_signature);
}

TEST_F(Jwt, TamperedSignatureRefused) {
    const auto token = codec_.issue("u", now, 1min);
    auto p = split(token);
    auto sig = b64_decode(p.signature);
    sig[0] = static_cast<char>(sig[0] ^ 1);
    EXPECT_EQ(codec_.verify(p.header + "." + p.payload + "." + b64(sig), now).error,
              token_error::bad_signature);
    // Missing, truncated, too long.
    EXPECT_EQ(codec_.verify(p.header + "." + p.payload + ".", now).error,
              token_error::bad_signature);
    EXPECT_EQ(codec_.verify(p.header + "." + p.payload + "." + b64(sig.substr(0, 31)), now).error,
              token_error::bad_signature);
    EXPECT_EQ(codec_.verify(p.header + "." + p.payload + "." + b64(sig + "x"), now).error,
              token_error::bad_signature);
    // Not base64url at all.
    EXPECT_EQ(codec_.verify(p.header + "." + p.payload + ".!!!", now).error,
              token_error::malformed);
    // Padding or the standard alphabet are not base64url (RFC 7515 §2).
    EXPECT_EQ(codec_.verify(token + "=", now).error, token_error::malformed);
}

TEST_F(Jwt, MissingOrWrongTypedClaimsRefused) {
    const auto iat = std::to_string(now);
    const auto exp = std::to_string(now + 900);
    const std::string cases[] = {
        R"({})",
        R"({"jti":"j","iat":)" + iat + R"(,"exp":)" + exp + "}",               // no sub
        R"({"sub":"u","iat":)" + iat + R"(,"exp":)" + exp + "}",               // no jti
        R"({"sub":"u","jti":"j","exp":)" + exp + "}",                          // no iat
        R"({"sub":"u","jti":"j","iat":)" + iat + "}",                          // no exp
        R"({"sub":"","jti":"j","iat":)" + iat + R"(,"exp":)" + exp + "}",      // empty sub
        R"({"sub":7,"jti":"j","iat":)" + iat + R"(,"exp":)" + exp + "}",       // sub number
        R"({"sub":"u","jti":null,"iat":)" + iat + R"(,"exp":)" + exp + "}",    // jti null
        R"({"sub":"u","jti":"j","iat":")" + iat + R"(","exp":)" + exp + "}",   // iat string
        R"({"sub":"u","jti":"j","iat":)" + iat + R"(,"exp":")" + exp + "\"}",  // exp string
        R"({"sub":"u","jti":"j","iat":)" + iat + R"(,"exp":)" + exp + ".5}",   // exp float
        R"({"sub":"u","jti":"j","iat":)" + iat + R"(,"exp":true})",            // exp bool
    };
    for (const auto& payload : cases) {
        EXPECT_EQ(codec_.verify(signed_token(hs256_header, payload), now).error,
                  token_error::missing_claims)
            << payload;
    }
}

TEST_F(Jwt, OutOfRangeExpRefused) {
    // Boost.JSON reads this as a double (wrong type); jansson inside libjwt
    // refuses the whole payload, which surfaces as bad_signature. Either way: no.
    const auto payload =
        R"({"sub":"u","jti":"j","iat":)" + std::to_string(now) + R"(,"exp":99999999999999999999})";
    EXPECT_FALSE(codec_.verify(signed_token(hs256_header, payload), now));
}

TEST_F(Jwt, NonObjectPayloadIsMalformed) {
    for (const char* payload : {"[]", "\"x\"", "1", "null", "{", "not json", ""}) {
        EXPECT_EQ(codec_.verify(signed_token(hs256_header, payload), now).error,
                  token_error::malformed)
            << payload;
    }
    EXPECT_EQ(codec_.verify(signed_token("[]", claims()), now).error, token_error::malformed);
    EXPECT_EQ(codec_.verify(signed_token("{", claims()), now).error, token_error::malformed);
}

TEST_F(Jwt, GarbageIsMalformed) {
    const auto valid = codec_.issue("u", now, 1min);
    const std::string cases[] = {
        "",
        "a.b",
        "...",
        "..",
        ".",
        "a.b.c",
        "a.b.c.d",
        "Bearer " + valid,
        valid + ".",
        "." + valid,
        valid + ".x",
        std::string(1'000'000, 'A'),
        std::string(3000, 'A') + "." + std::string(3000, 'A') + "." + std::string(3000, 'A'),
        std::string("\0\0.\0.\0", 6),
        "\xff\xfe.\xff.\xff",
    };
    for (const auto& token : cases) {
        EXPECT_EQ(codec_.verify(token, now).error, token_error::malformed) << token.substr(0, 40);
    }
}

TEST_F(Jwt, ShortSecretThrows) {
    EXPECT_THROW(jwt_codec(""), std::invalid_argument);
    EXPECT_THROW(jwt_codec(std::string(31, 's')), std::invalid_argument);
    EXPECT_NO_THROW(jwt_codec(std::string(32, 's')));
    EXPECT_THROW(jwt_codec(secret, -1s), std::invalid_argument);
}

TEST_F(Jwt, EmptySubjectCannotBeIssued) {
    EXPECT_THROW(codec_.issue("", now, 1min), std::invalid_argument);
}

TEST_F(Jwt, ErrorsHaveNames) {
    for (auto e : {token_error::malformed, token_error::bad_algorithm, token_error::bad_signature,
                   token_error::expired, token_error::missing_claims}) {
        EXPECT_STRNE(to_string(e), "");
    }
}

TEST(BearerToken, SchemeIsCaseInsensitiveAndTokenRequired) {
    EXPECT_EQ(bearer_token("Bearer abc"), std::optional<std::string_view>("abc"));
    EXPECT_EQ(bearer_token("bearer abc"), std::optional<std::string_view>("abc"));
    EXPECT_EQ(bearer_token("BEARER a.b.c"), std::optional<std::string_view>("a.b.c"));
    EXPECT_FALSE(bearer_token(""));
    EXPECT_FALSE(bearer_token("Bearer "));
    EXPECT_FALSE(bearer_token("Bearer"));
    EXPECT_FALSE(bearer_token("Basic dXNlcjpwYXNz"));
    EXPECT_FALSE(bearer_token("Bearerabc"));
}

}  // namespace
}  // namespace chat::auth
