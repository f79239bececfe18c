//! Storage of the transparency log (migration 0004): entries, signed checkpoints and the
//! state of a witness. [`LedgerStore`] is the one interface; [`SqlStore`] implements it for
//! both backends.
//!
//! Appends are batched: [`LedgerStore::ledger_append`] writes a batch of entries and the
//! checkpoint covering them in one transaction, after checking that the log has exactly the
//! size the caller sequenced against. On PostgreSQL the transaction first takes a
//! transaction-scoped advisory lock, so several servers can accept writes while one sequences
//! at a time; on SQLite the database's single writer does the same. SQLite runs these
//! transactions with `synchronous = FULL`, so a commit (one fsync of the WAL per batch) is
//! durable before the caller acknowledges anything.

use async_trait::async_trait;
use sqlx::{Acquire, Executor, Row, any::AnyRow};

use crate::{Backend, Result, SqlStore, StoreError};

/// Advisory lock key of the sequencer (`'CONCORDL'` as a big-endian integer).
const SEQUENCER_LOCK: i64 = 0x434f_4e43_4f52_444c;
/// Rows per INSERT statement (6 parameters each, far below both backends' limits).
const ROWS_PER_INSERT: usize = 400;

/// One stored log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub index: u64,
    pub kind: String,
    pub record_id: String,
    /// The bytes hashed into the log.
    pub data: Vec<u8>,
    pub leaf_hash: Vec<u8>,
}

/// One stored checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: Vec<u8>,
    /// The signed note, with any cosignatures.
    pub note: Vec<u8>,
    /// Carries the configured witness quorum (always true without witnesses).
    pub published: bool,
}

/// A witness's latest cosigned checkpoint for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessState {
    pub origin: String,
    pub size: u64,
    pub root: Vec<u8>,
    pub note: Vec<u8>,
}

/// Storage of the transparency log.
#[async_trait]
pub trait LedgerStore: Send + Sync + 'static {
    /// Number of entries (max index + 1).
    async fn ledger_size(&self) -> Result<u64>;
    /// Appends `entries` (indices `expected_size..`) and `checkpoint` in one transaction.
    /// Fails with [`StoreError::LedgerConflict`] if the log is not at `expected_size`.
    async fn ledger_append(
        &self,
        expected_size: u64,
        entries: &[LedgerEntry],
        checkpoint: &StoredCheckpoint,
    ) -> Result<()>;
    /// Entries with `from <= index < to`, in index order.
    async fn ledger_entries(&self, from: u64, to: u64) -> Result<Vec<LedgerEntry>>;
    /// Leaf hashes with `from <= index < to`, in index order, with their indices.
    async fn ledger_leaf_hashes(&self, from: u64, to: u64) -> Result<Vec<(u64, Vec<u8>)>>;
    /// Indices of the entries logged for one record, oldest first.
    async fn ledger_record_entries(&self, kind: &str, record_id: &str) -> Result<Vec<u64>>;
    /// Replaces a checkpoint's note (adding cosignatures) and its published flag.
    async fn ledger_update_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<()>;
    /// The checkpoint of the largest size, published or not.
    async fn ledger_latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>>;
    /// The published checkpoint of the largest size.
    async fn ledger_latest_published(&self) -> Result<Option<StoredCheckpoint>>;
    /// Every checkpoint, by size.
    async fn ledger_checkpoints(&self) -> Result<Vec<StoredCheckpoint>>;

    async fn witness_state(&self, origin: &str) -> Result<Option<WitnessState>>;
    /// Check-and-set: stores `new` only if the stored size for its origin is still
    /// `old_size` (0 = none stored). Returns false, storing nothing, otherwise.
    async fn witness_update(&self, old_size: u64, new: &WitnessState) -> Result<bool>;
}

fn u(v: i64) -> u64 {
    v.max(0) as u64
}

fn i(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::InvalidQuery(format!("index {v} is too large")))
}

fn entry_from_row(r: &AnyRow) -> Result<LedgerEntry> {
    Ok(LedgerEntry {
        index: u(r.try_get("idx")?),
        kind: r.try_get("kind")?,
        record_id: r.try_get("record_id")?,
        data: r.try_get("data")?,
        leaf_hash: r.try_get("leaf_hash")?,
    })
}

fn checkpoint_from_row(r: &AnyRow) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        size: u(r.try_get("size")?),
        root: r.try_get("root")?,
        note: r.try_get("note")?,
        published: r.try_get::<i64, _>("published")? != 0,
    })
}

