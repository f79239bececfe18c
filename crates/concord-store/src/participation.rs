//! Participation on the platform (migration 0007): who a participant is, votes and statements
//! sent from the web, votes held for moderation, and the proof-of-work replay set of the shared
//! reference `specs/proof-of-work.md` (§5.4 step 7).
//!
//! A submission that carries a proof of work is written in the same transaction as the
//! redemption of its challenge, so a challenge is spent exactly when its submission is stored:
//! a replay fails on the `pow_spent` primary key and writes nothing.

use async_trait::async_trait;
use concord_deliberation::{Moderation, Participant, Statement, Vote, VoteEvent};
use sqlx::Row;

use crate::{Result, SqlStore, StoreError};

/// A redeemed proof-of-work challenge (§5.4, §5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpentChallenge {
    /// Hex of the challenge's 16 random bytes: the replay key.
    pub rand: String,
    /// Hex of the challenge's scope.
    pub scope: String,
    /// Difficulty issued, kept for audit.
    pub bits: u8,
    /// Unix seconds; the row may be deleted after this.
    pub expires_at: i64,
    /// Unix seconds.
    pub spent_at: i64,
}

/// What happened to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    /// Stored; for a statement, its new `tid` (for a vote, the statement's).
    Stored(u32),
    /// Its challenge was already redeemed: nothing written.
    Replayed,
    /// No such conversation (or, for a vote, no such statement).
    NotFound,
}

/// A vote held for moderation (sent without proof of work).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldVote {
    pub id: i64,
    pub vote: VoteEvent,
}

/// A statement waiting for moderation, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedStatement {
    pub statement: Statement,
    /// Whether its author is anonymous (unknown authors count as anonymous).
    pub anonymous: bool,
    /// The proof-of-work difficulty it carried; `None`: sent without (or imported).
    pub pow_bits: Option<u8>,
    /// Written on the platform (as opposed to imported or seeded).
    pub from_platform: bool,
}

/// Platform participation. Implemented by [`SqlStore`] for both backends.
#[async_trait]
pub trait ParticipationStore: Send + Sync {
    /// The participant id of `subject` (`user:NAME` or `anon:HASH`) in a conversation, created
    /// (anonymous or not) on first use. `None`: no such conversation.
    async fn participant_for(
        &self,
        conversation: &str,
        subject: &str,
        anonymous: bool,
        now_ms: i64,
    ) -> Result<Option<u32>>;
    /// The participant id of `subject`, if it has one (never creates).
    async fn find_participant(&self, conversation: &str, subject: &str) -> Result<Option<u32>>;
    /// A participant's stored record and anonymous flag.
    async fn participant(
        &self,
        conversation: &str,
        pid: u32,
    ) -> Result<Option<(Participant, bool)>>;
    /// Sets the self-declared stakeholder category and region. `false`: unknown participant.
    async fn set_profile(
        &self,
        conversation: &str,
        pid: u32,
        category: Option<&str>,
        region: Option<&str>,
    ) -> Result<bool>;
    /// Appends a vote (the statement must exist and not be rejected), redeeming `spent` in the
    /// same transaction when given.
    async fn record_vote(
        &self,
        conversation: &str,
        vote: VoteEvent,
        spent: Option<&SpentChallenge>,
    ) -> Result<Submitted>;
    /// Holds a vote sent without proof of work for moderation.
    async fn hold_vote(&self, conversation: &str, vote: VoteEvent) -> Result<Submitted>;
    /// Held votes, oldest first (at most `limit`).
    async fn held_votes(&self, conversation: &str, limit: u32) -> Result<Vec<HeldVote>>;
    /// Accepts (moves into the vote history, keeping their time) or discards held votes.
    /// Returns how many were handled.
    async fn release_held_votes(
        &self,
        conversation: &str,
        ids: &[i64],
        accept: bool,
    ) -> Result<u64>;
    /// Adds an unmoderated statement by `pid` with the next `tid`, redeeming `spent` in the same
    /// transaction when given (its bits are recorded with the statement).
    async fn add_statement(
        &self,
        conversation: &str,
        text: &str,
        lang: Option<&str>,
        pid: u32,
        now_ms: i64,
        spent: Option<&SpentChallenge>,
    ) -> Result<Submitted>;
    /// Unmoderated statements, oldest first.
    async fn moderation_queue(&self, conversation: &str) -> Result<Vec<QueuedStatement>>;
    /// Sets a statement's moderation. `false`: no such statement.
    async fn set_moderation(&self, conversation: &str, tid: u32, m: Moderation) -> Result<bool>;
    /// Deletes redeemed challenges that expired before `now` (Unix seconds); returns how many.
    async fn purge_spent(&self, now: i64) -> Result<u64>;
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Locks the conversation for the transaction (see `deliberation::exists`).
async fn lock(tx: &mut Tx<'_>, id: &str) -> Result<bool> {
    let n = sqlx::query("UPDATE delib_conversations SET id = id WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(n.rows_affected() > 0)
}

/// Records the redemption; `false` when it was already there (a replay).
async fn spend(tx: &mut Tx<'_>, s: &SpentChallenge, submission: &str) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO pow_spent (rand, scope, bits, expires_at, spent_at, submission) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (rand) DO NOTHING",
    )
    .bind(s.rand.clone())
    .bind(s.scope.clone())
    .bind(i64::from(s.bits))
    .bind(s.expires_at)
    .bind(s.spent_at)
    .bind(submission.to_owned())
    .execute(&mut **tx)
    .await?;
    Ok(n.rows_affected() > 0)
}

fn moderation_str(m: Moderation) -> &'static str {
    match m {
        Moderation::Accepted => "accepted",
        Moderation::Rejected => "rejected",
        Moderation::Meta => "meta",
        Moderation::Unmoderated => "unmoderated",
    }
}

