// Room messages: send, history by seq cursor, get, soft delete, read marker.
// Messages carry their reactions summary (reactions.cpp), as the caller sees
// it, their thread summary and their files (threads.cpp: describe).

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "core/random.hpp"

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t max_text_length = 10'000;          // code points
constexpr std::int64_t max_seq = std::int64_t{1} << 53;  // stays exact in JavaScript clients

awaitable<http::response> send_message(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    s.messages_per_user.acquire(me);
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    auto file_ids = read_file_ids(in);
    const auto text = read_message_text(in, !file_ids.empty(), max_text_length);
    in.finish();
    const std::string id = to_lower(ctx.param("id"));
    struct sent {
        store::message msg;
        json::object view;
    };
    auto pending = s.blocking([&s, me, id, text, file_ids = std::move(file_ids)] {
        auto& st = s.deps.store;
        if (!core::is_uuid(id) || !st.is_participant(id, me)) throw not_found("room");
        require_readable_files(st, file_ids, me);
        if (file_ids.empty()) {
            // The hot path: a new message has no thread, files or
            // reactions, so there is nothing more to read.
            auto msg = st.post_message(id, me, text);
            auto view = to_json(msg, store::message_extras{}, {});
            return sent{std::move(msg), std::move(view)};
        }
        auto msg = st.post_message_with_files(id, me, text, file_ids);
        auto view = describe(st, me, {msg}).at(0).as_object();
        return sent{std::move(msg), std::move(view)};
    });
    auto [msg, view] = co_await std::move(pending);
    s.publish(relay::relay_type::chat, id, "room.msg.new",
              {{"messageId", msg.id}, {"seq", msg.seq}, {"senderId", me}});
    auto res = http::json_response(http::status::created, view, ctx.req.version());
    res.set(boost::beast::http::field::location, "/rooms/" + id + "/messages/" + msg.id);
    co_return res;
}

awaitable<http::response> list_messages(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto before = query_integer(ctx, "before", 1, max_seq);
    const auto after = query_integer(ctx, "after", 0, max_seq);
    const auto limit = static_cast<int>(query_integer(ctx, "limit", 1, 200).value_or(50));
    const std::string id = to_lower(ctx.param("id"));
    auto pending = s.blocking([&s, me, id, before, after, limit] {
        if (!core::is_uuid(id) || !s.deps.store.is_participant(id, me)) throw not_found("room");
        auto page = s.deps.store.list_messages(id, before, after, limit + 1);
        return std::make_pair(page.size(), describe(s.deps.store, me, page));
    });
    auto [count, items] = co_await std::move(pending);
    // One extra row tells whether another page exists in the paging direction.
    const bool more = count > static_cast<std::size_t>(limit);
    if (more) {
        if (after) {
            items.pop_back();  // paging forward: the extra one is the newest
        } else {
            items.erase(items.begin());  // paging back: the extra one is the oldest
        }
    }
    co_return http::json_response(http::status::ok,
                                  json::object{{"messages", std::move(items)}, {"hasMore", more}},
                                  ctx.req.version());
}

awaitable<http::response> get_message(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const std::string id = to_lower(ctx.param("id"));
    const std::string mid = to_lower(ctx.param("messageId"));
    auto pending = s.blocking([&s, me, id, mid] {
        if (!core::is_uuid(id) || !s.deps.store.is_participant(id, me)) throw not_found("room");
        if (!core::is_uuid(mid)) throw not_found("message");
        auto m = s.deps.store.get_message(id, mid);
        if (!m) throw not_found("message");
        return describe(s.deps.store, me, {*m}).at(0).as_object();
    });
    auto view = co_await std::move(pending);
    co_return http::json_response(http::status::ok, view, ctx.req.version());
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

std::string read_message_text(body_reader& in, bool has_files, std::size_t max_length) {
    // A message may be only files; without any it needs words.
    const auto text = in.string("text", !has_files, has_files ? 0 : 1, max_length, false);
    if (!has_files && text && text->find_first_not_of(" \t\r\n") == std::string::npos) {
        in.fail("text", "must not be blank");
    }
    return text.value_or("");
}

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