impl SqlStore {
    fn ph(&self, n: usize) -> String {
        match self.backend {
            Backend::Postgres => format!("${n}"),
            Backend::Sqlite => "?".into(),
        }
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[async_trait]
impl LedgerStore for SqlStore {
    async fn ledger_size(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries")
            .fetch_one(&self.pool)
            .await?;
        Ok(u(n))
    }

    async fn ledger_append(
        &self,
        expected_size: u64,
        entries: &[LedgerEntry],
        checkpoint: &StoredCheckpoint,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Sqlite {
            // Durable at commit: fsync the WAL on every batch commit.
            conn.execute("PRAGMA synchronous = FULL").await?;
        }
        let mut tx = conn.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(SEQUENCER_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        let size: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries")
            .fetch_one(&mut *tx)
            .await?;
        if u(size) != expected_size {
            return Err(StoreError::LedgerConflict {
                expected: expected_size,
                actual: u(size),
            });
        }
        let created = now();
        for (c, chunk) in entries.chunks(ROWS_PER_INSERT).enumerate() {
            let mut sql = String::from(
                "INSERT INTO ledger_entries (idx, kind, record_id, data, leaf_hash, created_at) VALUES ",
            );
            let mut n = 0;
            for (k, e) in chunk.iter().enumerate() {
                if e.index != expected_size + (c * ROWS_PER_INSERT + k) as u64 {
                    return Err(StoreError::InvalidQuery(format!(
                        "entry index {} is not contiguous",
                        e.index
                    )));
                }
                if k > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for j in 0..6 {
                    n += 1;
                    if j > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&self.ph(n));
                }
                sql.push(')');
            }
            // Only placeholders are interpolated; every value is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for e in chunk {
                q = q
                    .bind(i(e.index)?)
                    .bind(e.kind.clone())
                    .bind(e.record_id.clone())
                    .bind(e.data.clone())
                    .bind(e.leaf_hash.clone())
                    .bind(created.clone());
            }
            q.execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO ledger_checkpoints (size, root, note, published, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(i(checkpoint.size)?)
        .bind(checkpoint.root.clone())
        .bind(checkpoint.note.clone())
        .bind(i64::from(checkpoint.published))
        .bind(created)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn ledger_entries(&self, from: u64, to: u64) -> Result<Vec<LedgerEntry>> {
        let rows = sqlx::query(
            "SELECT idx, kind, record_id, data, leaf_hash FROM ledger_entries \
             WHERE idx >= $1 AND idx < $2 ORDER BY idx",
        )
        .bind(i(from)?)
        .bind(i(to)?)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn ledger_leaf_hashes(&self, from: u64, to: u64) -> Result<Vec<(u64, Vec<u8>)>> {
        let rows = sqlx::query(
            "SELECT idx, leaf_hash FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
        )
        .bind(i(from)?)
        .bind(i(to)?)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((u(r.try_get("idx")?), r.try_get("leaf_hash")?)))
            .collect()
    }

    async fn ledger_record_entries(&self, kind: &str, record_id: &str) -> Result<Vec<u64>> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT idx FROM ledger_entries WHERE kind = $1 AND record_id = $2 ORDER BY idx",
        )
        .bind(kind)
        .bind(record_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(u).collect())
    }

    async fn ledger_update_checkpoint(&self, c: &StoredCheckpoint) -> Result<()> {
        sqlx::query("UPDATE ledger_checkpoints SET note = $1, published = $2 WHERE size = $3")
            .bind(c.note.clone())
            .bind(i64::from(c.published))
            .bind(i(c.size)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn ledger_latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let row = sqlx::query(
            "SELECT size, root, note, published FROM ledger_checkpoints ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn ledger_latest_published(&self) -> Result<Option<StoredCheckpoint>> {
        let row = sqlx::query(
            "SELECT size, root, note, published FROM ledger_checkpoints WHERE published = 1 \
             ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn ledger_checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        let rows =
            sqlx::query("SELECT size, root, note, published FROM ledger_checkpoints ORDER BY size")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(checkpoint_from_row).collect()
    }

    async fn witness_state(&self, origin: &str) -> Result<Option<WitnessState>> {
        let row =
            sqlx::query("SELECT size, root, note FROM ledger_witness_state WHERE origin = $1")
                .bind(origin)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(WitnessState {
                origin: origin.to_owned(),
                size: u(r.try_get("size")?),
                root: r.try_get("root")?,
                note: r.try_get("note")?,
            })
        })
        .transpose()
    }

    async fn witness_update(&self, old_size: u64, new: &WitnessState) -> Result<bool> {
        // One statement each way, so the check and the update are atomic on both backends.
        let done = if old_size == 0 {
            sqlx::query(
                "INSERT INTO ledger_witness_state (origin, size, root, note, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (origin) DO UPDATE SET \
                 size = excluded.size, root = excluded.root, note = excluded.note, \
                 updated_at = excluded.updated_at WHERE ledger_witness_state.size = 0",
            )
            .bind(new.origin.clone())
            .bind(i(new.size)?)
            .bind(new.root.clone())
            .bind(new.note.clone())
            .bind(now())
            .execute(&self.pool)
            .await?
        } else {
            sqlx::query(
                "UPDATE ledger_witness_state SET size = $1, root = $2, note = $3, updated_at = $4 \
                 WHERE origin = $5 AND size = $6",
            )
            .bind(i(new.size)?)
            .bind(new.root.clone())
            .bind(new.note.clone())
            .bind(now())
            .bind(new.origin.clone())
            .bind(i(old_size)?)
            .execute(&self.pool)
            .await?
        };
        Ok(done.rows_affected() == 1)
    }
}
