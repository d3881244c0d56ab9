#include "store/detail/sql_store.hpp"

#include "core/random.hpp"
#include "core/time.hpp"
#include "store/detail/sql_script.hpp"
#include "store/detail/sql_statement.hpp"
#include "store/detail/threads_files.hpp"

#include <soci/soci.h>

#include <chrono>
#include <random>
#include <thread>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

namespace chat::store::detail {
namespace {

// Longer than the busy timeout: a call waiting here is queued behind calls
// that may themselves be waiting for the write lock. Whole seconds, because
// some SOCI versions do not normalise the deadline's nanoseconds.
constexpr int lease_timeout_ms = 15000;

// A deadlock victim is run again up to this many times in all, after a short
// random pause that grows with each attempt, so that the same transactions do
// not collide again in lockstep: the other one has usually finished by then.
constexpr int max_attempts = 6;

// Set while a COMMIT is on its way to the server: a connection lost then
// leaves unknown whether the transaction took effect, so the call must not
// run again. Per thread, because a call runs on one thread from start to
// end and calls never nest.
thread_local bool commit_in_flight = false;

// Jitter for deadlock retries; per thread, so no lock is shared.
unsigned jitter_below(unsigned bound) {
    thread_local std::minstd_rand engine{std::random_device{}()};
    return static_cast<unsigned>(engine() % bound);
}

class leased_session {
public:
    explicit leased_session(soci::connection_pool& pool) : pool_(pool) {
        if (!pool_.try_lease(pos_, lease_timeout_ms)) {
            throw unavailable("store: no database connection free");
        }
    }
    ~leased_session() { pool_.give_back(pos_); }
    leased_session(const leased_session&) = delete;
    leased_session& operator=(const leased_session&) = delete;

    soci::session& get() { return pool_.at(pos_); }

private:
    soci::connection_pool& pool_;
    std::size_t pos_ = 0;
};

/// Rolls back unless committed, so that an exception anywhere inside leaves
/// the pooled session outside any transaction.
class write_transaction {
public:
    write_transaction(soci::session& sql, const dialect& d, writer_gate& gate)
        : sql_(sql), dialect_(d), gate_(gate) {
        if (d.serialize_writers) lock_ = std::unique_lock(gate.mutex);
        sql_ << std::string(d.begin_write);
    }
    ~write_transaction() {
        if (open_) {
            try {
                sql_.rollback();
            } catch (...) {
                // Nothing to do: the original error is more telling, and a
                // failed rollback leaves no transaction open in SQLite.
            }
        }
    }
    write_transaction(const write_transaction&) = delete;
    write_transaction& operator=(const write_transaction&) = delete;

