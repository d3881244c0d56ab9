#pragma once
// The chat store: users, rooms, participants, messages, refresh tokens and
// read markers (SPEC §4). One implementation over SOCI serves SQLite,
// MariaDB and PostgreSQL with the same behaviour; the dialect only changes
// the migrations and a few statements.
//
// Thread safety: every member function may be called concurrently from any
// thread; each call takes a pooled connection for its duration. All calls
// block on the database, so callers on an I/O thread must offload them
// (see api::offload). Times are milliseconds since the Unix epoch (UTC).
//
// Errors: `store::conflict` for a uniqueness violation, `store::not_found`
// where noted, `store::unavailable` when the database cannot be reached, stays
// locked past the lock timeout (5 s), or lost the connection while committing
// (the write may or may not have taken effect); anything else is a bug. A
// server connection that broke is reconnected and the call run again once;
// a deadlock victim is run again up to three times in all. Callers need not
// retry beyond that.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chat::store {

struct conflict : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct not_found : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct unavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct user {
    std::string id;
    std::string email;
    std::string nickname;
    std::string password_hash;
    std::int64_t created_at = 0;
    bool is_admin = false;
};

struct message {
    std::string id;
    std::string room_id;
    std::string sender_id;  // user id of the author
    std::int64_t seq = 0;   // per-room, gapless, starting at 1
    std::string text;       // empty once deleted
    std::int64_t created_at = 0;
    std::optional<std::int64_t> deleted_at;
    bool has_thread = false;
};

struct room {
    std::string id;
    std::optional<std::string> name;
    std::string created_by;
    std::int64_t created_at = 0;
    std::int64_t last_seq = 0;          // seq of the newest message, 0 when none
    std::int64_t last_activity_at = 0;  // newest message time, else creation time
};

/// A room as one participant sees it.
struct room_view {
    room info;
    std::optional<message> last_message;
    std::int64_t unread_count = 0;  // messages by others, not deleted, with seq > read marker
    std::int64_t last_read_seq = 0;
};

struct participant {
    std::string id;  // room_participant id
    std::string room_id;
    std::string user_id;
    std::string nickname;
    std::int64_t joined_at = 0;
    std::int64_t last_read_seq = 0;
};

/// Position in a list of rooms ordered by (last_activity_at desc, id desc).
struct room_cursor {
    std::int64_t last_activity_at = 0;
    std::string room_id;
};

struct refresh_token {
    std::string id;
    std::string family_id;  // all tokens rotated from one login share it
    std::string user_id;
    std::string token_hash;  // sha256 hex of the secret; the secret is never stored
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> used_at;     // set when rotated
    std::optional<std::int64_t> revoked_at;  // set on logout, reuse or withdraw
};

enum class delete_result { deleted, not_found, not_sender, already_deleted };

// --- threads and files (SPEC §4: conversation_thread, thread_participant,
// thread_message, file, room_message_file, thread_message_file) -------------

/// An uploaded file's metadata. The bytes live outside the database, named by
/// their sha256 (see blob_store); every upload gets its own row.
struct file_info {
    std::string id;
    std::string uploader_id;
    std::string name;  // as the client gave it: a display name, never a path
    std::string content_type;
    std::string kind;  // image, document, audio, video or other
    std::int64_t size = 0;
    std::string sha256;  // lower-case hex
    std::int64_t created_at = 0;
};

/// What a room message shows beside its own columns.
struct message_extras {
    std::string message_id;
    std::string thread_id;  // empty when the message has no thread
    std::int64_t reply_count = 0;
    std::optional<std::int64_t> last_reply_at;
    std::vector<file_info> files;  // in the order they were attached
};

struct thread_message {
    std::string id;
    std::string thread_id;
    std::string root_message_id;
    std::string room_id;
    std::string sender_id;
    std::int64_t seq = 0;  // per thread, gapless, starting at 1
    std::string text;
    std::int64_t created_at = 0;
    std::vector<file_info> files;
};

/// Where a file may be attached; also the owner kind of an attachment row.
enum class attachment_owner { room_message, thread_message };

// --- people book, reactions, notifications -----------------------------------

/// One entry of a user's people book (ERD `people_book`): the contact as the
/// owner sees it.
struct contact {
    std::string user_id;  // the contact (ref_id)
    std::string nickname;
    bool favorite = false;
    bool hidden = false;
    std::int64_t added_at = 0;
};

