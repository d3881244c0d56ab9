-- Initial schema (SPEC §4), with the tables, columns and constraints of
-- sqlite/0001_init.sql, whose comments say why they are so. No colons or
-- apostrophes in these comments, as SOCI parses statements for parameters.
-- The id columns collate "C", so that ORDER BY id (the tie-break and cursor
-- of the room list) is byte-wise as in SQLite whatever the locale of the
-- database. The migration runs in one transaction, as DDL is transactional.

CREATE TABLE users (
    id            VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    email         VARCHAR(320) COLLATE "C" NOT NULL,
    nickname      TEXT         NOT NULL,
    password_hash TEXT         NOT NULL,
    is_admin      SMALLINT     NOT NULL DEFAULT 0,
    created_at    BIGINT       NOT NULL,
    deleted_at    BIGINT,
    CONSTRAINT users_email_uq UNIQUE (email)
);

CREATE TABLE room (
    id               VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    name             TEXT,
    created_by       VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    created_at       BIGINT      NOT NULL,
    last_seq         BIGINT      NOT NULL DEFAULT 0,
    last_activity_at BIGINT      NOT NULL
);

CREATE TABLE room_participant (
    id            VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    room_id       VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room (id),
    user_id       VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    joined_at     BIGINT      NOT NULL,
    left_at       BIGINT,
    last_read_seq BIGINT      NOT NULL DEFAULT 0,
    CONSTRAINT room_participant_room_user_uq UNIQUE (room_id, user_id)
);
CREATE INDEX room_participant_user_idx ON room_participant (user_id, room_id);

CREATE TABLE room_message (
    id                  VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    room_id             VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room (id),
    room_participant_id VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room_participant (id),
    sender_id           VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    seq                 BIGINT      NOT NULL,
    text                TEXT        NOT NULL,
    created_at          BIGINT      NOT NULL,
    deleted_at          BIGINT,
    has_thread          SMALLINT    NOT NULL DEFAULT 0,
    CONSTRAINT room_message_room_seq_uq UNIQUE (room_id, seq)
);

CREATE TABLE refresh_token (
    id         VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    family_id  VARCHAR(36) COLLATE "C" NOT NULL,
    user_id    VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    token_hash VARCHAR(64) COLLATE "C" NOT NULL,
    created_at BIGINT      NOT NULL,
    expires_at BIGINT      NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT,
    CONSTRAINT refresh_token_hash_uq UNIQUE (token_hash)
);
CREATE INDEX refresh_token_family_idx ON refresh_token (family_id);
CREATE INDEX refresh_token_user_idx ON refresh_token (user_id);
