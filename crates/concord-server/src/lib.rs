//! Concord's HTTP server.
//!
//! [`router`] builds the axum application over an [`AppState`]; [`serve`] runs it on a listener
//! the caller bound (tests bind port 0). Routes:
//!
//! | route | what |
//! |---|---|
//! | `GET /` | home page: counts, the minimum common standard, search, every document (zh/en) |
//! | `GET /search?q=` | search page (zh/en) |
//! | `GET /documents?bloc=&principle=&...` | browse with facets; every filter state is a URL (zh/en) |
//! | `GET /consensus?theta=&by=&...` | the consensus report with a form over its parameters (zh/en) |
//! | `GET /map?metric=documents\|binding\|principle&principle=` | world map coloured by documents, binding share or a principle (zh/en) |
//! | `GET /best-practices?bloc=` | the best-practice case library by region (zh/en) |
//! | `GET /jurisdictions/{code}` | a jurisdiction's profile and gap analysis (zh/en) |
//! | `GET /compare?ids=a,b` | 2–6 documents side by side (zh/en) |
//! | `GET /documents/{id}` | document page: facts, summaries, principles with strength and evidence, citations (zh/en) |
//! | `GET /healthz` | liveness plus the document count and backend |
//! | `GET,POST /login`, `POST /logout` | editors' sign-in and sign-out (see [`auth`]) |
//! | `GET,POST /documents/new`, `GET,POST /documents/{id}/edit` | editors' forms: add a document, edit its facts |
//! | `POST /documents/{id}/text` | upload a text (TXT, MD, HTML, PDF, DOCX) for a document (multipart) |
//! | `GET /admin/audit` | the audit trail of edits and account changes (administrators) |
//! | `GET,POST /admin/users`, `POST /admin/users/{role,status,password}` | user management (administrators, see [`users`]) |
//! | `GET /api/v1/documents` | documents, filtered and paged (see [`ListParams`]) |
//! | `GET /api/v1/documents/{id}` | one document with its sections and history (`?text=true` adds the text) |
//! | `GET /api/v1/documents/{id}/versions/{version}` | the metadata of one stored version |
//! | `GET /api/v1/actors`, `GET /api/v1/blocs` | issuing actors; the bloc definitions in use |
//! | `GET /api/v1/documents/{id}/cite?format=bibtex\|csl-json\|ris` | a citation of the document |
//! | `GET /api/v1/export?format=json\|jsonl\|csv` | every document, as `concord export` writes them |
//! | `GET /api/openapi.json` | the OpenAPI 3.1 description of this API |
//! | `GET /api/v1/search?q=` | full-text search, Chinese and English, with snippets (`limit`, `offset`, facet filters, `facets` counts) |
//! | `GET /deliberations/{id}/vote`, `POST .../vote`, `POST .../statements`, `POST .../profile` | taking part: one statement at a time, new statements, self-declared category and region (see [`participate`]) |
//! | `GET,POST /deliberations/new`, `GET,POST /deliberations/{id}/moderate` | editors: create a conversation; moderation queue, held votes, open/close |
//! | `GET /api/v1/deliberations/{id}/challenge`, `.../next`; `POST .../votes`, `.../statements` | the same as JSON, with proof of work for anonymous participants |
//! | `/commitments…`, `/api/v1/commitments…` | commitments tracker, pages, forms and API (see [`commitments`]) |
//! | `GET /api/v1/consensus` | consensus analytics as JSON or `?format=html` (see `docs/consensus-metrics.md`) |
//!
//! Errors are RFC 9457 problem details (`application/problem+json`: `type`, `title`, `status`,
//! `detail`, plus a stable `code`); internal failures are logged and answered
//! with a generic message, never with database details.

mod account;
pub mod auth;
pub mod cache;
mod cite;
mod commitments;
mod consensus;
mod deliberation;
mod editor;
mod error;
mod facets;
mod i18n;
mod log;
mod pages;
pub mod participate;
mod password;
pub mod pow;
mod users;
pub mod witness;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::{
    Json, Router,
    extract::{Path, Query, State, rejection::QueryRejection},
    response::Html,
    routing::get,
};
use concord_core::{BlocSet, Dimension, Document, InstrumentType, LegalForce, Status};
use concord_store::{DocumentQuery, Page, SortOrder, Store};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::ApiError;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub blocs: Arc<BlocSet>,
    /// The full-text index, built from the store when the server starts and updated by the
    /// web editor's writes.
    pub search: Arc<concord_search::SearchIndex>,
    /// Sign-in settings and the login rate limiter (see [`auth`]).
    pub auth: Arc<auth::AuthSettings>,
    /// The transparency log, if this server runs one.
    pub ledger: Option<Arc<concord_ledger::log::Log>>,
    /// Proof-of-work keys, adaptive difficulty and rate limits for taking part in
    /// deliberations (see [`participate`]).
    pub participation: Arc<participate::ParticipationSettings>,
    /// Rendered search results and anonymous document pages (see [`cache`]).
    pub cache: Arc<cache::Caches>,
}

impl AppState {
    /// Re-reads one document from the store into the search index (after an edit).
    async fn reindex(&self, id: &str) -> Result<(), ApiError> {
        let Some(d) = self.store.get_document(id).await? else {
            return Ok(());
        };
        let doc = search_doc(&self.blocs, &d, self.store.get_text(id).await?);
        let index = self.search.clone();
        tokio::task::spawn_blocking(move || index.upsert(&doc))
            .await
            .map_err(|e| ApiError::Internal(format!("search index update panicked: {e}")))?
            .map_err(|e| ApiError::Internal(format!("search index update failed: {e}")))
    }

    /// Appends a record of a write to the transparency log, when this server runs one. The
    /// entry carries the content hash, so the log commits to the content without holding it.
    async fn record(
        &self,
        kind: &str,
        id: &str,
        record: serde_json::Value,
    ) -> Result<Option<u64>, ApiError> {
        let Some(log) = &self.ledger else {
            return Ok(None);
        };
        let receipt = log
            .append(kind, id, &record)
            .await
            .map_err(|e| ApiError::Internal(format!("transparency log append failed: {e}")))?;
        Ok(Some(receipt.index))
    }

