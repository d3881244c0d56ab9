-- Threads and files (SPEC §4, the ERD tables conversation_thread,
-- thread_participant, thread_message, file, room_message_file and
-- thread_message_file). Same conventions as 0001_init.sql.

-- At most one thread per room message, created by its first reply.
CREATE TABLE conversation_thread (
    id              VARCHAR(36) NOT NULL PRIMARY KEY,
    room_message_id VARCHAR(36) NOT NULL REFERENCES room_message (id),
    -- Denormalised from room_message so that a thread is found by room and
    -- root without a join.
    room_id         VARCHAR(36) NOT NULL REFERENCES room (id),
    created_at      BIGINT      NOT NULL,
    -- Seq of the newest reply, bumped in the replying transaction as for
    -- room.last_seq. Replies are never removed, so it is the reply count.
    last_seq        BIGINT      NOT NULL DEFAULT 0,
    last_reply_at   BIGINT,
    CONSTRAINT conversation_thread_message_uq UNIQUE (room_message_id)
);

-- Who replied in a thread; the row refers to the room participant (ERD),
-- which survives leaving and rejoining the room.
CREATE TABLE thread_participant (
    id                     VARCHAR(36) NOT NULL PRIMARY KEY,
    conversation_thread_id VARCHAR(36) NOT NULL REFERENCES conversation_thread (id),
    room_participant_id    VARCHAR(36) NOT NULL REFERENCES room_participant (id),
    joined_at              BIGINT      NOT NULL,
    CONSTRAINT thread_participant_thread_participant_uq
        UNIQUE (conversation_thread_id, room_participant_id)
);

CREATE TABLE thread_message (
    id                     VARCHAR(36) NOT NULL PRIMARY KEY,
    conversation_thread_id VARCHAR(36) NOT NULL REFERENCES conversation_thread (id),
    thread_participant_id  VARCHAR(36) NOT NULL REFERENCES thread_participant (id),
    -- Denormalised from the participant rows, as in room_message.
    sender_id              VARCHAR(36) NOT NULL REFERENCES users (id),
    seq                    BIGINT      NOT NULL,
    text                   TEXT        NOT NULL,
    created_at             BIGINT      NOT NULL,
    deleted_at             BIGINT,
    -- Also the index for reading a thread page by page.
    CONSTRAINT thread_message_thread_seq_uq UNIQUE (conversation_thread_id, seq)
);

-- One row per upload. The bytes are stored once per sha256 under the data
-- directory, so identical uploads share them; name is only ever shown.
CREATE TABLE file (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    uploader_id  VARCHAR(36)  NOT NULL REFERENCES users (id),
    name         TEXT         NOT NULL,
    content_type VARCHAR(255) NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    size_bytes   BIGINT       NOT NULL,
    sha256       VARCHAR(64)  NOT NULL,
    created_at   BIGINT       NOT NULL
);
CREATE INDEX file_uploader_idx ON file (uploader_id);

-- Attachments. room_id is denormalised from the message so that the read
-- check of a file (a participant of a room where it is attached) starts at
-- the file and needs no join through the thread.
CREATE TABLE room_message_file (
    room_message_id VARCHAR(36) NOT NULL REFERENCES room_message (id),
    file_id         VARCHAR(36) NOT NULL REFERENCES file (id),
    room_id         VARCHAR(36) NOT NULL REFERENCES room (id),
    ordinal         SMALLINT    NOT NULL,
    PRIMARY KEY (room_message_id, file_id)
);
CREATE INDEX room_message_file_file_idx ON room_message_file (file_id, room_id);

CREATE TABLE thread_message_file (
    thread_message_id VARCHAR(36) NOT NULL REFERENCES thread_message (id),
    file_id           VARCHAR(36) NOT NULL REFERENCES file (id),
    room_id           VARCHAR(36) NOT NULL REFERENCES room (id),
    ordinal           SMALLINT    NOT NULL,
    PRIMARY KEY (thread_message_id, file_id)
);
CREATE INDEX thread_message_file_file_idx ON thread_message_file (file_id, room_id);
