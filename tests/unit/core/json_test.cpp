#include "core/json.hpp"

#include <gtest/gtest.h>
#include <boost/json/error.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace chat::core {
namespace {

boost::system::error_code error_of(std::string_view text, std::size_t max_depth = 32) {
    boost::system::error_code ec;
    parse_finite_json(text, max_depth, ec);
    return ec;
}

TEST(FiniteJson, ParsesOrdinaryJson) {
    boost::system::error_code ec;
    const auto v = parse_finite_json(R"({"a":[1,-2.5,1e308,5e-324,1e-400,"x",null,true]})", 32, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(boost::json::serialize(v), R"({"a":[1,-2.5E0,1E308,5E-324,0E0,"x",null,true]})");
}

TEST(FiniteJson, RefusesNumbersBeyondADouble) {
    // Boost.JSON reads these as +-infinity and would write them back as
    // "Infinity", which is not JSON.
    for (const char* text :
         {"1e400", "-1e400", "[1,[2,{\"a\":1E+999}]]", "{\"a\":{\"b\":-2e308}}"}) {
        EXPECT_EQ(error_of(text), boost::json::error::exponent_overflow) << text;
    }
}

TEST(FiniteJson, KeepsTheParsersOtherErrors) {
    EXPECT_EQ(error_of("[[[1]]]", 2), boost::json::error::too_deep);
    EXPECT_FALSE(error_of("[[[1]]]", 3));
    EXPECT_TRUE(error_of("{"));
    EXPECT_TRUE(error_of("\"\xff\""));  // invalid UTF-8
    EXPECT_TRUE(error_of("1 2"));
}

}  // namespace
}  // namespace chat::core
