//! The SQL implementation of [`Store`] shared by both backends.
//!
//! Queries use `$N` placeholders, which both SQLite and PostgreSQL accept, and only types sqlx's
//! `Any` driver maps on both (TEXT and 64-bit integers). JSON is stored as TEXT.

use std::collections::HashSet;

use async_trait::async_trait;
use concord_core::{
    Actor, Document, LabelSet, Revision, Section, SectionKind, Taxonomy, VersionInfo,
};
use serde::{Serialize, de::DeserializeOwned};
use sqlx::{Any, AnyPool, Row, any::AnyRow};

use crate::{
    Backend, DocumentQuery, DocumentWrite, NewDocument, Page, Result, SortOrder, Store, StoreError,
    WriteOutcome, backend_for_url, postgres, sqlite,
};

/// A [`Store`] over a SQLite or PostgreSQL connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
}

impl SqlStore {
    /// Connects to `url`, creating the SQLite file if needed, and runs the backend's migrations.
    pub async fn connect(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let backend = backend_for_url(url)?;
        let pool = match backend {
            Backend::Sqlite => sqlite::open(url).await?,
            Backend::Postgres => postgres::open(url).await?,
        };
        match backend {
            Backend::Sqlite => sqlite::MIGRATOR.run(&pool).await?,
            Backend::Postgres => postgres::MIGRATOR.run(&pool).await?,
        }
        Ok(SqlStore { pool, backend })
    }

    /// Begins a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads first and then writes fails with
    /// `SQLITE_BUSY` at once, without waiting, when another connection committed in between
    /// (found by the kill -9 test's concurrent editors: `tests/crash.rs` of concord-cli).
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("model types always serialise")
}

fn from_json<T: DeserializeOwned>(id: &str, data: &str) -> Result<T> {
    serde_json::from_str(data).map_err(|e| StoreError::Corrupt {
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

/// `[a, b]` → `,a,b,` so that `LIKE '%,a,%'` finds members.
fn wrap_list<T: ToString>(items: &[T]) -> String {
    let mut s = String::from(",");
    for i in items {
        s.push_str(&i.to_string());
        s.push(',');
    }
    s
}

fn enum_str<T: Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(|v| match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    })
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn section_kind_str(kind: SectionKind) -> String {
    enum_str(&Some(kind)).unwrap_or_default()
}

/// Sets each section's text to its character span of `text` (spans past the end are cut).
/// Sections are stored as spans only: the text is already in the version row.
fn fill_section_texts(text: &str, sections: &mut [Section]) {
    // Byte offset of every character boundary, so each span is sliced in O(1).
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let at = |c: u32| bounds[(c as usize).min(bounds.len() - 1)];
    for s in sections {
        let (start, end) = (at(s.start), at(s.end.max(s.start)));
        s.text = text[start..end].to_owned();
    }
}

/// Reads a `documents` row back into a [`Document`] with its revision.
pub(crate) fn document_from_row(row: &AnyRow) -> Result<Document> {
    let id: String = row.try_get("id")?;
    let data: String = row.try_get("data")?;
    let mut doc: Document = from_json(&id, &data)?;
    doc.revision = Some(Revision {
        version: row.try_get::<i64, _>("version")? as u32,
        content_hash: row.try_get("content_hash")?,
        imported_at: row.try_get("imported_at")?,
    });
    Ok(doc)
}

/// A value to bind to a placeholder.
enum Arg {
    Text(Option<String>),
    Int(i64),
}

/// Builds SQL with the backend's placeholders: `$N` for PostgreSQL (sqlx's `QueryBuilder` writes
/// `?` for the `Any` driver, which PostgreSQL rejects) and plain `?` for SQLite, where looking up
/// the names of numbered parameters costs time quadratic in their number (it dominated
/// multi-row inserts of sections).
struct Sql {
    text: String,
    args: Vec<Arg>,
    numbered: bool,
}

impl Sql {
    fn new(backend: Backend, text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: vec![],
            numbered: backend == Backend::Postgres,
        }
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        if self.numbered {
            self.text.push_str(&format!("${}", self.args.len()));
        } else {
            self.text.push('?');
        }
        self
    }

    fn text(&mut self, v: impl Into<Option<String>>) -> &mut Self {
        self.bind(Arg::Text(v.into()))
    }

    fn int(&mut self, v: i64) -> &mut Self {
        self.bind(Arg::Int(v))
    }

    fn query(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments> {
        // Only fixed fragments and placeholders are in `text`; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Int(v) => q.bind(*v),
            };
        }
        q
    }
}

