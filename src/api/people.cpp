// The people book (ERD `people_book`): a user's own list of contacts. Adding
// is one-sided (the other user is not asked or told) and idempotent: 201 when
// the entry is new, 200 with the entry as it is when it existed already.

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "core/random.hpp"
#include "core/time.hpp"

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

std::string contact_id_param(const http::request_context& ctx) {
    std::string id = to_lower(ctx.param("userId"));
    if (!core::is_uuid(id)) throw not_found("contact");
    return id;
}

awaitable<http::response> add_friend(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto user_id = in.string("userId", false, 36, 36);
    const auto email = in.string("email", false, 3, 254);
    if (user_id && !core::is_uuid(*user_id)) in.fail("userId", "must be a user id (UUID)");
    if (email && !is_valid_email(*email)) in.fail("email", "must be an e-mail address");
    if (in.has("userId") == in.has("email")) {
        in.fail("userId", "give exactly one of userId and email");
    }
    in.finish();
    struct outcome {
        store::contact entry;
        bool created = false;
    };
    auto pending = s.blocking([&s, me, user_id, email] {
        std::string target;
        if (user_id) {
            target = to_lower(*user_id);
        } else {
            const auto found = s.deps.store.find_user_by_email(*email);
            if (!found) throw not_found("user");
            target = found->id;
        }
        if (target == me) {
            throw validation_failed(
                json::object{{user_id ? "userId" : "email", "cannot add yourself"}});
        }
        outcome o;
        try {
            o.entry = s.deps.store.add_contact(me, target, &o.created);
        } catch (const store::not_found&) {
            throw not_found("user");
        }
        return o;
    });
    auto result = co_await std::move(pending);
    auto res = http::json_response(result.created ? http::status::created : http::status::ok,
                                   to_json(result.entry), ctx.req.version());
    res.set(boost::beast::http::field::location, "/friends/" + result.entry.user_id);
    co_return res;
}

awaitable<http::response> list_friends(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto limit = static_cast<int>(query_integer(ctx, "limit", 1, 100).value_or(50));
    store::contact_filter filter;
    filter.favorite = query_boolean(ctx, "favorite");
    // Hidden contacts stay out of the list unless asked for; hidden=any lists both.
    if (ctx.query("hidden") != std::optional<std::string>("any")) {
        filter.hidden = query_boolean(ctx, "hidden").value_or(false);
    }
    std::optional<store::contact_cursor> after;
    if (auto c = ctx.query("cursor"); c && !c->empty()) {
        auto position = decode_cursor(*c);
        after = store::contact_cursor{position.at, std::move(position.id)};
    }
    auto pending = s.blocking([&s, me, filter, after, limit] {
        return s.deps.store.list_contacts(me, filter, after, limit + 1);
    });
    auto contacts = co_await std::move(pending);
    const bool more = contacts.size() > static_cast<std::size_t>(limit);
    if (more) contacts.resize(static_cast<std::size_t>(limit));
    json::array items;
    for (const auto& c : contacts) items.push_back(to_json(c));
    json::object out{{"friends", std::move(items)}};
    out["nextCursor"] =
        more ? json::value(encode_cursor(contacts.back().added_at, contacts.back().user_id))
             : json::value(nullptr);
    co_return http::json_response(http::status::ok, out, ctx.req.version());
}

awaitable<http::response> update_friend(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto favorite = in.boolean("favorite", false);
    const auto hidden = in.boolean("hidden", false);
    if (!in.has("favorite") && !in.has("hidden")) {
        in.fail("favorite", "give favorite, hidden or both");
    }
    in.finish();
    const auto id = contact_id_param(ctx);
    auto pending = s.blocking([&s, me, id, favorite, hidden] {
        auto entry = s.deps.store.update_contact(me, id, favorite, hidden);
        if (!entry) throw not_found("contact");
        return *entry;
    });
    auto entry = co_await std::move(pending);
    co_return http::json_response(http::status::ok, to_json(entry), ctx.req.version());
}

awaitable<http::response> remove_friend(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto id = contact_id_param(ctx);
    auto pending = s.blocking([&s, me, id] {
        if (!s.deps.store.remove_contact(me, id)) throw not_found("contact");
    });
    co_await std::move(pending);
    co_return http::no_content(ctx.req.version());
}

}  // namespace

json::object to_json(const store::contact& c) {
    return {{"userId", c.user_id},
            {"nickname", c.nickname},
            {"favorite", c.favorite},
            {"hidden", c.hidden},
            {"addedAt", core::iso8601_ms(c.added_at)}};
}

void add_people_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::post, "/friends", s.guarded([&s](auto& ctx) { return add_friend(s, ctx); }));
    r.add(verb::get, "/friends", s.guarded([&s](auto& ctx) { return list_friends(s, ctx); }));
    r.add(verb::patch, "/friends/{userId}",
          s.guarded([&s](auto& ctx) { return update_friend(s, ctx); }));
    r.add(verb::delete_, "/friends/{userId}",
          s.guarded([&s](auto& ctx) { return remove_friend(s, ctx); }));
}

}  // namespace chat::api::detail