/// Position in a people book ordered by (added_at desc, user_id desc).
struct contact_cursor {
    std::int64_t added_at = 0;
    std::string user_id;
};

/// Which entries of a people book to list; nullopt: either value.
struct contact_filter {
    std::optional<bool> favorite;
    std::optional<bool> hidden;
};

/// How many users reacted to a message with one emoji, and whether the
/// viewer is one of them.
struct reaction_count {
    std::string emoji;
    std::int64_t count = 0;
    bool mine = false;
};

/// The reactions of one message, ordered by each emoji's first use.
struct message_reactions {
    std::string message_id;
    std::vector<reaction_count> reactions;
};

enum class reaction_result {
    added,           // the reaction is new
    removed,         // the reaction existed and is gone
    unchanged,       // it already was as asked
    no_message,      // no such message in the room
    message_deleted  // the message is a tombstone: reactions are frozen
};

struct reaction_change {
    reaction_result result = reaction_result::unchanged;
    std::int64_t count = 0;                 // users with this emoji on the message now
    std::vector<reaction_count> reactions;  // the whole summary, as the user sees it
};

struct notification {
    std::string id;
    std::optional<std::string> user_id;  // nullopt: every user (an `all` event)
    std::string msg_type;                // SPEC §3 msg-type, e.g. person.invited
    std::string title;
    std::string body;
    std::string data;  // a JSON object as text
    std::optional<std::string> actor_id;
    std::int64_t created_at = 0;
    bool read = false;  // for the user it was read for; false on creation
};

/// Position in a notification list ordered by (created_at desc, id desc).
struct notification_cursor {
    std::int64_t created_at = 0;
    std::string id;
};

class store {
public:
    virtual ~store() = default;

    // --- schema -----------------------------------------------------------
    /// Applies pending migrations, each in its own transaction; returns the
    /// schema version now in force. Safe to call again and from several
    /// processes. Throws std::runtime_error when the database has a newer
    /// schema than this build knows.
    virtual int migrate() = 0;
    /// Cheap round trip to the database; throws unavailable.
    virtual void ping() = 0;

    // --- users --------------------------------------------------------------
    /// Throws conflict when the e-mail (compared lower-case) is taken. The
    /// e-mail is stored lower-case (ASCII).
    virtual user create_user(const std::string& email, const std::string& nickname,
                             const std::string& password_hash) = 0;
    /// Active (not withdrawn) users only.
    virtual std::optional<user> find_user(const std::string& id) = 0;
    virtual std::optional<user> find_user_by_email(const std::string& email) = 0;
    /// Updates the given fields of an active user; returns the new state, or
    /// nullopt when there is no such active user.
    virtual std::optional<user> update_user(const std::string& id,
                                            const std::optional<std::string>& nickname,
                                            const std::optional<std::string>& password_hash) = 0;
    /// Soft delete: marks the user withdrawn, frees the e-mail, revokes every
    /// refresh token and leaves every room. Returns the ids of the rooms left
    /// (empty when the user does not exist or was already withdrawn).
    virtual std::vector<std::string> withdraw_user(const std::string& id) = 0;
    /// No-op for an unknown user.
    virtual void set_admin(const std::string& id, bool admin) = 0;

    // --- refresh tokens ------------------------------------------------------
    /// Throws conflict when the hash is already stored.
    virtual void insert_refresh_token(const refresh_token& token) = 0;
    /// In whatever state (used, revoked, expired): the caller decides.
    virtual std::optional<refresh_token> find_refresh_token(const std::string& token_hash) = 0;
    /// Atomically marks `old_id` used and inserts `next`; false (and nothing
    /// written) when `old_id` was already used or revoked.
    virtual bool rotate_refresh_token(const std::string& old_id, const refresh_token& next) = 0;
    virtual void revoke_refresh_family(const std::string& family_id) = 0;

