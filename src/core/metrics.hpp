#pragma once
// A small Prometheus metrics registry (text exposition format 0.0.4).
//
// Metrics are created once (under the registry's mutex) and then updated
// lock-free through the returned references, which stay valid for the
// registry's lifetime. Hot paths look a metric up once and keep the reference.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace chat::core {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    void inc(std::int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    void dec(std::int64_t n = 1) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }
    void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

/// Cumulative histogram over fixed upper bounds (in seconds for latencies).
class histogram {
public:
    explicit histogram(std::vector<double> bounds);
    void observe(double v) noexcept;
    const std::vector<double>& bounds() const noexcept { return bounds_; }
    std::uint64_t bucket(std::size_t i) const noexcept {
        return buckets_[i].load(std::memory_order_relaxed);
    }
    std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
    double sum() const noexcept;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_micro_{0};  // sum in millionths, so it can be an atomic integer
};

/// Default latency buckets in seconds: 0.5 ms … 10 s.
std::vector<double> latency_buckets();

class registry {
public:
    counter& get_counter(const std::string& name, const std::string& help, const labels& l = {});
    gauge& get_gauge(const std::string& name, const std::string& help, const labels& l = {});
    histogram& get_histogram(const std::string& name, const std::string& help, const labels& l = {},
                             std::vector<double> bounds = latency_buckets());

    /// The whole registry in the Prometheus text format.
    std::string render() const;

private:
    enum class kind { counter, gauge, histogram };
    struct family {
        std::string help;
        kind type;
        std::map<std::string, std::unique_ptr<counter>> counters;
        std::map<std::string, std::unique_ptr<gauge>> gauges;
        std::map<std::string, std::unique_ptr<histogram>> histograms;
    };
    family& family_for(const std::string& name, const std::string& help, kind type);

    mutable std::mutex mutex_;
    std::map<std::string, family> families_;
};

}  // namespace chat::core
