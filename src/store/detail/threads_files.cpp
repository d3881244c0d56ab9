// Threads under room messages and uploaded files' metadata and attachments
// (SPEC §4), members of sql_store like the rest of the store (sql_store.cpp),
// run through its read()/write() seam.

#include "store/detail/threads_files.hpp"

#include "core/random.hpp"
#include "core/time.hpp"
#include "store/detail/sql_statement.hpp"
#include "store/detail/sql_store.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <map>
#include <utility>

namespace chat::store::detail {
namespace {

struct file_row {
    static constexpr std::string_view columns =
        "f.id, f.uploader_id, f.name, f.content_type, f.kind, f.size_bytes, f.sha256, "
        "f.created_at";
    file_info value;

    void bind(soci::statement& st) {
        st.exchange(soci::into(value.id));
        st.exchange(soci::into(value.uploader_id));
        st.exchange(soci::into(value.name));
        st.exchange(soci::into(value.content_type));
        st.exchange(soci::into(value.kind));
        st.exchange(soci::into(value.size));
        st.exchange(soci::into(value.sha256));
        st.exchange(soci::into(value.created_at));
    }
};

/// The file if `user_id` may read it (the rule of store::find_file).
std::optional<file_info> readable_file(soci::session& sql, const std::string& file_id,
                                       const std::string& user_id) {
    file_row row;
    soci::statement st(sql);
    row.bind(st);
    st.exchange(soci::use(file_id));
    st.exchange(soci::use(user_id));
    st.exchange(soci::use(user_id));
    st.exchange(soci::use(user_id));
    prepare_once(st, "SELECT " + std::string(file_row::columns) +
                         " FROM file f WHERE f.id = :id AND (f.uploader_id = :u1"
                         " OR EXISTS (SELECT 1 FROM room_message_file a"
                         "   JOIN room_message m ON m.id = a.room_message_id"
                         "   JOIN room_participant p ON p.room_id = a.room_id"
                         "  WHERE a.file_id = f.id AND m.deleted_at IS NULL"
                         "    AND p.user_id = :u2 AND p.left_at IS NULL)"
                         " OR EXISTS (SELECT 1 FROM thread_message_file a"
                         "   JOIN thread_message t ON t.id = a.thread_message_id"
                         "   JOIN room_participant p ON p.room_id = a.room_id"
                         "  WHERE a.file_id = f.id AND t.deleted_at IS NULL"
                         "    AND p.user_id = :u3 AND p.left_at IS NULL))");
    if (!st.execute(true)) return std::nullopt;
    return row.value;
}

/// ":p0, :p1, ..." for an IN list of `n` values.
std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += (i ? ", :p" : ":p") + std::to_string(i);
    return out;
}

/// The files attached to each of `owner_ids` (all of one owner kind), in
/// attachment order; those of deleted owners are left out.
std::map<std::string, std::vector<file_info>> attached_files(
    soci::session& sql, attachment_owner owner, const std::vector<std::string>& owner_ids) {
    std::map<std::string, std::vector<file_info>> out;
    if (owner_ids.empty()) return out;
    const bool room = owner == attachment_owner::room_message;
    std::string owner_id;
    file_row row;
    soci::statement st(sql);
    st.exchange(soci::into(owner_id));
    row.bind(st);
    for (const auto& id : owner_ids) st.exchange(soci::use(id));
    const std::string link = room ? "room_message_id" : "thread_message_id";
    prepare_once(st, "SELECT a." + link + ", " + std::string(file_row::columns) + " FROM " +
                         (room ? "room_message_file a JOIN room_message o"
                               : "thread_message_file a JOIN thread_message o") +
                         " ON o.id = a." + link + " JOIN file f ON f.id = a.file_id WHERE a." +
                         link + " IN (" + placeholders(owner_ids.size()) +
                         ") AND o.deleted_at IS NULL ORDER BY a." + link + ", a.ordinal");
    st.execute();
    while (st.fetch()) out[owner_id].push_back(row.value);
    return out;
}

struct thread_ref {
    std::string id;
    std::int64_t last_seq = 0;
};

std::optional<thread_ref> find_thread(soci::session& sql, const std::string& room_id,
                                      const std::string& root_message_id,
                                      std::string_view lock = {}) {
    thread_ref t;
    sql << "SELECT id, last_seq FROM conversation_thread"
           " WHERE room_message_id = :root AND room_id = :room" +
               std::string(lock),
        soci::into(t.id), soci::into(t.last_seq), soci::use(root_message_id), soci::use(room_id);
    if (!sql.got_data()) return std::nullopt;
    return t;
}

}  // namespace

