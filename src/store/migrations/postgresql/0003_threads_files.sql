-- Threads and files, with the tables, columns and constraints of
-- sqlite/0003_threads_files.sql, whose comments say why they are so. No
-- colons or apostrophes in these comments, as SOCI parses statements for
-- parameters. Id columns collate "C" as in 0001_init.sql.

CREATE TABLE conversation_thread (
    id              VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    room_message_id VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room_message (id),
    room_id         VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room (id),
    created_at      BIGINT      NOT NULL,
    last_seq        BIGINT      NOT NULL DEFAULT 0,
    last_reply_at   BIGINT,
    CONSTRAINT conversation_thread_message_uq UNIQUE (room_message_id)
);

CREATE TABLE thread_participant (
    id                     VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    conversation_thread_id VARCHAR(36) COLLATE "C" NOT NULL
        REFERENCES conversation_thread (id),
    room_participant_id    VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room_participant (id),
    joined_at              BIGINT      NOT NULL,
    CONSTRAINT thread_participant_thread_participant_uq
        UNIQUE (conversation_thread_id, room_participant_id)
);

CREATE TABLE thread_message (
    id                     VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    conversation_thread_id VARCHAR(36) COLLATE "C" NOT NULL
        REFERENCES conversation_thread (id),
    thread_participant_id  VARCHAR(36) COLLATE "C" NOT NULL
        REFERENCES thread_participant (id),
    sender_id              VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    seq                    BIGINT      NOT NULL,
    text                   TEXT        NOT NULL,
    created_at             BIGINT      NOT NULL,
    deleted_at             BIGINT,
    CONSTRAINT thread_message_thread_seq_uq UNIQUE (conversation_thread_id, seq)
);

CREATE TABLE file (
    id           VARCHAR(36)  COLLATE "C" NOT NULL PRIMARY KEY,
    uploader_id  VARCHAR(36)  COLLATE "C" NOT NULL REFERENCES users (id),
    name         TEXT         NOT NULL,
    content_type VARCHAR(255) NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    size_bytes   BIGINT       NOT NULL,
    sha256       VARCHAR(64)  COLLATE "C" NOT NULL,
    created_at   BIGINT       NOT NULL
);
CREATE INDEX file_uploader_idx ON file (uploader_id);

CREATE TABLE room_message_file (
    room_message_id VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room_message (id),
    file_id         VARCHAR(36) COLLATE "C" NOT NULL REFERENCES file (id),
    room_id         VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room (id),
    ordinal         SMALLINT    NOT NULL,
    PRIMARY KEY (room_message_id, file_id)
);
CREATE INDEX room_message_file_file_idx ON room_message_file (file_id, room_id);

CREATE TABLE thread_message_file (
    thread_message_id VARCHAR(36) COLLATE "C" NOT NULL REFERENCES thread_message (id),
    file_id           VARCHAR(36) COLLATE "C" NOT NULL REFERENCES file (id),
    room_id           VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room (id),
    ordinal           SMALLINT    NOT NULL,
    PRIMARY KEY (thread_message_id, file_id)
);
CREATE INDEX thread_message_file_file_idx ON thread_message_file (file_id, room_id);
