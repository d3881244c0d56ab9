-- Initial schema (SPEC §4). Kept to types and syntax that PostgreSQL and
-- MariaDB accept as well, so their dialects can start from a copy of this
-- file: ids are UUID strings, times BIGINT milliseconds since the epoch,
-- flags SMALLINT 0/1 (binds the same way everywhere, unlike BOOLEAN).
-- Indexed text columns are VARCHAR(n) because MariaDB cannot index TEXT
-- without a prefix length.

-- The ERD calls this table `user`, but USER is a reserved word in PostgreSQL
-- (and a function in MariaDB), so it would need quoting in every statement.
CREATE TABLE users (
    id            VARCHAR(36)  NOT NULL PRIMARY KEY,
    -- Stored lower-case; a withdrawn user's address is replaced by
    -- deleted+<id>@invalid so that it can sign up again.
    email         VARCHAR(320) NOT NULL,
    nickname      TEXT         NOT NULL,
    password_hash TEXT         NOT NULL,
    is_admin      SMALLINT     NOT NULL DEFAULT 0,
    created_at    BIGINT       NOT NULL,
    deleted_at    BIGINT,
    CONSTRAINT users_email_uq UNIQUE (email)
);

CREATE TABLE room (
    id               VARCHAR(36) NOT NULL PRIMARY KEY,
    name             TEXT,
    created_by       VARCHAR(36) NOT NULL REFERENCES users (id),
    created_at       BIGINT      NOT NULL,
    -- Seq of the newest message; bumped in the posting transaction, which
    -- makes the per-room sequence gapless.
    last_seq         BIGINT      NOT NULL DEFAULT 0,
    last_activity_at BIGINT      NOT NULL
);

-- Rows are never deleted: leaving sets left_at and a re-invite clears it,
-- because room_message keeps referring to the participant row (ERD).
CREATE TABLE room_participant (
    id            VARCHAR(36) NOT NULL PRIMARY KEY,
    room_id       VARCHAR(36) NOT NULL REFERENCES room (id),
    user_id       VARCHAR(36) NOT NULL REFERENCES users (id),
    joined_at     BIGINT      NOT NULL,
    left_at       BIGINT,
    last_read_seq BIGINT      NOT NULL DEFAULT 0,
    CONSTRAINT room_participant_room_user_uq UNIQUE (room_id, user_id)
);
-- The rooms of a user; (room_id, user_id) above serves the members of a room.
-- A room list starts here and sorts just that user's rooms by activity: an
-- index on room (last_activity_at) would not serve it and would cost a write
-- on every message.
CREATE INDEX room_participant_user_idx ON room_participant (user_id, room_id);

CREATE TABLE room_message (
    id                  VARCHAR(36) NOT NULL PRIMARY KEY,
    room_id             VARCHAR(36) NOT NULL REFERENCES room (id),
    room_participant_id VARCHAR(36) NOT NULL REFERENCES room_participant (id),
    -- Denormalised from room_participant so that unread counts and the
    -- sender check need no join.
    sender_id           VARCHAR(36) NOT NULL REFERENCES users (id),
    seq                 BIGINT      NOT NULL,
    text                TEXT        NOT NULL,
    created_at          BIGINT      NOT NULL,
    deleted_at          BIGINT,
    has_thread          SMALLINT    NOT NULL DEFAULT 0,
    -- Also the index for every message query: pages, last message, unread.
    CONSTRAINT room_message_room_seq_uq UNIQUE (room_id, seq)
);

CREATE TABLE refresh_token (
    id         VARCHAR(36) NOT NULL PRIMARY KEY,
    family_id  VARCHAR(36) NOT NULL,
    user_id    VARCHAR(36) NOT NULL REFERENCES users (id),
    token_hash VARCHAR(64) NOT NULL,
    created_at BIGINT      NOT NULL,
    expires_at BIGINT      NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT,
    CONSTRAINT refresh_token_hash_uq UNIQUE (token_hash)
);
CREATE INDEX refresh_token_family_idx ON refresh_token (family_id);
CREATE INDEX refresh_token_user_idx ON refresh_token (user_id);
