#pragma once
// Shared plumbing of the API handlers: authentication, the error boundary,
// JSON views of store records and relay publishing.

#include "api/api.hpp"
#include "api/error.hpp"
#include "api/validation.hpp"
#include "core/offload.hpp"
#include "http/response.hpp"
#include "relay/event.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace chat::api::detail {

/// One named abuse limit: token buckets keyed by account, address or user,
/// refusals counted in chat_limit_refusals_total{limit=name} and thrown as
/// too_many_requests (429 with Retry-After). Thread safe.
class abuse_limit {
public:
    abuse_limit(const std::string& name, std::string message, core::rate r, std::size_t max_keys,
                core::registry& metrics);

    /// Takes a token of `key`; throws too_many_requests when none is left.
    void acquire(std::string_view key);
    /// Throws too_many_requests when `key` has no token left; takes none.
    void check(std::string_view key);
    /// Takes a token if one is left, never throws: counts a failure (a
    /// wrong password) against later check() calls.
    void charge(std::string_view key);

private:
    [[noreturn]] void refuse(const core::rate_decision& d);

    std::string message_;
    core::rate_limiter limiter_;
    core::counter& refusals_;
};

class service {
public:
    explicit service(dependencies d);

    dependencies deps;
    abuse_limit login_per_account;
    abuse_limit login_per_ip;
    abuse_limit signup_per_ip;
    abuse_limit messages_per_user;
    core::counter& relay_published;
    const std::string dummy_hash;  // verified against for unknown e-mails (equal timing)

    /// The user id of a valid bearer access token; throws unauthorized.
    std::string authenticate(const http::request_context& ctx) const;

    /// Blocking work on the pool. Keep the returned awaitable in a named
    /// variable and `co_await std::move(it)`: g++ 12 destroys the temporaries
    /// of a co_await full-expression twice (GCC PR 99576), and a lambda with
    /// string captures is such a temporary.
    template <class F>
    auto blocking(F f) {
        return core::offload(deps.blocking, std::move(f));
    }

    /// Publishes a relay event stamped now. Call only after the commit.
    void publish(relay::relay_type type, std::string target, std::string msg_type,
                 boost::json::object extra = {});

    /// Wraps a handler with the one error boundary: api_error and the store's
    /// exceptions become the JSON error body with the matching status.
    template <class F>
    http::handler guarded(F f) {
        return [f = std::move(f)](
                   http::request_context& ctx) -> boost::asio::awaitable<http::response> {
            std::exception_ptr failure;
            try {
                co_return co_await f(ctx);
            } catch (...) {
                failure = std::current_exception();
            }
            co_return error_to_response(failure, ctx);
        };
    }

    static http::response error_to_response(std::exception_ptr failure,
                                            const http::request_context& ctx);

    /// Whether the user has the admin role: users.is_admin (set by
    /// `simple-chat user grant-admin`) or an e-mail in deps.admin_emails.
    bool is_admin(const store::user& u) const;
};

boost::json::object to_json(const store::user& u, bool include_private);
boost::json::object to_json(const store::message& m);
boost::json::object to_json(const store::room_view& r);
boost::json::object to_json(const store::participant& p);

boost::json::object to_json(const store::contact& c);
boost::json::array to_json(const std::vector<store::reaction_count>& reactions);
boost::json::object to_json(const store::notification& n);

/// Stores a person.invited notification for every added user but the actor
/// (blocking), to publish with publish_notification after the call.
std::vector<store::notification> store_invitations(store::store& st, const std::string& room_id,
                                                   const std::string& actor_id,
                                                   const std::vector<store::participant>& added);
/// Publishes a stored notification as the relay event of its msg-type
/// (person to its user, or all), with `notificationId` and `extra`.
void publish_notification(service& s, const store::notification& n, boost::json::object extra = {});

/// Loads the room as `user_id` sees it; 404 when missing or not a participant.
store::room_view require_room(store::store& s, const std::string& room_id,
                              const std::string& user_id);

void add_user_routes(http::router& r, service& s);
void add_token_routes(http::router& r, service& s);
void add_room_routes(http::router& r, service& s);
void add_message_routes(http::router& r, service& s);
void add_actuator_routes(http::router& r, service& s);
void add_people_routes(http::router& r, service& s);
void add_reaction_routes(http::router& r, service& s);
void add_notification_routes(http::router& r, service& s);
void add_thread_routes(http::router& r, service& s);
void add_file_routes(http::router& r, service& s);

// Threads and files on messages (threads.cpp, files.cpp).
boost::json::object to_json(const store::file_info& f);
boost::json::object to_json(const store::thread_message& m);
/// A room message as the API shows it: with its reactions (as one viewer sees
/// them), thread summary and files. Room previews (lastMessage) use the plain
/// to_json(message).
boost::json::object to_json(const store::message& m, const store::message_extras& extras,
                            const std::vector<store::reaction_count>& reactions);
/// Messages of one room as `viewer_id` sees them: one store call for the
/// thread summaries and files, one for the reactions, whatever the count.
boost::json::array describe(store::store& s, const std::string& viewer_id,
                            const std::vector<store::message>& messages);
/// The `fileIds` of a send body: at most 10 UUIDs, lower-cased, duplicates
/// removed; empty when absent.
std::vector<std::string> read_file_ids(body_reader& in);
/// The `text` of a send body: required and not blank unless the message
/// carries files, when it may be absent or empty.
std::string read_message_text(body_reader& in, bool has_files, std::size_t max_length);
/// 400 (fileIds) naming the first file `user_id` may not read. Blocking.
void require_readable_files(store::store& s, const std::vector<std::string>& file_ids,
                            const std::string& user_id);

}  // namespace chat::api::detail
