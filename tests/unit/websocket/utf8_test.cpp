#include "websocket/detail/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chat::websocket::detail {
namespace {

using namespace std::string_literals;

TEST(WebsocketUtf8, AcceptsWellFormedText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii, long enough for the word loop"));
    EXPECT_TRUE(is_valid_utf8("\x00"s));
    EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo"));                        // é
    EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC 12345678 \xE2\x82\xAC"));  // €, around a word
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));                    // U+1F600
    // Boundaries of each form.
    EXPECT_TRUE(is_valid_utf8("\x7F"));
    EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080
    EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));          // U+07FF
    EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));      // U+0800
    EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
    EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(WebsocketUtf8, RefusesOverlongForms) {
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));  // '/' in two bytes
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in three bytes
    EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(WebsocketUtf8, RefusesSurrogatesAndBeyondUnicode) {
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));              // U+D800
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));              // U+DFFF
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 pair
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));          // U+110000
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xFF"));
    EXPECT_FALSE(is_valid_utf8("\xFE"));
}

TEST(WebsocketUtf8, RefusesBrokenSequences) {
    EXPECT_FALSE(is_valid_utf8("\x80"));          // lone continuation
    EXPECT_FALSE(is_valid_utf8("abcdefgh\xBF"));  // after a full ASCII word
    EXPECT_FALSE(is_valid_utf8("\xC3"));          // truncated at the end
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
    EXPECT_FALSE(is_valid_utf8("\xC3("));  // continuation missing
    EXPECT_FALSE(is_valid_utf8("\xE2\x28\xA1"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x28\x80"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98("));
}

}  // namespace
}  // namespace chat::websocket::detail
