//! Deliberation conversations (migration 0005): statements, participants and the full vote
//! history, loaded back as a [`concord_deliberation::Conversation`] for the engine.
//!
//! Vote events are only ever inserted: the history is what the engine needs (the latest event
//! per participant and statement counts, ties broken by insertion order, which the `id` column
//! keeps). Batches are written in one transaction each, with multi-row `INSERT`s so that a large
//! Polis export does not cost one round trip per vote.

use std::collections::BTreeMap;

use async_trait::async_trait;
use concord_deliberation::{Conversation, Moderation, Participant, Statement, Vote, VoteEvent};
use serde::{Deserialize, Serialize};
use sqlx::{Row, any::AnyRow};

use crate::{Result, SqlStore, StoreError, sql::now};

/// Whether a conversation takes votes and statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    #[default]
    Open,
    Closed,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Closed => "closed",
        }
    }
}

impl std::str::FromStr for ConversationStatus {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<ConversationStatus, String> {
        match s {
            "open" => Ok(ConversationStatus::Open),
            "closed" => Ok(ConversationStatus::Closed),
            _ => Err(format!("unknown status {s:?} (expected open or closed)")),
        }
    }
}

/// A conversation's own record (without statements, participants or votes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationInfo {
    /// Slug: lowercase ASCII letters, digits, `-` and `_`, 1 to 64 characters.
    pub id: String,
    pub title_zh: Option<String>,
    pub title_en: Option<String>,
    pub description: String,
    /// RFC 3339; set by the store on creation (ignored on input).
    pub created_at: String,
    pub status: ConversationStatus,
}

/// A conversation with its counts, for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationSummary {
    #[serde(flatten)]
    pub info: ConversationInfo,
    pub statements: u64,
    pub participants: u64,
    /// Vote events, superseded re-votes included.
    pub votes: u64,
}

/// A participant to store: the engine's record plus what only the platform knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParticipant {
    pub participant: Participant,
    /// Voted without an account or external id; the report marks such votes.
    pub anonymous: bool,
    /// Milliseconds since the Unix epoch.
    pub created_ms: Option<i64>,
}

impl NewParticipant {
    /// A participant taken from an imported conversation: anonymous unless registered or
    /// carrying an external id.
    pub fn from_engine(p: &Participant) -> NewParticipant {
        NewParticipant {
            anonymous: !p.registered && p.xid.is_none(),
            participant: p.clone(),
            created_ms: None,
        }
    }
}

/// Whether `id` is a valid conversation slug.
pub fn valid_slug(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Conversations and their data. Implemented by [`SqlStore`] for both backends.
#[async_trait]
pub trait DeliberationStore: Send + Sync {
    /// Creates a conversation; `false` if the id is taken.
    async fn create_conversation(&self, info: &ConversationInfo) -> Result<bool>;
    /// Every conversation with its counts, newest first.
    async fn list_conversations(&self) -> Result<Vec<ConversationSummary>>;
    async fn get_conversation(&self, id: &str) -> Result<Option<ConversationSummary>>;
    async fn set_status(&self, id: &str, status: ConversationStatus) -> Result<bool>;
    /// Adds or replaces statements (by `tid`) in one transaction. `false`: no such conversation.
    async fn add_statements(&self, id: &str, statements: &[Statement]) -> Result<bool>;
    /// Adds or replaces participants (by `pid`) in one transaction.
    async fn add_participants(&self, id: &str, participants: &[NewParticipant]) -> Result<bool>;
    /// Appends vote events in one transaction; participants not yet known are added as
    /// anonymous ones (as [`Conversation::vote`] does).
    async fn add_votes(&self, id: &str, votes: &[VoteEvent]) -> Result<bool>;
    /// Writes a whole conversation in one transaction, replacing any stored one with the same
    /// id (its statements, participants and votes). Returns whether one was replaced.
    async fn replace_conversation(
        &self,
        info: &ConversationInfo,
        conversation: &Conversation,
    ) -> Result<bool>;
    /// The stored conversation for the engine: statements, participants and the vote history
    /// in insertion order.
    async fn load_conversation(&self, id: &str) -> Result<Option<Conversation>>;
    /// Per participant id: whether they are anonymous.
    async fn anonymous_participants(&self, id: &str) -> Result<BTreeMap<u32, bool>>;
}

fn invalid_slug(id: &str) -> StoreError {
    StoreError::InvalidQuery(format!(
        "invalid conversation id {id:?} (1-64 characters: a-z, 0-9, - and _)"
    ))
}

fn moderation_str(m: Moderation) -> &'static str {
    match m {
        Moderation::Accepted => "accepted",
        Moderation::Rejected => "rejected",
        Moderation::Meta => "meta",
        Moderation::Unmoderated => "unmoderated",
    }
}

