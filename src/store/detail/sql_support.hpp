#pragma once
// The plumbing every statement of sql_store shares, whichever .cpp file it
// lives in: leased sessions, write transactions, one-shot statements, the
// room message row binding and sql_store::run (retry and reconnect policy).
// Included by the sql_store implementation files only.

#include "store/detail/sql_store.hpp"

#include <soci/soci.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace chat::store::detail {

// Longer than the busy timeout: a call waiting here is queued behind calls
// that may themselves be waiting for the write lock. Whole seconds, because
// some SOCI versions do not normalise the deadline's nanoseconds.
inline constexpr int lease_timeout_ms = 15000;

// A deadlock victim is run again up to this many times in all, after a short
// random pause that grows with each attempt, so that the same transactions do
// not collide again in lockstep: the other one has usually finished by then.
inline constexpr int max_attempts = 6;

// Set while a COMMIT is on its way to the server: a connection lost then
// leaves unknown whether the transaction took effect, so the call must not
// run again. Per thread, because a call runs on one thread from start to
// end and calls never nest.
inline thread_local bool commit_in_flight = false;

// Jitter for deadlock retries; per thread, so no lock is shared.
inline unsigned jitter_below(unsigned bound) {
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

inline std::optional<std::int64_t> opt(std::int64_t value, soci::indicator ind) {
    if (ind == soci::i_null) return std::nullopt;
    return value;
}

/// Prepares `query` on `st`, whose elements are exchanged already, for one
/// execution. SOCI's default, a repeatable statement, costs PostgreSQL a
/// PREPARE and a DEALLOCATE round trip besides the execution.
inline void prepare_once(soci::statement& st, const std::string& query) {
    st.alloc();
    st.prepare(query, soci::details::st_one_time_query);
    st.define_and_bind();
}

/// Runs a statement with the given soci::use elements once; returns the
/// number of rows it changed (matched, on MariaDB too: SOCI connects with
/// CLIENT_FOUND_ROWS).
template <class... Uses>
long long changed_rows(soci::session& sql, const std::string& query, Uses&&... uses) {
    soci::statement st(sql);
    (st.exchange(std::forward<Uses>(uses)), ...);
    prepare_once(st, query);
    st.execute(true);
    return st.get_affected_rows();
}

/// Binds the columns of `message_row::columns`, in order, so that a statement
/// and the variables it fills cannot drift apart.
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

inline std::optional<message> select_message(soci::session& sql, const std::string& room_id,
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

}  // namespace chat::store::detail
