-- Participation on the platform (votes and statements from the web) and the proof-of-work
-- replay set (shared reference specs/proof-of-work.md §5.4).

-- Challenges already redeemed (§5.4 step 7). `rand` is the challenge's 16 random bytes in hex;
-- the primary key makes a second redemption fail. Rows are deleted once expired: an expired
-- challenge is refused before the replay set is consulted. `bits` is the difficulty issued,
-- kept for audit (§5.5); `submission` names what was accepted (never an IP address, §5.8).
CREATE TABLE pow_spent (
    rand        TEXT PRIMARY KEY,
    scope       TEXT NOT NULL,
    bits        BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    spent_at    BIGINT NOT NULL,
    submission  TEXT NOT NULL
);
CREATE INDEX pow_spent_expires ON pow_spent (expires_at);

-- Who a platform participant is: `user:NAME` for a signed-in user, `anon:SHA256(cookie)` for
-- an anonymous participant cookie (the cookie itself is never stored).
CREATE TABLE delib_participant_keys (
    conversation TEXT NOT NULL REFERENCES delib_conversations (id) ON DELETE CASCADE,
    subject      TEXT NOT NULL,
    pid          BIGINT NOT NULL,
    PRIMARY KEY (conversation, subject)
);

-- Votes sent without proof of work (no JavaScript, §5.7): held here until a moderator accepts
-- them (moved to delib_votes) or discards them.
CREATE TABLE delib_held_votes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation TEXT NOT NULL REFERENCES delib_conversations (id) ON DELETE CASCADE,
    pid          BIGINT NOT NULL,
    tid          BIGINT NOT NULL,
    vote         BIGINT NOT NULL CHECK (vote IN (-1, 0, 1)),
    at_ms        BIGINT NOT NULL
);
CREATE INDEX delib_held_votes_conversation ON delib_held_votes (conversation, id);

-- How a statement written on the platform arrived: its author and the proof-of-work
-- difficulty it carried (NULL: sent without proof of work, §5.7).
CREATE TABLE delib_statement_origin (
    conversation TEXT NOT NULL REFERENCES delib_conversations (id) ON DELETE CASCADE,
    tid          BIGINT NOT NULL,
    pid          BIGINT NOT NULL,
    pow_bits     BIGINT,
    PRIMARY KEY (conversation, tid)
);
