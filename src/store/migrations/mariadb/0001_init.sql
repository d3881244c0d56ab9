-- Initial schema (SPEC §4), with the tables, columns and constraints of
-- sqlite/0001_init.sql, whose comments say why they are so. No colons or
-- apostrophes in these comments, as SOCI parses statements for parameters.
-- MariaDB specifics
-- * DDL commits implicitly, so a migration is not atomic. Every statement is
--   IF NOT EXISTS, and the next migrate() completes one that was interrupted.
-- * utf8mb4_nopad_bin compares and sorts byte-wise with trailing spaces
--   significant, as SQLite does. The usual _ci collations would make ids and
--   e-mail addresses equal ignoring case, accents and trailing spaces.
-- * Foreign keys are table constraints, as InnoDB ignores column-level
--   REFERENCES. InnoDB indexes the columns of a foreign key if no index
--   starts with them, hence the indexes inside CREATE TABLE.
-- * An InnoDB index key may hold 3072 bytes (DYNAMIC rows), and the widest
--   here, VARCHAR(320) in utf8mb4, needs 1280.

CREATE TABLE IF NOT EXISTS users (
    id            VARCHAR(36)  NOT NULL PRIMARY KEY,
    email         VARCHAR(320) NOT NULL,
    nickname      TEXT         NOT NULL,
    password_hash TEXT         NOT NULL,
    is_admin      SMALLINT     NOT NULL DEFAULT 0,
    created_at    BIGINT       NOT NULL,
    deleted_at    BIGINT,
    CONSTRAINT users_email_uq UNIQUE (email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS room (
    id               VARCHAR(36) NOT NULL PRIMARY KEY,
    name             TEXT,
    created_by       VARCHAR(36) NOT NULL,
    created_at       BIGINT      NOT NULL,
    last_seq         BIGINT      NOT NULL DEFAULT 0,
    last_activity_at BIGINT      NOT NULL,
    CONSTRAINT room_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS room_participant (
    id            VARCHAR(36) NOT NULL PRIMARY KEY,
    room_id       VARCHAR(36) NOT NULL,
    user_id       VARCHAR(36) NOT NULL,
    joined_at     BIGINT      NOT NULL,
    left_at       BIGINT,
    last_read_seq BIGINT      NOT NULL DEFAULT 0,
    CONSTRAINT room_participant_room_user_uq UNIQUE (room_id, user_id),
    INDEX room_participant_user_idx (user_id, room_id),
    CONSTRAINT room_participant_room_fk FOREIGN KEY (room_id) REFERENCES room (id),
    CONSTRAINT room_participant_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS room_message (
    id                  VARCHAR(36) NOT NULL PRIMARY KEY,
    room_id             VARCHAR(36) NOT NULL,
    room_participant_id VARCHAR(36) NOT NULL,
    sender_id           VARCHAR(36) NOT NULL,
    seq                 BIGINT      NOT NULL,
    text                TEXT        NOT NULL,
    created_at          BIGINT      NOT NULL,
    deleted_at          BIGINT,
    has_thread          SMALLINT    NOT NULL DEFAULT 0,
    CONSTRAINT room_message_room_seq_uq UNIQUE (room_id, seq),
    CONSTRAINT room_message_room_fk FOREIGN KEY (room_id) REFERENCES room (id),
    CONSTRAINT room_message_participant_fk
        FOREIGN KEY (room_participant_id) REFERENCES room_participant (id),
    CONSTRAINT room_message_sender_fk FOREIGN KEY (sender_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS refresh_token (
    id         VARCHAR(36) NOT NULL PRIMARY KEY,
    family_id  VARCHAR(36) NOT NULL,
    user_id    VARCHAR(36) NOT NULL,
    token_hash VARCHAR(64) NOT NULL,
    created_at BIGINT      NOT NULL,
    expires_at BIGINT      NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT,
    CONSTRAINT refresh_token_hash_uq UNIQUE (token_hash),
    INDEX refresh_token_family_idx (family_id),
    INDEX refresh_token_user_idx (user_id),
    CONSTRAINT refresh_token_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;
