//! Concord's storage.
//!
//! [`Store`] is the one interface the rest of Concord uses to keep documents, their sections,
//! version history, actors and taxonomies. [`connect`] picks the backend from the database URL:
//!
//! * `sqlite://PATH` — the embedded default, one file in the data directory, WAL mode;
//! * `postgres://…` / `postgresql://…` — a PostgreSQL server, for scaling out.
//!
//! Each backend has its own migrations (`migrations/sqlite`, `migrations/postgres`), run when the
//! store is opened; a landed migration is never edited. Both backends share one SQL
//! implementation ([`sql::SqlStore`], over sqlx's `Any` driver) because the schema is plain
//! SQL both understand; the backend modules hold what differs (connection set-up, migrations).
//! One conformance suite (`tests/conformance.rs`) runs against both.
//!
//! Writes of a document, its text, sections and history happen in one transaction: a failure
//! leaves nothing half-written.

pub mod accounts;
pub mod commitments;
pub mod deliberation;
pub mod ledger;
pub mod participation;
mod postgres;
mod sql;
mod sqlite;
pub mod user_admin;
pub mod views;

use std::collections::HashSet;

use async_trait::async_trait;
use concord_core::{Actor, Document, LabelSet, Section, Taxonomy, VersionInfo};
use serde::{Deserialize, Serialize};

pub use accounts::{
    AccountStore, AuditEntry, NewAudit, NewSession, Role, Session, User, UserCredentials,
};
pub use commitments::{
    CommitmentStore, CommitmentWrite, EvidenceFile, EvidenceUpload, LoggedEntry, StoredCommitment,
};
pub use deliberation::{
    ConversationInfo, ConversationStatus, ConversationSummary, DeliberationStore, NewParticipant,
};
pub use ledger::LedgerStore;
pub use participation::{ParticipationStore, SpentChallenge, Submitted};
pub use sql::SqlStore;
pub use user_admin::{UserAdminStore, UserChange, UserChangeOutcome};
pub use views::{DocumentView, ViewStore};

/// Errors from the store. Messages name what failed; database internals stay in `source`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?} (expected sqlite://PATH or postgres://...)")]
    UnsupportedUrl(String),
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored record {id:?} is corrupt: {reason}")]
    Corrupt { id: String, reason: String },
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("invalid record: {0}")]
    InvalidRecord(String),
    #[error("the log has {actual} entries, not {expected} as sequenced (another writer appended)")]
    LedgerConflict { expected: u64, actual: u64 },
}

impl StoreError {
    /// A conflict with another writer that a retry of the whole transaction can get past:
    /// SQLite busy or locked (including a WAL snapshot that went stale, which does not wait
    /// for the busy timeout), a PostgreSQL serialization failure or deadlock.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => matches!(
                db.code().as_deref(),
                Some("5" | "6" | "517" | "40001" | "40P01")
            ),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A document ready to be written: metadata plus optional full text and sections.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// The metadata; its `revision` is ignored and set by the store.
    pub document: Document,
    /// Normalised full text, if the document has one.
    pub text: Option<String>,
    pub sections: Vec<Section>,
    /// SHA-256 (hex) of the normalised metadata and text: equal hash, equal content.
    pub content_hash: String,
    /// SHA-256 (hex) of the raw input bytes, remembered so a re-import can skip parsing.
    pub source_hash: Option<String>,
    /// Where it was imported from, for the history.
    pub source: Option<String>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    Created,
    /// The content changed (for documents: a new version was added to the history).
    Updated,
    Unchanged,
}

/// What [`Store::put_document`] did, and the document's version afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocumentWrite {
    pub outcome: WriteOutcome,
    pub version: u32,
}

/// Sort orders for document listings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Newest first by main date (adopted, else published, else in force), then id.
    #[default]
    DateDesc,
    DateAsc,
    Id,
}

/// Filters and paging for [`Store::list_documents`]. Empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentQuery {
    /// Case-insensitive substring of any title or the id.
    pub text: Option<String>,
    /// Any of these jurisdictions (exact codes).
    pub jurisdictions: Vec<String>,
    pub instrument_type: Option<String>,
    pub legal_force: Option<String>,
    pub status: Option<String>,
    /// BCP 47 language of the text (exact tag as stored, e.g. `zh`).
    pub language: Option<String>,
    /// Issuing actor id.
    pub issuer: Option<String>,
    /// Governance dimension: development, fairness or security.
    pub dimension: Option<String>,
    /// Main date's year at least / at most.
    pub year_from: Option<u16>,
    pub year_to: Option<u16>,
    pub sort: SortOrder,
    pub limit: u32,
    pub offset: u32,
}

