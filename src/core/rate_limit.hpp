#pragma once
// Token-bucket rate limits: one bucket (`token_bucket`, a plain value for
// state that already has an owner, e.g. a socket) and buckets keyed by a
// string (`rate_limiter`: per account, per address, per user) with bounded
// memory.
//
// A limit of N per period is a bucket of N tokens refilled at N per period:
// a burst of N is allowed, then one request every period / N.

#include "core/metrics.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chat::core {

using steady_clock_fn = std::function<std::chrono::steady_clock::time_point()>;

/// N requests per period; N == 0 means unlimited.
struct rate {
    std::size_t count = 0;
    std::chrono::milliseconds period{60'000};

    bool unlimited() const noexcept { return count == 0; }
};

/// The answer to "may this request go ahead?".
struct rate_decision {
    bool allowed = true;
    /// When refused: how long until one token is back (rounded up to 1 ms).
    std::chrono::milliseconds retry_after{0};
};

/// One bucket. Not thread safe: its owner serializes access.
class token_bucket {
public:
    using time_point = std::chrono::steady_clock::time_point;

    token_bucket(rate r, time_point now) noexcept;

    /// Takes one token if there is one.
    rate_decision acquire(time_point now) noexcept;
    /// Whether a token is there, without taking it.
    rate_decision peek(time_point now) noexcept;
    /// True when the bucket is full again (it then equals a fresh bucket).
    bool full(time_point now) noexcept;

private:
    void refill(time_point now) noexcept;
    rate_decision refused() const noexcept;

    rate rate_;
    double tokens_;
    time_point last_;
};

/// Buckets keyed by a string. At most `max_keys` buckets are kept; beyond,
/// the least recently used one is forgotten (an idle bucket refills anyway,
/// so forgetting one that is full loses nothing). Thread safe.
class rate_limiter {
public:
    explicit rate_limiter(rate r, std::size_t max_keys = 100'000,
                          steady_clock_fn now = std::chrono::steady_clock::now);

    /// Takes one token from `key`'s bucket if there is one.
    rate_decision acquire(std::string_view key);
    /// Whether `key` has a token, without taking it (for limits that count
    /// only failures, e.g. wrong passwords per account).
    rate_decision peek(std::string_view key);
    bool unlimited() const noexcept { return rate_.unlimited(); }
    /// Buckets held now (for tests and metrics).
    std::size_t size() const;

private:
    struct entry {
        std::string key;
        token_bucket bucket;
    };
    token_bucket& bucket_for(std::string_view key, std::chrono::steady_clock::time_point now);

    const rate rate_;
    const std::size_t max_keys_;
    const steady_clock_fn now_;
    mutable std::mutex mutex_;
    std::list<entry> lru_;  // most recently used first
    std::unordered_map<std::string_view, std::list<entry>::iterator> index_;  // views into lru_
};

}  // namespace chat::core

namespace chat::core {

/// Parses "N/<period>" with the period as <digits><unit>, unit ms, s, m or h
/// (e.g. "10/15m", "120/1m", "5/30s"), or "0" / "off" for unlimited.
/// Returns nullopt for anything else.
std::optional<rate> parse_rate(std::string_view text);

}  // namespace chat::core

namespace chat::core {

/// The counter of requests refused by the limit `name` (a rate or a cap):
/// chat_limit_refusals_total{limit="<name>"}, one family for every limit.
counter& limit_refusals(registry& metrics, const std::string& name);

}  // namespace chat::core
