// Reactions to room messages: PUT adds the caller's emoji, DELETE removes it;
// both are idempotent and answer with the message's reactions as the caller
// sees them. A change (not a repeat) is signalled as room.msg.reaction.

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "core/random.hpp"

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

awaitable<http::response> set_reaction(service& s, http::request_context& ctx, bool on) {
    const auto me = s.authenticate(ctx);
    const std::string id = to_lower(ctx.param("id"));
    const std::string mid = to_lower(ctx.param("messageId"));
    // The router hands over the segment percent-decoded.
    const std::string emoji(ctx.param("emoji"));
    auto pending = s.blocking([&s, me, id, mid, emoji, on] {
        // Room first: an outsider learns nothing about the emoji or message.
        if (!core::is_uuid(id) || !s.deps.store.is_participant(id, me)) throw not_found("room");
        if (!core::is_uuid(mid)) throw not_found("message");
        if (auto problem = reaction_problem(emoji)) {
            throw validation_failed(json::object{{"emoji", *problem}});
        }
        return s.deps.store.set_reaction(id, mid, me, emoji, on);
    });
    auto change = co_await std::move(pending);
    switch (change.result) {
        case store::reaction_result::no_message:
            throw not_found("message");
        case store::reaction_result::message_deleted:
            throw conflict("message_deleted", "a deleted message takes no reactions");
        case store::reaction_result::added:
        case store::reaction_result::removed:
            s.publish(relay::relay_type::chat, id, "room.msg.reaction",
                      {{"messageId", mid},
                       {"emoji", emoji},
                       {"userId", me},
                       {"added", change.result == store::reaction_result::added},
                       {"count", change.count}});
            break;
        case store::reaction_result::unchanged:
            break;
    }
    co_return http::json_response(http::status::ok,
                                  json::object{{"messageId", mid},
                                               {"emoji", emoji},
                                               {"count", change.count},
                                               {"reactions", to_json(change.reactions)}},
                                  ctx.req.version());
}

}  // namespace

json::array to_json(const std::vector<store::reaction_count>& reactions) {
    json::array out;
    for (const auto& r : reactions) {
        out.push_back(json::object{{"emoji", r.emoji}, {"count", r.count}, {"me", r.mine}});
    }
    return out;
}

void add_reaction_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::put, "/rooms/{id}/messages/{messageId}/reactions/{emoji}",
          s.guarded([&s](auto& ctx) { return set_reaction(s, ctx, true); }));
    r.add(verb::delete_, "/rooms/{id}/messages/{messageId}/reactions/{emoji}",
          s.guarded([&s](auto& ctx) { return set_reaction(s, ctx, false); }));
}

}  // namespace chat::api::detail
