// The people book, message reactions and notifications of sql_store (its
// other members are in sql_store.cpp). Written in the SQL that SQLite,
// PostgreSQL and MariaDB share, like the rest of the store.

#include "core/random.hpp"
#include "core/time.hpp"
#include "store/detail/sql_statement.hpp"
#include "store/detail/sql_store.hpp"

#include <soci/soci.h>

#include <utility>

namespace chat::store::detail {
namespace {

// --- row bindings (see sql_store.cpp) ------------------------------------------

struct contact_row {
    static constexpr std::string_view columns =
        "b.ref_id, u.nickname, b.favorite, b.hidden, b.created_at";
    contact value;
    int favorite = 0;
    int hidden = 0;

    void bind(soci::statement& st) {
        st.exchange(soci::into(value.user_id));
        st.exchange(soci::into(value.nickname));
        st.exchange(soci::into(favorite));
        st.exchange(soci::into(hidden));
        st.exchange(soci::into(value.added_at));
    }
    contact get() const {
        contact out = value;
        out.favorite = favorite != 0;
        out.hidden = hidden != 0;
        return out;
    }
};

struct notification_row {
    // The caller joins notification_read as r for the viewer.
    static constexpr std::string_view columns =
        "n.id, n.user_id, n.msg_type, n.title, n.body, n.data, n.actor_id, n.created_at,"
        " CASE WHEN r.user_id IS NULL THEN 0 ELSE 1 END";
    notification value;
    std::string user_id;
    std::string actor_id;
    soci::indicator user_ind = soci::i_ok;
    soci::indicator actor_ind = soci::i_ok;
    int read = 0;

