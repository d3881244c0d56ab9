#pragma once
// The REST API (SPEC §5): users, tokens, rooms, participants, messages, read
// markers and the actuator endpoints. Handlers validate at the edge, run the
// store on the blocking pool and publish relay events after commit.

#include "auth/jwt.hpp"
#include "core/metrics.hpp"
#include "core/rate_limit.hpp"
#include "http/router.hpp"
#include "relay/bus.hpp"
#include "store/blob_store.hpp"
#include "store/store.hpp"

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace chat::api {

struct token_policy {
    std::chrono::seconds access_ttl{15 * 60};
    std::chrono::seconds refresh_ttl{30 * 24 * 3600};
};

/// Abuse limits of the REST API (answered with 429 and Retry-After). Each is
/// N per period; count 0 turns a limit off.
struct abuse_limits {
    /// Failed logins per account (e-mail): guessing one password is slow.
    core::rate login_per_account{10, std::chrono::minutes(15)};
    /// Login attempts per client address: guessing many accounts is slow.
    core::rate login_per_ip{60, std::chrono::minutes(1)};
    core::rate signup_per_ip{20, std::chrono::hours(1)};
    core::rate messages_per_user{120, std::chrono::minutes(1)};
    /// Buckets kept per limit (least recently used beyond are forgotten).
    std::size_t max_keys = 100'000;
};

/// A dependency whose state readiness reports beside the store's, e.g. Redis.
struct health_check {
    std::string name;
    std::function<bool()> up;  // cheap, non-blocking, thread safe
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
    std::vector<health_check> health_checks = {};
    /// E-mail addresses (lower-case) whose users have the admin role besides
    /// those granted it in the database.
    std::vector<std::string> admin_emails = {};
    abuse_limits limits = {};
    /// Uploaded files' bytes; the file routes are served only when set.
    store::blob_store* blobs = nullptr;
    std::size_t max_upload = 25 * 1024 * 1024;  // bytes of one file (larger: 413)
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

    /// Adds the actuator routes (health, info, metrics) to `r`: every role serves them.
    void register_actuator_routes(http::router& r);
    /// Adds the REST API's routes (users, tokens, rooms, messages, threads,
    /// and files when `blobs` is set) to `r`.
    void register_api_routes(http::router& r);

private:
    std::unique_ptr<detail::service> service_;
};

}  // namespace chat::api
