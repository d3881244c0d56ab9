#include "core/rate_limit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace chat::core {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::steady_clock::time_point;

// A clock the test moves by hand.
struct fake_clock {
    time_point now{std::chrono::hours(1)};
    steady_clock_fn fn() {
        return [this] { return now; };
    }
};

TEST(TokenBucket, AllowsTheBurstThenRefusesWithTheWaitForOneToken) {
    const time_point t0{1h};
    token_bucket b({3, 3s}, t0);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.acquire(t0).allowed) << i;
    const auto refused = b.acquire(t0);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 1000ms);  // 3 per 3 s: one token a second
    EXPECT_FALSE(b.acquire(t0 + 999ms).allowed);
    EXPECT_TRUE(b.acquire(t0 + 1000ms).allowed);
    EXPECT_FALSE(b.acquire(t0 + 1000ms).allowed);
}

TEST(TokenBucket, RefillsUpToTheBurstOnly) {
    const time_point t0{1h};
    token_bucket b({2, 1s}, t0);
    EXPECT_TRUE(b.acquire(t0).allowed);
    EXPECT_TRUE(b.full(t0 + 1h));
    EXPECT_TRUE(b.acquire(t0 + 1h).allowed);
    EXPECT_TRUE(b.acquire(t0 + 1h).allowed);
    EXPECT_FALSE(b.acquire(t0 + 1h).allowed);
}

TEST(TokenBucket, PeekDoesNotTake) {
    const time_point t0{1h};
    token_bucket b({1, 1s}, t0);
    EXPECT_TRUE(b.peek(t0).allowed);
    EXPECT_TRUE(b.peek(t0).allowed);
    EXPECT_TRUE(b.acquire(t0).allowed);
    EXPECT_FALSE(b.peek(t0).allowed);
}

TEST(TokenBucket, ZeroCountIsUnlimited) {
    const time_point t0{1h};
    token_bucket b({0, 1s}, t0);
    for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(b.acquire(t0).allowed);
}

TEST(TokenBucket, AClockGoingBackwardsChangesNothing) {
    const time_point t0{1h};
    token_bucket b({1, 1s}, t0);
    EXPECT_TRUE(b.acquire(t0).allowed);
    EXPECT_FALSE(b.acquire(t0 - 10s).allowed);
    EXPECT_FALSE(b.acquire(t0 + 500ms).allowed);
    EXPECT_TRUE(b.acquire(t0 + 1s).allowed);
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
    fake_clock clock;
    rate_limiter limits({2, 1min}, 100, clock.fn());
    EXPECT_TRUE(limits.acquire("a").allowed);
    EXPECT_TRUE(limits.acquire("a").allowed);
    const auto refused = limits.acquire("a");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 30s);
    EXPECT_TRUE(limits.acquire("b").allowed);
    clock.now += 30s;
    EXPECT_TRUE(limits.acquire("a").allowed);
    EXPECT_FALSE(limits.acquire("a").allowed);
}

TEST(RateLimiter, PeekOfAnUnknownKeyAllowsAndRemembersNothing) {
    fake_clock clock;
    rate_limiter limits({1, 1min}, 100, clock.fn());
    EXPECT_TRUE(limits.peek("x").allowed);
    EXPECT_EQ(limits.size(), 0u);
    EXPECT_TRUE(limits.acquire("x").allowed);
    EXPECT_FALSE(limits.peek("x").allowed);
    EXPECT_EQ(limits.size(), 1u);
}

TEST(RateLimiter, MemoryIsBoundedAndTheLeastRecentlyUsedKeyGoes) {
    fake_clock clock;
    rate_limiter limits({1, 1h}, 3, clock.fn());
    for (const char* k : {"a", "b", "c"}) EXPECT_TRUE(limits.acquire(k).allowed);
    EXPECT_FALSE(limits.acquire("a").allowed);  // a is now the most recently used
    EXPECT_TRUE(limits.acquire("d").allowed);   // evicts b
    EXPECT_EQ(limits.size(), 3u);
    EXPECT_FALSE(limits.acquire("a").allowed);
    EXPECT_FALSE(limits.acquire("c").allowed);
    EXPECT_TRUE(limits.acquire("b").allowed);  // forgotten, so a fresh bucket
    for (int i = 0; i < 1000; ++i) limits.acquire("k" + std::to_string(i));
    EXPECT_EQ(limits.size(), 3u);
}

TEST(RateLimiter, UnlimitedKeepsNoState) {
    rate_limiter limits({0, 1s}, 10);
    EXPECT_TRUE(limits.unlimited());
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(limits.acquire(std::to_string(i)).allowed);
    EXPECT_EQ(limits.size(), 0u);
}

TEST(RateLimiter, ConcurrentCallersGetExactlyTheBurst) {
    fake_clock clock;  // frozen: no refill while the threads run
    rate_limiter limits({500, 1h}, 10, clock.fn());
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                if (limits.acquire("shared").allowed) ++allowed;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(allowed.load(), 500);
}

}  // namespace
}  // namespace chat::core

namespace chat::core {
namespace {

TEST(ParseRate, CountSlashPeriodWithUnit) {
    using namespace std::chrono_literals;
    const auto r = parse_rate("10/15m");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->count, 10u);
    EXPECT_EQ(r->period, 15min);
    EXPECT_EQ(parse_rate("5/30s")->period, 30s);
    EXPECT_EQ(parse_rate("1/250ms")->period, 250ms);
    EXPECT_EQ(parse_rate("20/1h")->period, 1h);
    EXPECT_TRUE(parse_rate("0")->unlimited());
    EXPECT_TRUE(parse_rate("off")->unlimited());
    EXPECT_TRUE(parse_rate("0/1m")->unlimited());
}

TEST(ParseRate, RefusesEverythingElse) {
    for (const char* bad : {"", "10", "10/", "/1m", "10/0m", "10/1d", "-1/1m", "10/1.5m", "a/1m",
                            "10/m", "10/1mm", "99999999999/1s"}) {
        EXPECT_FALSE(parse_rate(bad)) << bad;
    }
}

}  // namespace
}  // namespace chat::core
