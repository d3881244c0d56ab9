#include "core/time.hpp"

#include <gtest/gtest.h>

namespace chat::core {
namespace {

TEST(Time, Iso8601HasMillisecondsAndZ) {
    EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(iso8601_ms(1795959600123), "2026-11-29T13:40:00.123Z");
    EXPECT_EQ(iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(Time, NowIsAfter2025) {
    EXPECT_GT(now_ms(), 1735689600000);
}

}  // namespace
}  // namespace chat::core
