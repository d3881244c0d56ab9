#include "core/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace chat::core {

token_bucket::token_bucket(rate r, time_point now) noexcept
    : rate_(r), tokens_(static_cast<double>(r.count)), last_(now) {}

void token_bucket::refill(time_point now) noexcept {
    if (now <= last_) return;  // a clock read on another thread may lag by a little
    const double elapsed_ms = std::chrono::duration<double, std::milli>(now - last_).count();
    const double per_ms = static_cast<double>(rate_.count) /
                          static_cast<double>(std::max<long>(1, rate_.period.count()));
    tokens_ = std::min(static_cast<double>(rate_.count), tokens_ + elapsed_ms * per_ms);
    last_ = now;
}

rate_decision token_bucket::refused() const noexcept {
    const double per_ms = static_cast<double>(rate_.count) /
                          static_cast<double>(std::max<long>(1, rate_.period.count()));
    const double wait_ms = std::ceil((1.0 - tokens_) / per_ms);
    return {false, std::chrono::milliseconds(std::max<long>(1, static_cast<long>(wait_ms)))};
}

rate_decision token_bucket::acquire(time_point now) noexcept {
    if (rate_.unlimited()) return {};
    refill(now);
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return {};
    }
    return refused();
}

rate_decision token_bucket::peek(time_point now) noexcept {
    if (rate_.unlimited()) return {};
    refill(now);
    return tokens_ >= 1.0 ? rate_decision{} : refused();
}

bool token_bucket::full(time_point now) noexcept {
    refill(now);
    return tokens_ >= static_cast<double>(rate_.count);
}

rate_limiter::rate_limiter(rate r, std::size_t max_keys, steady_clock_fn now)
    : rate_(r), max_keys_(std::max<std::size_t>(1, max_keys)), now_(std::move(now)) {}

token_bucket& rate_limiter::bucket_for(std::string_view key,
                                       std::chrono::steady_clock::time_point now) {
    if (const auto it = index_.find(key); it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->bucket;
    }
    if (lru_.size() >= max_keys_) {
        index_.erase(lru_.back().key);
        lru_.pop_back();
    }
    lru_.push_front(entry{std::string(key), token_bucket(rate_, now)});
    index_.emplace(lru_.front().key, lru_.begin());
    return lru_.front().bucket;
}

rate_decision rate_limiter::acquire(std::string_view key) {
    if (rate_.unlimited()) return {};
    const auto now = now_();
    std::lock_guard lock(mutex_);
    return bucket_for(key, now).acquire(now);
}

rate_decision rate_limiter::peek(std::string_view key) {
    if (rate_.unlimited()) return {};
    const auto now = now_();
    std::lock_guard lock(mutex_);
    const auto it = index_.find(key);
    // An unknown key has a full bucket: nothing to remember yet.
    return it == index_.end() ? rate_decision{} : it->second->bucket.peek(now);
}

std::size_t rate_limiter::size() const {
    std::lock_guard lock(mutex_);
    return lru_.size();
}

}  // namespace chat::core

namespace chat::core {

namespace {

std::optional<std::uint64_t> parse_digits(std::string_view s) {
    if (s.empty() || s.size() > 9) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

}  // namespace

std::optional<rate> parse_rate(std::string_view text) {
    if (text == "0" || text == "off") return rate{0, std::chrono::milliseconds(1000)};
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const auto count = parse_digits(text.substr(0, slash));
    std::string_view period = text.substr(slash + 1);
    std::uint64_t unit_ms = 0;
    if (period.ends_with("ms")) {
        unit_ms = 1;
        period.remove_suffix(2);
    } else if (period.ends_with('s')) {
        unit_ms = 1000;
        period.remove_suffix(1);
    } else if (period.ends_with('m')) {
        unit_ms = 60'000;
        period.remove_suffix(1);
    } else if (period.ends_with('h')) {
        unit_ms = 3'600'000;
        period.remove_suffix(1);
    }
    const auto amount = parse_digits(period);
    if (!count || !amount || unit_ms == 0 || *amount == 0) return std::nullopt;
    return rate{static_cast<std::size_t>(*count),
                std::chrono::milliseconds(static_cast<std::int64_t>(*amount * unit_ms))};
}

}  // namespace chat::core

namespace chat::core {

counter& limit_refusals(registry& metrics, const std::string& name) {
    return metrics.get_counter("chat_limit_refusals_total",
                               "Requests, joins or connections refused by a rate or size limit.",
                               {{"limit", name}});
}

}  // namespace chat::core
