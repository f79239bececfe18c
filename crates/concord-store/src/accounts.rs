//! Editors' accounts, sign-in sessions and the audit trail (migration 0003).
//!
//! The store keeps only what cannot be used to sign in when the database leaks: password
//! hashes (argon2id PHC strings made by the caller) and SHA-256 hashes of session tokens. The
//! audit trail is append-only; a document edit and its audit row commit in one transaction
//! ([`AccountStore::put_document_audited`]), so no edit goes unrecorded.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::{Row, any::AnyRow};

use crate::{DocumentWrite, NewDocument, Result, SqlStore, StoreError, sql::now};

/// What an account may do. Ordered: each role can do everything the roles before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads (everything public is readable without signing in too).
    Viewer,
    /// Adds and edits documents, uploads texts.
    Editor,
    /// Also manages accounts and reads the audit trail.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Role, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            _ => Err(format!(
                "unknown role {s:?} (expected admin, editor or viewer)"
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// RFC 3339.
    pub created_at: String,
    pub disabled: bool,
}

/// An account with its password hash, for verifying a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredentials {
    pub user: User,
    /// argon2 PHC string.
    pub password_hash: String,
}

/// A session to store. The token itself never reaches the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 (hex) of the session token.
    pub token_hash: String,
    pub user_id: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub expires_at: i64,
    /// The session's secret for CSRF tokens.
    pub csrf_secret: String,
}

/// A live session and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user: User,
    pub created_at: i64,
    pub expires_at: i64,
    pub csrf_secret: String,
}

/// An audit record to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub username: String,
    /// What was done: `document.create`, `document.update`, `document.upload_text`,
    /// `user.create`, `user.password`, `user.role`, `user.disable`, ...
    pub action: String,
    /// `document`, `user`, ...
    pub target_kind: String,
    pub target_id: String,
    /// Details: changed fields with old and new values, the version written, ...
    pub summary: serde_json::Value,
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339 time of the change.
    pub at: String,
    pub username: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub summary: serde_json::Value,
}