    /// The id of a document's bloc ("" if none).
    fn bloc_id(&self, d: &Document) -> String {
        self.blocs
            .bloc_for(&d.issuers, d.jurisdiction.as_ref())
            .map(|b| b.id.to_string())
            .unwrap_or_default()
    }

    /// A bloc's name in `lang`, else its id.
    fn bloc_label(&self, id: &str, lang: i18n::Lang) -> String {
        self.blocs
            .get(id)
            .and_then(|b| b.name.best(&[lang.code(), "en"]))
            .unwrap_or(id)
            .to_owned()
    }

    /// The name of a document's bloc in `lang` ("" if none).
    fn bloc_name(&self, d: &Document, lang: i18n::Lang) -> String {
        let id = self.bloc_id(d);
        if id.is_empty() {
            id
        } else {
            self.bloc_label(&id, lang)
        }
    }
}

/// What the search index holds of one document.
fn search_doc(
    blocs: &concord_core::BlocSet,
    d: &Document,
    text: Option<String>,
) -> concord_search::SearchDoc {
    let titles = [&d.title.original, &d.title.zh, &d.title.en]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let summaries = [&d.summary.zh, &d.summary.en]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    concord_search::SearchDoc {
        id: d.id.to_string(),
        titles,
        summaries,
        text,
        principles: d.tags.iter().map(|t| t.principle.clone()).collect(),
        facets: facets::values(blocs, d)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    }
}

/// Builds the search index from every stored document (titles, summaries, texts, tags, and
/// facet values, for which `blocs` assigns documents to blocs).
pub async fn build_search_index(
    store: &dyn Store,
    blocs: &concord_core::BlocSet,
) -> Result<concord_search::SearchIndex, Box<dyn std::error::Error + Send + Sync>> {
    let mut docs = vec![];
    for d in store.all_documents().await? {
        let text = store.get_text(d.id.as_str()).await?;
        docs.push(search_doc(blocs, &d, text));
    }
    let taxonomy = store.get_taxonomy("concord").await?;
    let index = tokio::task::spawn_blocking(move || {
        concord_search::SearchIndex::build(docs, taxonomy.as_ref())
    })
    .await??;
    Ok(index)
}

/// Keeps `state.search` current with documents written elsewhere — another server on the same
/// PostgreSQL database, `concord import`, a direct SQL change: every `every`, compares the store's
/// (id, version) list with `known` (what the index holds, read before it was built) and
/// re-indexes what changed or appeared and drops what disappeared. Runs until the task is
/// dropped; a failed round is logged and retried.
pub async fn follow_store(
    state: AppState,
    mut known: std::collections::HashMap<String, u32>,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sync_search(&state, &known).await {
            Ok(Some(now)) => known = now,
            Ok(None) => {}
            Err(e) => tracing::warn!("search index follow-up failed, will retry: {e}"),
        }
    }
}

/// One round of [`follow_store`]: `Some(new versions)` if anything changed.
async fn sync_search(
    state: &AppState,
    known: &std::collections::HashMap<String, u32>,
) -> Result<Option<std::collections::HashMap<String, u32>>, ApiError> {
    let now: std::collections::HashMap<String, u32> =
        state.store.document_versions().await?.into_iter().collect();
    let changed: Vec<&String> = now
        .iter()
        .filter(|(id, v)| known.get(*id) != Some(*v))
        .map(|(id, _)| id)
        .collect();
    let removed: Vec<String> = known
        .keys()
        .filter(|id| !now.contains_key(*id))
        .cloned()
        .collect();
    if changed.is_empty() && removed.is_empty() {
        return Ok(None);
    }
    let mut docs = Vec::with_capacity(changed.len());
    for id in changed {
        if let Some(d) = state.store.get_document(id).await? {
            docs.push(search_doc(
                &state.blocs,
                &d,
                state.store.get_text(id).await?,
            ));
        }
    }
    tracing::info!(
        "search index: {} document(s) re-indexed, {} removed (written elsewhere)",
        docs.len(),
        removed.len()
    );
    let index = state.search.clone();
    tokio::task::spawn_blocking(move || index.apply(&docs, &removed))
        .await
        .map_err(|e| ApiError::Internal(format!("search index update panicked: {e}")))?
        .map_err(|e| ApiError::Internal(format!("search index update failed: {e}")))?;
    Ok(Some(now))
}

/// Builds the application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/search", get(search_page))
        .route("/documents", get(browse_page))
        .route("/documents/{id}", get(document_page))
        .route("/compare", get(compare_page))
        .route("/consensus", get(consensus_page))
        .route("/best-practices", get(cases_page))
        .route("/map", get(map_page))
        .route("/jurisdictions/{code}", get(profile_page))
        .route("/api/v1/documents", get(list_documents))
        .route("/api/v1/documents/{id}", get(get_document))
        .route(
            "/api/v1/documents/{id}/versions/{version}",
            get(get_version),
        )
        .route("/api/v1/actors", get(list_actors))
        .route("/api/v1/blocs", get(list_blocs))
        .route("/api/v1/consensus", get(consensus::consensus))
        .route("/api/v1/search", get(search))
        .route("/api/v1/documents/{id}/cite", get(cite_document))
        .route("/api/v1/export", get(export))
        .route("/api/openapi.json", get(openapi))
        .merge(deliberation::routes())
        .merge(participate::routes())
        .merge(auth::routes())
        .merge(users::routes())
        .merge(password::routes())
        .merge(editor::routes(state.auth.max_upload_bytes))
        .merge(log::router())
        .merge(commitments::routes(state.auth.max_upload_bytes))
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        // The signed-in indicator in every page's header (after any cached page is served).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            account::indicator,
        ))
        // Pages load nothing from elsewhere and cannot be framed.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                 form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address keys the login rate limit.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    backend: concord_store::Backend,
    documents: u64,
}

