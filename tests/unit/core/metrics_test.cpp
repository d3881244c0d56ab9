#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace chat::core {
namespace {

TEST(Metrics, RendersCountersGaugesAndHistograms) {
    registry r;
    r.get_counter("chat_requests_total", "Requests.", {{"route", "/a"}}).inc(3);
    r.get_counter("chat_requests_total", "Requests.", {{"route", "/a"}}).inc();
    r.get_gauge("chat_sockets", "Sockets.").set(7);
    auto& h = r.get_histogram("chat_latency_seconds", "Latency.", {}, {0.1, 1});
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    const auto text = r.render();
    EXPECT_NE(text.find("# TYPE chat_requests_total counter"), std::string::npos);
    EXPECT_NE(text.find("chat_requests_total{route=\"/a\"} 4\n"), std::string::npos);
    EXPECT_NE(text.find("chat_sockets 7\n"), std::string::npos);
    EXPECT_NE(text.find("chat_latency_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("chat_latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("chat_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("chat_latency_seconds_count 3\n"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
    registry r;
    r.get_counter("c", "h", {{"path", "a\"b\\c"}}).inc();
    EXPECT_NE(r.render().find("c{path=\"a\\\"b\\\\c\"} 1"), std::string::npos);
}

TEST(Metrics, OneNameOneType) {
    registry r;
    r.get_counter("x", "h");
    EXPECT_THROW(r.get_gauge("x", "h"), std::logic_error);
}

}  // namespace
}  // namespace chat::core
