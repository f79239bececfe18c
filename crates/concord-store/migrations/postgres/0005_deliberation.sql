-- Deliberation (Polis-compatible): conversations, their statements, participants and the full
-- vote history. Every vote event is kept; the latest per (participant, statement) counts, so a
-- re-vote is an insert, never an update.

CREATE TABLE delib_conversations (
    id          TEXT PRIMARY KEY,
    title_zh    TEXT,
    title_en    TEXT,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed'))
);

CREATE TABLE delib_statements (
    conversation TEXT NOT NULL REFERENCES delib_conversations (id) ON DELETE CASCADE,
    tid          BIGINT NOT NULL,
    text         TEXT NOT NULL,
    lang         TEXT,
    moderation   TEXT NOT NULL
                 CHECK (moderation IN ('accepted', 'rejected', 'meta', 'unmoderated')),
    author       BIGINT,
    -- Milliseconds since the Unix epoch.
    created_ms   BIGINT,
    is_seed      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation, tid)
);

CREATE TABLE delib_participants (
    conversation TEXT NOT NULL REFERENCES delib_conversations (id) ON DELETE CASCADE,
    pid          BIGINT NOT NULL,
    xid          TEXT,
    registered   BIGINT NOT NULL DEFAULT 0,
    anonymous    BIGINT NOT NULL DEFAULT 1,
    category     TEXT,
    region       TEXT,
    created_ms   BIGINT,
    PRIMARY KEY (conversation, pid)
);

-- `id` keeps the history order, which breaks ties between equal timestamps.
CREATE TABLE delib_votes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation TEXT NOT NULL REFERENCES delib_conversations (id) ON DELETE CASCADE,
    pid          BIGINT NOT NULL,
    tid          BIGINT NOT NULL,
    vote         BIGINT NOT NULL CHECK (vote IN (-1, 0, 1)),
    at_ms        BIGINT NOT NULL
);
CREATE INDEX delib_votes_conversation ON delib_votes (conversation, id);
