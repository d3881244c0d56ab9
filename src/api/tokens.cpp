// Tokens: log in, refresh with rotation and reuse detection, log out.

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "auth/password.hpp"
#include "auth/refresh.hpp"
#include "core/random.hpp"
#include "core/time.hpp"

#include <spdlog/spdlog.h>

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

struct issued {
    std::string access;
    std::string refresh;
};

// Runs on the blocking pool: stores the refresh token hash, never the token.
store::refresh_token new_refresh_record(const service& s, const std::string& user_id,
                                        const std::string& family_id, const std::string& hash) {
    const auto now = core::now_ms();
    store::refresh_token t;
    t.id = core::uuid_v4();
    t.family_id = family_id;
    t.user_id = user_id;
    t.token_hash = hash;
    t.created_at = now;
    t.expires_at =
        now +
        std::chrono::duration_cast<std::chrono::milliseconds>(s.deps.tokens.refresh_ttl).count();
    return t;
}

http::response token_response(const service& s, const issued& t, unsigned version) {
    return http::json_response(http::status::ok,
                               json::object{{"accessToken", t.access},
                                            {"refreshToken", t.refresh},
                                            {"tokenType", "Bearer"},
                                            {"expiresIn", s.deps.tokens.access_ttl.count()}},
                               version);
}

std::string access_token_for(const service& s, const std::string& user_id) {
    return s.deps.jwt.issue(user_id, core::now_ms() / 1000, s.deps.tokens.access_ttl);
}

awaitable<http::response> log_in(service& s, http::request_context& ctx) {
    // Every attempt counts against the address; only failures count against
    // the account, so its owner is locked out only while someone guesses.
    s.login_per_ip.acquire(ctx.remote.to_string());
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto email = in.string("email", true, 1, 254);
    const auto password = in.string("password", true, 1, 1024, false);
    in.finish();
    const auto account = to_lower(*email);
    s.login_per_account.check(account);
    auto pending =
        s.blocking([&s, email = account, password = *password]() -> std::optional<issued> {
            const auto user = s.deps.store.find_user_by_email(email);
            // Verify against a dummy hash for unknown accounts so the answer takes
            // as long either way and does not reveal which e-mails exist.
            const bool ok =
                auth::verify_password(password, user ? user->password_hash : s.dummy_hash);
            if (!user || !ok) return std::nullopt;
            const auto secret = auth::make_refresh_secret();
            s.deps.store.insert_refresh_token(
                new_refresh_record(s, user->id, core::uuid_v4(), secret.hash));
            return issued{access_token_for(s, user->id), secret.token};
        });
    auto result = co_await std::move(pending);
    if (!result) {
        s.login_per_account.charge(account);
        throw api_error(http::status::unauthorized, "invalid_credentials",
                        "e-mail or password is wrong");
    }
    co_return token_response(s, *result, ctx.req.version());
}

awaitable<http::response> refresh(service& s, http::request_context& ctx) {
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto token = in.string("refreshToken", true, 1, 512, false);
    in.finish();
    enum class refusal { none, unknown, reused, expired };
    struct outcome {
        refusal why = refusal::none;
        issued tokens;
    };
    auto pending = s.blocking([&s, hash = auth::hash_refresh_secret(*token)] {
        auto& st = s.deps.store;
        const auto current = st.find_refresh_token(hash);
        if (!current || current->revoked_at) return outcome{refusal::unknown, {}};
        if (current->used_at) {
            // A rotated token came back: someone holds a copy. Revoke the whole
            // family so neither the thief nor the owner can go on with it.
            st.revoke_refresh_family(current->family_id);
            return outcome{refusal::reused, {}};
        }
        if (current->expires_at <= core::now_ms()) return outcome{refusal::expired, {}};
        if (!st.find_user(current->user_id)) return outcome{refusal::unknown, {}};
        const auto secret = auth::make_refresh_secret();
        if (!st.rotate_refresh_token(
                current->id,
                new_refresh_record(s, current->user_id, current->family_id, secret.hash))) {
            st.revoke_refresh_family(
                current->family_id);  // lost a race with another use: also reuse
            return outcome{refusal::reused, {}};
        }
        return outcome{refusal::none, {access_token_for(s, current->user_id), secret.token}};
    });
    auto result = co_await std::move(pending);
    switch (result.why) {
        case refusal::none:
            break;
        case refusal::unknown:
            throw api_error(http::status::unauthorized, "invalid_refresh_token",
                            "refresh token is not valid");
        case refusal::expired:
            throw api_error(http::status::unauthorized, "refresh_token_expired",
                            "refresh token has expired");
        case refusal::reused:
            spdlog::warn("refresh token reuse detected trace={}; token family revoked",
                         ctx.trace_id);
            throw api_error(
                http::status::unauthorized, "refresh_token_reused",
                "refresh token was already used; all sessions of this login are revoked");
    }
    co_return token_response(s, result.tokens, ctx.req.version());
}

awaitable<http::response> log_out(service& s, http::request_context& ctx) {
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto token = in.string("refreshToken", true, 1, 512, false);
    in.finish();
    auto pending = s.blocking([&s, hash = auth::hash_refresh_secret(*token)] {
        if (const auto current = s.deps.store.find_refresh_token(hash)) {
            s.deps.store.revoke_refresh_family(current->family_id);
        }
    });
    co_await std::move(pending);
    // Unknown tokens also get 204: logging out twice is not an error.
    co_return http::no_content(ctx.req.version());
}

}  // namespace

void add_token_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::post, "/token", s.guarded([&s](auto& ctx) { return log_in(s, ctx); }));
    r.add(verb::delete_, "/token", s.guarded([&s](auto& ctx) { return log_out(s, ctx); }));
    r.add(verb::post, "/token/refresh", s.guarded([&s](auto& ctx) { return refresh(s, ctx); }));
}

}  // namespace chat::api::detail
