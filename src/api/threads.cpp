// Threads under room messages (SPEC §4 conversation_thread): any participant
// of the room replies; the root message shows the reply count and the time of
// the last reply; each reply is signalled to the room as room.thread.msg.new.

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "core/random.hpp"
#include "core/time.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace chat::api::detail {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t max_text_length = 10'000;          // code points, as room messages
constexpr std::int64_t max_seq = std::int64_t{1} << 53;  // stays exact in JavaScript clients

/// The root message of a thread route, as the caller may see it: 404 for a
/// room the caller is not in and for an unknown message.
store::message require_root(service& s, const std::string& room_id, const std::string& message_id,
                            const std::string& me) {
    auto& st = s.deps.store;
    if (!core::is_uuid(room_id) || !st.is_participant(room_id, me)) throw not_found("room");
    if (!core::is_uuid(message_id)) throw not_found("message");
    auto root = st.get_message(room_id, message_id);
    if (!root) throw not_found("message");
    return std::move(*root);
}

awaitable<http::response> post_reply(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    s.messages_per_user.acquire(me);  // a reply is a message: one budget for both
    const auto body = parse_json_body(ctx.req);
    body_reader in(body);
    auto file_ids = read_file_ids(in);
    const auto text = read_message_text(in, !file_ids.empty(), max_text_length);
    in.finish();
    const std::string id = to_lower(ctx.param("id"));
    const std::string mid = to_lower(ctx.param("messageId"));
    auto pending = s.blocking([&s, me, id, mid, text, file_ids = std::move(file_ids)] {
        const auto root = require_root(s, id, mid, me);
        if (root.deleted_at) {
            throw conflict("message_deleted",
                           "the message is deleted; its thread takes no replies");
        }
        require_readable_files(s.deps.store, file_ids, me);
        try {
            return s.deps.store.post_thread_message(id, mid, me, text, file_ids);
        } catch (const store::conflict&) {
            // Deleted between the check above and the reply's transaction.
            throw conflict("message_deleted",
                           "the message is deleted; its thread takes no replies");
        }
    });
    auto reply = co_await std::move(pending);
    s.publish(relay::relay_type::chat, id, "room.thread.msg.new",
              {{"threadId", reply.thread_id},
               {"rootMessageId", mid},
               {"messageId", reply.id},
               {"seq", reply.seq},
               {"senderId", me}});
    auto res = http::json_response(http::status::created, to_json(reply), ctx.req.version());
    res.set(boost::beast::http::field::location, "/rooms/" + id + "/messages/" + mid + "/thread");
    co_return res;
}

awaitable<http::response> list_replies(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const auto after = query_integer(ctx, "after", 0, max_seq).value_or(0);
    const auto limit = static_cast<int>(query_integer(ctx, "limit", 1, 200).value_or(50));
    const std::string id = to_lower(ctx.param("id"));
    const std::string mid = to_lower(ctx.param("messageId"));
    struct page {
        json::object root;
        std::vector<store::thread_message> replies;
        std::vector<std::string> participants;
    };
    auto pending = s.blocking([&s, me, id, mid, after, limit] {
        auto& st = s.deps.store;
        const auto root = require_root(s, id, mid, me);
        page p;
        p.root = describe(st, me, {root}).at(0).as_object();
        p.replies = st.list_thread_messages(id, mid, after, limit + 1);
        p.participants = st.list_thread_participants(id, mid);
        return p;
    });
    auto p = co_await std::move(pending);
    // One extra row tells whether another page follows.
    const bool more = p.replies.size() > static_cast<std::size_t>(limit);
    if (more) p.replies.pop_back();
    json::array replies;
    for (const auto& r : p.replies) replies.push_back(to_json(r));
    json::array participants;
    for (const auto& u : p.participants) participants.push_back(json::string(u));
    json::object out{{"threadId", p.root.at("threadId")},
                     {"rootMessage", std::move(p.root)},
                     {"participants", std::move(participants)},
                     {"replies", std::move(replies)},
                     {"hasMore", more}};
    co_return http::json_response(http::status::ok, out, ctx.req.version());
}

}  // namespace

json::object to_json(const store::thread_message& m) {
    json::object o{{"id", m.id},
                   {"threadId", m.thread_id},
                   {"rootMessageId", m.root_message_id},
                   {"roomId", m.room_id},
                   {"seq", m.seq},
                   {"senderId", m.sender_id},
                   {"text", m.text},
                   {"createdAt", core::iso8601_ms(m.created_at)}};
    json::array files;
    for (const auto& f : m.files) files.push_back(to_json(f));
    o["files"] = std::move(files);
    return o;
}

json::object to_json(const store::message& m, const store::message_extras& extras,
                     const std::vector<store::reaction_count>& reactions) {
    auto o = to_json(m);
    o["threadId"] = extras.thread_id.empty() ? json::value(nullptr) : json::value(extras.thread_id);
    o["replyCount"] = extras.reply_count;
    o["lastReplyAt"] = extras.last_reply_at ? json::value(core::iso8601_ms(*extras.last_reply_at))
                                            : json::value(nullptr);
    json::array files;
    for (const auto& f : extras.files) files.push_back(to_json(f));
    o["files"] = std::move(files);
    o["reactions"] = to_json(reactions);
    return o;
}

json::array describe(store::store& s, const std::string& viewer_id,
                     const std::vector<store::message>& messages) {
    json::array out;
    if (messages.empty()) return out;
    std::vector<std::string> ids;
    ids.reserve(messages.size());
    auto first_seq = messages.front().seq;
    auto last_seq = first_seq;
    for (const auto& m : messages) {
        ids.push_back(m.id);
        first_seq = std::min(first_seq, m.seq);
        last_seq = std::max(last_seq, m.seq);
    }
    const auto extras = s.describe_messages(ids);
    // The messages are of one room; a page covers a seq range, so one query
    // reads the reactions of all of them.
    const auto reactions =
        s.list_reactions(messages.front().room_id, viewer_id, first_seq, last_seq);
    std::unordered_map<std::string_view, const std::vector<store::reaction_count>*> by_message;
    for (const auto& r : reactions) by_message.emplace(r.message_id, &r.reactions);
    const std::vector<store::reaction_count> none;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto it = by_message.find(messages[i].id);
        out.push_back(to_json(messages[i], extras[i], it == by_message.end() ? none : *it->second));
    }
    return out;
}

void add_thread_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::post, "/rooms/{id}/messages/{messageId}/thread",
          s.guarded([&s](auto& ctx) { return post_reply(s, ctx); }));
    r.add(verb::get, "/rooms/{id}/messages/{messageId}/thread",
          s.guarded([&s](auto& ctx) { return list_replies(s, ctx); }));
}

}  // namespace chat::api::detail