fn moderation_from(s: &str, id: &str) -> Result<Moderation> {
    Ok(match s {
        "accepted" => Moderation::Accepted,
        "rejected" => Moderation::Rejected,
        "meta" => Moderation::Meta,
        "unmoderated" => Moderation::Unmoderated,
        _ => {
            return Err(StoreError::Corrupt {
                id: id.to_string(),
                reason: format!("unknown moderation {s:?}"),
            });
        }
    })
}

fn corrupt(id: &str, what: &str) -> StoreError {
    StoreError::Corrupt {
        id: id.to_string(),
        reason: format!("{what} out of range"),
    }
}

fn summary_from_row(row: &AnyRow) -> Result<ConversationSummary> {
    let id: String = row.try_get("id")?;
    let status: String = row.try_get("status")?;
    let count = |c: &str| -> Result<u64> {
        let n: i64 = row.try_get(c)?;
        u64::try_from(n).map_err(|_| corrupt(&id, c))
    };
    Ok(ConversationSummary {
        statements: count("n_statements")?,
        participants: count("n_participants")?,
        votes: count("n_votes")?,
        info: ConversationInfo {
            title_zh: row.try_get("title_zh")?,
            title_en: row.try_get("title_en")?,
            description: row.try_get("description")?,
            created_at: row.try_get("created_at")?,
            status: status.parse().map_err(|reason| StoreError::Corrupt {
                id: id.clone(),
                reason,
            })?,
            id,
        },
    })
}

const SUMMARY: &str = "SELECT c.id, c.title_zh, c.title_en, c.description, c.created_at, c.status, \
     (SELECT COUNT(*) FROM delib_statements s WHERE s.conversation = c.id) AS n_statements, \
     (SELECT COUNT(*) FROM delib_participants p WHERE p.conversation = c.id) AS n_participants, \
     (SELECT COUNT(*) FROM delib_votes v WHERE v.conversation = c.id) AS n_votes \
     FROM delib_conversations c";

/// Rows per multi-row `INSERT`: at most 8 columns, so under SQLite's and PostgreSQL's limits
/// on bound parameters.
const CHUNK: usize = 500;

/// `($1, $2, ...), ($k, ...)` for `rows` rows of `cols` columns.
fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::new();
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!("${}", r * cols + c + 1));
        }
        s.push(')');
    }
    s
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

