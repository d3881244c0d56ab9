#pragma once
// The REST API (SPEC §5): users, tokens, rooms, participants, messages, read
// markers and the actuator endpoints. Handlers validate at the edge, run the
// store on the blocking pool and publish relay events after commit.

#include "auth/jwt.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "relay/bus.hpp"
#include "store/store.hpp"

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace chat::api {

struct token_policy {
    std::chrono::seconds access_ttl{15 * 60};
    std::chrono::seconds refresh_ttl{30 * 24 * 3600};
};

/// What the API needs; owned by the composition root and outliving the routes.
struct dependencies {
    store::store& store;
    relay::bus& bus;
    const auth::jwt_codec& jwt;
    boost::asio::thread_pool& blocking;  // database and password hashing
    core::registry& metrics;
    token_policy tokens;
    std::string version;
};

namespace detail {
class service;
}

/// Owns the handlers' shared state; must outlive the router it registers on.
class rest_api {
public:
    explicit rest_api(dependencies deps);
    ~rest_api();
    rest_api(const rest_api&) = delete;
    rest_api& operator=(const rest_api&) = delete;

    /// Adds every API route to `r`.
    void register_routes(http::router& r);

private:
    std::unique_ptr<detail::service> service_;
};

}  // namespace chat::api
