-- People book, message reactions and notifications, with the tables,
-- columns and constraints of sqlite/0002_people_reactions_notifications.sql,
-- whose comments say why they are so. MariaDB specifics as in 0001_init.sql
-- (IF NOT EXISTS everywhere, table-level foreign keys, byte-wise collation).
-- The widest key, message_reaction_pk, needs (36 + 64 + 36) x 4 bytes.

CREATE TABLE IF NOT EXISTS people_book (
    id         VARCHAR(36) NOT NULL PRIMARY KEY,
    owner_id   VARCHAR(36) NOT NULL,
    ref_id     VARCHAR(36) NOT NULL,
    favorite   SMALLINT    NOT NULL DEFAULT 0,
    hidden     SMALLINT    NOT NULL DEFAULT 0,
    created_at BIGINT      NOT NULL,
    CONSTRAINT people_book_owner_ref_uq UNIQUE (owner_id, ref_id),
    INDEX people_book_owner_created_idx (owner_id, created_at, ref_id),
    INDEX people_book_ref_idx (ref_id),
    CONSTRAINT people_book_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id),
    CONSTRAINT people_book_ref_fk FOREIGN KEY (ref_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS message_reaction (
    room_message_id VARCHAR(36) NOT NULL,
    user_id         VARCHAR(36) NOT NULL,
    emoji           VARCHAR(64) NOT NULL,
    created_at      BIGINT      NOT NULL,
    CONSTRAINT message_reaction_pk PRIMARY KEY (room_message_id, emoji, user_id),
    INDEX message_reaction_user_idx (user_id),
    CONSTRAINT message_reaction_message_fk
        FOREIGN KEY (room_message_id) REFERENCES room_message (id),
    CONSTRAINT message_reaction_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS notification (
    id         VARCHAR(36) NOT NULL PRIMARY KEY,
    user_id    VARCHAR(36),
    msg_type   VARCHAR(40) NOT NULL,
    title      TEXT        NOT NULL,
    body       TEXT        NOT NULL,
    data       TEXT        NOT NULL,
    actor_id   VARCHAR(36),
    created_at BIGINT      NOT NULL,
    INDEX notification_user_created_idx (user_id, created_at, id),
    INDEX notification_actor_idx (actor_id),
    CONSTRAINT notification_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT notification_actor_fk FOREIGN KEY (actor_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS notification_read (
    notification_id VARCHAR(36) NOT NULL,
    user_id         VARCHAR(36) NOT NULL,
    read_at         BIGINT      NOT NULL,
    CONSTRAINT notification_read_pk PRIMARY KEY (notification_id, user_id),
    INDEX notification_read_user_idx (user_id),
    CONSTRAINT notification_read_notification_fk
        FOREIGN KEY (notification_id) REFERENCES notification (id),
    CONSTRAINT notification_read_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;
