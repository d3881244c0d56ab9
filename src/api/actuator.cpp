// Health, info and metrics in the spirit of Spring Boot's actuator.

#include "api/detail/service.hpp"

#include <spdlog/spdlog.h>

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

// Readiness: can this node do its work? It checks the store with a round trip.
awaitable<http::response> health(service& s, http::request_context& ctx) {
    std::string db_status = "UP";
    std::string detail;
    try {
        auto pending = s.blocking([&s] { s.deps.store.ping(); });
        co_await std::move(pending);
    } catch (const std::exception& e) {
        db_status = "DOWN";
        detail = e.what();
    }
    json::object db{{"status", db_status}};
    if (!detail.empty()) {
        spdlog::warn("health check: store down: {}", detail);
        db["error"] = "store unreachable";  // details stay in the log
    }
    bool up = db_status == "UP";
    json::object components{{"db", std::move(db)}};
    for (const auto& check : s.deps.health_checks) {
        const bool ok = check.up();
        up = up && ok;
        components[check.name] = json::object{{"status", ok ? "UP" : "DOWN"}};
    }
    co_return http::json_response(
        up ? http::status::ok : http::status::service_unavailable,
        json::object{{"status", up ? "UP" : "DOWN"}, {"components", std::move(components)}},
        ctx.req.version());
}

// Liveness: the process answers; no dependency is consulted.
awaitable<http::response> liveness(service&, http::request_context& ctx) {
    co_return http::json_response(http::status::ok, json::object{{"status", "UP"}},
                                  ctx.req.version());
}

awaitable<http::response> info(service& s, http::request_context& ctx) {
    co_return http::json_response(
        http::status::ok,
        json::object{{"app", json::object{{"name", "simple-chat"}, {"version", s.deps.version}}},
                     {"build", json::object{{"compiler", __VERSION__}, {"date", __DATE__}}}},
        ctx.req.version());
}

awaitable<http::response> prometheus(service& s, http::request_context& ctx) {
    co_return http::text_response(http::status::ok, s.deps.metrics.render(),
                                  "text/plain; version=0.0.4; charset=utf-8", ctx.req.version());
}

}  // namespace

void add_actuator_routes(http::router& r, service& s) {
    using http::verb;
    auto h = [&s](auto fn) { return s.guarded([&s, fn](auto& ctx) { return fn(s, ctx); }); };
    r.add(verb::get, "/actuator/health", h(health));
    r.add(verb::get, "/actuator/health/readiness", h(health));
    r.add(verb::get, "/actuator/health/liveness", h(liveness));
    r.add(verb::get, "/actuator/info", h(info));
    r.add(verb::get, "/actuator/prometheus", h(prometheus));
}

}  // namespace chat::api::detail
