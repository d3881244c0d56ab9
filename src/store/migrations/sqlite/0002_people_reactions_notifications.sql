-- People book, message reactions and notifications (SPEC §4 and §5).
-- Conventions as in 0001_init.sql.

-- The contacts of a user (ERD people_book). One row per (owner, contact); the
-- flags are how the owner sees that contact.
CREATE TABLE people_book (
    id         VARCHAR(36) NOT NULL PRIMARY KEY,
    owner_id   VARCHAR(36) NOT NULL REFERENCES users (id),
    ref_id     VARCHAR(36) NOT NULL REFERENCES users (id),
    favorite   SMALLINT    NOT NULL DEFAULT 0,
    hidden     SMALLINT    NOT NULL DEFAULT 0,
    created_at BIGINT      NOT NULL,
    CONSTRAINT people_book_owner_ref_uq UNIQUE (owner_id, ref_id)
);
-- The list of one owner, newest first (keyset cursor on created_at, ref_id).
CREATE INDEX people_book_owner_created_idx ON people_book (owner_id, created_at, ref_id);

-- One row per (message, user, emoji); the key makes adding idempotent and
-- serves the per-page summary (all reactions of a set of messages).
CREATE TABLE message_reaction (
    room_message_id VARCHAR(36) NOT NULL REFERENCES room_message (id),
    user_id         VARCHAR(36) NOT NULL REFERENCES users (id),
    emoji           VARCHAR(64) NOT NULL,
    created_at      BIGINT      NOT NULL,
    CONSTRAINT message_reaction_pk PRIMARY KEY (room_message_id, emoji, user_id)
);

-- Stored person and all events (SPEC §3). user_id NULL means every user.
-- data is a JSON object as text, for the client only.
CREATE TABLE notification (
    id         VARCHAR(36) NOT NULL PRIMARY KEY,
    user_id    VARCHAR(36) REFERENCES users (id),
    msg_type   VARCHAR(40) NOT NULL,
    title      TEXT        NOT NULL,
    body       TEXT        NOT NULL,
    data       TEXT        NOT NULL,
    actor_id   VARCHAR(36) REFERENCES users (id),
    created_at BIGINT      NOT NULL
);
-- A user list reads the user rows and the all-user rows, newest first.
CREATE INDEX notification_user_created_idx ON notification (user_id, created_at, id);

-- Read state per user; for all-user notifications a row per reader.
CREATE TABLE notification_read (
    notification_id VARCHAR(36) NOT NULL REFERENCES notification (id),
    user_id         VARCHAR(36) NOT NULL REFERENCES users (id),
    read_at         BIGINT      NOT NULL,
    CONSTRAINT notification_read_pk PRIMARY KEY (notification_id, user_id)
);
