// Notifications: the data behind the seed's person and all relay events
// (SPEC §3). Each is stored first, then published with its notificationId, so
// that a client that missed the signal still finds it in GET /notifications.
// Admins send the all.* broadcasts and person.payment; invitations to a room
// (rooms.cpp) store person.invited.

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "core/random.hpp"
#include "core/time.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <span>

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t max_title_length = 200;     // code points
constexpr std::size_t max_body_length = 4000;     // code points
constexpr std::size_t max_data_bytes = 8 * 1024;  // serialised JSON

constexpr std::array<std::string_view, 3> all_types = {"all.service-check", "all.biz-event",
                                                       "all.new-feature"};
constexpr std::array<std::string_view, 1> person_types = {"person.payment"};

/// 401 when the caller's account is gone, 403 unless it is an admin. Blocking.
void require_admin(service& s, const std::string& user_id) {
    const auto me = s.deps.store.find_user(user_id);
    if (!me) throw unauthorized("the account no longer exists");
    if (!s.is_admin(*me)) throw forbidden("only an admin may send this notification");
}

/// The body of an admin notification: msgType (one of `allowed`), title,
/// body and, where `with_data`, an optional JSON object `data`.
store::notification read_notification(const json::object& body,
                                      std::span<const std::string_view> allowed, bool with_data) {
    body_reader in(body);
    const auto msg_type = in.string("msgType", true, 1, 40);
    if (msg_type && std::find(allowed.begin(), allowed.end(), *msg_type) == allowed.end()) {
        std::string names;
        for (const auto t : allowed) names += (names.empty() ? "" : ", ") + std::string(t);
        in.fail("msgType", "must be one of " + names);
    }
    const auto title = in.string("title", true, 1, max_title_length);
    const auto text = in.string("body", false, 0, max_body_length, false);
    std::string data = "{}";
    if (const auto* d = body.if_contains("data"); d && !d->is_null()) {
        if (!with_data) {
            in.fail("data", "is not accepted for this notification");
        } else if (!d->is_object()) {
            in.fail("data", "must be a JSON object");
        } else {
            data = json::serialize(*d);
            if (data.size() > max_data_bytes) in.fail("data", "must be at most 8 KiB as JSON");
        }
    }
    in.finish();
    store::notification n;
    n.msg_type = *msg_type;
    n.title = *title;
    n.body = text.value_or("");
    n.data = std::move(data);
    return n;
}

awaitable<http::response> send_notification(service& s, http::request_context& ctx,
                                            store::notification n) {
    auto pending = s.blocking([&s, n] {
        auto stored = s.deps.store.create_notifications({n});
        return std::move(stored.front());
    });
    auto stored = co_await std::move(pending);
    publish_notification(s, stored);
    spdlog::info("notification {} {} sent by {}", stored.id, stored.msg_type,
                 stored.actor_id.value_or("-"));
    auto res = http::json_response(http::status::created, to_json(stored), ctx.req.version());
    res.set(boost::beast::http::field::location, "/notifications/" + stored.id);
    co_return res;
}

awaitable<http::response> notify_all(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    // Authorisation before validation: a non-admin learns nothing about the rules.
    auto check = s.blocking([&s, me] { require_admin(s, me); });
    co_await std::move(check);
    auto n = read_notification(body, all_types, true);
    n.actor_id = me;
    auto sending = send_notification(s, ctx, std::move(n));
    co_return co_await std::move(sending);
}

awaitable<http::response> notify_user(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    auto check = s.blocking([&s, me] { require_admin(s, me); });
    co_await std::move(check);
    auto n = read_notification(body, person_types, true);
    const std::string target = to_lower(ctx.param("userId"));
    if (!core::is_uuid(target)) throw not_found("user");
    n.user_id = target;
    n.actor_id = me;
    auto sending = send_notification(s, ctx, std::move(n));
    co_return co_await std::move(sending);
}

