#include "core/random.hpp"

#include <gtest/gtest.h>

#include <set>

namespace chat::core {
namespace {

TEST(Random, UuidIsVersion4AndUnique) {
    init_crypto();
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto id = uuid_v4();
        ASSERT_TRUE(is_uuid(id)) << id;
        EXPECT_EQ(id[14], '4');
        EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Random, IsUuidRejectsNearMisses) {
    EXPECT_FALSE(is_uuid(""));
    EXPECT_FALSE(is_uuid("not-a-uuid"));
    EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400"));    // short
    EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-4266141740000"));  // long
    EXPECT_FALSE(is_uuid("123e4567xe89b-12d3-a456-426614174000"));   // separator
    EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400g"));   // not hex
    EXPECT_TRUE(is_uuid("123E4567-E89B-12D3-A456-426614174000"));
}

TEST(Random, Base64UrlHasNoPaddingOrUnsafeChars) {
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64url_encode(std::string("\xfb\xff", 2)), "-_8");
}

TEST(Random, Base64DecodeIsStrict) {
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
    EXPECT_EQ(base64_decode("Zg=="), "f");
    EXPECT_EQ(base64_decode("+/8="), std::string("\xfb\xff", 2));
    for (const std::string bad : {"Zg", "Zg=", "Zh==", "Zg==Zg==", "Zm9v YmFy", "-_8=", "Zg==\n"}) {
        EXPECT_FALSE(base64_decode(bad)) << bad;
    }
}

TEST(Random, Base64DecodeRefusesBytesOutsideTheAlphabet) {
    // Found by fuzz/engineio_payload: libsodium 1.0.18 decodes every byte
    // >= 0x80 as '/', so "\xff\xff\xff\xff" passed for "////".
    EXPECT_FALSE(base64_decode("\xff\xff\xff\xff"));
    EXPECT_FALSE(base64_decode("AQID\xc9\x8f\x8d\x90"));
    EXPECT_FALSE(base64_decode("AA\x80="));
    EXPECT_EQ(base64_decode("////"), std::string(3, '\xff'));
}

TEST(Random, Sha256MatchesKnownVector) {
    init_crypto();
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(random_bytes(32).size(), 32u);
}

}  // namespace
}  // namespace chat::core
