-- People book, message reactions and notifications, with the tables,
-- columns and constraints of sqlite/0002_people_reactions_notifications.sql,
-- whose comments say why they are so. Conventions as in 0001_init.sql.

CREATE TABLE people_book (
    id         VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    owner_id   VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    ref_id     VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    favorite   SMALLINT    NOT NULL DEFAULT 0,
    hidden     SMALLINT    NOT NULL DEFAULT 0,
    created_at BIGINT      NOT NULL,
    CONSTRAINT people_book_owner_ref_uq UNIQUE (owner_id, ref_id)
);
CREATE INDEX people_book_owner_created_idx ON people_book (owner_id, created_at, ref_id);

CREATE TABLE message_reaction (
    room_message_id VARCHAR(36) COLLATE "C" NOT NULL REFERENCES room_message (id),
    user_id         VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    emoji           VARCHAR(64) COLLATE "C" NOT NULL,
    created_at      BIGINT      NOT NULL,
    CONSTRAINT message_reaction_pk PRIMARY KEY (room_message_id, emoji, user_id)
);

CREATE TABLE notification (
    id         VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    user_id    VARCHAR(36) COLLATE "C" REFERENCES users (id),
    msg_type   VARCHAR(40) NOT NULL,
    title      TEXT        NOT NULL,
    body       TEXT        NOT NULL,
    data       TEXT        NOT NULL,
    actor_id   VARCHAR(36) COLLATE "C" REFERENCES users (id),
    created_at BIGINT      NOT NULL
);
CREATE INDEX notification_user_created_idx ON notification (user_id, created_at, id);

CREATE TABLE notification_read (
    notification_id VARCHAR(36) COLLATE "C" NOT NULL REFERENCES notification (id),
    user_id         VARCHAR(36) COLLATE "C" NOT NULL REFERENCES users (id),
    read_at         BIGINT      NOT NULL,
    CONSTRAINT notification_read_pk PRIMARY KEY (notification_id, user_id)
);
