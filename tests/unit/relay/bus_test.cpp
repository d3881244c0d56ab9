#include "relay/bus.hpp"

#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace chat::relay {
namespace {

TEST(InProcessBus, DeliversOneSharedPayloadToEverySubscriber) {
    auto b = make_in_process_bus();
    std::vector<std::shared_ptr<const std::string>> got(3);
    for (std::size_t i = 0; i < got.size(); ++i) {
        b->subscribe([&got, i](std::shared_ptr<const std::string> p) { got[i] = std::move(p); });
    }
    b->publish("hello");
    for (const auto& p : got) {
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(*p, "hello");
        EXPECT_EQ(p.get(), got[0].get());  // one object, not a copy per subscriber
    }
}

TEST(InProcessBus, PublishWithoutSubscribersIsFine) {
    auto b = make_in_process_bus();
    b->publish("nobody listens");
}

TEST(InProcessBus, SubscriberSeesOnlyLaterPublishes) {
    auto b = make_in_process_bus();
    int first = 0, second = 0;
    b->subscribe([&](auto) { ++first; });
    b->publish("a");
    b->subscribe([&](auto) { ++second; });
    b->publish("b");
    EXPECT_EQ(first, 2);
    EXPECT_EQ(second, 1);
}

TEST(InProcessBus, SubscriberMayReenterTheBus) {
    auto b = make_in_process_bus();
    int echoes = 0;
    b->subscribe([&](std::shared_ptr<const std::string> p) {
        if (*p == "ping") {
            b->subscribe([&](auto) { ++echoes; });  // must not deadlock
            b->publish("pong");
        }
    });
    b->publish("ping");
    EXPECT_EQ(echoes, 1);  // the new subscriber saw "pong", not "ping"
}

TEST(InProcessBus, ThrowingSubscriberDoesNotStarveOthers) {
    core::counter failures;
    auto b = make_in_process_bus(&failures);
    int delivered = 0;
    b->subscribe([](auto) { throw std::runtime_error("boom"); });
    b->subscribe([&](auto) { ++delivered; });
    EXPECT_NO_THROW(b->publish("x"));
    EXPECT_EQ(delivered, 1);
    EXPECT_EQ(failures.value(), 1u);
}

TEST(InProcessBus, ConcurrentPublishCountsEveryDelivery) {
    auto b = make_in_process_bus();
    constexpr int subscribers = 4, threads = 8, per_thread = 2000;
    std::atomic<int> deliveries{0};
    std::atomic<std::size_t> bytes{0};
    for (int i = 0; i < subscribers; ++i) {
        b->subscribe([&](std::shared_ptr<const std::string> p) {
            deliveries.fetch_add(1, std::memory_order_relaxed);
            bytes.fetch_add(p->size(), std::memory_order_relaxed);
        });
    }
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&b] {
            for (int i = 0; i < per_thread; ++i) b->publish("evt");
        });
    }
    for (auto& t : pool) t.join();
    EXPECT_EQ(deliveries.load(), subscribers * threads * per_thread);
    EXPECT_EQ(bytes.load(), std::size_t(3) * subscribers * threads * per_thread);
}

TEST(InProcessBus, SubscribeConcurrentWithPublish) {
    auto b = make_in_process_bus();
    std::atomic<int> deliveries{0};
    std::atomic<bool> stop{false};
    std::thread publisher([&] {
        while (!stop.load()) b->publish("x");
    });
    for (int i = 0; i < 200; ++i) b->subscribe([&](auto) { deliveries.fetch_add(1); });
    stop = true;
    publisher.join();
    const int before = deliveries.load();
    b->publish("last");
    EXPECT_EQ(deliveries.load(), before + 200);
}

}  // namespace
}  // namespace chat::relay
