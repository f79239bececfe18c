//! Read models for pages: everything one page view shows, in one round trip to the database.
//!
//! The document page used to make six queries and more (the document, each issuer, its
//! sections — which read the whole text again to fill section texts it did not show —, its
//! text, its history, the taxonomy for principle labels). Each query through sqlx's SQLite
//! driver is a round trip to the connection's worker thread and a wait for a pooled connection;
//! on a small machine under load those round trips, not SQLite, were the cost. [`ViewStore`]
//! reads the same data with one statement per backend (JSON aggregates for the lists), cuts the
//! text to what the page shows, counts sections instead of loading them, and returns the
//! taxonomy's update stamp instead of the taxonomy, so the caller can keep what it derives from
//! the taxonomy (labels) for as long as the stamp is unchanged.

use async_trait::async_trait;
use concord_core::{Actor, Document, VersionInfo};
use sqlx::Row;

use crate::{Backend, Result, SqlStore, StoreError, sql::document_from_row};

/// What the document page shows of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentView {
    /// The current version's metadata (with its revision).
    pub doc: Document,
    /// The current text, cut to the first `max_text_chars` characters; `None` if there is none.
    pub text: Option<String>,
    /// The number of sections of the current version.
    pub sections: u64,
    /// Every version, oldest first.
    pub history: Vec<VersionInfo>,
    /// The stored actors among the document's issuers (issuers not stored are missing).
    pub issuers: Vec<Actor>,
    /// When the requested taxonomy was last written, and its version (`None` if it is not
    /// stored): labels made from it stay valid while this is unchanged.
    pub taxonomy_stamp: Option<String>,
}

/// Read models for pages. Implemented by [`SqlStore`] for both backends.
#[async_trait]
pub trait ViewStore: Send + Sync {
    /// The document page's data for document `id` in one query; `None` if there is no such
    /// document. `taxonomy` names the taxonomy whose stamp is returned.
    async fn document_view(
        &self,
        id: &str,
        max_text_chars: u32,
        taxonomy: &str,
    ) -> Result<Option<DocumentView>>;

    /// When taxonomy `id` was last written, `None` if it is not stored (see
    /// [`DocumentView::taxonomy_stamp`]).
    async fn taxonomy_stamp(&self, id: &str) -> Result<Option<String>>;
}

/// SQLite: JSON1 aggregates (`ORDER BY` inside an aggregate needs SQLite 3.44; sqlx bundles a
/// newer one). The issuers come from the document's JSON, looked up by primary key.
const SQLITE: &str = "SELECT d.id, d.version, d.content_hash, d.imported_at, d.data, \
    substr(v.text, 1, $2) AS text, \
    (SELECT COUNT(*) FROM sections s WHERE s.document_id = d.id) AS sections, \
    (SELECT json_group_array(json_array(h.version, h.content_hash, h.imported_at, h.source) \
        ORDER BY h.version) FROM document_versions h WHERE h.document_id = d.id) AS history, \
    (SELECT json_group_array(json(a.data)) FROM actors a \
        WHERE a.id IN (SELECT value FROM json_each(d.data, '$.issuers'))) AS issuers, \
    (SELECT t.updated_at || ' ' || t.version FROM taxonomies t WHERE t.id = $3) AS taxonomy_stamp \
    FROM documents d LEFT JOIN document_versions v \
    ON v.document_id = d.id AND v.version = d.version WHERE d.id = $1";

/// PostgreSQL: the same with `json_agg` (JSON is stored as TEXT, so it is cast).
const POSTGRES: &str = "SELECT d.id, d.version, d.content_hash, d.imported_at, d.data, \
    substr(v.text, 1, $2::int4) AS text, \
    (SELECT COUNT(*) FROM sections s WHERE s.document_id = d.id) AS sections, \
    (SELECT COALESCE(json_agg(json_build_array(h.version, h.content_hash, h.imported_at, \
        h.source) ORDER BY h.version), '[]'::json)::text \
        FROM document_versions h WHERE h.document_id = d.id) AS history, \
    (SELECT COALESCE(json_agg(a.data::json), '[]'::json)::text FROM actors a \
        WHERE a.id IN (SELECT json_array_elements_text(d.data::json -> 'issuers'))) AS issuers, \
    (SELECT t.updated_at || ' ' || t.version FROM taxonomies t WHERE t.id = $3) AS taxonomy_stamp \
    FROM documents d LEFT JOIN document_versions v \
    ON v.document_id = d.id AND v.version = d.version WHERE d.id = $1";

fn corrupt(id: &str, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        id: id.to_owned(),
        reason: format!("{what}: {e}"),
    }
}

#[async_trait]
impl ViewStore for SqlStore {
    async fn document_view(
        &self,
        id: &str,
        max_text_chars: u32,
        taxonomy: &str,
    ) -> Result<Option<DocumentView>> {
        let sql = match self.backend {
            Backend::Sqlite => SQLITE,
            Backend::Postgres => POSTGRES,
        };
        let Some(row) = sqlx::query(sql)
            .bind(id)
            .bind(i64::from(max_text_chars))
            .bind(taxonomy)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let doc = document_from_row(&row)?;
        let history: Option<String> = row.try_get("history")?;
        let history: Vec<(i64, String, String, Option<String>)> =
            serde_json::from_str(history.as_deref().unwrap_or("[]"))
                .map_err(|e| corrupt(id, "history", e))?;
        let issuers: Option<String> = row.try_get("issuers")?;
        let issuers: Vec<Actor> = serde_json::from_str(issuers.as_deref().unwrap_or("[]"))
            .map_err(|e| corrupt(id, "issuer", e))?;
        Ok(Some(DocumentView {
            doc,
            text: row.try_get("text")?,
            sections: row.try_get::<i64, _>("sections")?.max(0) as u64,
            history: history
                .into_iter()
                .map(|(version, content_hash, imported_at, source)| VersionInfo {
                    version: u32::try_from(version).unwrap_or(u32::MAX),
                    content_hash,
                    imported_at,
                    source,
                })
                .collect(),
            issuers,
            taxonomy_stamp: row.try_get("taxonomy_stamp")?,
        }))
    }

    async fn taxonomy_stamp(&self, id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT updated_at || ' ' || version FROM taxonomies WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