awaitable<http::response> list_notifications(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto limit = static_cast<int>(query_integer(ctx, "limit", 1, 100).value_or(50));
    const bool unread_only = query_boolean(ctx, "unread").value_or(false);
    std::optional<store::notification_cursor> after;
    if (auto c = ctx.query("cursor"); c && !c->empty()) {
        auto position = decode_cursor(*c);
        after = store::notification_cursor{position.at, std::move(position.id)};
    }
    auto pending = s.blocking([&s, me, unread_only, after, limit] {
        return s.deps.store.list_notifications(me, unread_only, after, limit + 1);
    });
    auto items = co_await std::move(pending);
    const bool more = items.size() > static_cast<std::size_t>(limit);
    if (more) items.resize(static_cast<std::size_t>(limit));
    json::array out;
    for (const auto& n : items) out.push_back(to_json(n));
    json::object page{{"notifications", std::move(out)}};
    page["nextCursor"] = more ? json::value(encode_cursor(items.back().created_at, items.back().id))
                              : json::value(nullptr);
    co_return http::json_response(http::status::ok, page, ctx.req.version());
}

awaitable<http::response> mark_read(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const std::string id = to_lower(ctx.param("id"));
    auto pending = s.blocking([&s, me, id] {
        if (!core::is_uuid(id)) throw not_found("notification");
        auto n = s.deps.store.mark_notification_read(id, me);
        if (!n) throw not_found("notification");
        return *n;
    });
    auto n = co_await std::move(pending);
    co_return http::json_response(http::status::ok, to_json(n), ctx.req.version());
}

}  // namespace

json::object to_json(const store::notification& n) {
    json::object o{{"id", n.id},
                   {"relayType", n.user_id ? "person" : "all"},
                   {"msgType", n.msg_type},
                   {"title", n.title},
                   {"body", n.body},
                   {"createdAt", core::iso8601_ms(n.created_at)},
                   {"read", n.read}};
    // Stored by this API from a JSON object, so it parses; an object either way.
    boost::system::error_code ec;
    auto data = json::parse(n.data, ec);
    o["data"] = !ec && data.is_object() ? std::move(data) : json::value(json::object{});
    o["actorId"] = n.actor_id ? json::value(*n.actor_id) : json::value(nullptr);
    return o;
}

std::vector<store::notification> store_invitations(store::store& st, const std::string& room_id,
                                                   const std::string& actor_id,
                                                   const std::vector<store::participant>& added) {
    std::vector<store::notification> batch;
    for (const auto& p : added) {
        if (p.user_id == actor_id) continue;
        store::notification n;
        n.user_id = p.user_id;
        n.msg_type = "person.invited";
        n.title = "You were added to a room";
        n.data = json::serialize(json::object{{"roomId", room_id}, {"actorId", actor_id}});
        n.actor_id = actor_id;
        batch.push_back(std::move(n));
    }
    if (batch.empty()) return batch;
    return st.create_notifications(std::move(batch));
}

void publish_notification(service& s, const store::notification& n, json::object extra) {
    extra["notificationId"] = n.id;
    if (n.user_id) {
        s.publish(relay::relay_type::person, *n.user_id, n.msg_type, std::move(extra));
    } else {
        s.publish(relay::relay_type::all, "", n.msg_type, std::move(extra));
    }
}

void add_notification_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::get, "/notifications",
          s.guarded([&s](auto& ctx) { return list_notifications(s, ctx); }));
    r.add(verb::put, "/notifications/{id}/read",
          s.guarded([&s](auto& ctx) { return mark_read(s, ctx); }));
    r.add(verb::post, "/notifications/all",
          s.guarded([&s](auto& ctx) { return notify_all(s, ctx); }));
    r.add(verb::post, "/notifications/users/{userId}",
          s.guarded([&s](auto& ctx) { return notify_user(s, ctx); }));
}

}  // namespace chat::api::detail
