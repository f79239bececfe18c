-- The transparency log (crates/concord-ledger, docs/ledger.md).
-- Entries are append-only: idx is dense from 0; data is the canonical JSON envelope that is
-- hashed into the log; leaf_hash = SHA-256(0x00 || data), kept so the tree can be rebuilt
-- without rehashing and so `concord ledger verify` can name a row whose data was altered.
CREATE TABLE ledger_entries (
    idx        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    data       BLOB NOT NULL,
    leaf_hash  BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ledger_entries_record ON ledger_entries (kind, record_id);

-- Every signed checkpoint, one per sequenced batch. note is the signed note (with any witness
-- cosignatures); published = 1 once it carries the configured witness quorum.
CREATE TABLE ledger_checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB NOT NULL,
    note       BLOB NOT NULL,
    published  INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- State of `concord witness`: the latest checkpoint it cosigned per log origin.
CREATE TABLE ledger_witness_state (
    origin     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    root       BLOB NOT NULL,
    note       BLOB NOT NULL,
    updated_at TEXT NOT NULL
);