    void bind(soci::statement& st) {
        st.exchange(soci::into(value.id));
        st.exchange(soci::into(user_id, user_ind));
        st.exchange(soci::into(value.msg_type));
        st.exchange(soci::into(value.title));
        st.exchange(soci::into(value.body));
        st.exchange(soci::into(value.data));
        st.exchange(soci::into(actor_id, actor_ind));
        st.exchange(soci::into(value.created_at));
        st.exchange(soci::into(read));
    }
    notification get() const {
        notification out = value;
        if (user_ind != soci::i_null) out.user_id = user_id;
        if (actor_ind != soci::i_null) out.actor_id = actor_id;
        out.read = read != 0;
        return out;
    }
};

// Who may see a notification: its own user, and every user for an all-user
// one created since that user signed up (older announcements are not news to
// a new user). Three placeholders, each bound to the viewer's id.
constexpr std::string_view visible_to_viewer =
    "(n.user_id = :viewer1 OR (n.user_id IS NULL AND n.created_at >="
    " (SELECT su.created_at FROM users su WHERE su.id = :viewer2)))";

std::string notification_query(std::string_view filter_and_order) {
    return "SELECT " + std::string(notification_row::columns) +
           " FROM notification n LEFT JOIN notification_read r"
           " ON r.notification_id = n.id AND r.user_id = :viewer0 WHERE " +
           std::string(visible_to_viewer) + " " + std::string(filter_and_order);
}

bool active_user(soci::session& sql, const std::string& id, std::string_view lock) {
    int one = 0;
    sql << "SELECT 1 FROM users WHERE id = :id AND deleted_at IS NULL" + std::string(lock),
        soci::into(one), soci::use(id);
    return sql.got_data();
}

std::optional<contact> select_contact(soci::session& sql, const std::string& owner_id,
                                      const std::string& contact_id) {
    contact_row row;
    soci::statement st(sql);
    row.bind(st);
    st.exchange(soci::use(owner_id));
    st.exchange(soci::use(contact_id));
    prepare_once(st, "SELECT " + std::string(contact_row::columns) +
                         " FROM people_book b JOIN users u ON u.id = b.ref_id"
                         " WHERE b.owner_id = :owner_id AND b.ref_id = :ref_id"
                         " AND u.deleted_at IS NULL");
    if (!st.execute(true)) return std::nullopt;
    return row.get();
}

/// The reaction summaries of the room's live messages in a seq range, one
/// query: the (room_id, seq) key picks the messages, the reaction key
/// (room_message_id, emoji, user_id) their reactions.
std::vector<message_reactions> select_reactions(soci::session& sql, const std::string& room_id,
                                                const std::string& viewer_id,
                                                std::int64_t first_seq, std::int64_t last_seq) {
    std::vector<message_reactions> out;
    std::string message_id;
    reaction_count row;
    int mine = 0;
    std::int64_t first_at = 0;
    soci::statement st(sql);
    st.exchange(soci::into(message_id));
    st.exchange(soci::into(row.emoji));
    st.exchange(soci::into(row.count));
    st.exchange(soci::into(mine));
    st.exchange(soci::into(first_at));
    st.exchange(soci::use(viewer_id));
    st.exchange(soci::use(room_id));
    st.exchange(soci::use(first_seq));
    st.exchange(soci::use(last_seq));
    prepare_once(st,
                 "SELECT x.room_message_id, x.emoji, COUNT(*),"
                 " MAX(CASE WHEN x.user_id = :viewer THEN 1 ELSE 0 END), MIN(x.created_at)"
                 " FROM message_reaction x JOIN room_message m ON m.id = x.room_message_id"
                 " WHERE m.room_id = :room_id AND m.seq >= :first_seq AND m.seq <= :last_seq"
                 " AND m.deleted_at IS NULL"
                 " GROUP BY m.seq, x.room_message_id, x.emoji"
                 " ORDER BY m.seq, MIN(x.created_at), x.emoji");
    st.execute();
    while (st.fetch()) {
        if (out.empty() || out.back().message_id != message_id) {
            out.push_back({message_id, {}});
        }
        row.mine = mine != 0;
        out.back().reactions.push_back(row);
    }
    return out;
}

}  // namespace

// --- people book ----------------------------------------------------------------

contact sql_store::add_contact(const std::string& owner_id, const std::string& contact_id,
                               bool* created) {
    contact out;
    bool inserted = false;
    const auto attempt = [&] {
        write([&](soci::session& sql) {
            inserted = false;
            // Share-locked, so that a concurrent withdrawal waits for this
            // entry and then hides it with the user.
            if (!active_user(sql, contact_id, dialect_.for_share)) {
                throw not_found("unknown user " + contact_id);
            }
            if (auto existing = select_contact(sql, owner_id, contact_id)) {
                out = std::move(*existing);
                return false;
            }
            const std::string id = core::uuid_v4();
            const std::int64_t now = core::now_ms();
            const int no = 0;
            sql << "INSERT INTO people_book (id, owner_id, ref_id, favorite, hidden, created_at)"
                   " VALUES (:id, :owner_id, :ref_id, :favorite, :hidden, :created_at)",
                soci::use(id), soci::use(owner_id), soci::use(contact_id), soci::use(no),
                soci::use(no), soci::use(now);
            out = *select_contact(sql, owner_id, contact_id);
            inserted = true;
            return true;
        });
    };
    try {
        attempt();
    } catch (const conflict&) {
        // A concurrent add of the same contact committed first: it is there now.
        attempt();
    }
    if (created) *created = inserted;
    return out;
}

std::vector<contact> sql_store::list_contacts(const std::string& owner_id,
                                              const contact_filter& filter,
                                              const std::optional<contact_cursor>& after,
                                              int limit) {
    std::vector<contact> out;
    if (limit <= 0) return out;
    const int favorite = filter.favorite.value_or(false) ? 1 : 0;
    const int hidden = filter.hidden.value_or(false) ? 1 : 0;
    read([&](soci::session& sql) {
        out.clear();
        contact_row row;
        soci::statement st(sql);
        row.bind(st);
        st.exchange(soci::use(owner_id));
        std::string q = "SELECT " + std::string(contact_row::columns) +
                        " FROM people_book b JOIN users u ON u.id = b.ref_id"
                        " WHERE b.owner_id = :owner_id AND u.deleted_at IS NULL";
        if (filter.favorite) {
            q += " AND b.favorite = :favorite";
            st.exchange(soci::use(favorite));
        }
        if (filter.hidden) {
            q += " AND b.hidden = :hidden";
            st.exchange(soci::use(hidden));
        }
        if (after) {
            q += " AND (b.created_at < :at1 OR (b.created_at = :at2 AND b.ref_id < :ref_id))";
            st.exchange(soci::use(after->added_at));
            st.exchange(soci::use(after->added_at));
            st.exchange(soci::use(after->user_id));
        }
        q += " ORDER BY b.created_at DESC, b.ref_id DESC LIMIT :limit";
        st.exchange(soci::use(limit));
        prepare_once(st, q);
        st.execute();
        while (st.fetch()) out.push_back(row.get());
    });
    return out;
}

std::optional<contact> sql_store::update_contact(const std::string& owner_id,
                                                 const std::string& contact_id,
                                                 std::optional<bool> favorite,
                                                 std::optional<bool> hidden) {
    std::optional<contact> out;
    write([&](soci::session& sql) {
        // A NULL parameter keeps the column: one statement for every subset.
        const int favorite_value = favorite.value_or(false) ? 1 : 0;
        const int hidden_value = hidden.value_or(false) ? 1 : 0;
        soci::indicator favorite_ind = favorite ? soci::i_ok : soci::i_null;
        soci::indicator hidden_ind = hidden ? soci::i_ok : soci::i_null;
        sql << "UPDATE people_book SET favorite = COALESCE(:favorite, favorite),"
               " hidden = COALESCE(:hidden, hidden)"
               " WHERE owner_id = :owner_id AND ref_id = :ref_id",
            soci::use(favorite_value, favorite_ind), soci::use(hidden_value, hidden_ind),
            soci::use(owner_id), soci::use(contact_id);
        out = select_contact(sql, owner_id, contact_id);
        return true;
    });
    return out;
}

bool sql_store::remove_contact(const std::string& owner_id, const std::string& contact_id) {
    bool removed = false;
    write([&](soci::session& sql) {
        removed = changed_rows(sql,
                               "DELETE FROM people_book WHERE owner_id = :owner_id"
                               " AND ref_id = :ref_id",
                               soci::use(owner_id), soci::use(contact_id)) > 0;
        return true;
    });
    return removed;
}

// --- reactions ------------------------------------------------------------------

reaction_change sql_store::set_reaction(const std::string& room_id, const std::string& message_id,
                                        const std::string& user_id, const std::string& emoji,
                                        bool on) {
    reaction_change out;
    write([&](soci::session& sql) {
        out = {};
        // Locking the message serialises the reactions to it (the servers),
        // so that the count read below is the one this change produced and
        // two equal reactions never race to the same key.
        std::int64_t seq = 0;
        std::int64_t deleted_at = 0;
        soci::indicator deleted_ind = soci::i_ok;
        sql << "SELECT seq, deleted_at FROM room_message WHERE id = :id AND room_id = :room_id" +
                   std::string(dialect_.for_update),
            soci::into(seq), soci::into(deleted_at, deleted_ind), soci::use(message_id),
            soci::use(room_id);
        if (!sql.got_data()) {
            out.result = reaction_result::no_message;
            return false;
        }
        if (deleted_ind != soci::i_null) {
            out.result = reaction_result::message_deleted;
            return false;
        }
        int one = 0;
        sql << "SELECT 1 FROM message_reaction"
               " WHERE room_message_id = :id AND emoji = :emoji AND user_id = :user_id",
            soci::into(one), soci::use(message_id), soci::use(emoji), soci::use(user_id);
        const bool exists = sql.got_data();
        if (on && !exists) {
            const std::int64_t now = core::now_ms();
            sql << "INSERT INTO message_reaction (room_message_id, user_id, emoji, created_at)"
                   " VALUES (:id, :user_id, :emoji, :created_at)",
                soci::use(message_id), soci::use(user_id), soci::use(emoji), soci::use(now);
            out.result = reaction_result::added;
        } else if (!on && exists) {
            sql << "DELETE FROM message_reaction"
                   " WHERE room_message_id = :id AND emoji = :emoji AND user_id = :user_id",
                soci::use(message_id), soci::use(emoji), soci::use(user_id);
            out.result = reaction_result::removed;
        }
        sql << "SELECT COUNT(*) FROM message_reaction WHERE room_message_id = :id"
               " AND emoji = :emoji",
            soci::into(out.count), soci::use(message_id), soci::use(emoji);
        auto summary = select_reactions(sql, room_id, user_id, seq, seq);
        if (!summary.empty()) out.reactions = std::move(summary.front().reactions);
        return out.result != reaction_result::unchanged;
    });
    return out;
}

std::vector<message_reactions> sql_store::list_reactions(const std::string& room_id,
                                                         const std::string& viewer_id,
                                                         std::int64_t first_seq,
                                                         std::int64_t last_seq) {
    std::vector<message_reactions> out;
    if (first_seq > last_seq) return out;
    read([&](soci::session& sql) {
        out = select_reactions(sql, room_id, viewer_id, first_seq, last_seq);
    });
    return out;
}

// --- notifications ----------------------------------------------------------------

std::vector<notification> sql_store::create_notifications(std::vector<notification> batch) {
    std::vector<notification> out;
    write([&](soci::session& sql) {
        out = batch;
        const std::int64_t now = core::now_ms();
        for (auto& n : out) {
            n.id = core::uuid_v4();
            n.created_at = now;
            n.read = false;
            if (n.user_id && !active_user(sql, *n.user_id, dialect_.for_share)) {
                throw not_found("unknown user " + *n.user_id);
            }
            const std::string user_value = n.user_id.value_or("");
            const std::string actor_value = n.actor_id.value_or("");
            soci::indicator user_ind = n.user_id ? soci::i_ok : soci::i_null;
            soci::indicator actor_ind = n.actor_id ? soci::i_ok : soci::i_null;
            sql << "INSERT INTO notification"
                   " (id, user_id, msg_type, title, body, data, actor_id, created_at)"
                   " VALUES (:id, :user_id, :msg_type, :title, :body, :data, :actor_id,"
                   " :created_at)",
                soci::use(n.id), soci::use(user_value, user_ind), soci::use(n.msg_type),
                soci::use(n.title), soci::use(n.body), soci::use(n.data),
                soci::use(actor_value, actor_ind), soci::use(n.created_at);
        }
        return true;
    });
    return out;
}

std::vector<notification> sql_store::list_notifications(
    const std::string& user_id, bool unread_only, const std::optional<notification_cursor>& after,
    int limit) {
    std::vector<notification> out;
    if (limit <= 0) return out;
    read([&](soci::session& sql) {
        out.clear();
        notification_row row;
        soci::statement st(sql);
        row.bind(st);
        st.exchange(soci::use(user_id));
        st.exchange(soci::use(user_id));
        st.exchange(soci::use(user_id));
        std::string filter;
        if (unread_only) filter += "AND r.user_id IS NULL ";
        if (after) {
            filter += "AND (n.created_at < :at1 OR (n.created_at = :at2 AND n.id < :id)) ";
            st.exchange(soci::use(after->created_at));
            st.exchange(soci::use(after->created_at));
            st.exchange(soci::use(after->id));
        }
        filter += "ORDER BY n.created_at DESC, n.id DESC LIMIT :limit";
        st.exchange(soci::use(limit));
        prepare_once(st, notification_query(filter));
        st.execute();
        while (st.fetch()) out.push_back(row.get());
    });
    return out;
}

namespace {

// One notification as the user sees it (the visibility rule is notification_query's).
std::optional<notification> find_notification(soci::session& sql,
                                              const std::string& notification_id,
                                              const std::string& user_id) {
    notification_row row;
    soci::statement st(sql);
    row.bind(st);
    st.exchange(soci::use(user_id));
    st.exchange(soci::use(user_id));
    st.exchange(soci::use(user_id));
    st.exchange(soci::use(notification_id));
    prepare_once(st, notification_query("AND n.id = :id"));
    if (!st.execute(true)) return std::nullopt;
    return row.get();
}

}  // namespace

std::optional<notification> sql_store::get_notification(const std::string& notification_id,
                                                        const std::string& user_id) {
    std::optional<notification> out;
    read([&](soci::session& sql) { out = find_notification(sql, notification_id, user_id); });
    return out;
}

std::optional<notification> sql_store::mark_notification_read(const std::string& notification_id,
                                                              const std::string& user_id) {
    std::optional<notification> out;
    const auto attempt = [&] {
        write([&](soci::session& sql) {
            out = find_notification(sql, notification_id, user_id);
            if (!out || out->read) return false;
            const std::int64_t now = core::now_ms();
            sql << "INSERT INTO notification_read (notification_id, user_id, read_at)"
                   " VALUES (:id, :user_id, :read_at)",
                soci::use(notification_id), soci::use(user_id), soci::use(now);
            out->read = true;
            return true;
        });
    };
    try {
        attempt();
    } catch (const conflict&) {
        // A concurrent call marked it first; read again, it is read now.
        attempt();
    }
    return out;
}

}  // namespace chat::store::detail