async fn healthz(State(s): State<AppState>) -> Result<Json<Health>, ApiError> {
    Ok(Json(Health {
        status: "ok",
        backend: s.store.backend(),
        documents: s.store.count_documents().await?,
    }))
}

/// Query parameters of `GET /api/v1/documents`. Lists are comma-separated.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Substring of a title or id (case-insensitive).
    pub q: Option<String>,
    /// Jurisdiction codes, e.g. `CN,EU`.
    pub jurisdiction: Option<String>,
    /// Bloc ids, e.g. `global_south`; see `GET /api/v1/blocs`.
    pub bloc: Option<String>,
    pub instrument_type: Option<String>,
    pub legal_force: Option<String>,
    pub status: Option<String>,
    pub language: Option<String>,
    pub issuer: Option<String>,
    pub dimension: Option<String>,
    pub year_from: Option<String>,
    pub year_to: Option<String>,
    /// `date_desc` (default), `date_asc` or `id`.
    pub sort: Option<String>,
    /// 1 to 500, default 50.
    pub limit: Option<String>,
    pub offset: Option<String>,
}

fn parse_enum<T: DeserializeOwned>(
    name: &str,
    value: &Option<String>,
) -> Result<Option<String>, ApiError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => serde_json::from_value::<T>(serde_json::Value::String(v.to_owned()))
            .map(|_| Some(v.to_owned()))
            .map_err(|e| ApiError::BadRequest(format!("invalid `{name}`: {e}"))),
    }
}

pub(crate) fn parse_num<T: std::str::FromStr>(
    name: &str,
    value: &Option<String>,
) -> Result<Option<T>, ApiError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ApiError::BadRequest(format!("invalid `{name}`: {v:?} is not a number in range"))
        }),
    }
}

fn split_list(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ListParams {
    /// Checks every parameter and builds the store query. Blocs become the jurisdictions of
    /// stored documents that fall in them.
    async fn to_query(&self, s: &AppState) -> Result<DocumentQuery, ApiError> {
        let mut jurisdictions: Vec<String> = split_list(&self.jurisdiction)
            .into_iter()
            .map(|j| j.to_ascii_uppercase())
            .collect();
        let blocs = split_list(&self.bloc);
        if !blocs.is_empty() {
            for b in &blocs {
                if s.blocs.get(b).is_none() {
                    return Err(ApiError::BadRequest(format!(
                        "unknown bloc {b:?}; see /api/v1/blocs"
                    )));
                }
            }
            let in_blocs: Vec<String> = s
                .store
                .document_jurisdictions()
                .await?
                .into_iter()
                .filter(|j| {
                    j.parse()
                        .ok()
                        .and_then(|j| s.blocs.bloc_of(&j))
                        .is_some_and(|b| blocs.iter().any(|x| x == b.id.as_str()))
                })
                .collect();
            jurisdictions = if jurisdictions.is_empty() {
                in_blocs
            } else {
                jurisdictions
                    .into_iter()
                    .filter(|j| in_blocs.contains(j))
                    .collect()
            };
            if jurisdictions.is_empty() {
                // No stored jurisdiction is in the bloc: match nothing rather than everything.
                jurisdictions.push("-".into());
            }
        }
        let sort = match self.sort.as_deref() {
            None | Some("") | Some("date_desc") => SortOrder::DateDesc,
            Some("date_asc") => SortOrder::DateAsc,
            Some("id") => SortOrder::Id,
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "invalid `sort`: {other:?} (expected date_desc, date_asc or id)"
                )));
            }
        };
        let limit = parse_num::<u32>("limit", &self.limit)?.unwrap_or(50);
        if !(1..=DocumentQuery::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "invalid `limit`: must be 1 to {}",
                DocumentQuery::MAX_LIMIT
            )));
        }
        Ok(DocumentQuery {
            text: self.q.clone().filter(|q| !q.trim().is_empty()),
            jurisdictions,
            instrument_type: parse_enum::<InstrumentType>(
                "instrument_type",
                &self.instrument_type,
            )?,
            legal_force: parse_enum::<LegalForce>("legal_force", &self.legal_force)?,
            status: parse_enum::<Status>("status", &self.status)?,
            language: self.language.clone().filter(|v| !v.is_empty()),
            issuer: self.issuer.clone().filter(|v| !v.is_empty()),
            dimension: parse_enum::<Dimension>("dimension", &self.dimension)?,
            year_from: parse_num("year_from", &self.year_from)?,
            year_to: parse_num("year_to", &self.year_to)?,
            sort,
            limit,
            offset: parse_num("offset", &self.offset)?.unwrap_or(0),
        })
    }
}

/// A document with the bloc its jurisdiction falls in under the current bloc definitions.
#[derive(Serialize)]
struct DocumentView {
    #[serde(flatten)]
    document: Document,
    #[serde(skip_serializing_if = "Option::is_none")]
    bloc: Option<String>,
}

impl DocumentView {
    fn new(document: Document, blocs: &BlocSet) -> DocumentView {
        let bloc = blocs
            .bloc_for(&document.issuers, document.jurisdiction.as_ref())
            .map(|b| b.id.to_string());
        DocumentView { document, bloc }
    }
}

