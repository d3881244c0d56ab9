#pragma once
// Maps (method, path) to a handler. Patterns are literal segments and
// `{name}` placeholders, e.g. "/rooms/{id}/messages/{messageId}"; a mount
// matches every path under a prefix, whatever the method.
//
// Built once at start-up, then read concurrently without locks.

#include "core/metrics.hpp"
#include "http/types.hpp"

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chat::http {

/// Per-route instruments, created when the route is added so the request
/// path updates them without a registry lookup.
struct route_metrics {
    std::array<core::counter*, 5> by_class{};  // 1xx..5xx
    core::histogram* duration = nullptr;
    void record(unsigned status_code, double seconds) const noexcept;
};

class router {
public:
    explicit router(core::registry& metrics);

    void add(verb method, std::string pattern, handler h);
    /// As add(), with a request body limit of its own instead of the
    /// server's (e.g. uploads larger than the API's JSON bodies).
    void add(verb method, std::string pattern, handler h, std::size_t body_limit);
    /// Every request whose path starts with `prefix` (any method); an optional
    /// upgrade handler takes WebSocket upgrade requests there.
    void mount(std::string prefix, handler h, upgrade_handler upgrade = {});
    /// GET and HEAD requests that match no route and no mount and whose path
    /// `accepts` (the web client's files): it can never shadow an API route,
    /// and any other path stays an unknown route (404, metrics "unmatched").
    /// `accepts` must be thread safe.
    void fallback(handler h, std::function<bool(std::string_view path)> accepts);

    enum class outcome { matched, not_found, method_not_allowed };
    struct match_result {
        outcome result = outcome::not_found;
        const handler* target = nullptr;
        const upgrade_handler* upgrade = nullptr;
        const route_metrics* metrics = nullptr;
        std::string allow;  // for method_not_allowed: "GET, POST"
    };

    /// Resolves `path` (already percent-decoded segments are compared raw;
    /// ids are plain ASCII) and fills `params`.
    match_result match(verb method, std::string_view path,
                       std::vector<std::pair<std::string, std::string>>& params) const;

    /// The body limit of the route `method` and `path` match, if it has one.
    std::optional<std::size_t> body_limit(verb method, std::string_view path) const;
    /// The largest body limit any route has (0 when none has one).
    std::size_t largest_body_limit() const noexcept { return largest_body_limit_; }

    /// Metrics bucket for requests that matched no route.
    const route_metrics& unmatched_metrics() const noexcept { return unmatched_; }

private:
    struct route {
        verb method;
        std::string pattern;
        std::vector<std::string> segments;
        handler h;
        route_metrics metrics;
        std::optional<std::size_t> body_limit;
    };
    struct mount_point {
        std::string prefix;
        handler h;
        upgrade_handler upgrade;
        route_metrics metrics;
    };
    route_metrics make_metrics(const std::string& method, const std::string& pattern);
    const route* find_route(verb method, const std::vector<std::string_view>& segments,
                            std::vector<std::string>* allowed) const;

    core::registry& registry_;
    std::vector<route> routes_;
    std::vector<mount_point> mounts_;
    route_metrics unmatched_;
    std::size_t largest_body_limit_ = 0;
    handler fallback_;
    std::function<bool(std::string_view)> fallback_accepts_;
    route_metrics fallback_metrics_;
};

}  // namespace chat::http
