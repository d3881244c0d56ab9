// Rooms and participants. A user who is not a participant gets 404 for every
// room route: the API never confirms that a room exists to an outsider.

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "core/random.hpp"

#include <algorithm>

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t max_invitees = 100;

json::array to_json(const std::vector<store::participant>& ps) {
    json::array out;
    for (const auto& p : ps) out.push_back(detail::to_json(p));
    return out;
}

// Invitees named by e-mail become user ids (the store checks ids again under
// its lock). An address with no active account is 404 like an unknown id, so
// nothing is written.
std::vector<std::string> with_users_by_email(store::store& st, std::vector<std::string> ids,
                                             const std::vector<std::string>& emails) {
    for (const auto& email : emails) {
        const auto user = st.find_user_by_email(email);
        if (!user) throw not_found("unknown user " + email);
        if (std::find(ids.begin(), ids.end(), user->id) == ids.end()) ids.push_back(user->id);
    }
    return ids;
}

// Ids and e-mails together name at most max_invitees people.
void check_invitee_count(body_reader& in, std::string_view emails_field,
                         const std::optional<std::vector<std::string>>& ids,
                         const std::optional<std::vector<std::string>>& emails) {
    const auto count = (ids ? ids->size() : 0) + (emails ? emails->size() : 0);
    if (count > max_invitees) {
        in.fail(emails_field,
                "ids and e-mails together must name at most " + std::to_string(max_invitees));
    }
}

// Each invitation is stored as a person.invited notification first (in the
// same blocking call as the membership change), then signalled.
void publish_invites(service& s, const std::string& room_id, const std::string& actor,
                     const std::vector<store::participant>& added,
                     const std::vector<store::notification>& invitations, bool announce_in_room) {
    if (announce_in_room) {
        for (const auto& p : added) {
            s.publish(relay::relay_type::chat, room_id, "room.person.in",
                      {{"userId", p.user_id}, {"actorId", actor}});
        }
    }
    for (const auto& n : invitations) {
        publish_notification(s, n, {{"roomId", room_id}, {"actorId", actor}});
    }
}

awaitable<http::response> create_room(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto name = in.string("name", false, 1, 100);
    const auto emails = in.email_list("participantEmails", false, max_invitees);
    const auto ids = in.uuid_list("participantIds", !in.has("participantEmails"), max_invitees);
    check_invitee_count(in, "participantEmails", ids, emails);
    in.finish();
    struct created {
        store::room_view room;
        std::vector<store::participant> participants;
        std::vector<store::notification> invitations;
    };
    auto pending = s.blocking([&s, me, name, ids = ids.value_or(std::vector<std::string>{}),
                               emails = emails.value_or(std::vector<std::string>{})] {
        auto& st = s.deps.store;
        const auto room = st.create_room(me, name, with_users_by_email(st, ids, emails));
        auto participants = st.list_participants(room.id);
        auto invitations = store_invitations(st, room.id, me, participants);
        return created{*st.get_room(room.id, me), std::move(participants), std::move(invitations)};
    });
    auto result = co_await std::move(pending);
    publish_invites(s, result.room.info.id, me, result.participants, result.invitations, false);
    auto out = detail::to_json(result.room);
    out["participants"] = to_json(result.participants);
    auto res = http::json_response(http::status::created, out, ctx.req.version());
    res.set(boost::beast::http::field::location, "/rooms/" + result.room.info.id);
    co_return res;
}

awaitable<http::response> list_rooms(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto limit = static_cast<int>(query_integer(ctx, "limit", 1, 100).value_or(20));
    // Cursor: the last room's activity time and id (keyset, see list_rooms).
    std::optional<store::room_cursor> after;
    if (auto c = ctx.query("cursor"); c && !c->empty()) {
        auto position = decode_cursor(*c);
        after = store::room_cursor{position.at, std::move(position.id)};
    }
    auto pending = s.blocking(
        [&s, me, after, limit] { return s.deps.store.list_rooms(me, after, limit + 1); });
    auto rooms = co_await std::move(pending);
    const bool more = rooms.size() > static_cast<std::size_t>(limit);
    if (more) rooms.resize(static_cast<std::size_t>(limit));
    json::array items;
    for (const auto& r : rooms) items.push_back(detail::to_json(r));
    json::object out{{"rooms", std::move(items)}};
    out["nextCursor"] =
        more ? json::value(encode_cursor(rooms.back().info.last_activity_at, rooms.back().info.id))
             : json::value(nullptr);
    co_return http::json_response(http::status::ok, out, ctx.req.version());
}

