#include "api/detail/service.hpp"

#include "auth/password.hpp"
#include "core/random.hpp"
#include "core/time.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace chat::api::detail {

namespace json = boost::json;

abuse_limit::abuse_limit(const std::string& name, std::string message, core::rate r,
                         std::size_t max_keys, core::registry& metrics)
    : message_(std::move(message)),
      limiter_(r, max_keys),
      refusals_(core::limit_refusals(metrics, name)) {}

void abuse_limit::acquire(std::string_view key) {
    if (const auto d = limiter_.acquire(key); !d.allowed) refuse(d);
}

void abuse_limit::check(std::string_view key) {
    if (const auto d = limiter_.peek(key); !d.allowed) refuse(d);
}

void abuse_limit::charge(std::string_view key) {
    limiter_.acquire(key);
}

void abuse_limit::refuse(const core::rate_decision& d) {
    refusals_.inc();
    throw too_many_requests(message_, d.retry_after);
}

service::service(dependencies d)
    : deps(std::move(d)),
      login_per_account("login_account", "too many failed logins for this account; retry later",
                        deps.limits.login_per_account, deps.limits.max_keys, deps.metrics),
      login_per_ip("login_ip", "too many login attempts from this address; retry later",
                   deps.limits.login_per_ip, deps.limits.max_keys, deps.metrics),
      signup_per_ip("signup_ip", "too many sign-ups from this address; retry later",
                    deps.limits.signup_per_ip, deps.limits.max_keys, deps.metrics),
      messages_per_user("messages_user", "too many messages; slow down",
                        deps.limits.messages_per_user, deps.limits.max_keys, deps.metrics),
      relay_published(
          d.metrics.get_counter("chat_relay_published_total", "Relay events handed to the bus.")),
      dummy_hash(auth::hash_password(core::random_bytes(16))) {}

std::string service::authenticate(const http::request_context& ctx) const {
    const auto token = auth::bearer_token(ctx.header("Authorization"));
    if (!token) throw unauthorized("missing bearer token");
    const auto result = deps.jwt.verify(*token, core::now_ms() / 1000);
    if (!result) throw unauthorized(std::string("invalid token: ") + auth::to_string(result.error));
    return result.claims->subject;
}

void service::publish(relay::relay_type type, std::string target, std::string msg_type,
                      json::object extra) {
    relay::event e{type, std::move(target), core::iso8601_ms(core::now_ms()), std::move(msg_type),
                   std::move(extra)};
    deps.bus.publish(relay::encode(e));
    relay_published.inc();
}

bool service::is_admin(const store::user& u) const {
    if (u.is_admin) return true;
    const auto& list = deps.admin_emails;
    return std::find(list.begin(), list.end(), u.email) != list.end();
}

http::response service::error_to_response(std::exception_ptr failure,
                                          const http::request_context& ctx) {
    const auto v = ctx.req.version();
    try {
        std::rethrow_exception(failure);
    } catch (const too_many_requests& e) {
        auto res = http::error_response(e.status(), e.code(), e.what(), ctx.trace_id, {}, v);
        res.set(boost::beast::http::field::retry_after, std::to_string(e.retry_after().count()));
        return res;
    } catch (const api_error& e) {
        return http::error_response(e.status(), e.code(), e.what(), ctx.trace_id, e.fields(), v);
    } catch (const store::conflict& e) {
        return http::error_response(http::status::conflict, "conflict", e.what(), ctx.trace_id, {},
                                    v);
    } catch (const store::not_found& e) {
        return http::error_response(http::status::not_found, "not_found", e.what(), ctx.trace_id,
                                    {}, v);
    } catch (const store::unavailable& e) {
        spdlog::error("store unavailable trace={}: {}", ctx.trace_id, e.what());
        auto res =
            http::error_response(http::status::service_unavailable, "unavailable",
                                 "the database is unavailable; retry later", ctx.trace_id, {}, v);
        res.set(boost::beast::http::field::retry_after, "1");
        return res;
    } catch (const std::exception& e) {
        spdlog::error("unhandled error trace={}: {}", ctx.trace_id, e.what());
    }
    return http::error_response(http::status::internal_server_error, "internal", "internal error",
                                ctx.trace_id, {}, v);
}

json::object to_json(const store::user& u, bool include_private) {
    json::object o{{"id", u.id}, {"nickname", u.nickname}};
    if (include_private) {
        o["email"] = u.email;
        o["createdAt"] = core::iso8601_ms(u.created_at);
        o["admin"] = u.is_admin;
    }
    return o;
}

json::object to_json(const store::message& m) {
    json::object o{{"id", m.id},
                   {"roomId", m.room_id},
                   {"seq", m.seq},
                   {"senderId", m.sender_id},
                   {"createdAt", core::iso8601_ms(m.created_at)},
                   {"hasThread", m.has_thread},
                   {"deleted", m.deleted_at.has_value()}};
    if (m.deleted_at) {
        o["text"] = nullptr;
        o["deletedAt"] = core::iso8601_ms(*m.deleted_at);
    } else {
        o["text"] = m.text;
    }
    return o;
}

json::object to_json(const store::room_view& r) {
    json::object o{{"id", r.info.id},
                   {"createdBy", r.info.created_by},
                   {"createdAt", core::iso8601_ms(r.info.created_at)},
                   {"lastSeq", r.info.last_seq},
                   {"lastActivityAt", core::iso8601_ms(r.info.last_activity_at)},
                   {"lastReadSeq", r.last_read_seq},
                   {"unreadCount", r.unread_count}};
    o["name"] = r.info.name ? json::value(*r.info.name) : json::value(nullptr);
    o["lastMessage"] =
        r.last_message ? json::value(to_json(*r.last_message)) : json::value(nullptr);
    return o;
}

json::object to_json(const store::participant& p) {
    return {{"userId", p.user_id},
            {"nickname", p.nickname},
            {"joinedAt", core::iso8601_ms(p.joined_at)},
            {"lastReadSeq", p.last_read_seq}};
}

store::room_view require_room(store::store& s, const std::string& room_id,
                              const std::string& user_id) {
    if (!core::is_uuid(room_id)) throw not_found("room");
    auto room = s.get_room(room_id, user_id);
    if (!room) throw not_found("room");
    return std::move(*room);
}

}  // namespace chat::api::detail

namespace chat::api {

rest_api::rest_api(dependencies deps)
    : service_(std::make_unique<detail::service>(std::move(deps))) {}

rest_api::~rest_api() = default;

void rest_api::register_actuator_routes(http::router& r) {
    detail::add_actuator_routes(r, *service_);
}

void rest_api::register_api_routes(http::router& r) {
    detail::add_user_routes(r, *service_);
    detail::add_token_routes(r, *service_);
    detail::add_room_routes(r, *service_);
    detail::add_message_routes(r, *service_);
    detail::add_people_routes(r, *service_);
    detail::add_reaction_routes(r, *service_);
    detail::add_notification_routes(r, *service_);
    detail::add_thread_routes(r, *service_);
    if (service_->deps.blobs) detail::add_file_routes(r, *service_);
}

}  // namespace chat::api
