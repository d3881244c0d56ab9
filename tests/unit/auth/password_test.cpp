#include "auth/password.hpp"

#include "core/random.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chat::auth {
namespace {

class Password : public ::testing::Test {
protected:
    static void SetUpTestSuite() { core::init_crypto(); }
};

TEST_F(Password, RoundTrip) {
    const auto hash = hash_password("correct horse battery staple");
    EXPECT_EQ(hash.rfind("$argon2id$v=19$", 0), 0u) << hash;
    EXPECT_TRUE(verify_password("correct horse battery staple", hash));
}

TEST_F(Password, WrongPasswordRefused) {
    const auto hash = hash_password("secret-1");
    EXPECT_FALSE(verify_password("secret-2", hash));
    EXPECT_FALSE(verify_password("", hash));
    EXPECT_FALSE(verify_password("secret-1 ", hash));
}

TEST_F(Password, EmptyAndBinaryPasswordsWork) {
    const auto empty = hash_password("");
    EXPECT_TRUE(verify_password("", empty));
    const std::string binary("a\0b", 3);
    const auto hash = hash_password(binary);
    EXPECT_TRUE(verify_password(binary, hash));
    EXPECT_FALSE(verify_password("a", hash));  // the NUL is part of the password
}

TEST_F(Password, MalformedHashRefused) {
    const auto good = hash_password("pw");
    EXPECT_FALSE(verify_password("pw", ""));
    EXPECT_FALSE(verify_password("pw", "not a hash"));
    EXPECT_FALSE(verify_password("pw", "$argon2id$v=19$m=65536,t=2,p=1$"));
    EXPECT_FALSE(verify_password("pw", good.substr(0, good.size() - 4)));
    EXPECT_FALSE(verify_password("pw", good + std::string(1, '\0') + "trailing"));
    EXPECT_FALSE(verify_password("pw", good + std::string(200, 'A')));
    std::string flipped = good;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_password("pw", flipped));
}

TEST_F(Password, SamePasswordHashesDiffer) {
    const auto a = hash_password("same");
    const auto b = hash_password("same");
    EXPECT_NE(a, b);  // fresh salt each time
    EXPECT_TRUE(verify_password("same", a));
    EXPECT_TRUE(verify_password("same", b));
}

}  // namespace
}  // namespace chat::auth