async fn list_documents(
    State(s): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Page<DocumentView>>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let query = params.to_query(&s).await?;
    let page = s.store.list_documents(&query).await?;
    Ok(Json(Page {
        total: page.total,
        offset: page.offset,
        limit: page.limit,
        items: page
            .items
            .into_iter()
            .map(|d| DocumentView::new(d, &s.blocs))
            .collect(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DetailParams {
    text: Option<bool>,
}

#[derive(Serialize)]
struct DocumentDetail {
    #[serde(flatten)]
    view: DocumentView,
    sections: Vec<concord_core::Section>,
    history: Vec<concord_core::VersionInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

async fn get_document(
    State(s): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<DetailParams>, QueryRejection>,
) -> Result<Json<DocumentDetail>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let doc = s
        .store
        .get_document(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no document {id:?}")))?;
    let text = if params.text.unwrap_or(false) {
        s.store.get_text(&id).await?
    } else {
        None
    };
    Ok(Json(DocumentDetail {
        view: DocumentView::new(doc, &s.blocs),
        sections: s.store.get_sections(&id).await?,
        history: s.store.history(&id).await?,
        text,
    }))
}

async fn get_version(
    State(s): State<AppState>,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<Document>, ApiError> {
    let v: u32 = version
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("invalid version {version:?}")))?;
    s.store
        .get_version(&id, v)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no version {v} of document {id:?}")))
}

async fn list_actors(
    State(s): State<AppState>,
) -> Result<Json<Vec<concord_core::Actor>>, ApiError> {
    Ok(Json(s.store.list_actors().await?))
}

async fn list_blocs(State(s): State<AppState>) -> Json<BlocSet> {
    Json((*s.blocs).clone())
}

/// `?lang=` of the pages.
#[derive(Debug, Default, Deserialize)]
struct PageParams {
    lang: Option<String>,
}

fn page_lang(p: &PageParams, headers: &axum::http::HeaderMap) -> i18n::Lang {
    i18n::Lang::negotiate(
        p.lang.as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Principle id → its label in `lang` (from the `concord` taxonomy; other ids as they are).
/// Kept in [`cache::Caches::labels`]: parsing the taxonomy (some 60 KB with its lexicons) on
/// every page view cost more than rendering the page.
/// The id → label map of the `concord` taxonomy's principles in `lang`, for pages that need
/// it (one cheap query for the taxonomy's stamp; see [`principle_labels_at`]).
async fn principle_labels(
    s: &AppState,
    lang: i18n::Lang,
) -> Result<Arc<HashMap<String, String>>, ApiError> {
    let stamp = s.store.views().taxonomy_stamp(TAXONOMY).await?;
    principle_labels_at(s, lang, stamp).await
}

/// The taxonomy whose principle labels pages show.
const TAXONOMY: &str = "concord";

/// The principle labels of the taxonomy as of `stamp` (when it was written, from the store):
/// kept while the stamp is unchanged, so the ~60 KB taxonomy is parsed once per change and
/// language, not on every page view (that parse was the largest single cost of a document
/// page). Kept whatever `response_cache_mib` is, because it can never be stale.
async fn principle_labels_at(
    s: &AppState,
    lang: i18n::Lang,
    stamp: Option<String>,
) -> Result<Arc<HashMap<String, String>>, ApiError> {
    if let Some(labels) = s.cache.labels.get(lang.code(), stamp.as_deref()) {
        return Ok(labels);
    }
    let mut out = HashMap::new();
    // Read after the stamp: what is read is at least as new as the stamp it is kept under.
    if let Some(t) = s.store.get_taxonomy(TAXONOMY).await? {
        for p in t.principles {
            if let Some(l) = p.label.best(&[lang.code(), "en"]) {
                out.insert(p.id.clone(), l.to_owned());
            }
        }
    }
    let out = Arc::new(out);
    s.cache.labels.put(lang.code(), stamp, out.clone());
    Ok(out)
}

async fn index(
    State(s): State<AppState>,
    Query(p): Query<PageParams>,
    headers: axum::http::HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = page_lang(&p, &headers);
    let page = s
        .store
        .list_documents(&DocumentQuery {
            limit: DocumentQuery::MAX_LIMIT,
            ..Default::default()
        })
        .await?;
    let bloc_of = |d: &Document| s.bloc_name(d, lang);
    let all = s.store.all_documents().await?;
    let mut by_bloc: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_instrument: BTreeMap<String, u64> = BTreeMap::new();
    for d in &all {
        *by_bloc.entry(bloc_of(d)).or_default() += 1;
        *by_instrument
            .entry(
                d.instrument_type
                    .map(|i| pages::value(lang, &i))
                    .unwrap_or_default(),
            )
            .or_default() += 1;
    }
    // the core at the default θ, without the bootstrap (fast enough for every page view)
    let core = match s.store.get_taxonomy("concord").await? {
        Some(tax) => {
            let sel = concord_consensus::source::Selection {
                by: "bloc".into(),
                ..Default::default()
            };
            let data = consensus::documents_dataset(&s, &tax, &all, &sel).await?;
            let params = concord_consensus::Params {
                bootstrap: 0,
                ..Default::default()
            };
            concord_consensus::analyse(&data, &params)
                .map(|r| r.core)
                .unwrap_or_default()
        }
        None => vec![],
    };
    let labels = principle_labels(&s, lang).await?;
    let principle = |id: &str| labels.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let data = pages::HomeData {
        total: page.total,
        by_bloc: by_bloc.into_iter().collect(),
        by_instrument: by_instrument.into_iter().collect(),
        core,
        docs: &page.items,
    };
    Ok(Html(pages::home(lang, &data, &bloc_of, &principle)))
}

/// `?lang=&q=` and the facet filters of the search page (unknown parameters are ignored).
#[derive(Debug, Default, Deserialize)]
struct SearchPageParams {
    lang: Option<String>,
    q: Option<String>,
    bloc: Option<String>,
    jurisdiction: Option<String>,
    instrument: Option<String>,
    force: Option<String>,
    status: Option<String>,
    principle: Option<String>,
    dimension: Option<String>,
    year: Option<String>,
}

async fn search_page(
    State(s): State<AppState>,
    Query(p): Query<SearchPageParams>,
    headers: axum::http::HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = i18n::Lang::negotiate(
        p.lang.as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let q: String = p.q.clone().unwrap_or_default().chars().take(500).collect();
    let chosen = facets::chosen([
        &p.bloc,
        &p.jurisdiction,
        &p.instrument,
        &p.force,
        &p.status,
        &p.principle,
        &p.dimension,
        &p.year,
    ]);
    let results = if q.trim().is_empty() {
        None
    } else {
        let index = s.search.clone();
        let (query, filters) = (q.clone(), chosen.clone());
        let names = facets::FACETS.map(|(k, _)| k);
        Some(
            tokio::task::spawn_blocking(move || index.search_with(&query, 50, 0, &filters, &names))
                .await
                .map_err(|e| ApiError::BadRequest(format!("search failed: {e}")))?
                .map_err(|e| ApiError::BadRequest(e.to_string()))?,
        )
    };
    let labels = principle_labels(&s, lang).await?;
    let principle = |id: &str| labels.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let counts: BTreeMap<&str, BTreeMap<String, usize>> = results
        .iter()
        .flat_map(|r| &r.facets)
        .map(|(k, values)| {
            let values = values.iter().map(|c| (c.value.clone(), c.count as usize));
            (k.as_str(), values.collect())
        })
        .collect();
    let bloc_name = |id: &str| s.bloc_label(id, lang);
    let facet_lists = facets::labelled(lang, &counts, &bloc_name, &principle);
    let view = pages::SearchView {
        results: results.as_ref(),
        filters: &chosen,
        facets: &facet_lists,
    };
    Ok(Html(pages::search(lang, &q, &view, &principle)))
}

async fn document_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let lang = page_lang(&p, &headers);
    // Read before the store: a page rendered from older content is never stored as newer.
    let generation = s.search.generation();
    let key = format!("{}\u{0}{id}", lang.code());
    if let Some(body) = s.cache.pages.get(&key, generation) {
        return Ok(html_response(body));
    }
    // One query for everything the page shows (see `concord_store::views`).
    let max_text = u32::try_from(pages::MAX_TEXT_CHARS).unwrap_or(u32::MAX);
    let Some(view) = s
        .store
        .views()
        .document_view(&id, max_text, TAXONOMY)
        .await?
    else {
        return Ok((
            axum::http::StatusCode::NOT_FOUND,
            Html(pages::not_found(lang, lang.t("doc.not_found"))),
        )
            .into_response());
    };
    let doc = &view.doc;
    let issuers = doc
        .issuers
        .iter()
        .map(|a| {
            view.issuers
                .iter()
                .find(|actor| actor.id == *a)
                .and_then(|actor| actor.name.best(&[lang.code(), "en", "original"]))
                .unwrap_or(a.as_str())
                .to_owned()
        })
        .collect();
    let bloc = Some(s.bloc_name(doc, lang))
        .filter(|b| !b.is_empty())
        .map(|b| format!("({b})"))
        .unwrap_or_default();
    let labels = principle_labels_at(&s, lang, view.taxonomy_stamp.clone()).await?;
    let principle = |id: &str| labels.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let data = pages::DocData {
        doc,
        issuers,
        bloc,
        sections: view.sections,
        text: view.text.as_deref(),
        history: &view.history,
    };
    let body = bytes::Bytes::from(pages::document(lang, &data, &principle));
    s.cache.pages.put(key, generation, body.clone());
    Ok(html_response(body))
}

/// Query parameters of `GET /api/v1/search`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    pub q: Option<String>,
    /// 1 to 100, default 20.
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// Facet filters, as on the search page.
    pub bloc: Option<String>,
    pub jurisdiction: Option<String>,
    pub instrument: Option<String>,
    pub force: Option<String>,
    pub status: Option<String>,
    pub principle: Option<String>,
    pub dimension: Option<String>,
    pub year: Option<String>,
    /// Facets to count over all matches: comma-separated names, or `all`.
    pub facets: Option<String>,
}

async fn search(
    State(s): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let q = p.q.clone().unwrap_or_default();
    if q.chars().count() > 500 {
        return Err(ApiError::BadRequest(
            "`q` is longer than 500 characters".into(),
        ));
    }
    let limit: usize = parse_num("limit", &p.limit)?.unwrap_or(20);
    if !(1..=concord_search::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest("`limit` must be 1 to 100".into()));
    }
    let offset: usize = parse_num("offset", &p.offset)?.unwrap_or(0);
    if offset > 10_000 {
        return Err(ApiError::BadRequest(
            "`offset` must be at most 10000".into(),
        ));
    }
    let filters = facets::chosen([
        &p.bloc,
        &p.jurisdiction,
        &p.instrument,
        &p.force,
        &p.status,
        &p.principle,
        &p.dimension,
        &p.year,
    ]);
    let mut count: Vec<&'static str> = vec![];
    for name in p.facets.as_deref().unwrap_or("").split(',').map(str::trim) {
        match facets::FACETS.iter().find(|(k, _)| *k == name) {
            _ if name.is_empty() => {}
            _ if name == "all" => count.extend(facets::FACETS.map(|(k, _)| k)),
            Some((k, _)) => count.push(k),
            None => {
                return Err(ApiError::BadRequest(format!(
                    "`facets`: unknown facet `{}` (known: all, {})",
                    name.chars().take(50).collect::<String>(),
                    facets::FACETS.map(|(k, _)| k).join(", ")
                )));
            }
        }
    }
    // Identical requests share one rendering while the index is unchanged (see `cache`).
    let generation = s.search.generation();
    let key = format!("{limit}\u{0}{offset}\u{0}{q}\u{0}{filters:?}\u{0}{count:?}");
    if let Some(body) = s.cache.search.get(&key, generation) {
        return Ok(json_response(body));
    }
    let index = s.search.clone();
    let body = tokio::task::spawn_blocking(move || {
        let results = index.search_with(&q, limit, offset, &filters, &count)?;
        // Serialising a page of results cannot fail (strings and numbers only).
        Ok::<_, concord_search::SearchError>(serde_json::to_vec(&results).unwrap_or_default())
    })
    .await
    .map_err(|e| ApiError::BadRequest(format!("search failed: {e}")))?
    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let body = bytes::Bytes::from(body);
    s.cache.search.put(key, generation, body.clone());
    Ok(json_response(body))
}

fn json_response(body: bytes::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn html_response(body: bytes::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CiteParams {
    /// `bibtex` (default), `csl-json` or `ris`.
    format: Option<String>,
}

async fn cite_document(
    State(s): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<CiteParams>, QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let Query(p) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let format: cite::CiteFormat = p
        .format
        .as_deref()
        .unwrap_or("bibtex")
        .parse()
        .map_err(ApiError::BadRequest)?;
    let doc = s
        .store
        .get_document(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no document {id:?}")))?;
    let mut issuers = vec![];
    for a in &doc.issuers {
        let name = match s.store.get_actor(a.as_str()).await? {
            Some(actor) => actor
                .name
                .best(&["en", "original", "zh"])
                .unwrap_or(a.as_str())
                .to_owned(),
            None => a.to_string(),
        };
        issuers.push(name);
    }
    let body = cite::cite(&cite::Citable { doc: &doc, issuers }, format);
    Ok((
        [(axum::http::header::CONTENT_TYPE, format.content_type())],
        body,
    )
        .into_response())
}

/// Every route of the JSON API, as the OpenAPI document names them (checked by a test).
pub const API_ROUTES: &[&str] = &[
    "/healthz",
    "/api/v1/documents",
    "/api/v1/documents/{id}",
    "/api/v1/documents/{id}/versions/{version}",
    "/api/v1/documents/{id}/cite",
    "/api/v1/actors",
    "/api/v1/blocs",
    "/api/v1/consensus",
    "/api/v1/search",
    "/api/v1/export",
    "/api/v1/deliberations/{id}",
    "/api/v1/deliberations/{id}/challenge",
    "/api/v1/deliberations/{id}/next",
    "/api/v1/deliberations/{id}/votes",
    "/api/v1/deliberations/{id}/statements",
    "/api/openapi.json",
    "/api/v1/log",
    "/api/v1/commitments",
    "/api/v1/commitments/{id}",
    "/api/v1/commitments/{id}/reports",
    "/api/v1/commitments/{id}/assessments",
    "/api/v1/commitments/{id}/status",
    "/api/v1/commitments-gap",
];

/// The OpenAPI 3.1 document, kept by hand beside the code.
pub const OPENAPI: &str = include_str!("../openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportParams {
    /// `json` (default), `jsonl` or `csv`.
    format: Option<String>,
    /// `true` to include full texts (json, jsonl).
    text: Option<String>,
}

async fn export(
    State(s): State<AppState>,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let Query(p) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let name = p.format.as_deref().unwrap_or("json");
    let format: concord_import::ExportFormat = name
        .parse()
        .map_err(|e: String| ApiError::BadRequest(format!("invalid `format`: {e}")))?;
    let with_text = match p.text.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "invalid `text` {other:?}: true or false"
            )));
        }
    };
    let mut body = vec![];
    concord_import::export(s.store.as_ref(), format, with_text, &mut body)
        .await
        .map_err(|e| match e {
            concord_import::ExportError::Store(e) => ApiError::Store(e),
            other => ApiError::BadRequest(other.to_string()),
        })?;
    let (ct, ext) = match name {
        "csv" => ("text/csv; charset=utf-8", "csv"),
        "jsonl" => ("application/jsonl; charset=utf-8", "jsonl"),
        _ => ("application/json", "json"),
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, ct.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"concord-documents.{ext}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Filters of the browse page (all optional, all shareable in the URL).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrowseParams {
    lang: Option<String>,
    bloc: Option<String>,
    jurisdiction: Option<String>,
    instrument: Option<String>,
    force: Option<String>,
    status: Option<String>,
    principle: Option<String>,
    dimension: Option<String>,
    year: Option<String>,
    page: Option<String>,
}

async fn browse_page(
    State(s): State<AppState>,
    params: Result<Query<BrowseParams>, QueryRejection>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let p = match params {
        Ok(Query(p)) => p,
        Err(e) => {
            let lang = i18n::Lang::negotiate(None, accept);
            return Ok((
                axum::http::StatusCode::BAD_REQUEST,
                Html(pages::bad_request(lang, &e.body_text())),
            )
                .into_response());
        }
    };
    let lang = i18n::Lang::negotiate(p.lang.as_deref(), accept);
    let labels = principle_labels(&s, lang).await?;
    let all = s.store.all_documents().await?;
    let chosen = facets::chosen([
        &p.bloc,
        &p.jurisdiction,
        &p.instrument,
        &p.force,
        &p.status,
        &p.principle,
        &p.dimension,
        &p.year,
    ]);
    let mut counts: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    let mut docs: Vec<Document> = vec![];
    for d in all {
        let values = facets::values(&s.blocs, &d);
        if facets::matches(&values, &chosen) {
            for (k, v) in values {
                *counts.entry(k).or_default().entry(v).or_default() += 1;
            }
            docs.push(d);
        }
    }
    docs.sort_by(|a, b| {
        b.dates
            .main()
            .map(|d| d.sort_key())
            .cmp(&a.dates.main().map(|d| d.sort_key()))
            .then(a.id.cmp(&b.id))
    });
    let bloc_name = |id: &str| s.bloc_label(id, lang);
    let principle_name = |id: &str| labels.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let out_facets = facets::labelled(lang, &counts, &bloc_name, &principle_name);
    const PER_PAGE: usize = 50;
    let pages_n = docs.len().div_ceil(PER_PAGE).max(1);
    let page: usize = p
        .page
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .clamp(1, pages_n);
    let total = docs.len();
    let shown: Vec<Document> = docs
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let bloc_of = |d: &Document| s.bloc_name(d, lang);
    let data = pages::BrowseData {
        filters: chosen,
        facets: out_facets,
        total,
        page,
        pages: pages_n,
        docs: &shown,
    };
    Ok(Html(pages::browse(lang, &data, &bloc_of)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct CompareParams {
    lang: Option<String>,
    ids: Option<String>,
}

async fn compare_page(
    State(s): State<AppState>,
    Query(p): Query<CompareParams>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let lang = i18n::Lang::negotiate(
        p.lang.as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let ids_param = p.ids.clone().unwrap_or_default();
    let ids: Vec<&str> = ids_param
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let bad = |msg: String| {
        (
            axum::http::StatusCode::BAD_REQUEST,
            Html(pages::bad_request(lang, &msg)),
        )
            .into_response()
    };
    if !(2..=6).contains(&ids.len()) {
        return Ok(bad(lang.t("compare.count").to_owned()));
    }
    let mut docs = vec![];
    for id in &ids {
        match s.store.get_document(id).await? {
            Some(d) => docs.push(d),
            None => return Ok(bad(format!("{}: {id}", lang.t("doc.not_found")))),
        }
    }
    let principles: Vec<(String, String)> = match s.store.get_taxonomy("concord").await? {
        Some(t) => t
            .principles
            .into_iter()
            .filter(|p| {
                docs.iter()
                    .any(|d| d.tags.iter().any(|t| t.principle == p.id))
            })
            .map(|p| {
                let name = p
                    .label
                    .best(&[lang.code(), "en"])
                    .unwrap_or(&p.id)
                    .to_owned();
                (p.id, name)
            })
            .collect(),
        None => vec![],
    };
    Ok(Html(pages::compare(lang, &docs, &principles, &ids_param)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct ConsensusPageParams {
    lang: Option<String>,
    theta: Option<String>,
    min_docs: Option<String>,
    by: Option<String>,
    scheme: Option<String>,
    year_from: Option<String>,
    year_to: Option<String>,
}

fn lang_of(p: Option<&str>, headers: &axum::http::HeaderMap) -> i18n::Lang {
    i18n::Lang::negotiate(
        p,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

async fn consensus_page(
    State(s): State<AppState>,
    Query(p): Query<ConsensusPageParams>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let lang = lang_of(p.lang.as_deref(), &headers);
    let bad = |m: String| {
        (
            axum::http::StatusCode::BAD_REQUEST,
            Html(pages::bad_request(lang, &m)),
        )
            .into_response()
    };
    let num = |name: &str, v: &Option<String>| -> Result<Option<f64>, String> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| format!("{name}: {v:?}")),
        }
    };
    let (theta, min_docs, year_from, year_to) = match (
        num("theta", &p.theta),
        num("min_docs", &p.min_docs),
        num("year_from", &p.year_from),
        num("year_to", &p.year_to),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d)) => (a.unwrap_or(0.5), b.unwrap_or(3.0), c, d),
        (a, b, c, d) => {
            let e = [a.err(), b.err(), c.err(), d.err()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
            return Ok(bad(e.join("; ")));
        }
    };
    if !(0.0..=1.0).contains(&theta) || !(1.0..=1000.0).contains(&min_docs) {
        return Ok(bad("theta must be 0 to 1 and min_docs 1 to 1000".into()));
    }
    let by = p.by.clone().unwrap_or_else(|| "bloc".into());
    if !matches!(by.as_str(), "bloc" | "actor-type" | "instrument") {
        return Ok(bad(format!("by: {by:?}")));
    }
    let scheme = p.scheme.clone().unwrap_or_else(|| "concord".into());
    let Some(target) = s.store.get_taxonomy(&scheme).await? else {
        return Ok(bad(format!("scheme: {scheme:?}")));
    };
    let schemes: Vec<String> = s
        .store
        .list_taxonomies()
        .await?
        .into_iter()
        .map(|t| t.id.to_string())
        .collect();
    let docs = s.store.all_documents().await?;
    let sel = concord_consensus::source::Selection {
        from: year_from.map(|y| y as u16),
        to: year_to.map(|y| y as u16),
        by: by.clone(),
        ..Default::default()
    };
    let data = consensus::documents_dataset(&s, &target, &docs, &sel).await?;
    let params = concord_consensus::Params {
        theta,
        min_docs: min_docs as usize,
        ..Default::default()
    };
    let report = tokio::task::spawn_blocking(move || concord_consensus::analyse(&data, &params))
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let body =
        concord_consensus::report_body(&report) + &commitments::gap_section(&s, lang).await?;
    let mut query = format!(
        "theta={theta}&min_docs={}&by={by}&scheme={scheme}",
        min_docs as usize
    );
    if let Some(y) = year_from {
        query.push_str(&format!("&year_from={}", y as u16));
    }
    if let Some(y) = year_to {
        query.push_str(&format!("&year_to={}", y as u16));
    }
    let form = pages::ConsensusForm {
        theta,
        min_docs: min_docs as usize,
        by: &by,
        year_from: year_from.map(|y| y as u16),
        year_to: year_to.map(|y| y as u16),
        scheme: &scheme,
        schemes,
    };
    Ok(Html(pages::consensus(lang, &form, &body, &query)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct ProfileParams {
    lang: Option<String>,
    theta: Option<String>,
}

async fn profile_page(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<ProfileParams>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let lang = lang_of(p.lang.as_deref(), &headers);
    let code = code.to_ascii_uppercase();
    let theta: f64 = p
        .theta
        .as_deref()
        .and_then(|t| t.parse().ok())
        .filter(|t: &f64| (0.0..=1.0).contains(t))
        .unwrap_or(0.3);
    let all = s.store.all_documents().await?;
    let mine: Vec<Document> = all
        .iter()
        .filter(|d| d.jurisdiction.as_ref().is_some_and(|j| j.as_str() == code))
        .cloned()
        .collect();
    if mine.is_empty() {
        return Ok((
            axum::http::StatusCode::NOT_FOUND,
            Html(pages::not_found(lang, &format!("{code}: 0"))),
        )
            .into_response());
    }
    let Some(tax) = s.store.get_taxonomy("concord").await? else {
        return Err(ApiError::NotFound("no taxonomy \"concord\"".into()));
    };
    let labels = principle_labels(&s, lang).await?;
    let sel = concord_consensus::source::Selection {
        by: "bloc".into(),
        ..Default::default()
    };
    let data = consensus::documents_dataset(&s, &tax, &all, &sel).await?;
    let report = concord_consensus::analyse(
        &data,
        &concord_consensus::Params {
            bootstrap: 0,
            ..Default::default()
        },
    )
    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let has = |d: &Document, pid: &str| {
        d.tags
            .iter()
            .any(|t| t.scheme.as_str() == "concord" && t.principle == pid)
    };
    let binding = |d: &Document| d.legal_force == Some(LegalForce::Binding);
    let mut years: BTreeMap<u16, (usize, usize)> = BTreeMap::new();
    for d in &mine {
        if let Some(y) = d.dates.main().map(|m| m.year()) {
            let e = years.entry(y).or_default();
            e.0 += 1;
            e.1 += usize::from(binding(d));
        }
    }
    let n = mine.len() as f64;
    let mut coverage = vec![];
    let mut gaps = vec![];
    for pr in &report.principles {
        let label = labels.get(&pr.id).cloned().unwrap_or_else(|| pr.id.clone());
        let k = mine.iter().filter(|d| has(d, &pr.id)).count();
        let kb = mine.iter().filter(|d| has(d, &pr.id) && binding(d)).count();
        coverage.push((
            pr.id.clone(),
            label.clone(),
            k as f64 / n,
            kb as f64 / n,
            pr.in_core,
        ));
        if k == 0 && pr.group_weighted_share >= theta {
            let mut peers: Vec<&Document> = all
                .iter()
                .filter(|d| {
                    d.jurisdiction.as_ref().is_none_or(|j| j.as_str() != code) && has(d, &pr.id)
                })
                .collect();
            // best-practice cases first, then binding instruments, then the newest
            peers.sort_by_key(|d| {
                (
                    d.instrument_type != Some(InstrumentType::BestPracticeCase),
                    !binding(d),
                    std::cmp::Reverse(d.dates.main().map(|m| m.sort_key())),
                )
            });
            gaps.push((
                label,
                peers
                    .into_iter()
                    .take(4)
                    .map(|d| {
                        (
                            d.id.to_string(),
                            d.title
                                .best(&[lang.code(), "original"])
                                .unwrap_or(d.id.as_str())
                                .to_owned(),
                            d.instrument_type == Some(InstrumentType::BestPracticeCase),
                        )
                    })
                    .collect(),
            ));
        }
    }
    let bloc_of = |d: &Document| s.bloc_name(d, lang);
    let profile = pages::Profile {
        code: &code,
        docs: &mine,
        years: years.into_iter().map(|(y, (a, b))| (y, a, b)).collect(),
        coverage,
        gaps,
        theta,
    };
    Ok(Html(pages::profile(lang, &profile, &bloc_of)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct CasesParams {
    lang: Option<String>,
    bloc: Option<String>,
}

async fn cases_page(
    State(s): State<AppState>,
    Query(p): Query<CasesParams>,
    headers: axum::http::HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let bloc_id = |d: &Document| s.bloc_id(d);
    let bloc_name = |id: &str| s.bloc_label(id, lang);
    let mut all: Vec<Document> = s
        .store
        .all_documents()
        .await?
        .into_iter()
        .filter(|d| d.instrument_type == Some(InstrumentType::BestPracticeCase))
        .collect();
    all.sort_by(|a, b| {
        b.dates
            .main()
            .map(|d| d.sort_key())
            .cmp(&a.dates.main().map(|d| d.sort_key()))
    });
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for d in &all {
        *counts.entry(bloc_id(d)).or_default() += 1;
    }
    let blocs: Vec<(String, String, usize)> = counts
        .into_iter()
        .map(|(id, n)| {
            let name = bloc_name(&id);
            (id, name, n)
        })
        .collect();
    let chosen = p.bloc.as_deref().filter(|b| !b.is_empty());
    let cases: Vec<Document> = all
        .into_iter()
        .filter(|d| chosen.is_none_or(|b| bloc_id(d) == b))
        .collect();
    let bloc_of = |d: &Document| bloc_name(&bloc_id(d));
    Ok(Html(pages::best_practices(
        lang, &cases, &blocs, chosen, &bloc_of,
    )))
}

#[derive(Debug, Default, Deserialize)]
struct MapParams {
    lang: Option<String>,
    metric: Option<String>,
    principle: Option<String>,
}

async fn map_page(
    State(s): State<AppState>,
    Query(p): Query<MapParams>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let lang = lang_of(p.lang.as_deref(), &headers);
    let metric = p.metric.clone().unwrap_or_else(|| "documents".into());
    if !matches!(metric.as_str(), "documents" | "binding" | "principle") {
        return Ok((
            axum::http::StatusCode::BAD_REQUEST,
            Html(pages::bad_request(lang, &format!("metric: {metric:?}"))),
        )
            .into_response());
    }
    let labels = principle_labels(&s, lang).await?;
    let mut principles: Vec<(String, String)> = (*labels).clone().into_iter().collect();
    principles.sort_by(|a, b| a.1.cmp(&b.1));
    let principle = p
        .principle
        .clone()
        .filter(|id| labels.contains_key(id))
        .unwrap_or_else(|| "transparency".into());
    let mut per: HashMap<String, (usize, usize, usize)> = HashMap::new();
    for d in s.store.all_documents().await? {
        // sub-national jurisdictions (US-CA, CN-31) count for their country
        let Some(j) = d
            .jurisdiction
            .as_ref()
            .map(|j| j.as_str().split('-').next().unwrap_or("").to_owned())
        else {
            continue;
        };
        let e = per.entry(j).or_default();
        e.0 += 1;
        e.1 += usize::from(d.legal_force == Some(LegalForce::Binding));
        e.2 += usize::from(d.tags.iter().any(|t| t.principle == principle));
    }
    let world = pages::world();
    let max = per
        .iter()
        .filter(|(k, _)| world.countries.contains_key(*k))
        .map(|(_, v)| v.0)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let mut values = HashMap::new();
    let mut regional = vec![];
    for (code, (n, b, k)) in &per {
        if !world.countries.contains_key(code) {
            regional.push((code.clone(), *n));
            continue;
        }
        let v = match metric.as_str() {
            "documents" => (*n as f64 / max, format!("{n}")),
            "binding" => (*b as f64 / *n as f64, format!("{b}/{n}")),
            _ => (*k as f64 / *n as f64, format!("{k}/{n}")),
        };
        values.insert(code.clone(), v);
    }
    regional.sort();
    let chosen = (metric == "principle").then_some(principle.as_str());
    Ok(Html(pages::map(
        lang,
        &metric,
        chosen,
        &principles,
        &values,
        &regional,
    ))
    .into_response())
}