/// Accounts, sessions and the audit trail. Implemented by [`SqlStore`] for both backends.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account; `None` if the username is taken.
    async fn create_user(
        &self,
        username: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<Option<User>>;
    async fn get_user(&self, username: &str) -> Result<Option<UserCredentials>>;
    /// Every account, by username.
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Replaces the password hash and ends the account's sessions. `false`: no such user.
    async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool>;
    async fn set_role(&self, username: &str, role: Role) -> Result<bool>;
    /// Disables (ending its sessions) or re-enables an account.
    async fn set_disabled(&self, username: &str, disabled: bool) -> Result<bool>;

    async fn create_session(&self, session: &NewSession) -> Result<()>;
    /// The session with this token hash if it has not expired at `now` (Unix seconds) and its
    /// account is enabled.
    async fn get_session(&self, token_hash: &str, now: i64) -> Result<Option<Session>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Removes sessions expired at `now`; returns how many.
    async fn purge_expired_sessions(&self, now: i64) -> Result<u64>;

    async fn append_audit(&self, entry: &NewAudit) -> Result<i64>;
    /// Newest first.
    async fn list_audit(&self, limit: u32, offset: u32) -> Result<Vec<AuditEntry>>;
    /// Writes a document (as [`crate::Store::put_document`]) and, unless nothing changed, its
    /// audit record with `version` added to the summary, in one transaction. With
    /// `expected_version`, nothing is written and `None` returned unless the stored document is
    /// still at that version (an editor's form made from an older version must not overwrite a
    /// newer one; the check and the write cannot interleave with another writer's).
    async fn put_document_audited(
        &self,
        doc: &NewDocument,
        audit: &NewAudit,
        expected_version: Option<u32>,
    ) -> Result<Option<DocumentWrite>>;
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    let username: String = row.try_get("username")?;
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        role: role.parse().map_err(|reason| StoreError::Corrupt {
            id: username.clone(),
            reason,
        })?,
        username,
        created_at: row.try_get("created_at")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

const USER_COLUMNS: &str = "id, username, role, created_at, disabled";

impl SqlStore {
    pub(crate) async fn insert_audit<'c, E>(executor: E, e: &NewAudit) -> Result<i64>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (at, username, action, target_kind, target_id, summary) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(now())
        .bind(e.username.clone())
        .bind(e.action.clone())
        .bind(e.target_kind.clone())
        .bind(e.target_id.clone())
        .bind(e.summary.to_string())
        .fetch_one(executor)
        .await?;
        Ok(id)
    }
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_user(
        &self,
        username: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO users (username, password_hash, role, created_at, disabled) \
             VALUES ($1, $2, $3, $4, 0) ON CONFLICT (username) DO NOTHING RETURNING {USER_COLUMNS}"
        )))
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn get_user(&self, username: &str) -> Result<Option<UserCredentials>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(UserCredentials {
                user: user_from_row(&r)?,
                password_hash: r.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET password_hash = $1 WHERE username = $2 RETURNING id",
        )
        .bind(password_hash)
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            // A new password ends every existing session (e.g. one opened by an attacker).
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id.is_some())
    }

    async fn set_role(&self, username: &str, role: Role) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET role = $1 WHERE username = $2")
            .bind(role.as_str())
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_disabled(&self, username: &str, disabled: bool) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let id: Option<i64> =
            sqlx::query_scalar("UPDATE users SET disabled = $1 WHERE username = $2 RETURNING id")
                .bind(i64::from(disabled))
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
        if let (Some(id), true) = (id, disabled) {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id.is_some())
    }

    async fn create_session(&self, s: &NewSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, csrf_secret) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.token_hash.clone())
        .bind(s.user_id)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.csrf_secret.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get_session(&self, token_hash: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.token_hash, s.created_at AS s_created, s.expires_at, s.csrf_secret, \
             u.id, u.username, u.role, u.created_at, u.disabled \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                token_hash: r.try_get("token_hash")?,
                user: user_from_row(&r)?,
                created_at: r.try_get("s_created")?,
                expires_at: r.try_get("expires_at")?,
                csrf_secret: r.try_get("csrf_secret")?,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn purge_expired_sessions(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn append_audit(&self, entry: &NewAudit) -> Result<i64> {
        SqlStore::insert_audit(&self.pool, entry).await
    }

    async fn list_audit(&self, limit: u32, offset: u32) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, username, action, target_kind, target_id, summary FROM audit_log \
             ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(limit.clamp(1, 1000)))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let summary: String = r.try_get("summary")?;
                Ok(AuditEntry {
                    id,
                    at: r.try_get("at")?,
                    username: r.try_get("username")?,
                    action: r.try_get("action")?,
                    target_kind: r.try_get("target_kind")?,
                    target_id: r.try_get("target_id")?,
                    summary: serde_json::from_str(&summary).map_err(|e| StoreError::Corrupt {
                        id: format!("audit_log/{id}"),
                        reason: e.to_string(),
                    })?,
                })
            })
            .collect()
    }

    async fn put_document_audited(
        &self,
        doc: &NewDocument,
        audit: &NewAudit,
        expected_version: Option<u32>,
    ) -> Result<Option<DocumentWrite>> {
        let mut tx = self.begin_write().await?;
        if let Some(v) = expected_version {
            // A no-op write as the first statement takes the write lock (the row's in
            // PostgreSQL, the database's in SQLite) before the version is compared, so a
            // concurrent save waits and then sees the new version.
            let locked = sqlx::query(
                "UPDATE documents SET version = version WHERE id = $1 AND version = $2",
            )
            .bind(doc.document.id.as_str())
            .bind(i64::from(v))
            .execute(&mut *tx)
            .await?;
            if locked.rows_affected() == 0 {
                return Ok(None);
            }
        }
        let written = self.put_document_in(&mut tx, doc).await?;
        if written.outcome != crate::WriteOutcome::Unchanged {
            let mut entry = audit.clone();
            if let serde_json::Value::Object(m) = &mut entry.summary {
                m.insert("version".into(), written.version.into());
            }
            SqlStore::insert_audit(&mut *tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(Some(written))
    }
}
