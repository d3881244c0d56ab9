#pragma once
// The store over SOCI, for any dialect. Each call leases a session from the
// pool for its duration; writes that span statements, and writes that are not
// idempotent, run in one transaction opened with the dialect's `begin_write`.

#include "store/detail/dialect.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace soci {
class connection_pool;
class session;
}  // namespace soci

namespace chat::store::detail {

/// Serialises this process's writers where the dialect asks for it.
struct writer_gate {
    std::mutex mutex;
    std::uint64_t commits = 0;  // guarded by mutex
};

class sql_store final : public store {
public:
    /// `pool` holds open sessions; `d` must outlive the store.
    sql_store(std::unique_ptr<soci::connection_pool> pool, const dialect& d);
    ~sql_store() override;

    int migrate() override;
    void ping() override;

    user create_user(const std::string& email, const std::string& nickname,
                     const std::string& password_hash) override;
    std::optional<user> find_user(const std::string& id) override;
    std::optional<user> find_user_by_email(const std::string& email) override;
    std::optional<user> update_user(const std::string& id,
                                    const std::optional<std::string>& nickname,
                                    const std::optional<std::string>& password_hash) override;
    std::vector<std::string> withdraw_user(const std::string& id) override;
    void set_admin(const std::string& id, bool admin) override;

    void insert_refresh_token(const refresh_token& token) override;
    std::optional<refresh_token> find_refresh_token(const std::string& token_hash) override;
    bool rotate_refresh_token(const std::string& old_id, const refresh_token& next) override;
    void revoke_refresh_family(const std::string& family_id) override;

    room create_room(const std::string& creator_id, const std::optional<std::string>& name,
                     const std::vector<std::string>& participant_ids) override;
    std::vector<room_view> list_rooms(const std::string& user_id,
                                      const std::optional<room_cursor>& after, int limit) override;
    std::optional<room_view> get_room(const std::string& room_id,
                                      const std::string& user_id) override;
    bool is_participant(const std::string& room_id, const std::string& user_id) override;
    void rename_room(const std::string& room_id, const std::optional<std::string>& name) override;
    std::vector<participant> list_participants(const std::string& room_id) override;
    std::vector<participant> add_participants(const std::string& room_id,
                                              const std::vector<std::string>& user_ids) override;
    bool remove_participant(const std::string& room_id, const std::string& user_id) override;

    message post_message(const std::string& room_id, const std::string& sender_id,
                         const std::string& text) override;
    std::vector<message> list_messages(const std::string& room_id,
                                       std::optional<std::int64_t> before,
                                       std::optional<std::int64_t> after, int limit) override;
    std::optional<message> get_message(const std::string& room_id,
                                       const std::string& message_id) override;
    delete_result delete_message(const std::string& room_id, const std::string& message_id,
                                 const std::string& user_id, message* out) override;
    std::int64_t mark_read(const std::string& room_id, const std::string& user_id,
                           std::int64_t seq) override;

    // Threads and files: threads_files.cpp (post_message_with_files:
    // sql_store.cpp).
    message post_message_with_files(const std::string& room_id, const std::string& sender_id,
                                    const std::string& text,
                                    const std::vector<std::string>& file_ids) override;
    thread_message post_thread_message(const std::string& room_id,
                                       const std::string& root_message_id,
                                       const std::string& sender_id, const std::string& text,
                                       const std::vector<std::string>& file_ids) override;
    std::vector<thread_message> list_thread_messages(const std::string& room_id,
                                                     const std::string& root_message_id,
                                                     std::int64_t after, int limit) override;
    std::vector<std::string> list_thread_participants(const std::string& room_id,
                                                      const std::string& root_message_id) override;
    std::vector<message_extras> describe_messages(
        const std::vector<std::string>& message_ids) override;
    file_info insert_file(file_info f) override;
    std::optional<file_info> find_file(const std::string& file_id,
                                       const std::string& user_id) override;

    contact add_contact(const std::string& owner_id, const std::string& contact_id,
                        bool* created) override;
    std::vector<contact> list_contacts(const std::string& owner_id, const contact_filter& filter,
                                       const std::optional<contact_cursor>& after,
                                       int limit) override;
    std::optional<contact> update_contact(const std::string& owner_id,
                                          const std::string& contact_id,
                                          std::optional<bool> favorite,
                                          std::optional<bool> hidden) override;
    bool remove_contact(const std::string& owner_id, const std::string& contact_id) override;

    reaction_change set_reaction(const std::string& room_id, const std::string& message_id,
                                 const std::string& user_id, const std::string& emoji,
                                 bool on) override;
    std::vector<message_reactions> list_reactions(const std::string& room_id,
                                                  const std::string& viewer_id,
                                                  std::int64_t first_seq,
                                                  std::int64_t last_seq) override;

    std::vector<notification> create_notifications(std::vector<notification> batch) override;
    std::vector<notification> list_notifications(const std::string& user_id, bool unread_only,
                                                 const std::optional<notification_cursor>& after,
                                                 int limit) override;
    std::optional<notification> get_notification(const std::string& notification_id,
                                                 const std::string& user_id) override;
    std::optional<notification> mark_notification_read(const std::string& notification_id,
                                                       const std::string& user_id) override;

private:
    // For the store's other translation units (sql_store_social.cpp,
    // threads_files.cpp): run() behind a non-template seam. `f` may run more
    // than once, so it must build its results from scratch each time.
    /// Runs `f` on a leased session outside any transaction.
    void read(const std::function<void(soci::session&)>& f);
    /// Runs `f` inside a write transaction, committed when `f` returns true
    /// and rolled back when it returns false or throws.
    void write(const std::function<bool(soci::session&)>& f);

    /// Runs `f` with a leased session, translating driver errors into the
    /// store's exceptions. Runs `f` again, from the start, after a deadlock
    /// (up to three times in all) and, once, after reconnecting a broken
    /// session, unless the connection broke during COMMIT (the outcome is
    /// then unknown and the call reports `unavailable`).
    template <class F>
    auto run(F&& f);
    /// Reconnects a broken session and applies the dialect's settings.
    void reconnect(soci::session& sql);

    std::unique_ptr<soci::connection_pool> pool_;
    const dialect& dialect_;
    writer_gate gate_;
};

}  // namespace chat::store::detail
