-- Threads and files, with the tables, columns and constraints of
-- sqlite/0003_threads_files.sql, whose comments say why they are so. No
-- colons or apostrophes in these comments, as SOCI parses statements for
-- parameters. The MariaDB specifics of 0001_init.sql hold here too
-- (IF NOT EXISTS, byte-wise collation, foreign keys as table constraints).

CREATE TABLE IF NOT EXISTS conversation_thread (
    id              VARCHAR(36) NOT NULL PRIMARY KEY,
    room_message_id VARCHAR(36) NOT NULL,
    room_id         VARCHAR(36) NOT NULL,
    created_at      BIGINT      NOT NULL,
    last_seq        BIGINT      NOT NULL DEFAULT 0,
    last_reply_at   BIGINT,
    CONSTRAINT conversation_thread_message_uq UNIQUE (room_message_id),
    CONSTRAINT conversation_thread_message_fk
        FOREIGN KEY (room_message_id) REFERENCES room_message (id),
    CONSTRAINT conversation_thread_room_fk FOREIGN KEY (room_id) REFERENCES room (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS thread_participant (
    id                     VARCHAR(36) NOT NULL PRIMARY KEY,
    conversation_thread_id VARCHAR(36) NOT NULL,
    room_participant_id    VARCHAR(36) NOT NULL,
    joined_at              BIGINT      NOT NULL,
    CONSTRAINT thread_participant_thread_participant_uq
        UNIQUE (conversation_thread_id, room_participant_id),
    CONSTRAINT thread_participant_thread_fk
        FOREIGN KEY (conversation_thread_id) REFERENCES conversation_thread (id),
    CONSTRAINT thread_participant_participant_fk
        FOREIGN KEY (room_participant_id) REFERENCES room_participant (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS thread_message (
    id                     VARCHAR(36) NOT NULL PRIMARY KEY,
    conversation_thread_id VARCHAR(36) NOT NULL,
    thread_participant_id  VARCHAR(36) NOT NULL,
    sender_id              VARCHAR(36) NOT NULL,
    seq                    BIGINT      NOT NULL,
    text                   TEXT        NOT NULL,
    created_at             BIGINT      NOT NULL,
    deleted_at             BIGINT,
    CONSTRAINT thread_message_thread_seq_uq UNIQUE (conversation_thread_id, seq),
    CONSTRAINT thread_message_thread_fk
        FOREIGN KEY (conversation_thread_id) REFERENCES conversation_thread (id),
    CONSTRAINT thread_message_participant_fk
        FOREIGN KEY (thread_participant_id) REFERENCES thread_participant (id),
    CONSTRAINT thread_message_sender_fk FOREIGN KEY (sender_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS file (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    uploader_id  VARCHAR(36)  NOT NULL,
    name         TEXT         NOT NULL,
    content_type VARCHAR(255) NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    size_bytes   BIGINT       NOT NULL,
    sha256       VARCHAR(64)  NOT NULL,
    created_at   BIGINT       NOT NULL,
    INDEX file_uploader_idx (uploader_id),
    CONSTRAINT file_uploader_fk FOREIGN KEY (uploader_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS room_message_file (
    room_message_id VARCHAR(36) NOT NULL,
    file_id         VARCHAR(36) NOT NULL,
    room_id         VARCHAR(36) NOT NULL,
    ordinal         SMALLINT    NOT NULL,
    PRIMARY KEY (room_message_id, file_id),
    INDEX room_message_file_file_idx (file_id, room_id),
    CONSTRAINT room_message_file_message_fk
        FOREIGN KEY (room_message_id) REFERENCES room_message (id),
    CONSTRAINT room_message_file_file_fk FOREIGN KEY (file_id) REFERENCES file (id),
    CONSTRAINT room_message_file_room_fk FOREIGN KEY (room_id) REFERENCES room (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;

CREATE TABLE IF NOT EXISTS thread_message_file (
    thread_message_id VARCHAR(36) NOT NULL,
    file_id           VARCHAR(36) NOT NULL,
    room_id           VARCHAR(36) NOT NULL,
    ordinal           SMALLINT    NOT NULL,
    PRIMARY KEY (thread_message_id, file_id),
    INDEX thread_message_file_file_idx (file_id, room_id),
    CONSTRAINT thread_message_file_message_fk
        FOREIGN KEY (thread_message_id) REFERENCES thread_message (id),
    CONSTRAINT thread_message_file_file_fk FOREIGN KEY (file_id) REFERENCES file (id),
    CONSTRAINT thread_message_file_room_fk FOREIGN KEY (room_id) REFERENCES room (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin ROW_FORMAT = DYNAMIC;
