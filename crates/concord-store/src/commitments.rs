//! Commitments, action reports, assessments and evidence files (migration 0006); the records
//! and their rules are in `concord-commitments`.
//!
//! Every write is one transaction: a report with its uploaded files is stored whole or not at
//! all. Commitments carry a version: an update names the version it was based on and is
//! refused if another write came first. Reports and assessments are append-only and get their
//! id from the store (`<commitment>.r<n>`, `<commitment>.a<n>`).

use std::collections::HashSet;

use async_trait::async_trait;
use concord_commitments::{ActionReport, Assessment, Commitment, Evidence, Invalid, Origin};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Row, any::AnyRow};

use crate::{Result, SqlStore, Store, StoreError, sql::now};

/// Largest evidence file (bytes).
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

/// The taxonomy whose principle ids commitments use.
pub const PRINCIPLE_SCHEME: &str = "concord";

/// A stored commitment with its version and times (RFC 3339).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredCommitment {
    #[serde(flatten)]
    pub commitment: Commitment,
    pub version: u32,
    pub created_at: String,
    pub updated_at: String,
}

/// A file to store as evidence with a report or assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceUpload {
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// A stored evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    pub sha256: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// Outcome of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitmentWrite<T> {
    /// Written; the stored record (with its assigned id) and the commitment's version.
    Written(T, u32),
    /// A commitment with this id exists already.
    Duplicate,
    /// No such commitment.
    NotFound,
    /// The commitment changed since the version the update was based on.
    Stale { current: u32 },
}

/// An entry of the transparency log about a commitment or one of its reports or assessments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    pub index: u64,
    pub kind: String,
    pub record_id: String,
    pub data: Vec<u8>,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Commitments storage. Implemented by [`SqlStore`] for both backends.
#[async_trait]
pub trait CommitmentStore: Send + Sync {
    /// Validates and creates a commitment at version 1.
    async fn create_commitment(&self, c: &Commitment) -> Result<CommitmentWrite<Commitment>>;
    /// Validates and replaces a commitment if it is still at `expected_version`.
    async fn update_commitment(
        &self,
        c: &Commitment,
        expected_version: u32,
    ) -> Result<CommitmentWrite<Commitment>>;
    async fn get_commitment(&self, id: &str) -> Result<Option<StoredCommitment>>;
    /// Every commitment, by id.
    async fn list_commitments(&self) -> Result<Vec<StoredCommitment>>;
    /// Validates the report against its commitment and stores it with its files (each also
    /// listed as `file` evidence); the id is assigned.
    async fn add_report(
        &self,
        report: &ActionReport,
        files: &[EvidenceUpload],
    ) -> Result<CommitmentWrite<ActionReport>>;
    async fn add_assessment(
        &self,
        assessment: &Assessment,
        files: &[EvidenceUpload],
    ) -> Result<CommitmentWrite<Assessment>>;
    /// Reports of one commitment (or of all when `None`), in the order recorded.
    async fn reports(&self, commitment: Option<&str>) -> Result<Vec<ActionReport>>;
    async fn assessments(&self, commitment: Option<&str>) -> Result<Vec<Assessment>>;
    async fn get_evidence(&self, sha256: &str) -> Result<Option<EvidenceFile>>;
    /// Log entries of a commitment and of its reports and assessments, by index.
    async fn commitment_log_entries(&self, id: &str) -> Result<Vec<LoggedEntry>>;
}

/// Checks what the record alone cannot: that its signatories, principles and origin exist in
/// `store`. Returns every problem, each with its field.
pub async fn check_references(store: &dyn Store, c: &Commitment) -> Result<Vec<Invalid>> {
    let mut problems = vec![];
    let actors: HashSet<String> = store
        .list_actors()
        .await?
        .into_iter()
        .map(|a| a.id.to_string())
        .collect();
    for (i, s) in c.signatories.iter().enumerate() {
        if !actors.contains(s) {
            problems.push(Invalid {
                field: format!("signatories[{i}]"),
                reason: format!("no actor {s:?}"),
            });
        }
    }
    let principles: HashSet<String> = store
        .get_taxonomy(PRINCIPLE_SCHEME)
        .await?
        .map(|t| t.principles.into_iter().map(|p| p.id).collect())
        .unwrap_or_default();
    for (i, p) in c.principles.iter().enumerate() {
        if !principles.contains(p) {
            problems.push(Invalid {
                field: format!("principles[{i}]"),
                reason: format!("no principle {p:?} in the {PRINCIPLE_SCHEME} taxonomy"),
            });
        }
    }
    match &c.origin {
        Origin::Document { document, .. } => {
            if store.get_document(document).await?.is_none() {
                problems.push(Invalid {
                    field: "origin.document".into(),
                    reason: format!("no document {document:?}"),
                });
            }
        }
        Origin::Statement {
            conversation,
            statement,
        } => match store.deliberation().load_conversation(conversation).await? {
            None => problems.push(Invalid {
                field: "origin.conversation".into(),
                reason: format!("no conversation {conversation:?}"),
            }),
            Some(conv) if !conv.statements.contains_key(statement) => problems.push(Invalid {
                field: "origin.statement".into(),
                reason: format!("no statement {statement} in {conversation:?}"),
            }),
            Some(_) => {}
        },
    }
    Ok(problems)
}

