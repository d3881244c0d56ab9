// The edge rules of the people book, reactions and notifications: reaction
// emojis and keyset cursors.

#include "api/error.hpp"
#include "api/validation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chat::api {
namespace {

TEST(ReactionProblem, AcceptsEmojiSequencesAndShortTokens) {
    for (const auto& ok : std::vector<std::string>{
             "👍",                          // one code point
             "👍🏽",                   // with a skin tone modifier
             "👨‍👩‍👧‍👦",  // ZWJ family, 7 code points
             "🇰🇷",                         // flag: two regional indicators
             "1️⃣",                    // keycap
             "❤️",                     // with variation selector
             "+1",                         // a short token
             ":party:",                    //
             "가",                         //
             std::string(16, 'x'),         // the longest in code points
         }) {
        EXPECT_EQ(reaction_problem(ok), std::nullopt) << ok;
    }
}

TEST(ReactionProblem, RefusesEmptyLongSpacedControlAndInvalid) {
    for (const auto& bad : std::vector<std::string>{
             std::string(), std::string(17, 'x'),  // 17 code points
             std::string("👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍"),     // 17 emojis, 68 bytes
             std::string("a b"), std::string(" "), std::string("👍\t"), std::string("a\nb"),
             std::string("\x7f"),
             std::string("a\xc2\xa0"),         // no-break space
             std::string("\xe3\x80\x80"),      // ideographic space
             std::string("\xe2\x80\xa8"),      // line separator
             std::string("\xc2\x85"),          // C1 control NEL
             std::string("a\0b", 3),           // NUL
             std::string("\xff"),              // not UTF-8
             std::string("\xc0\xaf"),          // overlong '/'
             std::string("\xed\xa0\x80"),      // a surrogate
             std::string("\xf0\x9f\x91"),      // truncated
             std::string("\xf4\x90\x80\x80"),  // past U+10FFFF
         }) {
        EXPECT_NE(reaction_problem(bad), std::nullopt) << bad;
    }
}

TEST(Cursor, RoundTripsAndRefusesOthers) {
    const std::string id = "5f0c7a3e-8f6b-4d1e-9a2b-3c4d5e6f7a8b";
    const auto c = decode_cursor(encode_cursor(1234, id));
    EXPECT_EQ(c.at, 1234);
    EXPECT_EQ(c.id, id);
    for (const auto& bad :
         std::vector<std::string>{"", "1234", "x." + id, "12." + id + "x", "-." + id, ".", "1.2"}) {
        try {
            decode_cursor(bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const api_error& e) {
            EXPECT_EQ(e.status(), http::status::bad_request);
            EXPECT_TRUE(e.fields().contains("cursor"));
        }
    }
}

}  // namespace
}  // namespace chat::api