    // --- rooms and participants ----------------------------------------------
    /// Creates a room with the creator and `participant_ids` (duplicates and
    /// the creator ignored). Throws not_found naming the first unknown user id
    /// (the creator included; withdrawn users are unknown); nothing is written.
    virtual room create_room(const std::string& creator_id, const std::optional<std::string>& name,
                             const std::vector<std::string>& participant_ids) = 0;
    /// Rooms of the user, most recent activity first, strictly after `after`.
    virtual std::vector<room_view> list_rooms(const std::string& user_id,
                                              const std::optional<room_cursor>& after,
                                              int limit) = 0;
    /// nullopt when the room does not exist or the user is not a participant.
    virtual std::optional<room_view> get_room(const std::string& room_id,
                                              const std::string& user_id) = 0;
    virtual bool is_participant(const std::string& room_id, const std::string& user_id) = 0;
    /// No-op for an unknown room.
    virtual void rename_room(const std::string& room_id,
                             const std::optional<std::string>& name) = 0;
    /// Current participants, in joining order (those who joined in the same
    /// millisecond: the room's creator first, then by participant id).
    virtual std::vector<participant> list_participants(const std::string& room_id) = 0;
    /// Adds the users not yet in the room; returns only those newly added
    /// (a user who had left rejoins with the old read marker), in the order
    /// given. Throws not_found naming the first unknown user id, or the room
    /// when it does not exist (nothing written).
    virtual std::vector<participant> add_participants(const std::string& room_id,
                                                      const std::vector<std::string>& user_ids) = 0;
    /// false when the user was not a participant.
    virtual bool remove_participant(const std::string& room_id, const std::string& user_id) = 0;

    // --- messages -------------------------------------------------------------
    /// Appends a message with the room's next seq, moves the sender's read
    /// marker to it and the room's activity time; one transaction. Throws
    /// not_found when the sender is not a current participant (or the room
    /// does not exist).
    virtual message post_message(const std::string& room_id, const std::string& sender_id,
                                 const std::string& text) = 0;
    /// Up to `limit` messages, ascending by seq. With `before`: the newest with
    /// seq < before. With `after`: the oldest with seq > after. Neither: the
    /// newest. Both: seq strictly between, oldest first.
    virtual std::vector<message> list_messages(const std::string& room_id,
                                               std::optional<std::int64_t> before,
                                               std::optional<std::int64_t> after, int limit) = 0;
    virtual std::optional<message> get_message(const std::string& room_id,
                                               const std::string& message_id) = 0;
    /// Soft delete by the sender: keeps id and seq, clears the text. When the
    /// result is `deleted` or `already_deleted` and `out` is not null, it
    /// receives the message as now stored.
    virtual delete_result delete_message(const std::string& room_id, const std::string& message_id,
                                         const std::string& user_id, message* out) = 0;
    /// Moves the user's read marker forward to min(seq, room's last seq);
    /// never backwards. Returns the marker now in force. Throws not_found when
    /// the user is not a current participant.
    virtual std::int64_t mark_read(const std::string& room_id, const std::string& user_id,
                                   std::int64_t seq) = 0;

    // --- threads and files ----------------------------------------------------
    /// post_message with files attached, in one transaction. Every file must
    /// be readable by the sender (see find_file), else not_found naming it and
    /// nothing is written. Duplicate ids are attached once.
    virtual message post_message_with_files(const std::string& room_id,
                                            const std::string& sender_id, const std::string& text,
                                            const std::vector<std::string>& file_ids) = 0;
    /// Appends a reply to the thread under `root_message_id`, creating the
    /// thread on the first reply (and setting the root's has_thread), and
    /// records the sender as a thread participant; one transaction. Throws
    /// not_found when the sender is not a current participant, the root is
    /// not a message of the room, or a file is not readable by the sender;
    /// conflict when the root message is deleted.
    virtual thread_message post_thread_message(const std::string& room_id,
                                               const std::string& root_message_id,
                                               const std::string& sender_id,
                                               const std::string& text,
                                               const std::vector<std::string>& file_ids) = 0;
    /// Up to `limit` replies with seq > after, ascending, with their files.
    /// Empty when the message has no thread.
    virtual std::vector<thread_message> list_thread_messages(const std::string& room_id,
                                                             const std::string& root_message_id,
                                                             std::int64_t after, int limit) = 0;
    /// User ids of the thread's participants, in the order they first replied.
    virtual std::vector<std::string> list_thread_participants(
        const std::string& room_id, const std::string& root_message_id) = 0;
    /// Thread summary and files of each message given (of any rooms), in the
    /// order given. Files of deleted messages are left out.
    virtual std::vector<message_extras> describe_messages(
        const std::vector<std::string>& message_ids) = 0;
    /// Records an upload whose bytes are stored already; fills id and
    /// created_at. Throws not_found when the uploader is unknown.
    virtual file_info insert_file(file_info f) = 0;
    /// The file if `user_id` may read it: its uploader, or a current
    /// participant of a room where it is attached to a message not deleted
    /// (room or thread message). nullopt otherwise, as for an unknown id.
    virtual std::optional<file_info> find_file(const std::string& file_id,
                                               const std::string& user_id) = 0;