impl DocumentQuery {
    pub const MAX_LIMIT: u32 = 500;
}

/// One page of results and the total number of matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    pub items: Vec<T>,
}

/// Storage for everything Concord knows. Implemented once per backend family.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Writes a document with its text, sections and a history entry, in one transaction.
    /// Same content hash as the current version → `Unchanged` and nothing is written.
    async fn put_document(&self, doc: &NewDocument) -> Result<DocumentWrite>;
    async fn get_document(&self, id: &str) -> Result<Option<Document>>;
    async fn get_text(&self, id: &str) -> Result<Option<String>>;
    async fn get_sections(&self, id: &str) -> Result<Vec<Section>>;
    async fn list_documents(&self, query: &DocumentQuery) -> Result<Page<Document>>;
    /// Every document, in id order (for export).
    async fn all_documents(&self) -> Result<Vec<Document>>;
    async fn count_documents(&self) -> Result<u64>;
    /// Every document's id and current version, by id: cheap enough to poll, so that a server
    /// can notice documents written by others (see `concord_server::follow_store`).
    async fn document_versions(&self) -> Result<Vec<(String, u32)>>;
    /// Distinct jurisdictions of stored documents (for bloc filters).
    async fn document_jurisdictions(&self) -> Result<Vec<String>>;
    /// Versions, oldest first.
    async fn history(&self, id: &str) -> Result<Vec<VersionInfo>>;
    /// The metadata of one stored version.
    async fn get_version(&self, id: &str, version: u32) -> Result<Option<Document>>;
    /// Raw-input hashes whose document is still at the content they produced.
    async fn current_source_hashes(&self) -> Result<HashSet<String>>;

    async fn put_actor(&self, actor: &Actor) -> Result<WriteOutcome>;
    async fn get_actor(&self, id: &str) -> Result<Option<Actor>>;
    async fn list_actors(&self) -> Result<Vec<Actor>>;

    async fn put_taxonomy(&self, taxonomy: &Taxonomy) -> Result<WriteOutcome>;
    async fn get_taxonomy(&self, id: &str) -> Result<Option<Taxonomy>>;
    async fn list_taxonomies(&self) -> Result<Vec<Taxonomy>>;

    /// Stores (or replaces) a label set as one unit.
    async fn put_label_set(&self, set: &LabelSet) -> Result<WriteOutcome>;
    async fn get_label_set(&self, id: &str) -> Result<Option<LabelSet>>;
    /// Ids of the stored label sets, sorted.
    async fn label_set_ids(&self) -> Result<Vec<String>>;

    async fn get_meta(&self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<()>;

    /// Editors' accounts, sessions and the audit trail (see [`accounts`]).
    fn accounts(&self) -> &dyn AccountStore;

    /// Deliberation conversations and their votes (see [`deliberation`]).
    fn deliberation(&self) -> &dyn DeliberationStore;

    /// Votes and statements from the platform, and the proof-of-work replay set (see
    /// [`participation`]).
    fn participation(&self) -> &dyn ParticipationStore;
    /// Commitments, action reports, assessments and evidence files (see [`commitments`]).
    fn commitments(&self) -> &dyn CommitmentStore;
    /// Administrators' account changes with their audit records (see [`user_admin`]).
    fn user_admin(&self) -> &dyn UserAdminStore;
    /// Read models for pages: a page's data in one query (see [`views`]).
    fn views(&self) -> &dyn ViewStore;
}

/// Opens (creating if needed) the store at `url` and runs its migrations.
pub async fn connect(url: &str) -> Result<Box<dyn Store>> {
    Ok(Box::new(SqlStore::connect(url).await?))
}

/// The backend a URL selects, or an error naming the URL.
pub fn backend_for_url(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// A URL safe to print: any password is replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                url.to_owned()
            }
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(backend_for_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            backend_for_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(backend_for_url("mysql://h").is_err());
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