fn corrupt(id: &str, what: &str) -> StoreError {
    StoreError::Corrupt {
        id: id.to_string(),
        reason: format!("{what} out of range"),
    }
}

fn u32_of(row: &sqlx::any::AnyRow, col: &str, id: &str) -> Result<u32> {
    let n: i64 = row.try_get(col)?;
    u32::try_from(n).map_err(|_| corrupt(id, col))
}

/// The statement `tid` exists and takes votes (not rejected).
async fn votable(tx: &mut Tx<'_>, id: &str, tid: u32) -> Result<bool> {
    let row =
        sqlx::query("SELECT moderation FROM delib_statements WHERE conversation = $1 AND tid = $2")
            .bind(id)
            .bind(i64::from(tid))
            .fetch_optional(&mut **tx)
            .await?;
    Ok(match row {
        Some(r) => r.try_get::<String, _>("moderation")? != "rejected",
        None => false,
    })
}

#[async_trait]
impl ParticipationStore for SqlStore {
    async fn participant_for(
        &self,
        conversation: &str,
        subject: &str,
        anonymous: bool,
        now_ms: i64,
    ) -> Result<Option<u32>> {
        // Most calls find the participant: a plain read, no write lock.
        if let Some(pid) = self.find_participant(conversation, subject).await? {
            return Ok(Some(pid));
        }
        let mut tx = self.begin_write().await?;
        if !lock(&mut tx, conversation).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        // Created meanwhile by a concurrent request of the same participant?
        let row = sqlx::query(
            "SELECT pid FROM delib_participant_keys WHERE conversation = $1 AND subject = $2",
        )
        .bind(conversation)
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = row {
            tx.rollback().await?;
            return Ok(Some(u32_of(&r, "pid", conversation)?));
        }
        // The conversation row is locked, so no one else allocates meanwhile.
        let next: i64 = sqlx::query(
            "SELECT COALESCE(MAX(pid), -1) + 1 AS next FROM delib_participants \
             WHERE conversation = $1",
        )
        .bind(conversation)
        .fetch_one(&mut *tx)
        .await?
        .try_get("next")?;
        let pid = u32::try_from(next).map_err(|_| corrupt(conversation, "pid"))?;
        sqlx::query(
            "INSERT INTO delib_participants \
             (conversation, pid, registered, anonymous, created_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(conversation)
        .bind(next)
        .bind(i64::from(!anonymous))
        .bind(i64::from(anonymous))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO delib_participant_keys (conversation, subject, pid) VALUES ($1, $2, $3)",
        )
        .bind(conversation)
        .bind(subject)
        .bind(next)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(pid))
    }

    async fn find_participant(&self, conversation: &str, subject: &str) -> Result<Option<u32>> {
        let row = sqlx::query(
            "SELECT pid FROM delib_participant_keys WHERE conversation = $1 AND subject = $2",
        )
        .bind(conversation)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| u32_of(&r, "pid", conversation)).transpose()
    }

    async fn participant(
        &self,
        conversation: &str,
        pid: u32,
    ) -> Result<Option<(Participant, bool)>> {
        let row = sqlx::query(
            "SELECT xid, registered, anonymous, category, region FROM delib_participants \
             WHERE conversation = $1 AND pid = $2",
        )
        .bind(conversation)
        .bind(i64::from(pid))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                Participant {
                    pid,
                    xid: r.try_get("xid")?,
                    registered: r.try_get::<i64, _>("registered")? != 0,
                    category: r.try_get("category")?,
                    region: r.try_get("region")?,
                },
                r.try_get::<i64, _>("anonymous")? != 0,
            ))
        })
        .transpose()
    }

    async fn set_profile(
        &self,
        conversation: &str,
        pid: u32,
        category: Option<&str>,
        region: Option<&str>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE delib_participants SET category = $1, region = $2 \
             WHERE conversation = $3 AND pid = $4",
        )
        .bind(category.map(str::to_owned))
        .bind(region.map(str::to_owned))
        .bind(conversation)
        .bind(i64::from(pid))
        .execute(&self.pool)
        .await?;
        Ok(n.rows_affected() > 0)
    }

    async fn record_vote(
        &self,
        conversation: &str,
        vote: VoteEvent,
        spent: Option<&SpentChallenge>,
    ) -> Result<Submitted> {
        let mut tx = self.begin_write().await?;
        if !lock(&mut tx, conversation).await? || !votable(&mut tx, conversation, vote.tid).await? {
            tx.rollback().await?;
            return Ok(Submitted::NotFound);
        }
        if let Some(s) = spent {
            let what = format!("vote {conversation} {} {}", vote.tid, vote.vote.value());
            if !spend(&mut tx, s, &what).await? {
                tx.rollback().await?;
                return Ok(Submitted::Replayed);
            }
        }
        sqlx::query(
            "INSERT INTO delib_votes (conversation, pid, tid, vote, at_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(conversation)
        .bind(i64::from(vote.pid))
        .bind(i64::from(vote.tid))
        .bind(i64::from(vote.vote.value()))
        .bind(vote.timestamp_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Submitted::Stored(vote.tid))
    }

    async fn hold_vote(&self, conversation: &str, vote: VoteEvent) -> Result<Submitted> {
        let mut tx = self.begin_write().await?;
        if !lock(&mut tx, conversation).await? || !votable(&mut tx, conversation, vote.tid).await? {
            tx.rollback().await?;
            return Ok(Submitted::NotFound);
        }
        sqlx::query(
            "INSERT INTO delib_held_votes (conversation, pid, tid, vote, at_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(conversation)
        .bind(i64::from(vote.pid))
        .bind(i64::from(vote.tid))
        .bind(i64::from(vote.vote.value()))
        .bind(vote.timestamp_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Submitted::Stored(vote.tid))
    }

    async fn held_votes(&self, conversation: &str, limit: u32) -> Result<Vec<HeldVote>> {
        let rows = sqlx::query(
            "SELECT id, pid, tid, vote, at_ms FROM delib_held_votes WHERE conversation = $1 \
             ORDER BY id LIMIT $2",
        )
        .bind(conversation)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let v: i64 = r.try_get("vote")?;
                Ok(HeldVote {
                    id: r.try_get("id")?,
                    vote: VoteEvent {
                        pid: u32_of(r, "pid", conversation)?,
                        tid: u32_of(r, "tid", conversation)?,
                        vote: Vote::from_value(v).ok_or_else(|| corrupt(conversation, "vote"))?,
                        timestamp_ms: r.try_get("at_ms")?,
                    },
                })
            })
            .collect()
    }

    async fn release_held_votes(
        &self,
        conversation: &str,
        ids: &[i64],
        accept: bool,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        if !lock(&mut tx, conversation).await? {
            tx.rollback().await?;
            return Ok(0);
        }
        let mut n = 0;
        for id in ids {
            if accept {
                sqlx::query(
                    "INSERT INTO delib_votes (conversation, pid, tid, vote, at_ms) \
                     SELECT conversation, pid, tid, vote, at_ms FROM delib_held_votes \
                     WHERE conversation = $1 AND id = $2",
                )
                .bind(conversation)
                .bind(*id)
                .execute(&mut *tx)
                .await?;
            }
            n += sqlx::query("DELETE FROM delib_held_votes WHERE conversation = $1 AND id = $2")
                .bind(conversation)
                .bind(*id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn add_statement(
        &self,
        conversation: &str,
        text: &str,
        lang: Option<&str>,
        pid: u32,
        now_ms: i64,
        spent: Option<&SpentChallenge>,
    ) -> Result<Submitted> {
        let mut tx = self.begin_write().await?;
        if !lock(&mut tx, conversation).await? {
            tx.rollback().await?;
            return Ok(Submitted::NotFound);
        }
        let next: i64 = sqlx::query(
            "SELECT COALESCE(MAX(tid), -1) + 1 AS next FROM delib_statements \
             WHERE conversation = $1",
        )
        .bind(conversation)
        .fetch_one(&mut *tx)
        .await?
        .try_get("next")?;
        let tid = u32::try_from(next).map_err(|_| corrupt(conversation, "tid"))?;
        if let Some(s) = spent
            && !spend(&mut tx, s, &format!("statement {conversation} {tid}")).await?
        {
            tx.rollback().await?;
            return Ok(Submitted::Replayed);
        }
        sqlx::query(
            "INSERT INTO delib_statements \
             (conversation, tid, text, lang, moderation, author, created_ms, is_seed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
        )
        .bind(conversation)
        .bind(next)
        .bind(text.to_owned())
        .bind(lang.map(str::to_owned))
        .bind(moderation_str(Moderation::Unmoderated))
        .bind(i64::from(pid))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO delib_statement_origin (conversation, tid, pid, pow_bits) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(conversation)
        .bind(next)
        .bind(i64::from(pid))
        .bind(spent.map(|s| i64::from(s.bits)))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Submitted::Stored(tid))
    }

    async fn moderation_queue(&self, conversation: &str) -> Result<Vec<QueuedStatement>> {
        let rows = sqlx::query(
            "SELECT s.tid, s.text, s.lang, s.author, s.created_ms, s.is_seed, \
             o.pid AS origin_pid, o.pow_bits, p.anonymous \
             FROM delib_statements s \
             LEFT JOIN delib_statement_origin o ON o.conversation = s.conversation AND o.tid = s.tid \
             LEFT JOIN delib_participants p ON p.conversation = s.conversation AND p.pid = s.author \
             WHERE s.conversation = $1 AND s.moderation = 'unmoderated' ORDER BY s.tid",
        )
        .bind(conversation)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let tid = u32_of(r, "tid", conversation)?;
                let author: Option<i64> = r.try_get("author")?;
                let origin: Option<i64> = r.try_get("origin_pid")?;
                let bits: Option<i64> = r.try_get("pow_bits")?;
                let anonymous: Option<i64> = r.try_get("anonymous")?;
                Ok(QueuedStatement {
                    statement: Statement {
                        tid,
                        text: r.try_get("text")?,
                        lang: r.try_get("lang")?,
                        moderation: Moderation::Unmoderated,
                        author: author
                            .map(|a| u32::try_from(a).map_err(|_| corrupt(conversation, "author")))
                            .transpose()?,
                        created_ms: r.try_get("created_ms")?,
                        is_seed: r.try_get::<i64, _>("is_seed")? != 0,
                    },
                    anonymous: anonymous.is_none_or(|a| a != 0),
                    pow_bits: bits.and_then(|b| u8::try_from(b).ok()),
                    from_platform: origin.is_some(),
                })
            })
            .collect()
    }

    async fn set_moderation(&self, conversation: &str, tid: u32, m: Moderation) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE delib_statements SET moderation = $1 WHERE conversation = $2 AND tid = $3",
        )
        .bind(moderation_str(m))
        .bind(conversation)
        .bind(i64::from(tid))
        .execute(&self.pool)
        .await?;
        Ok(n.rows_affected() > 0)
    }

    async fn purge_spent(&self, now: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM pow_spent WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}
