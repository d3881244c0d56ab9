#include "auth/refresh.hpp"

#include "core/random.hpp"

#include <gtest/gtest.h>

namespace chat::auth {
namespace {

TEST(Refresh, TokenIsRandomAndHashMatches) {
    core::init_crypto();
    const auto a = make_refresh_secret();
    const auto b = make_refresh_secret();
    EXPECT_EQ(a.token.size(), 43u);  // 32 bytes, base64url without padding
    EXPECT_EQ(a.token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_NE(a.token, b.token);
    EXPECT_EQ(a.hash.size(), 64u);
    EXPECT_EQ(a.hash, hash_refresh_secret(a.token));
    EXPECT_EQ(a.hash, core::sha256_hex(a.token));
    EXPECT_NE(a.hash, b.hash);
}

TEST(Refresh, KnownHash) {
    EXPECT_EQ(hash_refresh_secret("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace chat::auth