awaitable<http::response> get_room(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    auto pending = s.blocking(
        [&s, me, id = to_lower(ctx.param("id"))] { return require_room(s.deps.store, id, me); });
    auto room = co_await std::move(pending);
    co_return http::json_response(http::status::ok, detail::to_json(room), ctx.req.version());
}

awaitable<http::response> rename_room(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto name = in.string("name", false, 1, 100);
    if (!in.has("name")) in.fail("name", "is required (null clears it)");
    in.finish();
    const std::string id = to_lower(ctx.param("id"));
    auto pending = s.blocking([&s, me, id, name] {
        require_room(s.deps.store, id, me);
        s.deps.store.rename_room(id, name);
        return require_room(s.deps.store, id, me);
    });
    auto room = co_await std::move(pending);
    s.publish(relay::relay_type::chat, id, "room.updated", {{"actorId", me}});
    co_return http::json_response(http::status::ok, detail::to_json(room), ctx.req.version());
}

awaitable<http::response> list_participants(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    auto pending = s.blocking([&s, me, id = to_lower(ctx.param("id"))] {
        require_room(s.deps.store, id, me);
        return s.deps.store.list_participants(id);
    });
    auto ps = co_await std::move(pending);
    co_return http::json_response(http::status::ok, json::object{{"participants", to_json(ps)}},
                                  ctx.req.version());
}

awaitable<http::response> invite(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto emails = in.email_list("emails", false, max_invitees);
    const auto ids = in.uuid_list("userIds", !in.has("emails"), max_invitees);
    if ((ids ? ids->size() : 0) + (emails ? emails->size() : 0) == 0) {
        in.fail(in.has("emails") ? "emails" : "userIds", "must name at least one user");
    }
    check_invitee_count(in, "emails", ids, emails);
    in.finish();
    const std::string id = to_lower(ctx.param("id"));
    struct outcome {
        std::vector<store::participant> added;
        std::vector<store::notification> invitations;
    };
    auto pending = s.blocking([&s, me, id, ids = ids.value_or(std::vector<std::string>{}),
                               emails = emails.value_or(std::vector<std::string>{})] {
        require_room(s.deps.store, id, me);
        auto added =
            s.deps.store.add_participants(id, with_users_by_email(s.deps.store, ids, emails));
        auto invitations = store_invitations(s.deps.store, id, me, added);
        return outcome{std::move(added), std::move(invitations)};
    });
    auto result = co_await std::move(pending);
    publish_invites(s, id, me, result.added, result.invitations, true);
    co_return http::json_response(http::status::ok, json::object{{"added", to_json(result.added)}},
                                  ctx.req.version());
}

awaitable<http::response> leave(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const std::string id = to_lower(ctx.param("id"));
    auto pending = s.blocking([&s, me, id] {
        require_room(s.deps.store, id, me);
        if (!s.deps.store.remove_participant(id, me)) throw not_found("room");
    });
    co_await std::move(pending);
    s.publish(relay::relay_type::chat, id, "room.person.out", {{"userId", me}, {"actorId", me}});
    co_return http::no_content(ctx.req.version());
}

}  // namespace

void add_room_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::post, "/rooms", s.guarded([&s](auto& ctx) { return create_room(s, ctx); }));
    r.add(verb::get, "/rooms", s.guarded([&s](auto& ctx) { return list_rooms(s, ctx); }));
    r.add(verb::get, "/rooms/{id}", s.guarded([&s](auto& ctx) { return get_room(s, ctx); }));
    r.add(verb::patch, "/rooms/{id}", s.guarded([&s](auto& ctx) { return rename_room(s, ctx); }));
    r.add(verb::get, "/rooms/{id}/participants",
          s.guarded([&s](auto& ctx) { return list_participants(s, ctx); }));
    r.add(verb::post, "/rooms/{id}/participants",
          s.guarded([&s](auto& ctx) { return invite(s, ctx); }));
    r.add(verb::delete_, "/rooms/{id}/participants/me",
          s.guarded([&s](auto& ctx) { return leave(s, ctx); }));
}

}  // namespace chat::api::detail