    void commit() {
        commit_in_flight = true;
        sql_.commit();
        commit_in_flight = false;
        open_ = false;
        if (lock_.owns_lock() && dialect_.checkpoint_every != 0 &&
            ++gate_.commits % dialect_.checkpoint_every == 0) {
            try {
                sql_ << std::string(dialect_.checkpoint);
            } catch (const soci::soci_error&) {
                // Readers outlasted the busy timeout: the next round retries.
            }
        }
    }

private:
    soci::session& sql_;
    const dialect& dialect_;
    writer_gate& gate_;
    std::unique_lock<std::mutex> lock_;
    bool open_ = true;
};

std::string lower_ascii(std::string s) {
    // The API lower-cases too; addresses are compared as stored.
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// --- row bindings -----------------------------------------------------------
// Each struct receives the columns of its `select` list, in order, so that a
// statement and the variables it fills cannot drift apart.

struct user_row {
    static constexpr std::string_view columns =
        "u.id, u.email, u.nickname, u.password_hash, u.created_at, u.is_admin";
    user value;
    int is_admin = 0;

    void bind(soci::statement& st) {
        st.exchange(soci::into(value.id));
        st.exchange(soci::into(value.email));
        st.exchange(soci::into(value.nickname));
        st.exchange(soci::into(value.password_hash));
        st.exchange(soci::into(value.created_at));
        st.exchange(soci::into(is_admin));
    }
    user get() const {
        user out = value;
        out.is_admin = is_admin != 0;
        return out;
    }
};

struct message_row {
    static constexpr std::string_view columns =
        "m.id, m.room_id, m.sender_id, m.seq, m.text, m.created_at, m.deleted_at, m.has_thread";
    message value;
    std::int64_t deleted_at = 0;
    int has_thread = 0;
    soci::indicator deleted_ind = soci::i_ok;

    void bind(soci::statement& st) {
        st.exchange(soci::into(value.id));
        st.exchange(soci::into(value.room_id));
        st.exchange(soci::into(value.sender_id));
        st.exchange(soci::into(value.seq));
        st.exchange(soci::into(value.text));
        st.exchange(soci::into(value.created_at));
        st.exchange(soci::into(deleted_at, deleted_ind));
        st.exchange(soci::into(has_thread));
    }
    message get() const {
        message out = value;
        out.deleted_at = opt(deleted_at, deleted_ind);
        out.has_thread = has_thread != 0;
        return out;
    }
};

struct refresh_token_row {
    static constexpr std::string_view columns =
        "t.id, t.family_id, t.user_id, t.token_hash, t.created_at, t.expires_at, t.used_at, "
        "t.revoked_at";
    refresh_token value;
    std::int64_t used_at = 0;
    std::int64_t revoked_at = 0;
    soci::indicator used_ind = soci::i_ok;
    soci::indicator revoked_ind = soci::i_ok;

    void bind(soci::statement& st) {
        st.exchange(soci::into(value.id));
        st.exchange(soci::into(value.family_id));
        st.exchange(soci::into(value.user_id));
        st.exchange(soci::into(value.token_hash));
        st.exchange(soci::into(value.created_at));
        st.exchange(soci::into(value.expires_at));
        st.exchange(soci::into(used_at, used_ind));
        st.exchange(soci::into(revoked_at, revoked_ind));
    }
    refresh_token get() const {
        refresh_token out = value;
        out.used_at = opt(used_at, used_ind);
        out.revoked_at = opt(revoked_at, revoked_ind);
        return out;
    }
};

struct participant_row {
    static constexpr std::string_view columns =
        "p.id, p.room_id, p.user_id, u.nickname, p.joined_at, p.last_read_seq";
    participant value;

    void bind(soci::statement& st) {
        st.exchange(soci::into(value.id));
        st.exchange(soci::into(value.room_id));
        st.exchange(soci::into(value.user_id));
        st.exchange(soci::into(value.nickname));
        st.exchange(soci::into(value.joined_at));
        st.exchange(soci::into(value.last_read_seq));
    }
    participant get() const { return value; }
};

/// A room as seen by one participant, with its last message joined in (every
/// column of which is NULL when the room has no message yet).
struct room_view_row {
    room_view value;
    std::string name;
    soci::indicator name_ind = soci::i_ok;
    std::string msg_id;
    std::string msg_sender_id;
    std::string msg_text;
    std::int64_t msg_seq = 0;
    std::int64_t msg_created_at = 0;
    std::int64_t msg_deleted_at = 0;
    int msg_has_thread = 0;
    soci::indicator msg_id_ind = soci::i_ok;
    soci::indicator msg_sender_ind = soci::i_ok;
    soci::indicator msg_text_ind = soci::i_ok;
    soci::indicator msg_seq_ind = soci::i_ok;
    soci::indicator msg_created_ind = soci::i_ok;
    soci::indicator msg_deleted_ind = soci::i_ok;
    soci::indicator msg_has_thread_ind = soci::i_ok;

    void bind(soci::statement& st) {
        st.exchange(soci::into(value.info.id));
        st.exchange(soci::into(name, name_ind));
        st.exchange(soci::into(value.info.created_by));
        st.exchange(soci::into(value.info.created_at));
        st.exchange(soci::into(value.info.last_seq));
        st.exchange(soci::into(value.info.last_activity_at));
        st.exchange(soci::into(value.last_read_seq));
        st.exchange(soci::into(msg_id, msg_id_ind));
        st.exchange(soci::into(msg_sender_id, msg_sender_ind));
        st.exchange(soci::into(msg_seq, msg_seq_ind));
        st.exchange(soci::into(msg_text, msg_text_ind));
        st.exchange(soci::into(msg_created_at, msg_created_ind));
        st.exchange(soci::into(msg_deleted_at, msg_deleted_ind));
        st.exchange(soci::into(msg_has_thread, msg_has_thread_ind));
        st.exchange(soci::into(value.unread_count));
    }
    room_view get() const {
        room_view out = value;
        out.info.name = name_ind == soci::i_null ? std::nullopt : std::optional(name);
        if (msg_id_ind != soci::i_null) {
            message m;
            m.id = msg_id;
            m.room_id = out.info.id;
            m.sender_id = msg_sender_id;
            m.seq = msg_seq;
            m.text = msg_text;
            m.created_at = msg_created_at;
            m.deleted_at = opt(msg_deleted_at, msg_deleted_ind);
            m.has_thread = msg_has_thread != 0;
            out.last_message = std::move(m);
        }
        return out;
    }
};

/// The rooms of one participant (the caller appends the filter and ordering
/// of the inner query), then the last message and the unread count of just
/// the selected rooms. The page is chosen in a derived table first so that
/// the per-room subquery runs only for the rooms returned.
std::string room_view_query(std::string_view inner_filter_and_order) {
    std::string q =
        "SELECT pg.id, pg.name, pg.created_by, pg.created_at, pg.last_seq, pg.last_activity_at,"
        " pg.last_read_seq,"
        " m.id, m.sender_id, m.seq, m.text, m.created_at, m.deleted_at, m.has_thread,"
        " (SELECT COUNT(*) FROM room_message c"
        "   WHERE c.room_id = pg.id AND c.seq > pg.last_read_seq"
        "     AND c.deleted_at IS NULL AND c.sender_id <> pg.user_id)"
        " FROM (SELECT r.id, r.name, r.created_by, r.created_at, r.last_seq,"
        "              r.last_activity_at, p.last_read_seq, p.user_id"
        "         FROM room_participant p JOIN room r ON r.id = p.room_id"
        "        WHERE p.left_at IS NULL ";
    q += inner_filter_and_order;
    q += ") pg"
         " LEFT JOIN room_message m ON m.room_id = pg.id AND m.seq = pg.last_seq"
         " ORDER BY pg.last_activity_at DESC, pg.id DESC";
    return q;
}

/// The active user's nickname, or nullopt when there is no such user.
/// `lock` is appended to the query (a dialect's for_share, or empty).
std::optional<std::string> active_nickname(soci::session& sql, const std::string& user_id,
                                           std::string_view lock = {}) {
    std::string nickname;
    sql << "SELECT nickname FROM users WHERE id = :id AND deleted_at IS NULL" + std::string(lock),
        soci::into(nickname), soci::use(user_id);
    if (!sql.got_data()) return std::nullopt;
    return nickname;
}

std::optional<user> select_user(soci::session& sql, std::string_view where,
                                const std::string& key) {
    user_row row;
    soci::statement st(sql);
    row.bind(st);
    st.exchange(soci::use(key));
    prepare_once(st, "SELECT " + std::string(user_row::columns) + " FROM users u WHERE " +
                         std::string(where));
    if (!st.execute(true)) return std::nullopt;
    return row.get();
}

std::vector<std::string> unique_in_order(const std::vector<std::string>& ids,
                                         const std::string& skip) {
    std::vector<std::string> out;
    for (const auto& id : ids) {
        if (id != skip && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return out;
}

/// Checks every id names an active user, before anything is written. The
/// rows stay share-locked (`lock`) so that a concurrent withdrawal waits for
/// the caller's transaction and then sees its participant rows.
std::vector<std::string> nicknames_or_throw(soci::session& sql,
                                            const std::vector<std::string>& user_ids,
                                            std::string_view lock) {
    std::vector<std::string> nicknames;
    nicknames.reserve(user_ids.size());
    for (const auto& id : user_ids) {
        auto nickname = active_nickname(sql, id, lock);
        if (!nickname) throw not_found("unknown user " + id);
        nicknames.push_back(std::move(*nickname));
    }
    return nicknames;
}

void insert_participant(soci::session& sql, const participant& p) {
    sql << "INSERT INTO room_participant (id, room_id, user_id, joined_at, last_read_seq)"
           " VALUES (:id, :room_id, :user_id, :joined_at, :last_read_seq)",
        soci::use(p.id), soci::use(p.room_id), soci::use(p.user_id), soci::use(p.joined_at),
        soci::use(p.last_read_seq);
}

std::optional<message> select_message(soci::session& sql, const std::string& room_id,
                                      const std::string& message_id) {
    message_row row;
    soci::statement st(sql);
    row.bind(st);
    st.exchange(soci::use(room_id));
    st.exchange(soci::use(message_id));
    prepare_once(st, "SELECT " + std::string(message_row::columns) +
                         " FROM room_message m WHERE m.room_id = :room_id AND m.id = :id");
    if (!st.execute(true)) return std::nullopt;
    return row.get();
}

int schema_version(soci::session& sql) {
    int version = 0;
    sql << "SELECT COALESCE(MAX(version), 0) FROM schema_version", soci::into(version);
    return version;
}

/// Holds the dialect's migration lock for its lifetime.
class migration_lock {
public:
    migration_lock(soci::session& sql, const dialect& d) : sql_(sql), d_(d) {
        if (d_.lock_migrations) d_.lock_migrations(sql_);
    }
    ~migration_lock() {
        if (!d_.unlock_migrations) return;
        try {
            d_.unlock_migrations(sql_);
        } catch (...) {
            // The server releases it with the connection, which is then
            // broken anyway.
        }
    }
    migration_lock(const migration_lock&) = delete;
    migration_lock& operator=(const migration_lock&) = delete;

private:
    soci::session& sql_;
    const dialect& d_;
};

}  // namespace

std::string driver_message(const soci::soci_error& e) {
    std::string out;
    bool gap = false;
    for (const char c : e.get_error_message()) {
        if (c == '\n' || c == '\r' || c == '\t') {
            gap = !out.empty();
            continue;
        }
        if (gap) out += out.back() == '.' ? " " : "; ";
        gap = false;
        out += c;
    }
    return out;
}

sql_store::sql_store(std::unique_ptr<soci::connection_pool> pool, const dialect& d)
    : pool_(std::move(pool)), dialect_(d) {}

sql_store::~sql_store() = default;

void sql_store::reconnect(soci::session& sql) {
    sql.reconnect();
    dialect_.configure(sql);
}

template <class F>
auto sql_store::run(F&& f) {
    // Every call may run `f` again from the start: each builds its result
    // inside `f`, and every write that is not idempotent happens inside a
    // write_transaction, which the server rolls back when the call fails
    // before COMMIT.
    leased_session session(*pool_);
    soci::session& sql = session.get();
    for (int attempt = 1;; ++attempt) {
        try {
            // A session whose last reconnect failed has no back end.
            if (dialect_.reconnects && sql.get_backend() == nullptr) reconnect(sql);
            commit_in_flight = false;
            return f(sql);
        } catch (const soci::soci_error& e) {
            const std::string text = "store: " + driver_message(e);
            error_kind kind = dialect_.classify(e);
            if (kind == error_kind::conflict) throw conflict(text);
            // Drivers do not always say that the connection broke; asking
            // costs a round trip, on the error path only.
            if (dialect_.reconnects && kind != error_kind::connection &&
                kind != error_kind::retry && !sql.is_connected()) {
                kind = error_kind::connection;
            }
            switch (kind) {
                case error_kind::connection: {
                    const bool outcome_unknown = commit_in_flight;
                    if (!dialect_.reconnects) throw unavailable(text);
                    try {
                        reconnect(sql);
                    } catch (const soci::soci_error& again) {
                        throw unavailable(text + "; reconnecting failed: " + driver_message(again));
                    }
                    // Once: a connection that breaks again means the
                    // server is in trouble, not that it restarted.
                    if (attempt == 1 && !outcome_unknown) continue;
                    throw unavailable(text);
                }
                case error_kind::retry:
                    if (attempt < max_attempts) {
                        std::this_thread::sleep_for(
                            std::chrono::microseconds((500 + jitter_below(1500)) * attempt));
                        continue;
                    }
                    throw unavailable(text);
                case error_kind::unavailable:
                    throw unavailable(text);
                case error_kind::conflict:
                case error_kind::other:
                    break;
            }
            throw std::runtime_error(text);
        }
    }
}

// --- schema -----------------------------------------------------------------

int sql_store::migrate() {
    return run([&](soci::session& sql) {
        // Before the CREATE TABLE too: PostgreSQL fails one of two concurrent
        // CREATE TABLE IF NOT EXISTS of the same table.
        migration_lock lock(sql, dialect_);
        sql << "CREATE TABLE IF NOT EXISTS schema_version ("
               " version INTEGER NOT NULL PRIMARY KEY,"
               " name VARCHAR(200) NOT NULL,"
               " applied_at BIGINT NOT NULL)";
        const int latest = dialect_.migrations.empty() ? 0 : dialect_.migrations.back().version;
        const int found = schema_version(sql);
        if (found > latest) {
            throw std::runtime_error("store: database schema version " + std::to_string(found) +
                                     " is newer than this build knows (" + std::to_string(latest) +
                                     ")");
        }
        for (const auto& m : dialect_.migrations) {
            if (m.version <= found) continue;
            write_transaction tx(sql, dialect_, gate_);
            // Another process may have applied it while we waited for the lock.
            if (schema_version(sql) >= m.version) continue;
            for (const auto& statement : split_sql_script(m.sql)) sql << statement;
            const std::string name(m.name);
            const std::int64_t now = core::now_ms();
            sql << "INSERT INTO schema_version (version, name, applied_at)"
                   " VALUES (:version, :name, :applied_at)",
                soci::use(m.version), soci::use(name), soci::use(now);
            tx.commit();
        }
        return schema_version(sql);
    });
}

void sql_store::ping() {
    run([&](soci::session& sql) {
        int one = 0;
        sql << "SELECT 1", soci::into(one);
    });
}

void sql_store::read(const std::function<void(soci::session&)>& f) {
    run([&](soci::session& sql) { f(sql); });
}

void sql_store::write(const std::function<bool(soci::session&)>& f) {
    run([&](soci::session& sql) {
        write_transaction tx(sql, dialect_, gate_);
        if (f(sql)) tx.commit();
    });
}

// --- users ------------------------------------------------------------------

user sql_store::create_user(const std::string& email, const std::string& nickname,
                            const std::string& password_hash) {
    user u;
    u.id = core::uuid_v4();
    u.email = lower_ascii(email);
    u.nickname = nickname;
    u.password_hash = password_hash;
    u.created_at = core::now_ms();
    return run([&](soci::session& sql) {
        // A transaction for one statement: it makes the call safe to run
        // again after a lost connection (see run()).
        write_transaction tx(sql, dialect_, gate_);
        const int is_admin = 0;
        sql << "INSERT INTO users (id, email, nickname, password_hash, is_admin, created_at)"
               " VALUES (:id, :email, :nickname, :password_hash, :is_admin, :created_at)",
            soci::use(u.id), soci::use(u.email), soci::use(u.nickname), soci::use(u.password_hash),
            soci::use(is_admin), soci::use(u.created_at);
        tx.commit();
        return u;
    });
}

std::optional<user> sql_store::find_user(const std::string& id) {
    return run([&](soci::session& sql) {
        return select_user(sql, "u.id = :id AND u.deleted_at IS NULL", id);
    });
}

std::optional<user> sql_store::find_user_by_email(const std::string& email) {
    const std::string key = lower_ascii(email);
    return run([&](soci::session& sql) {
        return select_user(sql, "u.email = :email AND u.deleted_at IS NULL", key);
    });
}

std::optional<user> sql_store::update_user(const std::string& id,
                                           const std::optional<std::string>& nickname,
                                           const std::optional<std::string>& password_hash) {
    return run([&](soci::session& sql) {
        // A NULL parameter keeps the column: one statement for every subset.
        const std::string nickname_value = nickname.value_or("");
        const std::string hash_value = password_hash.value_or("");
        soci::indicator nickname_ind = nickname ? soci::i_ok : soci::i_null;
        soci::indicator hash_ind = password_hash ? soci::i_ok : soci::i_null;
        write_transaction tx(sql, dialect_, gate_);
        sql << "UPDATE users SET nickname = COALESCE(:nickname, nickname),"
               " password_hash = COALESCE(:password_hash, password_hash)"
               " WHERE id = :id AND deleted_at IS NULL",
            soci::use(nickname_value, nickname_ind), soci::use(hash_value, hash_ind), soci::use(id);
        auto out = select_user(sql, "u.id = :id AND u.deleted_at IS NULL", id);
        tx.commit();
        return out;
    });
}

std::vector<std::string> sql_store::withdraw_user(const std::string& id) {
    return run([&](soci::session& sql) {
        std::vector<std::string> rooms;
        write_transaction tx(sql, dialect_, gate_);
        const std::int64_t now = core::now_ms();
        // First, and conditional: of two concurrent withdrawals one changes
        // the row. Its lock waits for the create_room and add_participants
        // calls that share-locked the user, so that the rooms read below
        // include theirs; later ones wait for this commit and then find the
        // user withdrawn.
        //
        // The address is freed for a new sign-up; the hash is cleared because
        // nothing may log in as a withdrawn user again.
        const std::string freed_email = "deleted+" + id + "@invalid";
        if (changed_rows(sql,
                         "UPDATE users SET deleted_at = :now, email = :email, password_hash = ''"
                         " WHERE id = :id AND deleted_at IS NULL",
                         soci::use(now), soci::use(freed_email), soci::use(id)) != 1) {
            return rooms;
        }
        {
            std::string room_id;
            soci::statement st(sql);
            st.exchange(soci::into(room_id));
            st.exchange(soci::use(id));
            prepare_once(st,
                         "SELECT room_id FROM room_participant"
                         " WHERE user_id = :user_id AND left_at IS NULL"
                         " ORDER BY joined_at, room_id");
            st.execute();
            while (st.fetch()) rooms.push_back(room_id);
        }
        sql << "UPDATE room_participant SET left_at = :now"
               " WHERE user_id = :user_id AND left_at IS NULL",
            soci::use(now), soci::use(id);
        sql << "UPDATE refresh_token SET revoked_at = :now"
               " WHERE user_id = :user_id AND revoked_at IS NULL",
            soci::use(now), soci::use(id);
        tx.commit();
        return rooms;
    });
}

void sql_store::set_admin(const std::string& id, bool admin) {
    run([&](soci::session& sql) {
        const int value = admin ? 1 : 0;
        sql << "UPDATE users SET is_admin = :is_admin WHERE id = :id", soci::use(value),
            soci::use(id);
    });
}

// --- refresh tokens -----------------------------------------------------------

namespace {

void insert_token(soci::session& sql, const refresh_token& t) {
    const std::int64_t used_at = t.used_at.value_or(0);
    const std::int64_t revoked_at = t.revoked_at.value_or(0);
    soci::indicator used_ind = t.used_at ? soci::i_ok : soci::i_null;
    soci::indicator revoked_ind = t.revoked_at ? soci::i_ok : soci::i_null;
    sql << "INSERT INTO refresh_token"
           " (id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at)"
           " VALUES (:id, :family_id, :user_id, :token_hash, :created_at, :expires_at,"
           " :used_at, :revoked_at)",
        soci::use(t.id), soci::use(t.family_id), soci::use(t.user_id), soci::use(t.token_hash),
        soci::use(t.created_at), soci::use(t.expires_at), soci::use(used_at, used_ind),
        soci::use(revoked_at, revoked_ind);
}

}  // namespace

void sql_store::insert_refresh_token(const refresh_token& token) {
    run([&](soci::session& sql) {
        // Safe to run again after a lost connection (see run()).
        write_transaction tx(sql, dialect_, gate_);
        insert_token(sql, token);
        tx.commit();
    });
}

std::optional<refresh_token> sql_store::find_refresh_token(const std::string& token_hash) {
    return run([&](soci::session& sql) -> std::optional<refresh_token> {
        refresh_token_row row;
        soci::statement st(sql);
        row.bind(st);
        st.exchange(soci::use(token_hash));
        prepare_once(st, "SELECT " + std::string(refresh_token_row::columns) +
                             " FROM refresh_token t WHERE t.token_hash = :token_hash");
        if (!st.execute(true)) return std::nullopt;
        return row.get();
    });
}

bool sql_store::rotate_refresh_token(const std::string& old_id, const refresh_token& next) {
    return run([&](soci::session& sql) {
        write_transaction tx(sql, dialect_, gate_);
        const std::int64_t now = core::now_ms();
        // The condition in the UPDATE is the check: of two concurrent
        // rotations of one token exactly one changes the row.
        if (changed_rows(sql,
                         "UPDATE refresh_token SET used_at = :now"
                         " WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL",
                         soci::use(now), soci::use(old_id)) != 1) {
            return false;
        }
        insert_token(sql, next);
        tx.commit();
        return true;
    });
}

void sql_store::revoke_refresh_family(const std::string& family_id) {
    run([&](soci::session& sql) {
        const std::int64_t now = core::now_ms();
        sql << "UPDATE refresh_token SET revoked_at = :now"
               " WHERE family_id = :family_id AND revoked_at IS NULL",
            soci::use(now), soci::use(family_id);
    });
}

// --- rooms and participants -----------------------------------------------------

room sql_store::create_room(const std::string& creator_id, const std::optional<std::string>& name,
                            const std::vector<std::string>& participant_ids) {
    const auto others = unique_in_order(participant_ids, creator_id);
    return run([&](soci::session& sql) {
        write_transaction tx(sql, dialect_, gate_);
        if (!active_nickname(sql, creator_id, dialect_.for_share)) {
            throw not_found("unknown user " + creator_id);
        }
        nicknames_or_throw(sql, others, dialect_.for_share);

        room r;
        r.id = core::uuid_v4();
        r.name = name;
        r.created_by = creator_id;
        r.created_at = core::now_ms();
        r.last_activity_at = r.created_at;
        const std::string name_value = name.value_or("");
        soci::indicator name_ind = name ? soci::i_ok : soci::i_null;
        sql << "INSERT INTO room (id, name, created_by, created_at, last_seq, last_activity_at)"
               " VALUES (:id, :name, :created_by, :created_at, :last_seq, :last_activity_at)",
            soci::use(r.id), soci::use(name_value, name_ind), soci::use(r.created_by),
            soci::use(r.created_at), soci::use(r.last_seq), soci::use(r.last_activity_at);

        participant p;
        p.room_id = r.id;
        p.joined_at = r.created_at;
        p.id = core::uuid_v4();
        p.user_id = creator_id;
        insert_participant(sql, p);
        for (const auto& user_id : others) {
            p.id = core::uuid_v4();
            p.user_id = user_id;
            insert_participant(sql, p);
        }
        tx.commit();
        return r;
    });
}

std::vector<room_view> sql_store::list_rooms(const std::string& user_id,
                                             const std::optional<room_cursor>& after, int limit) {
    if (limit <= 0) return {};
    return run([&](soci::session& sql) {
        std::vector<room_view> out;
        room_view_row row;
        soci::statement st(sql);
        row.bind(st);
        st.exchange(soci::use(user_id));
        std::string filter = "AND p.user_id = :user_id ";
        if (after) {
            // Keyset pagination: strictly after the cursor in the order below.
            filter +=
                "AND (r.last_activity_at < :at1"
                " OR (r.last_activity_at = :at2 AND r.id < :room_id)) ";
            st.exchange(soci::use(after->last_activity_at));
            st.exchange(soci::use(after->last_activity_at));
            st.exchange(soci::use(after->room_id));
        }
        filter += "ORDER BY r.last_activity_at DESC, r.id DESC LIMIT :limit";
        st.exchange(soci::use(limit));
        prepare_once(st, room_view_query(filter));
        st.execute();
        while (st.fetch()) out.push_back(row.get());
        return out;
    });
}

std::optional<room_view> sql_store::get_room(const std::string& room_id,
                                             const std::string& user_id) {
    return run([&](soci::session& sql) -> std::optional<room_view> {
        room_view_row row;
        soci::statement st(sql);
        row.bind(st);
        st.exchange(soci::use(room_id));
        st.exchange(soci::use(user_id));
        prepare_once(st, room_view_query("AND p.room_id = :room_id AND p.user_id = :user_id"));
        if (!st.execute(true)) return std::nullopt;
        return row.get();
    });
}

bool sql_store::is_participant(const std::string& room_id, const std::string& user_id) {
    return run([&](soci::session& sql) {
        int one = 0;
        sql << "SELECT 1 FROM room_participant"
               " WHERE room_id = :room_id AND user_id = :user_id AND left_at IS NULL",
            soci::into(one), soci::use(room_id), soci::use(user_id);
        return sql.got_data();
    });
}

void sql_store::rename_room(const std::string& room_id, const std::optional<std::string>& name) {
    run([&](soci::session& sql) {
        const std::string name_value = name.value_or("");
        soci::indicator name_ind = name ? soci::i_ok : soci::i_null;
        sql << "UPDATE room SET name = :name WHERE id = :id", soci::use(name_value, name_ind),
            soci::use(room_id);
    });
}

std::vector<participant> sql_store::list_participants(const std::string& room_id) {
    return run([&](soci::session& sql) {
        std::vector<participant> out;
        participant_row row;
        soci::statement st(sql);
        row.bind(st);
        st.exchange(soci::use(room_id));
        // Participants created together share joined_at: the creator first,
        // then a stable order.
        prepare_once(st, "SELECT " + std::string(participant_row::columns) +
                             " FROM room_participant p"
                             " JOIN room r ON r.id = p.room_id"
                             " JOIN users u ON u.id = p.user_id"
                             " WHERE p.room_id = :room_id AND p.left_at IS NULL"
                             " ORDER BY p.joined_at,"
                             " CASE WHEN p.user_id = r.created_by THEN 0 ELSE 1 END, p.id");
        st.execute();
        while (st.fetch()) out.push_back(row.get());
        return out;
    });
}

std::vector<participant> sql_store::add_participants(const std::string& room_id,
                                                     const std::vector<std::string>& user_ids) {
    const auto wanted = unique_in_order(user_ids, std::string());
    return run([&](soci::session& sql) {
        std::vector<participant> added;
        write_transaction tx(sql, dialect_, gate_);
        // Locking the room serialises membership changes of one room, so that
        // two invitations of the same user do not both insert a row.
        int one = 0;
        sql << "SELECT 1 FROM room WHERE id = :id" + std::string(dialect_.for_update),
            soci::into(one), soci::use(room_id);
        if (!sql.got_data()) throw not_found("unknown room " + room_id);
        const auto nicknames = nicknames_or_throw(sql, wanted, dialect_.for_share);

        const std::int64_t now = core::now_ms();
        for (std::size_t i = 0; i < wanted.size(); ++i) {
            participant p;
            p.room_id = room_id;
            p.user_id = wanted[i];
            p.nickname = nicknames[i];
            p.joined_at = now;
            std::int64_t left_at = 0;
            soci::indicator left_ind = soci::i_ok;
            sql << "SELECT id, left_at, last_read_seq FROM room_participant"
                   " WHERE room_id = :room_id AND user_id = :user_id",
                soci::into(p.id), soci::into(left_at, left_ind), soci::into(p.last_read_seq),
                soci::use(room_id), soci::use(p.user_id);
            if (!sql.got_data()) {
                p.id = core::uuid_v4();
                p.last_read_seq = 0;
                insert_participant(sql, p);
            } else if (left_ind != soci::i_null) {
                // Rejoining reuses the row that the user's old messages
                // refer to; the read marker stays where it was.
                sql << "UPDATE room_participant SET left_at = NULL, joined_at = :joined_at"
                       " WHERE id = :id",
                    soci::use(p.joined_at), soci::use(p.id);
            } else {
                continue;
            }
            added.push_back(std::move(p));
        }
        tx.commit();
        return added;
    });
}

bool sql_store::remove_participant(const std::string& room_id, const std::string& user_id) {
    return run([&](soci::session& sql) {
        // Safe to run again after a lost connection (see run()).
        write_transaction tx(sql, dialect_, gate_);
        const std::int64_t now = core::now_ms();
        const bool removed =
            changed_rows(sql,
                         "UPDATE room_participant SET left_at = :now"
                         " WHERE room_id = :room_id AND user_id = :user_id AND left_at IS NULL",
                         soci::use(now), soci::use(room_id), soci::use(user_id)) > 0;
        tx.commit();
        return removed;
    });
}

// --- messages ---------------------------------------------------------------------

message sql_store::post_message(const std::string& room_id, const std::string& sender_id,
                                const std::string& text) {
    return post_message_with_files(room_id, sender_id, text, {});
}

message sql_store::post_message_with_files(const std::string& room_id, const std::string& sender_id,
                                           const std::string& text,
                                           const std::vector<std::string>& file_ids) {
    return run([&](soci::session& sql) {
        // SQLite holds the write lock from BEGIN; the servers lock the room
        // row with the increment below until commit. Either way no other
        // writer can take the same seq between the increment and the
        // insert, and a rollback returns it: seqs are gapless.
        write_transaction tx(sql, dialect_, gate_);
        std::string participant_id;
        sql << "SELECT id FROM room_participant"
               " WHERE room_id = :room_id AND user_id = :user_id AND left_at IS NULL",
            soci::into(participant_id), soci::use(room_id), soci::use(sender_id);
        if (!sql.got_data()) throw not_found("not a participant of room " + room_id);

        message m;
        m.id = core::uuid_v4();
        m.room_id = room_id;
        m.sender_id = sender_id;
        m.text = text;
        m.created_at = core::now_ms();
        sql << "UPDATE room SET last_seq = last_seq + 1, last_activity_at = :now WHERE id = :id",
            soci::use(m.created_at), soci::use(room_id);
        sql << "SELECT last_seq FROM room WHERE id = :id", soci::into(m.seq), soci::use(room_id);
        const int has_thread = 0;
        sql << "INSERT INTO room_message (id, room_id, room_participant_id, sender_id, seq, text,"
               " created_at, has_thread)"
               " VALUES (:id, :room_id, :participant_id, :sender_id, :seq, :text, :created_at,"
               " :has_thread)",
            soci::use(m.id), soci::use(room_id), soci::use(participant_id), soci::use(sender_id),
            soci::use(m.seq), soci::use(m.text), soci::use(m.created_at), soci::use(has_thread);
        // Authors have read their own message; nothing newer exists yet. The
        // condition re-checks membership on the latest row: the servers let a
        // concurrent leave commit after the check at the top.
        if (changed_rows(sql,
                         "UPDATE room_participant SET last_read_seq = :seq"
                         " WHERE id = :id AND left_at IS NULL",
                         soci::use(m.seq), soci::use(participant_id)) != 1) {
            throw not_found("not a participant of room " + room_id);
        }
        attach_files(sql, attachment_owner::room_message, m.id, room_id, sender_id, file_ids);
        tx.commit();
        return m;
    });
}

std::vector<message> sql_store::list_messages(const std::string& room_id,
                                              std::optional<std::int64_t> before,
                                              std::optional<std::int64_t> after, int limit) {
    if (limit <= 0) return {};
    return run([&](soci::session& sql) {
        std::vector<message> out;
        message_row row;
        soci::statement st(sql);
        row.bind(st);
        st.exchange(soci::use(room_id));
        std::string q = "SELECT " + std::string(message_row::columns) +
                        " FROM room_message m WHERE m.room_id = :room_id";
        if (after) {
            q += " AND m.seq > :after";
            st.exchange(soci::use(*after));
        }
        if (before) {
            q += " AND m.seq < :before";
            st.exchange(soci::use(*before));
        }
        // With an `after` bound the page starts there; otherwise it ends at
        // the newest message (below `before`, if given) and is read newest
        // first, then reversed.
        const bool newest_first = !after;
        q += newest_first ? " ORDER BY m.seq DESC" : " ORDER BY m.seq ASC";
        q += " LIMIT :limit";
        st.exchange(soci::use(limit));
        prepare_once(st, q);
        st.execute();
        while (st.fetch()) out.push_back(row.get());
        if (newest_first) std::reverse(out.begin(), out.end());
        return out;
    });
}

std::optional<message> sql_store::get_message(const std::string& room_id,
                                              const std::string& message_id) {
    return run([&](soci::session& sql) { return select_message(sql, room_id, message_id); });
}

delete_result sql_store::delete_message(const std::string& room_id, const std::string& message_id,
                                        const std::string& user_id, message* out) {
    return run([&](soci::session& sql) {
        write_transaction tx(sql, dialect_, gate_);
        auto m = select_message(sql, room_id, message_id);
        if (!m) return delete_result::not_found;
        if (m->sender_id != user_id) return delete_result::not_sender;
        if (m->deleted_at) {
            if (out) *out = std::move(*m);
            return delete_result::already_deleted;
        }
        const std::int64_t now = core::now_ms();
        // Conditional: of two concurrent deletions one changes the row, the
        // other reports it already deleted, as it would one after the other.
        if (changed_rows(sql,
                         "UPDATE room_message SET text = '', deleted_at = :now"
                         " WHERE id = :id AND deleted_at IS NULL",
                         soci::use(now), soci::use(message_id)) != 1) {
            m = select_message(sql, room_id, message_id);
            if (!m) return delete_result::not_found;
            if (out) *out = std::move(*m);
            return delete_result::already_deleted;
        }
        tx.commit();
        m->text.clear();
        m->deleted_at = now;
        if (out) *out = std::move(*m);
        return delete_result::deleted;
    });
}

std::int64_t sql_store::mark_read(const std::string& room_id, const std::string& user_id,
                                  std::int64_t seq) {
    return run([&](soci::session& sql) {
        // Read first: most calls repeat a marker already in force and need
        // no write lock.
        std::string participant_id;
        std::int64_t current = 0;
        std::int64_t last_seq = 0;
        sql << "SELECT p.id, p.last_read_seq, r.last_seq"
               " FROM room_participant p JOIN room r ON r.id = p.room_id"
               " WHERE p.room_id = :room_id AND p.user_id = :user_id AND p.left_at IS NULL",
            soci::into(participant_id), soci::into(current), soci::into(last_seq),
            soci::use(room_id), soci::use(user_id);
        if (!sql.got_data()) throw not_found("not a participant of room " + room_id);
        const std::int64_t target = std::min(seq, last_seq);
        if (target <= current) return current;
        // last_seq only grows, so `target` stays valid; the condition keeps a
        // concurrent, further mark from being undone.
        sql << "UPDATE room_participant SET last_read_seq = :seq"
               " WHERE id = :id AND last_read_seq < :seq2",
            soci::use(target), soci::use(participant_id), soci::use(target);
        sql << "SELECT last_read_seq FROM room_participant WHERE id = :id", soci::into(current),
            soci::use(participant_id);
        return current;
    });
}

}  // namespace chat::store::detail