    // --- people book ------------------------------------------------------------
    /// Adds `contact_id` to the owner's book; `created` tells whether the
    /// entry is new (an existing one is returned as it is). Throws not_found
    /// when the contact is not an active user.
    virtual contact add_contact(const std::string& owner_id, const std::string& contact_id,
                                bool* created) = 0;
    /// Entries whose contact is still an active user, newest first, strictly
    /// after `after`.
    virtual std::vector<contact> list_contacts(const std::string& owner_id,
                                               const contact_filter& filter,
                                               const std::optional<contact_cursor>& after,
                                               int limit) = 0;
    /// Changes the given flags; nullopt when the entry does not exist.
    virtual std::optional<contact> update_contact(const std::string& owner_id,
                                                  const std::string& contact_id,
                                                  std::optional<bool> favorite,
                                                  std::optional<bool> hidden) = 0;
    /// false when the entry did not exist.
    virtual bool remove_contact(const std::string& owner_id, const std::string& contact_id) = 0;

    // --- reactions --------------------------------------------------------------
    /// Adds (`on`) or removes the user's `emoji` on a message of the room.
    /// Idempotent. The caller checks that the user is a participant.
    virtual reaction_change set_reaction(const std::string& room_id, const std::string& message_id,
                                         const std::string& user_id, const std::string& emoji,
                                         bool on) = 0;
    /// The reactions of the room's live messages with seq in [first_seq,
    /// last_seq], as `viewer_id` sees them, in one query; messages without
    /// reactions are left out.
    virtual std::vector<message_reactions> list_reactions(const std::string& room_id,
                                                          const std::string& viewer_id,
                                                          std::int64_t first_seq,
                                                          std::int64_t last_seq) = 0;

    // --- notifications ----------------------------------------------------------
    /// Stores the notifications in one transaction, assigning id and
    /// created_at; returns them as stored. Throws not_found when a target
    /// user is not active.
    virtual std::vector<notification> create_notifications(std::vector<notification> batch) = 0;
    /// The user's own notifications and the all-user ones created since the
    /// user signed up, newest first, strictly after `after`.
    virtual std::vector<notification> list_notifications(
        const std::string& user_id, bool unread_only,
        const std::optional<notification_cursor>& after, int limit) = 0;
    /// One notification as the user sees it; nullopt when the user cannot
    /// see it (another user's, or a broadcast from before the user signed up).
    virtual std::optional<notification> get_notification(const std::string& notification_id,
                                                         const std::string& user_id) = 0;
    /// Marks one of the user's notifications read (again: no change);
    /// nullopt when the user cannot see it.
    virtual std::optional<notification> mark_notification_read(const std::string& notification_id,
                                                               const std::string& user_id) = 0;
};

/// Opens the store named by a database URL:
///   `sqlite:<path>` (or `sqlite://<path>`; the directory must exist),
///   `mariadb://user:password@host[:port]/database` (or `mysql://`; port 3306),
///   `postgresql://user:password@host[:port]/database` (or `postgres://`;
///   port 5432),
/// with user, password and database percent-decoded. `pool_size` connections
/// are kept. Throws std::invalid_argument for an unsupported or malformed URL
/// (also `sqlite::memory:`: each pooled connection would see its own
/// database), unavailable when it cannot connect. Messages never contain the
/// password. Call migrate() before anything else.
std::unique_ptr<store> open(const std::string& database_url, std::size_t pool_size);

/// The database URL as it may be logged: a server URL without its password
/// (`postgresql://chat@db:5432/chat`), a SQLite URL as given, and
/// "(unsupported database URL)" for anything open() would refuse.
std::string loggable_url(const std::string& database_url);

}  // namespace chat::store