void attach_files(soci::session& sql, attachment_owner owner, const std::string& owner_id,
                  const std::string& room_id, const std::string& user_id,
                  const std::vector<std::string>& file_ids) {
    std::vector<std::string> unique;
    for (const auto& id : file_ids) {
        if (std::find(unique.begin(), unique.end(), id) == unique.end()) unique.push_back(id);
    }
    const std::string insert =
        owner == attachment_owner::room_message
            ? "INSERT INTO room_message_file (room_message_id, file_id, room_id, ordinal)"
              " VALUES (:owner, :file, :room, :ordinal)"
            : "INSERT INTO thread_message_file (thread_message_id, file_id, room_id, ordinal)"
              " VALUES (:owner, :file, :room, :ordinal)";
    for (std::size_t i = 0; i < unique.size(); ++i) {
        if (!readable_file(sql, unique[i], user_id)) throw not_found("unknown file " + unique[i]);
        const int ordinal = static_cast<int>(i);
        sql << insert, soci::use(owner_id), soci::use(unique[i]), soci::use(room_id),
            soci::use(ordinal);
    }
}

thread_message sql_store::post_thread_message(const std::string& room_id,
                                              const std::string& root_message_id,
                                              const std::string& sender_id, const std::string& text,
                                              const std::vector<std::string>& file_ids) {
    thread_message m;
    write([&](soci::session& sql) {
        std::string room_participant_id;
        sql << "SELECT id FROM room_participant"
               " WHERE room_id = :room_id AND user_id = :user_id AND left_at IS NULL",
            soci::into(room_participant_id), soci::use(room_id), soci::use(sender_id);
        if (!sql.got_data()) throw not_found("not a participant of room " + room_id);

        // Locking the root serialises the replies of one thread, so that two
        // first replies do not both create it; SQLite's BEGIN IMMEDIATE does
        // so already.
        std::int64_t deleted_at = 0;
        soci::indicator deleted_ind = soci::i_ok;
        sql << "SELECT deleted_at FROM room_message WHERE id = :id AND room_id = :room_id" +
                   std::string(dialect_.for_update),
            soci::into(deleted_at, deleted_ind), soci::use(root_message_id), soci::use(room_id);
        if (!sql.got_data()) throw not_found("unknown message " + root_message_id);
        if (deleted_ind != soci::i_null) throw conflict("the root message is deleted");

        m = {};
        m.id = core::uuid_v4();
        m.root_message_id = root_message_id;
        m.room_id = room_id;
        m.sender_id = sender_id;
        m.text = text;
        m.created_at = core::now_ms();

        auto thread = find_thread(sql, room_id, root_message_id);
        if (!thread) {
            thread = thread_ref{core::uuid_v4(), 0};
            sql << "INSERT INTO conversation_thread (id, room_message_id, room_id, created_at,"
                   " last_seq) VALUES (:id, :root, :room, :created_at, 0)",
                soci::use(thread->id), soci::use(root_message_id), soci::use(room_id),
                soci::use(m.created_at);
            sql << "UPDATE room_message SET has_thread = 1 WHERE id = :id",
                soci::use(root_message_id);
        }
        m.thread_id = thread->id;

        std::string thread_participant_id;
        sql << "SELECT id FROM thread_participant"
               " WHERE conversation_thread_id = :thread AND room_participant_id = :participant",
            soci::into(thread_participant_id), soci::use(m.thread_id),
            soci::use(room_participant_id);
        if (!sql.got_data()) {
            thread_participant_id = core::uuid_v4();
            sql << "INSERT INTO thread_participant (id, conversation_thread_id,"
                   " room_participant_id, joined_at)"
                   " VALUES (:id, :thread, :participant, :joined_at)",
                soci::use(thread_participant_id), soci::use(m.thread_id),
                soci::use(room_participant_id), soci::use(m.created_at);
        }

        sql << "UPDATE conversation_thread SET last_seq = last_seq + 1, last_reply_at = :now"
               " WHERE id = :id",
            soci::use(m.created_at), soci::use(m.thread_id);
        sql << "SELECT last_seq FROM conversation_thread WHERE id = :id", soci::into(m.seq),
            soci::use(m.thread_id);
        sql << "INSERT INTO thread_message (id, conversation_thread_id, thread_participant_id,"
               " sender_id, seq, text, created_at)"
               " VALUES (:id, :thread, :participant, :sender, :seq, :text, :created_at)",
            soci::use(m.id), soci::use(m.thread_id), soci::use(thread_participant_id),
            soci::use(sender_id), soci::use(m.seq), soci::use(m.text), soci::use(m.created_at);
        attach_files(sql, attachment_owner::thread_message, m.id, room_id, sender_id, file_ids);
        m.files = attached_files(sql, attachment_owner::thread_message, {m.id})[m.id];
        return true;
    });
    return m;
}

