-- Editors: accounts, sign-in sessions and the audit trail of every edit.
-- Passwords are argon2id PHC strings; session tokens are stored only as SHA-256 hashes, so a
-- copy of the database does not let anyone sign in.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    created_at    TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Unix seconds, so that expiry is a numeric comparison.
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    csrf_secret TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Append-only: nothing in Concord updates or deletes audit rows. `username` is copied rather
-- than referenced so the trail survives a renamed or removed account.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    -- JSON: what changed (field → [old, new]), the version written, ...
    summary     TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id);