fn invalid(e: concord_commitments::Error) -> StoreError {
    StoreError::InvalidRecord(e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::InvalidRecord(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(id: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

fn version_of(row: &AnyRow, id: &str) -> Result<u32> {
    let v: i64 = row.try_get("version")?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt {
        id: id.to_owned(),
        reason: "version out of range".into(),
    })
}

fn stored_from_row(row: &AnyRow) -> Result<StoredCommitment> {
    let id: String = row.try_get("id")?;
    let record: String = row.try_get("record")?;
    Ok(StoredCommitment {
        commitment: from_json(&id, &record)?,
        version: version_of(row, &id)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Locks and reads a commitment inside `tx` (the no-op update takes the row lock on
/// PostgreSQL and the write lock on SQLite, so concurrent appends are serialized).
async fn lock_commitment(tx: &mut Tx<'_>, id: &str) -> Result<Option<(Commitment, u32)>> {
    sqlx::query("UPDATE commitments SET id = id WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("SELECT id, version, record FROM commitments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let record: String = row.try_get("record")?;
    Ok(Some((from_json(id, &record)?, version_of(&row, id)?)))
}

/// Checks the uploads, stores them (once per hash) and returns their evidence entries.
async fn store_files(tx: &mut Tx<'_>, files: &[EvidenceUpload]) -> Result<Vec<Evidence>> {
    let mut out = vec![];
    for (i, f) in files.iter().enumerate() {
        if f.bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(StoreError::InvalidRecord(format!(
                "files[{i}] {:?}: {} bytes (at most {MAX_EVIDENCE_BYTES})",
                f.name,
                f.bytes.len()
            )));
        }
        if f.bytes.is_empty() {
            return Err(StoreError::InvalidRecord(format!(
                "files[{i}] {:?}: the file is empty",
                f.name
            )));
        }
        let sha = sha256_hex(&f.bytes);
        sqlx::query(
            "INSERT INTO evidence_files (sha256, size, media_type, bytes, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha.clone())
        .bind(f.bytes.len() as i64)
        .bind(f.media_type.clone())
        .bind(f.bytes.clone())
        .bind(now())
        .execute(&mut **tx)
        .await?;
        out.push(Evidence::File {
            sha256: sha,
            name: f.name.clone(),
            size: f.bytes.len() as u64,
        });
    }
    Ok(out)
}

/// Every `file` evidence must name a stored file.
async fn check_files(tx: &mut Tx<'_>, evidence: &[Evidence]) -> Result<()> {
    for (i, e) in evidence.iter().enumerate() {
        if let Evidence::File { sha256, .. } = e {
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM evidence_files WHERE sha256 = $1")
                .bind(sha256.clone())
                .fetch_one(&mut **tx)
                .await?
                .try_get("n")?;
            if n == 0 {
                return Err(StoreError::InvalidRecord(format!(
                    "evidence[{i}].sha256: no stored file {sha256}"
                )));
            }
        }
    }
    Ok(())
}

/// The next sequence number of a commitment's reports or assessments.
async fn next_seq(tx: &mut Tx<'_>, table: &str, commitment: &str) -> Result<i64> {
    let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(MAX(seq), 0) AS n FROM {table} WHERE commitment = $1"
    )))
    .bind(commitment)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    Ok(n + 1)
}

async fn insert_child(
    tx: &mut Tx<'_>,
    table: &str,
    id: &str,
    commitment: &str,
    seq: i64,
    signatory: &str,
    record: &str,
) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {table} (id, commitment, seq, signatory, record, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )))
    .bind(id)
    .bind(commitment)
    .bind(seq)
    .bind(signatory)
    .bind(record)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn children<T: serde::de::DeserializeOwned>(
    store: &SqlStore,
    table: &str,
    commitment: Option<&str>,
) -> Result<Vec<T>> {
    let rows = match commitment {
        Some(c) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id, record FROM {table} WHERE commitment = $1 ORDER BY seq"
            )))
            .bind(c)
            .fetch_all(&store.pool)
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id, record FROM {table} ORDER BY commitment, seq"
            )))
            .fetch_all(&store.pool)
            .await?
        }
    };
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let record: String = r.try_get("record")?;
            from_json(&id, &record)
        })
        .collect()
}

#[async_trait]
impl CommitmentStore for SqlStore {
    async fn create_commitment(&self, c: &Commitment) -> Result<CommitmentWrite<Commitment>> {
        c.validate().map_err(invalid)?;
        let at = now();
        let done = sqlx::query(
            "INSERT INTO commitments (id, version, record, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(c.id.clone())
        .bind(to_json(c)?)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() > 0 {
            CommitmentWrite::Written(c.clone(), 1)
        } else {
            CommitmentWrite::Duplicate
        })
    }