/// Appends the WHERE clause for `q` (shared by the count and the page query).
fn push_filters(sql: &mut Sql, q: &DocumentQuery) {
    sql.push(" WHERE 1 = 1");
    if let Some(text) = q.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let pattern = format!("%{}%", escape_like(&text.trim().to_lowercase()));
        sql.push(" AND (");
        for (i, col) in ["id", "title_original", "title_zh", "title_en"]
            .iter()
            .enumerate()
        {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push(&format!("LOWER(COALESCE({col}, '')) LIKE "))
                .text(pattern.clone())
                .push(" ESCAPE '\\'");
        }
        sql.push(")");
    }
    if !q.jurisdictions.is_empty() {
        sql.push(" AND jurisdiction IN (");
        for (i, j) in q.jurisdictions.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.text(j.clone());
        }
        sql.push(")");
    }
    for (col, val) in [
        ("instrument_type", &q.instrument_type),
        ("legal_force", &q.legal_force),
        ("status", &q.status),
    ] {
        if let Some(v) = val {
            sql.push(&format!(" AND {col} = ")).text(v.clone());
        }
    }
    for (col, val) in [
        ("languages", &q.language),
        ("issuers", &q.issuer),
        ("dimensions", &q.dimension),
    ] {
        if let Some(v) = val {
            sql.push(&format!(" AND {col} LIKE "))
                .text(format!("%,{},%", escape_like(v)))
                .push(" ESCAPE '\\'");
        }
    }
    if let Some(y) = q.year_from {
        sql.push(" AND main_date >= ").text(format!("{y:04}"));
    }
    if let Some(y) = q.year_to {
        sql.push(" AND main_date < ")
            .text(format!("{:04}", u32::from(y) + 1));
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn put_document(&self, new: &NewDocument) -> Result<DocumentWrite> {
        let mut tx = self.begin_write().await?;
        let written = self.put_document_in(&mut tx, new).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn get_document(&self, id: &str) -> Result<Option<Document>> {
        let row = sqlx::query(
            "SELECT id, version, content_hash, imported_at, data FROM documents WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    async fn get_text(&self, id: &str) -> Result<Option<String>> {
        let text: Option<Option<String>> = sqlx::query_scalar(
            "SELECT v.text FROM document_versions v JOIN documents d \
             ON d.id = v.document_id AND d.version = v.version WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(text.flatten())
    }

    async fn get_sections(&self, id: &str) -> Result<Vec<Section>> {
        let rows = sqlx::query(
            "SELECT ordinal, kind, level, number, heading, start_char, end_char \
             FROM sections WHERE document_id = $1 ORDER BY ordinal",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let text = self.get_text(id).await?.unwrap_or_default();
        let mut sections = rows
            .iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(Section {
                    ordinal: r.try_get::<i64, _>("ordinal")? as u32,
                    kind: from_json(id, &format!("\"{kind}\""))?,
                    level: r.try_get::<i64, _>("level")? as u8,
                    number: r.try_get("number")?,
                    heading: r.try_get("heading")?,
                    text: String::new(),
                    start: r.try_get::<i64, _>("start_char")? as u32,
                    end: r.try_get::<i64, _>("end_char")? as u32,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        fill_section_texts(&text, &mut sections);
        Ok(sections)
    }

    async fn list_documents(&self, q: &DocumentQuery) -> Result<Page<Document>> {
        let limit = q.limit.clamp(1, DocumentQuery::MAX_LIMIT);
        let mut count = Sql::new(self.backend, "SELECT COUNT(*) AS n FROM documents");
        push_filters(&mut count, q);
        let total: i64 = count.query().fetch_one(&self.pool).await?.try_get("n")?;

        let mut qb = Sql::new(
            self.backend,
            "SELECT id, version, content_hash, imported_at, data FROM documents",
        );
        push_filters(&mut qb, q);
        qb.push(match q.sort {
            SortOrder::DateDesc => " ORDER BY main_date IS NULL, main_date DESC, id",
            SortOrder::DateAsc => " ORDER BY main_date IS NULL, main_date ASC, id",
            SortOrder::Id => " ORDER BY id",
        });
        qb.push(" LIMIT ").int(i64::from(limit));
        qb.push(" OFFSET ").int(i64::from(q.offset));
        let rows = qb.query().fetch_all(&self.pool).await?;
        Ok(Page {
            total: total as u64,
            offset: q.offset,
            limit,
            items: rows.iter().map(document_from_row).collect::<Result<_>>()?,
        })
    }

    async fn all_documents(&self) -> Result<Vec<Document>> {
        let rows = sqlx::query(
            "SELECT id, version, content_hash, imported_at, data FROM documents ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    async fn document_versions(&self) -> Result<Vec<(String, u32)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT id, version FROM documents ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, v)| (id, u32::try_from(v).unwrap_or(u32::MAX)))
            .collect())
    }

    async fn count_documents(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    async fn document_jurisdictions(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT jurisdiction FROM documents WHERE jurisdiction IS NOT NULL \
             ORDER BY jurisdiction",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn history(&self, id: &str) -> Result<Vec<VersionInfo>> {
        let rows = sqlx::query(
            "SELECT version, content_hash, imported_at, source FROM document_versions \
             WHERE document_id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VersionInfo {
                    version: r.try_get::<i64, _>("version")? as u32,
                    content_hash: r.try_get("content_hash")?,
                    imported_at: r.try_get("imported_at")?,
                    source: r.try_get("source")?,
                })
            })
            .collect()
    }

    async fn get_version(&self, id: &str, version: u32) -> Result<Option<Document>> {
        let row = sqlx::query(
            "SELECT document_id AS id, version, content_hash, imported_at, data \
             FROM document_versions WHERE document_id = $1 AND version = $2",
        )
        .bind(id)
        .bind(i64::from(version))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    async fn current_source_hashes(&self) -> Result<HashSet<String>> {
        let hashes: Vec<String> = sqlx::query_scalar(
            "SELECT s.source_hash FROM import_sources s JOIN documents d \
             ON d.id = s.document_id AND d.content_hash = s.content_hash",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(hashes.into_iter().collect())
    }

    async fn put_actor(&self, actor: &Actor) -> Result<WriteOutcome> {
        self.put_json("actors", actor.id.as_str(), None, &to_json(actor))
            .await
    }

    async fn get_actor(&self, id: &str) -> Result<Option<Actor>> {
        self.get_json("actors", id).await
    }

    async fn list_actors(&self) -> Result<Vec<Actor>> {
        self.list_json("actors").await
    }

    async fn put_taxonomy(&self, t: &Taxonomy) -> Result<WriteOutcome> {
        self.put_json("taxonomies", t.id.as_str(), Some(&t.version), &to_json(t))
            .await
    }

    async fn get_taxonomy(&self, id: &str) -> Result<Option<Taxonomy>> {
        self.get_json("taxonomies", id).await
    }

    async fn list_taxonomies(&self) -> Result<Vec<Taxonomy>> {
        self.list_json("taxonomies").await
    }

    async fn put_label_set(&self, set: &LabelSet) -> Result<WriteOutcome> {
        self.put_json("label_sets", set.id.as_str(), None, &to_json(set))
            .await
    }

    async fn get_label_set(&self, id: &str) -> Result<Option<LabelSet>> {
        self.get_json("label_sets", id).await
    }

    async fn label_set_ids(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM label_sets ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn accounts(&self) -> &dyn crate::AccountStore {
        self
    }

    fn deliberation(&self) -> &dyn crate::DeliberationStore {
        self
    }

    fn participation(&self) -> &dyn crate::ParticipationStore {
        self
    }

    fn commitments(&self) -> &dyn crate::CommitmentStore {
        self
    }

    fn user_admin(&self) -> &dyn crate::UserAdminStore {
        self
    }

    fn views(&self) -> &dyn crate::ViewStore {
        self
    }
}

/// Tables that hold one JSON record per id (actors, taxonomies, label sets).
impl SqlStore {
    /// The writes of [`Store::put_document`] inside the caller's transaction, so that other
    /// records (the audit trail) can commit or roll back together with the document.
    pub(crate) async fn put_document_in(
        &self,
        tx: &mut sqlx::Transaction<'static, Any>,
        new: &NewDocument,
    ) -> Result<DocumentWrite> {
        let doc = &new.document;
        let id = doc.id.as_str();
        let current: Option<(i64, String)> =
            sqlx::query_as("SELECT version, content_hash FROM documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
        let (version, outcome) = match current {
            Some((v, hash)) if hash == new.content_hash => (v, WriteOutcome::Unchanged),
            Some((v, _)) => (v + 1, WriteOutcome::Updated),
            None => (1, WriteOutcome::Created),
        };
        if outcome != WriteOutcome::Unchanged {
            let imported_at = now();
            let mut stored = doc.clone();
            stored.revision = None;
            let data = to_json(&stored);
            sqlx::query(
                "INSERT INTO documents (id, title_original, title_zh, title_en, jurisdiction, \
                 instrument_type, legal_force, status, main_date, languages, issuers, dimensions, \
                 version, content_hash, imported_at, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 ON CONFLICT (id) DO UPDATE SET title_original = excluded.title_original, \
                 title_zh = excluded.title_zh, title_en = excluded.title_en, \
                 jurisdiction = excluded.jurisdiction, instrument_type = excluded.instrument_type, \
                 legal_force = excluded.legal_force, status = excluded.status, \
                 main_date = excluded.main_date, languages = excluded.languages, \
                 issuers = excluded.issuers, dimensions = excluded.dimensions, \
                 version = excluded.version, content_hash = excluded.content_hash, \
                 imported_at = excluded.imported_at, data = excluded.data",
            )
            .bind(id)
            .bind(doc.title.original.clone())
            .bind(doc.title.zh.clone())
            .bind(doc.title.en.clone())
            .bind(doc.jurisdiction.as_ref().map(|j| j.to_string()))
            .bind(enum_str(&doc.instrument_type))
            .bind(enum_str(&doc.legal_force))
            .bind(enum_str(&doc.status))
            .bind(doc.dates.main().map(|d| d.sort_key()))
            .bind(wrap_list(&doc.languages))
            .bind(wrap_list(&doc.issuers))
            .bind(wrap_list(
                &doc.dimensions
                    .iter()
                    .map(|d| enum_str(&Some(*d)).unwrap_or_default())
                    .collect::<Vec<_>>(),
            ))
            .bind(version)
            .bind(new.content_hash.clone())
            .bind(imported_at.clone())
            .bind(data.clone())
            .execute(&mut **tx)
            .await?;

            sqlx::query("DELETE FROM sections WHERE document_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            // Multi-row inserts: one statement per 500 sections keeps below SQLite's bind limit.
            for chunk in new.sections.chunks(500) {
                let mut sql = Sql::new(
                    self.backend,
                    "INSERT INTO sections (document_id, ordinal, kind, level, number, heading, \
                     start_char, end_char) VALUES ",
                );
                for (i, s) in chunk.iter().enumerate() {
                    sql.push(if i == 0 { "(" } else { ", (" });
                    sql.text(id.to_owned()).push(", ");
                    sql.int(i64::from(s.ordinal)).push(", ");
                    sql.text(section_kind_str(s.kind)).push(", ");
                    sql.int(i64::from(s.level)).push(", ");
                    sql.text(s.number.clone()).push(", ");
                    sql.text(s.heading.clone()).push(", ");
                    sql.int(i64::from(s.start)).push(", ");
                    sql.int(i64::from(s.end)).push(")");
                }
                sql.query().execute(&mut **tx).await?;
            }
            sqlx::query(
                "INSERT INTO document_versions (document_id, version, content_hash, imported_at, \
                 source, data, text) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(version)
            .bind(new.content_hash.clone())
            .bind(imported_at)
            .bind(new.source.clone())
            .bind(data)
            .bind(new.text.clone())
            .execute(&mut **tx)
            .await?;
        }
        if let Some(source_hash) = &new.source_hash {
            sqlx::query(
                "INSERT INTO import_sources (source_hash, document_id, content_hash) \
                 VALUES ($1, $2, $3) ON CONFLICT (source_hash) DO UPDATE SET \
                 document_id = excluded.document_id, content_hash = excluded.content_hash",
            )
            .bind(source_hash.clone())
            .bind(id)
            .bind(new.content_hash.clone())
            .execute(&mut **tx)
            .await?;
        }
        Ok(DocumentWrite {
            outcome,
            version: version as u32,
        })
    }

    async fn put_json(
        &self,
        table: &'static str,
        id: &str,
        version: Option<&str>,
        data: &str,
    ) -> Result<WriteOutcome> {
        let mut tx = self.begin_write().await?;
        let current: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT data FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match current {
            Some(old) if old == data => return Ok(WriteOutcome::Unchanged),
            Some(_) => WriteOutcome::Updated,
            None => WriteOutcome::Created,
        };
        let sql = match version {
            Some(_) => format!(
                "INSERT INTO {table} (id, data, updated_at, version) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, \
                 updated_at = excluded.updated_at, version = excluded.version"
            ),
            None => format!(
                "INSERT INTO {table} (id, data, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at"
            ),
        };
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(data)
            .bind(now());
        if let Some(v) = version {
            query = query.bind(v);
        }
        query.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        table: &'static str,
        id: &str,
    ) -> Result<Option<T>> {
        let data: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT data FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        data.map(|d| from_json(id, &d)).transpose()
    }

    async fn list_json<T: DeserializeOwned>(&self, table: &'static str) -> Result<Vec<T>> {
        let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, data FROM {table} ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|(id, d)| from_json(id, d)).collect()
    }
}
