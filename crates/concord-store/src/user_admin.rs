//! Account changes made by administrators, each committed together with its audit record and
//! guarded so that no change leaves the installation without an active administrator.
//!
//! The account functions of [`crate::AccountStore`] write one thing each (what `concord user`
//! calls, followed by its own audit append). The web's user management needs more: the change
//! and its audit row in one transaction (no unrecorded change, no record of a change that
//! rolled back), and the "last administrator" check made where it cannot interleave with a
//! concurrent demotion — the transaction first takes a write lock on the active administrators'
//! rows (the database's write lock in SQLite), like [`crate::AccountStore::put_document_audited`].

use async_trait::async_trait;

use crate::{NewAudit, Result, Role, SqlStore, User, accounts::user_from_row};

/// One change to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChange {
    /// A new account with this role and argon2 PHC password hash.
    Create {
        role: Role,
        password_hash: String,
    },
    Role(Role),
    /// Disables the account (ending its sessions) or enables it again.
    Disabled(bool),
    /// A new password hash; ends the account's sessions.
    Password(String),
    /// A new password hash written only if the stored one is still `old_hash` (a user's own
    /// change, checked against the current password: an administrator's reset in between
    /// wins); ends the account's sessions.
    ReplacePassword {
        old_hash: String,
        new_hash: String,
    },
}

/// What became of a [`UserChange`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChangeOutcome {
    /// Written, with its audit record; the account as it is now.
    Done(User),
    /// Nothing written: there is no account with that name.
    NoSuchUser,
    /// Nothing written: the name is taken (for [`UserChange::Create`]).
    Exists,
    /// Nothing written: the change would leave no enabled administrator.
    LastAdmin,
    /// Nothing written: the account is gone or its password changed since it was checked
    /// (for [`UserChange::ReplacePassword`]).
    Stale,
}

/// Administrators' account changes. Implemented by [`SqlStore`] for both backends.
#[async_trait]
pub trait UserAdminStore: Send + Sync {
    /// Applies `change` to the account `username` and appends `audit` in one transaction.
    async fn change_user_audited(
        &self,
        username: &str,
        change: &UserChange,
        audit: &NewAudit,
    ) -> Result<UserChangeOutcome>;
}

const COLUMNS: &str = "id, username, role, created_at, disabled";

#[async_trait]
impl UserAdminStore for SqlStore {
    async fn change_user_audited(
        &self,
        username: &str,
        change: &UserChange,
        audit: &NewAudit,
    ) -> Result<UserChangeOutcome> {
        let mut tx = self.begin_write().await?;
        let can_remove_admin = matches!(change, UserChange::Role(_) | UserChange::Disabled(true));
        if can_remove_admin {
            // The lock first: a concurrent demotion of another administrator waits here and
            // then counts with this one's result committed.
            sqlx::query("UPDATE users SET role = role WHERE role = 'admin' AND disabled = 0")
                .execute(&mut *tx)
                .await?;
        }
        let row = match change {
            UserChange::Create {
                role,
                password_hash,
            } => {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO users (username, password_hash, role, created_at, disabled) \
                     VALUES ($1, $2, $3, $4, 0) ON CONFLICT (username) DO NOTHING \
                     RETURNING {COLUMNS}"
                )))
                .bind(username)
                .bind(password_hash.clone())
                .bind(role.as_str())
                .bind(crate::sql::now())
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some(r) => r,
                    None => return Ok(UserChangeOutcome::Exists),
                }
            }
            UserChange::Role(role) => {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE users SET role = $1 WHERE username = $2 RETURNING {COLUMNS}"
                )))
                .bind(role.as_str())
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some(r) => r,
                    None => return Ok(UserChangeOutcome::NoSuchUser),
                }
            }
            UserChange::Disabled(disabled) => {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE users SET disabled = $1 WHERE username = $2 RETURNING {COLUMNS}"
                )))
                .bind(i64::from(*disabled))
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some(r) => r,
                    None => return Ok(UserChangeOutcome::NoSuchUser),
                }
            }
            UserChange::Password(hash) => {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE users SET password_hash = $1 WHERE username = $2 RETURNING {COLUMNS}"
                )))
                .bind(hash.clone())
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some(r) => r,
                    None => return Ok(UserChangeOutcome::NoSuchUser),
                }
            }
            UserChange::ReplacePassword { old_hash, new_hash } => {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE users SET password_hash = $1 WHERE username = $2 \
                     AND password_hash = $3 RETURNING {COLUMNS}"
                )))
                .bind(new_hash.clone())
                .bind(username)
                .bind(old_hash.clone())
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some(r) => r,
                    None => return Ok(UserChangeOutcome::Stale),
                }
            }
        };
        let user = user_from_row(&row)?;
        if can_remove_admin {
            let admins: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0",
            )
            .fetch_one(&mut *tx)
            .await?;
            if admins == 0 {
                // Dropping the transaction rolls the change back.
                return Ok(UserChangeOutcome::LastAdmin);
            }
        }
        if matches!(
            change,
            UserChange::Disabled(true)
                | UserChange::Password(_)
                | UserChange::ReplacePassword { .. }
        ) {
            // A disabled account or a replaced password ends every session (e.g. an attacker's).
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
        }
        SqlStore::insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(UserChangeOutcome::Done(user))
    }
}