    async fn update_commitment(
        &self,
        c: &Commitment,
        expected_version: u32,
    ) -> Result<CommitmentWrite<Commitment>> {
        c.validate().map_err(invalid)?;
        let mut tx = self.begin_write().await?;
        let Some((_, current)) = lock_commitment(&mut tx, &c.id).await? else {
            return Ok(CommitmentWrite::NotFound);
        };
        if current != expected_version {
            return Ok(CommitmentWrite::Stale { current });
        }
        let version = current + 1;
        sqlx::query(
            "UPDATE commitments SET version = $1, record = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(i64::from(version))
        .bind(to_json(c)?)
        .bind(now())
        .bind(c.id.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CommitmentWrite::Written(c.clone(), version))
    }

    async fn get_commitment(&self, id: &str) -> Result<Option<StoredCommitment>> {
        let row = sqlx::query(
            "SELECT id, version, record, created_at, updated_at FROM commitments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_from_row).transpose()
    }

    async fn list_commitments(&self) -> Result<Vec<StoredCommitment>> {
        let rows = sqlx::query(
            "SELECT id, version, record, created_at, updated_at FROM commitments ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_from_row).collect()
    }

    async fn add_report(
        &self,
        report: &ActionReport,
        files: &[EvidenceUpload],
    ) -> Result<CommitmentWrite<ActionReport>> {
        let mut tx = self.begin_write().await?;
        let Some((commitment, version)) = lock_commitment(&mut tx, &report.commitment).await?
        else {
            return Ok(CommitmentWrite::NotFound);
        };
        let mut r = report.clone();
        check_files(&mut tx, &r.evidence).await?;
        r.evidence.extend(store_files(&mut tx, files).await?);
        r.validate(&commitment).map_err(invalid)?;
        let seq = next_seq(&mut tx, "commitment_reports", &r.commitment).await?;
        r.id = format!("{}.r{seq}", r.commitment);
        insert_child(
            &mut tx,
            "commitment_reports",
            &r.id,
            &r.commitment,
            seq,
            &r.signatory,
            &to_json(&r)?,
        )
        .await?;
        tx.commit().await?;
        Ok(CommitmentWrite::Written(r, version))
    }

    async fn add_assessment(
        &self,
        assessment: &Assessment,
        files: &[EvidenceUpload],
    ) -> Result<CommitmentWrite<Assessment>> {
        let mut tx = self.begin_write().await?;
        let Some((commitment, version)) = lock_commitment(&mut tx, &assessment.commitment).await?
        else {
            return Ok(CommitmentWrite::NotFound);
        };
        let mut a = assessment.clone();
        check_files(&mut tx, &a.evidence).await?;
        a.evidence.extend(store_files(&mut tx, files).await?);
        a.validate(&commitment).map_err(invalid)?;
        let seq = next_seq(&mut tx, "commitment_assessments", &a.commitment).await?;
        a.id = format!("{}.a{seq}", a.commitment);
        insert_child(
            &mut tx,
            "commitment_assessments",
            &a.id,
            &a.commitment,
            seq,
            &a.signatory,
            &to_json(&a)?,
        )
        .await?;
        tx.commit().await?;
        Ok(CommitmentWrite::Written(a, version))
    }

    async fn reports(&self, commitment: Option<&str>) -> Result<Vec<ActionReport>> {
        children(self, "commitment_reports", commitment).await
    }

    async fn assessments(&self, commitment: Option<&str>) -> Result<Vec<Assessment>> {
        children(self, "commitment_assessments", commitment).await
    }

    async fn get_evidence(&self, sha256: &str) -> Result<Option<EvidenceFile>> {
        let row =
            sqlx::query("SELECT sha256, media_type, bytes FROM evidence_files WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(EvidenceFile {
                sha256: r.try_get("sha256")?,
                media_type: r.try_get("media_type")?,
                bytes: r.try_get("bytes")?,
            })
        })
        .transpose()
    }

    async fn commitment_log_entries(&self, id: &str) -> Result<Vec<LoggedEntry>> {
        let rows = sqlx::query(
            "SELECT idx, kind, record_id, data FROM ledger_entries \
             WHERE (kind = 'commitment' AND record_id = $1) \
             OR (kind = 'action_report' AND record_id IN \
                 (SELECT id FROM commitment_reports WHERE commitment = $1)) \
             OR (kind = 'assessment' AND record_id IN \
                 (SELECT id FROM commitment_assessments WHERE commitment = $1)) \
             ORDER BY idx",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let idx: i64 = r.try_get("idx")?;
                Ok(LoggedEntry {
                    index: u64::try_from(idx).map_err(|_| StoreError::Corrupt {
                        id: id.to_owned(),
                        reason: "log index out of range".into(),
                    })?,
                    kind: r.try_get("kind")?,
                    record_id: r.try_get("record_id")?,
                    data: r.try_get("data")?,
                })
            })
            .collect()
    }
}