std::vector<thread_message> sql_store::list_thread_messages(const std::string& room_id,
                                                            const std::string& root_message_id,
                                                            std::int64_t after, int limit) {
    std::vector<thread_message> out;
    if (limit <= 0) return out;
    read([&](soci::session& sql) {
        out.clear();
        const auto thread = find_thread(sql, room_id, root_message_id);
        if (!thread) return;
        thread_message m;
        m.thread_id = thread->id;
        m.root_message_id = root_message_id;
        m.room_id = room_id;
        std::int64_t deleted_at = 0;
        soci::indicator deleted_ind = soci::i_ok;
        soci::statement st(sql);
        st.exchange(soci::into(m.id));
        st.exchange(soci::into(m.sender_id));
        st.exchange(soci::into(m.seq));
        st.exchange(soci::into(m.text));
        st.exchange(soci::into(m.created_at));
        st.exchange(soci::into(deleted_at, deleted_ind));
        st.exchange(soci::use(thread->id));
        st.exchange(soci::use(after));
        st.exchange(soci::use(limit));
        prepare_once(st,
                     "SELECT id, sender_id, seq, text, created_at, deleted_at FROM thread_message"
                     " WHERE conversation_thread_id = :thread AND seq > :after"
                     " ORDER BY seq LIMIT :limit");
        st.execute();
        while (st.fetch()) {
            if (deleted_ind != soci::i_null) m.text.clear();
            out.push_back(m);
        }
        std::vector<std::string> ids;
        for (const auto& reply : out) ids.push_back(reply.id);
        auto files = attached_files(sql, attachment_owner::thread_message, ids);
        for (auto& reply : out) reply.files = std::move(files[reply.id]);
    });
    return out;
}

std::vector<std::string> sql_store::list_thread_participants(const std::string& room_id,
                                                             const std::string& root_message_id) {
    std::vector<std::string> out;
    read([&](soci::session& sql) {
        out.clear();
        std::string user_id;
        soci::statement st(sql);
        st.exchange(soci::into(user_id));
        st.exchange(soci::use(root_message_id));
        st.exchange(soci::use(room_id));
        prepare_once(st,
                     "SELECT p.user_id FROM conversation_thread t"
                     " JOIN thread_participant tp ON tp.conversation_thread_id = t.id"
                     " JOIN room_participant p ON p.id = tp.room_participant_id"
                     " WHERE t.room_message_id = :root AND t.room_id = :room"
                     " ORDER BY tp.joined_at, tp.id");
        st.execute();
        while (st.fetch()) out.push_back(user_id);
    });
    return out;
}

std::vector<message_extras> sql_store::describe_messages(
    const std::vector<std::string>& message_ids) {
    std::vector<message_extras> out;
    if (message_ids.empty()) return out;
    read([&](soci::session& sql) {
        out.clear();
        std::map<std::string, message_extras> by_id;
        {
            message_extras e;
            std::int64_t last_reply_at = 0;
            soci::indicator last_reply_ind = soci::i_ok;
            soci::statement st(sql);
            st.exchange(soci::into(e.message_id));
            st.exchange(soci::into(e.thread_id));
            st.exchange(soci::into(e.reply_count));
            st.exchange(soci::into(last_reply_at, last_reply_ind));
            for (const auto& id : message_ids) st.exchange(soci::use(id));
            prepare_once(st,
                         "SELECT room_message_id, id, last_seq, last_reply_at"
                         " FROM conversation_thread WHERE room_message_id IN (" +
                             placeholders(message_ids.size()) + ")");
            st.execute();
            while (st.fetch()) {
                e.last_reply_at = opt(last_reply_at, last_reply_ind);
                by_id[e.message_id] = e;
            }
        }
        auto files = attached_files(sql, attachment_owner::room_message, message_ids);
        out.reserve(message_ids.size());
        for (const auto& id : message_ids) {
            auto it = by_id.find(id);
            message_extras e = it == by_id.end() ? message_extras{} : std::move(it->second);
            e.message_id = id;
            e.files = std::move(files[id]);
            out.push_back(std::move(e));
        }
    });
    return out;
}

file_info sql_store::insert_file(file_info f) {
    f.id = core::uuid_v4();
    f.created_at = core::now_ms();
    write([&](soci::session& sql) {
        int one = 0;
        sql << "SELECT 1 FROM users WHERE id = :id AND deleted_at IS NULL" +
                   std::string(dialect_.for_share),
            soci::into(one), soci::use(f.uploader_id);
        if (!sql.got_data()) throw not_found("unknown user " + f.uploader_id);
        sql << "INSERT INTO file (id, uploader_id, name, content_type, kind, size_bytes, sha256,"
               " created_at) VALUES (:id, :uploader_id, :name, :content_type, :kind, :size,"
               " :sha256, :created_at)",
            soci::use(f.id), soci::use(f.uploader_id), soci::use(f.name), soci::use(f.content_type),
            soci::use(f.kind), soci::use(f.size), soci::use(f.sha256), soci::use(f.created_at);
        return true;
    });
    return f;
}

std::optional<file_info> sql_store::find_file(const std::string& file_id,
                                              const std::string& user_id) {
    std::optional<file_info> out;
    read([&](soci::session& sql) { out = readable_file(sql, file_id, user_id); });
    return out;
}

}  // namespace chat::store::detail