async fn exists(tx: &mut Tx<'_>, id: &str) -> Result<bool> {
    // Locks the conversation row (PostgreSQL) / the database (SQLite) for the batch.
    let n = sqlx::query("UPDATE delib_conversations SET id = id WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(n.rows_affected() > 0)
}

async fn insert_statements(tx: &mut Tx<'_>, id: &str, statements: &[Statement]) -> Result<()> {
    for chunk in statements.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO delib_statements \
             (conversation, tid, text, lang, moderation, author, created_ms, is_seed) VALUES {} \
             ON CONFLICT (conversation, tid) DO UPDATE SET text = excluded.text, \
             lang = excluded.lang, moderation = excluded.moderation, author = excluded.author, \
             created_ms = excluded.created_ms, is_seed = excluded.is_seed",
            placeholders(chunk.len(), 8)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            q = q
                .bind(id.to_string())
                .bind(i64::from(s.tid))
                .bind(s.text.clone())
                .bind(s.lang.clone())
                .bind(moderation_str(s.moderation))
                .bind(s.author.map(i64::from))
                .bind(s.created_ms)
                .bind(i64::from(s.is_seed));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_participants(
    tx: &mut Tx<'_>,
    id: &str,
    participants: &[NewParticipant],
) -> Result<()> {
    for chunk in participants.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO delib_participants \
             (conversation, pid, xid, registered, anonymous, category, region, created_ms) \
             VALUES {} ON CONFLICT (conversation, pid) DO UPDATE SET xid = excluded.xid, \
             registered = excluded.registered, anonymous = excluded.anonymous, \
             category = excluded.category, region = excluded.region, \
             created_ms = excluded.created_ms",
            placeholders(chunk.len(), 8)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in chunk {
            let e = &p.participant;
            q = q
                .bind(id.to_string())
                .bind(i64::from(e.pid))
                .bind(e.xid.clone())
                .bind(i64::from(e.registered))
                .bind(i64::from(p.anonymous))
                .bind(e.category.clone())
                .bind(e.region.clone())
                .bind(p.created_ms);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_votes(tx: &mut Tx<'_>, id: &str, votes: &[VoteEvent]) -> Result<()> {
    // Voters not yet known become anonymous participants, first seen at their first vote.
    let mut first: BTreeMap<u32, i64> = BTreeMap::new();
    for v in votes {
        let t = first.entry(v.pid).or_insert(v.timestamp_ms);
        *t = (*t).min(v.timestamp_ms);
    }
    let voters: Vec<(u32, i64)> = first.into_iter().collect();
    for chunk in voters.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO delib_participants (conversation, pid, registered, anonymous, created_ms) \
             VALUES {} ON CONFLICT (conversation, pid) DO NOTHING",
            placeholders(chunk.len(), 5)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for &(pid, at) in chunk {
            q = q
                .bind(id.to_string())
                .bind(i64::from(pid))
                .bind(0_i64)
                .bind(1_i64)
                .bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    for chunk in votes.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO delib_votes (conversation, pid, tid, vote, at_ms) VALUES {}",
            placeholders(chunk.len(), 5)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in chunk {
            q = q
                .bind(id.to_string())
                .bind(i64::from(v.pid))
                .bind(i64::from(v.tid))
                .bind(i64::from(v.vote.value()))
                .bind(v.timestamp_ms);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

fn u32_col(row: &AnyRow, col: &str, id: &str) -> Result<u32> {
    let n: i64 = row.try_get(col)?;
    u32::try_from(n).map_err(|_| corrupt(id, col))
}

#[async_trait]
impl DeliberationStore for SqlStore {
    async fn create_conversation(&self, info: &ConversationInfo) -> Result<bool> {
        if !valid_slug(&info.id) {
            return Err(invalid_slug(&info.id));
        }
        let done = sqlx::query(
            "INSERT INTO delib_conversations \
             (id, title_zh, title_en, description, created_at, status) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(info.id.clone())
        .bind(info.title_zh.clone())
        .bind(info.title_en.clone())
        .bind(info.description.clone())
        .bind(now())
        .bind(info.status.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_conversations(&self) -> Result<Vec<ConversationSummary>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SUMMARY} ORDER BY c.created_at DESC, c.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    async fn get_conversation(&self, id: &str) -> Result<Option<ConversationSummary>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SUMMARY} WHERE c.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    async fn set_status(&self, id: &str, status: ConversationStatus) -> Result<bool> {
        let done = sqlx::query("UPDATE delib_conversations SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_statements(&self, id: &str, statements: &[Statement]) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        if !exists(&mut tx, id).await? {
            return Ok(false);
        }
        insert_statements(&mut tx, id, statements).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn add_participants(&self, id: &str, participants: &[NewParticipant]) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        if !exists(&mut tx, id).await? {
            return Ok(false);
        }
        insert_participants(&mut tx, id, participants).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn add_votes(&self, id: &str, votes: &[VoteEvent]) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        if !exists(&mut tx, id).await? {
            return Ok(false);
        }
        insert_votes(&mut tx, id, votes).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn replace_conversation(
        &self,
        info: &ConversationInfo,
        conversation: &Conversation,
    ) -> Result<bool> {
        if !valid_slug(&info.id) {
            return Err(invalid_slug(&info.id));
        }
        let id = info.id.as_str();
        let mut tx = self.begin_write().await?;
        let replaced = exists(&mut tx, id).await?;
        // Children first: no reliance on ON DELETE CASCADE being enabled on the connection.
        for table in ["delib_votes", "delib_participants", "delib_statements"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE conversation = $1"
            )))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM delib_conversations WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO delib_conversations \
             (id, title_zh, title_en, description, created_at, status) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(info.title_zh.clone())
        .bind(info.title_en.clone())
        .bind(info.description.clone())
        .bind(now())
        .bind(info.status.as_str())
        .execute(&mut *tx)
        .await?;
        let statements: Vec<Statement> = conversation.statements.values().cloned().collect();
        insert_statements(&mut tx, id, &statements).await?;
        let participants: Vec<NewParticipant> = conversation
            .participants
            .values()
            .map(NewParticipant::from_engine)
            .collect();
        insert_participants(&mut tx, id, &participants).await?;
        insert_votes(&mut tx, id, &conversation.votes).await?;
        tx.commit().await?;
        Ok(replaced)
    }

    async fn load_conversation(&self, id: &str) -> Result<Option<Conversation>> {
        let Some(info) = self.get_conversation(id).await? else {
            return Ok(None);
        };
        let mut conv = Conversation {
            topic: info
                .info
                .title_en
                .clone()
                .or(info.info.title_zh.clone())
                .unwrap_or_default(),
            description: info.info.description.clone(),
            ..Conversation::default()
        };
        let rows = sqlx::query(
            "SELECT tid, text, lang, moderation, author, created_ms, is_seed \
             FROM delib_statements WHERE conversation = $1 ORDER BY tid",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let tid = u32_col(r, "tid", id)?;
            let moderation: String = r.try_get("moderation")?;
            let author: Option<i64> = r.try_get("author")?;
            conv.statements.insert(
                tid,
                Statement {
                    tid,
                    text: r.try_get("text")?,
                    lang: r.try_get("lang")?,
                    moderation: moderation_from(&moderation, id)?,
                    author: author
                        .map(|a| u32::try_from(a).map_err(|_| corrupt(id, "author")))
                        .transpose()?,
                    created_ms: r.try_get("created_ms")?,
                    is_seed: r.try_get::<i64, _>("is_seed")? != 0,
                },
            );
        }
        let rows = sqlx::query(
            "SELECT pid, xid, registered, category, region FROM delib_participants \
             WHERE conversation = $1 ORDER BY pid",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let pid = u32_col(r, "pid", id)?;
            conv.participants.insert(
                pid,
                Participant {
                    pid,
                    xid: r.try_get("xid")?,
                    registered: r.try_get::<i64, _>("registered")? != 0,
                    category: r.try_get("category")?,
                    region: r.try_get("region")?,
                },
            );
        }
        let rows = sqlx::query(
            "SELECT pid, tid, vote, at_ms FROM delib_votes WHERE conversation = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        conv.votes.reserve(rows.len());
        for r in &rows {
            let vote: i64 = r.try_get("vote")?;
            conv.votes.push(VoteEvent {
                pid: u32_col(r, "pid", id)?,
                tid: u32_col(r, "tid", id)?,
                vote: Vote::from_value(vote).ok_or_else(|| corrupt(id, "vote"))?,
                timestamp_ms: r.try_get("at_ms")?,
            });
        }
        Ok(Some(conv))
    }

    async fn anonymous_participants(&self, id: &str) -> Result<BTreeMap<u32, bool>> {
        let rows = sqlx::query(
            "SELECT pid, anonymous FROM delib_participants WHERE conversation = $1 ORDER BY pid",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    u32_col(r, "pid", id)?,
                    r.try_get::<i64, _>("anonymous")? != 0,
                ))
            })
            .collect()
    }
}
