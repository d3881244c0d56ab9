// Users: sign up, profile, withdraw (SPEC §5).

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "auth/password.hpp"
#include "core/random.hpp"

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

awaitable<http::response> sign_up(service& s, http::request_context& ctx) {
    // Counted before validation: refused attempts (a taken e-mail, say) also
    // cost a token, so the limit also slows down probing for accounts.
    s.signup_per_ip.acquire(ctx.remote.to_string());
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    auto email = in.string("email", true, 3, 254);
    const auto nickname = in.string("nickname", true, 1, 40);
    const auto password = in.string("password", true, 0, 1024, false);
    if (email) {
        *email = to_lower(*email);
        if (!is_valid_email(*email)) in.fail("email", "must be a valid e-mail address");
    }
    if (password) {
        if (auto problem = password_problem(*password)) in.fail("password", *problem);
    }
    in.finish();
    auto pending = s.blocking([&s, email = *email, nickname = *nickname, password = *password] {
        const auto hash = auth::hash_password(password);
        try {
            return s.deps.store.create_user(email, nickname, hash);
        } catch (const store::conflict&) {
            throw conflict("email_taken", "an account with this e-mail already exists");
        }
    });
    auto user = co_await std::move(pending);
    auto res = http::json_response(http::status::created, to_json(user, true), ctx.req.version());
    res.set(boost::beast::http::field::location, "/users/" + user.id);
    co_return res;
}

awaitable<http::response> get_me(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    auto pending = s.blocking([&s, me] { return s.deps.store.find_user(me); });
    auto user = co_await std::move(pending);
    if (!user) throw unauthorized("account no longer exists");
    co_return http::json_response(http::status::ok, to_json(*user, true), ctx.req.version());
}

awaitable<http::response> update_me(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto nickname = in.string("nickname", false, 1, 40);
    const auto password = in.string("password", false, 0, 1024, false);
    const auto current = in.string("currentPassword", password.has_value(), 1, 1024, false);
    if (password) {
        if (auto problem = password_problem(*password)) in.fail("password", *problem);
    }
    if (!in.has("nickname") && !in.has("password")) in.fail("nickname", "nothing to update");
    in.finish();
    auto pending = s.blocking([&s, me, nickname, password, current] {
        auto existing = s.deps.store.find_user(me);
        if (!existing) throw unauthorized("account no longer exists");
        std::optional<std::string> new_hash;
        if (password) {
            if (!auth::verify_password(*current, existing->password_hash)) {
                throw validation_failed(json::object{{"currentPassword", "is not correct"}});
            }
            new_hash = auth::hash_password(*password);
        }
        return s.deps.store.update_user(me, nickname, new_hash);
    });
    auto user = co_await std::move(pending);
    if (!user) throw unauthorized("account no longer exists");
    co_return http::json_response(http::status::ok, to_json(*user, true), ctx.req.version());
}

awaitable<http::response> withdraw(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    auto pending = s.blocking([&s, me] {
        if (!s.deps.store.find_user(me)) throw unauthorized("account no longer exists");
        return s.deps.store.withdraw_user(me);
    });
    const auto rooms = co_await std::move(pending);
    for (const auto& room_id : rooms) {
        s.publish(relay::relay_type::chat, room_id, "room.person.out",
                  {{"userId", me}, {"actorId", me}});
    }
    co_return http::no_content(ctx.req.version());
}

awaitable<http::response> get_user(service& s, http::request_context& ctx) {
    s.authenticate(ctx);
    const std::string id(ctx.param("id"));
    if (!core::is_uuid(id)) throw not_found("user");
    auto pending = s.blocking([&s, id = to_lower(id)] { return s.deps.store.find_user(id); });
    auto user = co_await std::move(pending);
    if (!user) throw not_found("user");
    co_return http::json_response(http::status::ok, to_json(*user, false), ctx.req.version());
}

}  // namespace

void add_user_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::post, "/users", s.guarded([&s](auto& ctx) { return sign_up(s, ctx); }));
    // "/users/me" before "/users/{id}": the first matching route wins.
    r.add(verb::get, "/users/me", s.guarded([&s](auto& ctx) { return get_me(s, ctx); }));
    r.add(verb::patch, "/users/me", s.guarded([&s](auto& ctx) { return update_me(s, ctx); }));
    r.add(verb::delete_, "/users/me", s.guarded([&s](auto& ctx) { return withdraw(s, ctx); }));
    r.add(verb::get, "/users/{id}", s.guarded([&s](auto& ctx) { return get_user(s, ctx); }));
}

}  // namespace chat::api::detail
