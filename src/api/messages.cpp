// Room messages: send, history by seq cursor, get, soft delete, read marker.
// Messages carry their reactions summary (reactions.cpp), as the caller sees it.

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "core/random.hpp"

#include <unordered_map>

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t max_text_length = 10'000;          // code points
constexpr std::int64_t max_seq = std::int64_t{1} << 53;  // stays exact in JavaScript clients

awaitable<http::response> send_message(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto text = in.string("text", true, 1, max_text_length, false);
    if (text && text->find_first_not_of(" \t\r\n") == std::string::npos) {
        in.fail("text", "must not be blank");
    }
    in.finish();
    const std::string id = to_lower(ctx.param("id"));
    auto pending = s.blocking([&s, me, id, text = *text] {
        if (!core::is_uuid(id) || !s.deps.store.is_participant(id, me)) throw not_found("room");
        return s.deps.store.post_message(id, me, text);
    });
    auto msg = co_await std::move(pending);
    s.publish(relay::relay_type::chat, id, "room.msg.new",
              {{"messageId", msg.id}, {"seq", msg.seq}, {"senderId", me}});
    auto out = to_json(msg);
    out["reactions"] = json::array();  // none yet
    auto res = http::json_response(http::status::created, out, ctx.req.version());
    res.set(boost::beast::http::field::location, "/rooms/" + id + "/messages/" + msg.id);
    co_return res;
}

awaitable<http::response> list_messages(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto before = query_integer(ctx, "before", 1, max_seq);
    const auto after = query_integer(ctx, "after", 0, max_seq);
    const auto limit = static_cast<int>(query_integer(ctx, "limit", 1, 200).value_or(50));
    const std::string id = to_lower(ctx.param("id"));
    struct page {
        std::vector<store::message> messages;
        std::vector<store::message_reactions> reactions;
    };
    auto pending = s.blocking([&s, me, id, before, after, limit] {
        if (!core::is_uuid(id) || !s.deps.store.is_participant(id, me)) throw not_found("room");
        page p;
        p.messages = s.deps.store.list_messages(id, before, after, limit + 1);
        // One query for the reactions of the whole page.
        if (!p.messages.empty()) {
            p.reactions =
                s.deps.store.list_reactions(id, me, p.messages.front().seq, p.messages.back().seq);
        }
        return p;
    });
    auto result = co_await std::move(pending);
    auto& messages = result.messages;
    // One extra row tells whether another page exists in the paging direction.
    const bool more = messages.size() > static_cast<std::size_t>(limit);
    if (more) {
        if (after) {
            messages.pop_back();  // paging forward: the extra one is the newest
        } else {
            messages.erase(messages.begin());  // paging back: the extra one is the oldest
        }
    }
    std::unordered_map<std::string_view, const std::vector<store::reaction_count>*> reactions;
    for (const auto& r : result.reactions) reactions.emplace(r.message_id, &r.reactions);
    json::array items;
    for (const auto& m : messages) {
        auto o = to_json(m);
        const auto it = reactions.find(m.id);
        o["reactions"] = it == reactions.end() ? json::array() : to_json(*it->second);
        items.push_back(std::move(o));
    }
    co_return http::json_response(http::status::ok,
                                  json::object{{"messages", std::move(items)}, {"hasMore", more}},
                                  ctx.req.version());
}

awaitable<http::response> get_message(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const std::string id = to_lower(ctx.param("id"));
    const std::string mid = to_lower(ctx.param("messageId"));
    struct found {
        store::message msg;
        std::vector<store::reaction_count> reactions;
    };
    auto pending = s.blocking([&s, me, id, mid] {
        if (!core::is_uuid(id) || !s.deps.store.is_participant(id, me)) throw not_found("room");
        if (!core::is_uuid(mid)) throw not_found("message");
        auto m = s.deps.store.get_message(id, mid);
        if (!m) throw not_found("message");
        auto r = s.deps.store.list_reactions(id, me, m->seq, m->seq);
        return found{std::move(*m), r.empty() ? std::vector<store::reaction_count>{}
                                              : std::move(r.front().reactions)};
    });
    auto result = co_await std::move(pending);
    auto out = to_json(result.msg);
    out["reactions"] = to_json(result.reactions);
    co_return http::json_response(http::status::ok, out, ctx.req.version());
}

awaitable<http::response> delete_message(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const std::string id = to_lower(ctx.param("id"));
    const std::string mid = to_lower(ctx.param("messageId"));
    struct outcome {
        store::delete_result result;
        store::message msg;
    };
    auto pending = s.blocking([&s, me, id, mid] {
        if (!core::is_uuid(id) || !s.deps.store.is_participant(id, me)) throw not_found("room");
        if (!core::is_uuid(mid)) throw not_found("message");
        outcome o{};
        o.result = s.deps.store.delete_message(id, mid, me, &o.msg);
        return o;
    });
    auto r = co_await std::move(pending);
    switch (r.result) {
        case store::delete_result::not_found:
            throw not_found("message");
        case store::delete_result::not_sender:
            throw forbidden("only the sender can delete a message");
        case store::delete_result::already_deleted:
            break;  // idempotent: the tombstone is already there, nothing to signal
        case store::delete_result::deleted:
            s.publish(relay::relay_type::chat, id, "room.msg.deleted",
                      {{"messageId", mid}, {"seq", r.msg.seq}, {"actorId", me}});
            break;
    }
    co_return http::no_content(ctx.req.version());
}

awaitable<http::response> mark_read(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    const auto seq = in.integer("seq", true, 0, max_seq);
    in.finish();
    const std::string id = to_lower(ctx.param("id"));
    auto pending = s.blocking([&s, me, id, seq = *seq] {
        require_room(s.deps.store, id, me);
        s.deps.store.mark_read(id, me, seq);
        return require_room(s.deps.store, id, me);
    });
    auto room = co_await std::move(pending);
    co_return http::json_response(http::status::ok,
                                  json::object{{"roomId", id},
                                               {"lastReadSeq", room.last_read_seq},
                                               {"unreadCount", room.unread_count}},
                                  ctx.req.version());
}

}  // namespace

void add_message_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::post, "/rooms/{id}/messages",
          s.guarded([&s](auto& ctx) { return send_message(s, ctx); }));
    r.add(verb::get, "/rooms/{id}/messages",
          s.guarded([&s](auto& ctx) { return list_messages(s, ctx); }));
    r.add(verb::get, "/rooms/{id}/messages/{messageId}",
          s.guarded([&s](auto& ctx) { return get_message(s, ctx); }));
    r.add(verb::delete_, "/rooms/{id}/messages/{messageId}",
          s.guarded([&s](auto& ctx) { return delete_message(s, ctx); }));
    r.add(verb::put, "/rooms/{id}/read", s.guarded([&s](auto& ctx) { return mark_read(s, ctx); }));
}

}  // namespace chat::api::detail
