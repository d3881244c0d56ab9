#include "http/router.hpp"

#include <algorithm>

namespace chat::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    if (!path.empty() && path.front() == '/') pos = 1;
    while (pos <= path.size()) {
        const auto next = path.find('/', pos);
        const auto end = next == std::string_view::npos ? path.size() : next;
        out.push_back(path.substr(pos, end - pos));
        if (next == std::string_view::npos) break;
        pos = next + 1;
    }
    return out;
}

bool is_placeholder(std::string_view s) {
    return s.size() > 2 && s.front() == '{' && s.back() == '}';
}

}  // namespace

void route_metrics::record(unsigned status_code, double seconds) const noexcept {
    const unsigned cls = status_code / 100;
    if (cls >= 1 && cls <= 5 && by_class[cls - 1]) by_class[cls - 1]->inc();
    if (duration) duration->observe(seconds);
}

router::router(core::registry& metrics)
    : registry_(metrics), unmatched_(make_metrics("any", "unmatched")) {}

route_metrics router::make_metrics(const std::string& method, const std::string& pattern) {
    route_metrics m;
    static constexpr const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (std::size_t i = 0; i < m.by_class.size(); ++i) {
        m.by_class[i] = &registry_.get_counter(
            "chat_http_requests_total", "HTTP requests by route and status class.",
            {{"method", method}, {"route", pattern}, {"status", classes[i]}});
    }
    m.duration = &registry_.get_histogram("chat_http_request_duration_seconds",
                                          "HTTP request latency by route.",
                                          {{"method", method}, {"route", pattern}});
    return m;
}

void router::add(verb method, std::string pattern, handler h) {
    route r{method,
            pattern,
            {},
            std::move(h),
            make_metrics(std::string(to_string(method)), pattern),
            std::nullopt};
    for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
    routes_.push_back(std::move(r));
}

void router::add(verb method, std::string pattern, handler h, std::size_t body_limit) {
    add(method, std::move(pattern), std::move(h));
    routes_.back().body_limit = body_limit;
    largest_body_limit_ = std::max(largest_body_limit_, body_limit);
}

const router::route* router::find_route(verb method, const std::vector<std::string_view>& segments,
                                        std::vector<std::string>* allowed) const {
    for (const auto& r : routes_) {
        if (r.segments.size() != segments.size()) continue;
        bool ok = true;
        for (std::size_t i = 0; i < segments.size() && ok; ++i) {
            ok =
                is_placeholder(r.segments[i]) ? !segments[i].empty() : r.segments[i] == segments[i];
        }
        if (!ok) continue;
        if (r.method != method) {
            if (allowed) allowed->emplace_back(to_string(r.method));
            continue;
        }
        return &r;
    }
    return nullptr;
}

std::optional<std::size_t> router::body_limit(verb method, std::string_view path) const {
    for (const auto& m : mounts_) {
        if (path.starts_with(m.prefix)) return std::nullopt;
    }
    const auto* r = find_route(method, split_path(path), nullptr);
    return r ? r->body_limit : std::nullopt;
}

void router::mount(std::string prefix, handler h, upgrade_handler upgrade) {
    auto m = make_metrics("any", prefix);
    mounts_.push_back({std::move(prefix), std::move(h), std::move(upgrade), m});
}

void router::fallback(handler h, std::function<bool(std::string_view)> accepts) {
    fallback_ = std::move(h);
    fallback_accepts_ = std::move(accepts);
    fallback_metrics_ = make_metrics("any", "static");
}

router::match_result router::match(verb method, std::string_view path,
                                   std::vector<std::pair<std::string, std::string>>& params) const {
    match_result res;
    for (const auto& m : mounts_) {
        const std::string_view prefix = m.prefix;
        // "/socket.io/" also answers "/socket.io", as Engine.IO servers do.
        const bool bare = prefix.ends_with('/') && path == prefix.substr(0, prefix.size() - 1);
        if (path.starts_with(prefix) || bare) {
            res.result = outcome::matched;
            res.target = &m.h;
            res.upgrade = m.upgrade ? &m.upgrade : nullptr;
            res.metrics = &m.metrics;
            return res;
        }
    }
    const auto segments = split_path(path);
    std::vector<std::string> allowed;
    if (const auto* r = find_route(method, segments, &allowed)) {
        params.clear();
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (is_placeholder(r->segments[i])) {
                params.emplace_back(r->segments[i].substr(1, r->segments[i].size() - 2),
                                    std::string(segments[i]));
            }
        }
        res.result = outcome::matched;
        res.target = &r->h;
        res.metrics = &r->metrics;
        return res;
    }
    if (!allowed.empty()) {
        std::sort(allowed.begin(), allowed.end());
        allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
        res.result = outcome::method_not_allowed;
        for (const auto& a : allowed) res.allow += (res.allow.empty() ? "" : ", ") + a;
    } else if (fallback_ && (method == verb::get || method == verb::head) &&
               fallback_accepts_(path)) {
        res.result = outcome::matched;
        res.target = &fallback_;
        res.metrics = &fallback_metrics_;
    }
    return res;
}

}  // namespace chat::http
