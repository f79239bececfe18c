-- Commitments, action reports and assessments (crates/concord-commitments, docs/commitments.md).
-- Each record is kept whole as JSON (`record`), validated by concord-commitments before it is
-- written; the columns beside it are what queries need. Reports and assessments are
-- append-only (a correction is a new record), so they carry no version.

CREATE TABLE commitments (
    id         TEXT PRIMARY KEY,
    version    BIGINT NOT NULL,
    record     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE commitment_reports (
    id         TEXT PRIMARY KEY,
    commitment TEXT NOT NULL REFERENCES commitments (id),
    seq        BIGINT NOT NULL,
    signatory  TEXT NOT NULL,
    record     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (commitment, seq)
);

-- Kept apart from self-reports: an assessment is an independent judgement.
CREATE TABLE commitment_assessments (
    id         TEXT PRIMARY KEY,
    commitment TEXT NOT NULL REFERENCES commitments (id),
    seq        BIGINT NOT NULL,
    signatory  TEXT NOT NULL,
    record     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (commitment, seq)
);

-- Uploaded evidence, addressed by the SHA-256 of its bytes (lowercase hex): the same file
-- uploaded twice is stored once.
CREATE TABLE evidence_files (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    bytes      BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
