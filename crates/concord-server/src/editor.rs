//! The editors' forms: add a document, edit its facts, upload its text. Plain HTML forms that
//! work without JavaScript. Every write goes through the store (a new version in the history)
//! together with an audit record naming who changed what, in one transaction, and the search
//! index is updated before the editor is sent back to the document page.
//!
//! Validation errors are shown next to their field in the page language; a form edited from a
//! version that someone else has since replaced is refused rather than silently overwriting.

use std::collections::BTreeMap;

use axum::{
    Form, Router,
    extract::{DefaultBodyLimit, Multipart, Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use concord_core::{
    Document, InstrumentType, Jurisdiction, LegalForce, LocalizedText, PartialDate, Slug, Status,
};
use concord_store::{NewAudit, NewDocument, Role, Session};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    ApiError, AppState,
    auth::{self, Denied, csrf_field, lang_of, private_page, require, require_post},
    i18n::Lang,
    pages,
};

const INSTRUMENTS: &[&str] = &[
    "law",
    "regulation",
    "standard",
    "strategy",
    "guideline",
    "declaration",
    "resolution",
    "treaty",
    "code_of_conduct",
    "voluntary_commitment",
    "report",
    "best_practice_case",
];
const FORCES: &[&str] = &["binding", "non_binding", "mixed"];
const STATUSES: &[&str] = &[
    "draft",
    "proposed",
    "adopted",
    "in_force",
    "superseded",
    "revoked",
];
const MAX_TITLE: usize = 500;
const MAX_SUMMARY: usize = 5000;
const MAX_URLS: usize = 20;

/// The editor's routes; uploads may be up to `max_upload_bytes` (plus room for the form).
pub fn routes(max_upload_bytes: u64) -> Router<AppState> {
    let body_limit = usize::try_from(max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route("/documents/new", get(new_page).post(create))
        .route("/documents/{id}/edit", get(edit_page).post(update))
        .route(
            "/documents/{id}/text",
            post(upload).layer(DefaultBodyLimit::max(body_limit)),
        )
}

/// The fields of the document form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DocForm {
    csrf: String,
    lang: Option<String>,
    /// The version the form was opened on (edits only).
    version: Option<String>,
    id: String,
    title_original: String,
    title_zh: String,
    title_en: String,
    languages: String,
    issuers: String,
    jurisdiction: String,
    instrument_type: String,
    legal_force: String,
    status: String,
    published: String,
    adopted: String,
    in_force: String,
    source_urls: String,
    licence: String,
    summary_zh: String,
    summary_en: String,
}

impl DocForm {
    fn from_document(d: &Document) -> DocForm {
        let join = |v: Vec<String>, sep: &str| v.join(sep);
        let date = |d: &Option<PartialDate>| d.map(|d| d.to_string()).unwrap_or_default();
        DocForm {
            version: d.revision.as_ref().map(|r| r.version.to_string()),
            id: d.id.to_string(),
            title_original: d.title.original.clone().unwrap_or_default(),
            title_zh: d.title.zh.clone().unwrap_or_default(),
            title_en: d.title.en.clone().unwrap_or_default(),
            languages: join(d.languages.clone(), ", "),
            issuers: join(d.issuers.iter().map(|s| s.to_string()).collect(), ", "),
            jurisdiction: d
                .jurisdiction
                .as_ref()
                .map(|j| j.to_string())
                .unwrap_or_default(),
            instrument_type: d
                .instrument_type
                .map(|v| pages::snake(&v))
                .unwrap_or_default(),
            legal_force: d.legal_force.map(|v| pages::snake(&v)).unwrap_or_default(),
            status: d.status.map(|v| pages::snake(&v)).unwrap_or_default(),
            published: date(&d.dates.published),
            adopted: date(&d.dates.adopted),
            in_force: date(&d.dates.in_force),
            source_urls: join(d.source_urls.clone(), "\n"),
            licence: d.licence.clone().unwrap_or_default(),
            summary_zh: d.summary.zh.clone().unwrap_or_default(),
            summary_en: d.summary.en.clone().unwrap_or_default(),
            ..Default::default()
        }
    }
}

/// One problem with one field: an interface string key and, optionally, the offending value.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    field: &'static str,
    key: &'static str,
    detail: String,
}

#[derive(Debug, Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &'static str, key: &'static str, detail: impl Into<String>) {
        self.0.push(FieldError {
            field,
            key,
            detail: detail.into(),
        });
    }

    fn of(&self, field: &str) -> Vec<&FieldError> {
        self.0.iter().filter(|e| e.field == field).collect()
    }
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.replace("\r\n", "\n"))
}

fn list(s: &str) -> Vec<String> {
    s.split([',', '\n', ';'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_choice<T: serde::de::DeserializeOwned>(
    errs: &mut Errors,
    field: &'static str,
    value: &str,
) -> Option<T> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match serde_json::from_value(Value::String(v.to_owned())) {
        Ok(x) => Some(x),
        Err(_) => {
            errs.add(field, "err.choice", v);
            None
        }
    }
}

/// Applies the form to `base` (the stored document, or a new one), checking every field.
/// `known_actors` are the ids issuers may use.
fn apply(form: &DocForm, mut doc: Document, known_actors: &[String]) -> Result<Document, Errors> {
    let mut errs = Errors::default();
    doc.title = LocalizedText {
        original: opt(&form.title_original),
        zh: opt(&form.title_zh),
        en: opt(&form.title_en),
    };
    if doc.title.is_empty() {
        errs.add("title_en", "err.title_required", "");
    }
    for (field, value) in [
        ("title_original", &doc.title.original),
        ("title_zh", &doc.title.zh),
        ("title_en", &doc.title.en),
    ] {
        if value
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE)
        {
            errs.add(field, "err.too_long", MAX_TITLE.to_string());
        }
    }
    doc.languages = list(&form.languages);
    doc.issuers = vec![];
    for issuer in list(&form.issuers) {
        match issuer.parse::<Slug>() {
            Ok(slug) if known_actors.iter().any(|a| a == slug.as_str()) => doc.issuers.push(slug),
            _ => errs.add("issuers", "err.actor", issuer),
        }
    }
    doc.jurisdiction = match opt(&form.jurisdiction) {
        None => None,
        Some(j) => match j.parse::<Jurisdiction>() {
            Ok(j) => Some(j),
            Err(_) => {
                errs.add("jurisdiction", "err.jurisdiction", j);
                None
            }
        },
    };
    doc.instrument_type =
        parse_choice::<InstrumentType>(&mut errs, "instrument_type", &form.instrument_type);
    doc.legal_force = parse_choice::<LegalForce>(&mut errs, "legal_force", &form.legal_force);
    doc.status = parse_choice::<Status>(&mut errs, "status", &form.status);
    for (field, value, slot) in [
        ("published", &form.published, &mut doc.dates.published),
        ("adopted", &form.adopted, &mut doc.dates.adopted),
        ("in_force", &form.in_force, &mut doc.dates.in_force),
    ] {
        *slot = match opt(value) {
            None => None,
            Some(v) => match v.parse::<PartialDate>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errs.add(field, "err.date", v);
                    None
                }
            },
        };
    }
    doc.source_urls = list(&form.source_urls);
    if doc.source_urls.len() > MAX_URLS {
        errs.add("source_urls", "err.too_many", MAX_URLS.to_string());
    }
    doc.licence = opt(&form.licence);
    if doc
        .licence
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_TITLE)
    {
        errs.add("licence", "err.too_long", MAX_TITLE.to_string());
    }
    doc.summary.zh = opt(&form.summary_zh);
    doc.summary.en = opt(&form.summary_en);
    for (field, value) in [
        ("summary_zh", &doc.summary.zh),
        ("summary_en", &doc.summary.en),
    ] {
        if value
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_SUMMARY)
        {
            errs.add(field, "err.too_long", MAX_SUMMARY.to_string());
        }
    }
    // The model's own rules (language tags, URLs, date order), mapped back to the form fields.
    if let Err(model) = doc.validate() {
        for e in model.0 {
            let (field, key) = if e.field.starts_with("languages") {
                ("languages", "err.language")
            } else if e.field.starts_with("urls") {
                ("source_urls", "err.url")
            } else if e.field == "title" {
                continue; // reported above
            } else {
                ("title_en", "err.invalid")
            };
            errs.add(field, key, e.reason);
        }
    }
    if errs.0.is_empty() {
        Ok(doc)
    } else {
        Err(errs)
    }
}

/// Changed fields of two documents as `{"path": [old, new]}` (nested objects flattened with
/// dots; lists compared whole). The revision is not content and is left out.
pub(crate) fn diff(old: Option<&Document>, new: &Document) -> Value {
    fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flatten(&key, v, out);
                }
            }
            _ => {
                out.insert(prefix.to_owned(), v.clone());
            }
        }
    }
    let as_map = |d: Option<&Document>| {
        let mut out = BTreeMap::new();
        if let Some(d) = d {
            let mut d = d.clone();
            d.revision = None;
            flatten(
                "",
                &serde_json::to_value(&d).unwrap_or(Value::Null),
                &mut out,
            );
        }
        out
    };
    let (a, b) = (as_map(old), as_map(Some(new)));
    let mut changes = serde_json::Map::new();
    for key in a.keys().chain(b.keys()) {
        let (x, y) = (a.get(key), b.get(key));
        if x != y && !changes.contains_key(key) {
            changes.insert(
                key.clone(),
                json!([
                    x.cloned().unwrap_or(Value::Null),
                    y.cloned().unwrap_or(Value::Null)
                ]),
            );
        }
    }
    Value::Object(changes)
}

fn field_errors(lang: Lang, errs: &Errors, field: &str) -> Markup {
    html! {
        @for e in errs.of(field) {
            span class="error" id={ "err-" (field) } role="alert" {
                (lang.t(e.key))
                @if !e.detail.is_empty() { ": " (e.detail) }
            }
        }
    }
}

fn text_input(
    lang: Lang,
    errs: &Errors,
    name: &'static str,
    label: &'static str,
    value: &str,
) -> Markup {
    html! {
        p {
            label for=(name) { (lang.t(label)) } br;
            input type="text" id=(name) name=(name) value=(value) size="60"
                aria-invalid=[(!errs.of(name).is_empty()).then_some("true")];
            " " (field_errors(lang, errs, name))
        }
    }
}

fn textarea(
    lang: Lang,
    errs: &Errors,
    name: &'static str,
    label: &'static str,
    value: &str,
) -> Markup {
    html! {
        p {
            label for=(name) { (lang.t(label)) } br;
            textarea id=(name) name=(name) rows="4" cols="70" { (value) }
            " " (field_errors(lang, errs, name))
        }
    }
}

fn select(
    lang: Lang,
    errs: &Errors,
    name: &'static str,
    label: &'static str,
    options: &[&str],
    value: &str,
) -> Markup {
    html! {
        p {
            label for=(name) { (lang.t(label)) } br;
            select id=(name) name=(name) {
                option value="" selected[value.is_empty()] { "—" }
                @for o in options {
                    option value=(o) selected[*o == value] { (lang.value(o)) }
                }
            }
            " " (field_errors(lang, errs, name))
        }
    }
}

/// What the edit page shows besides the form.
struct EditPage<'a> {
    session: &'a Session,
    /// `None` for a new document.
    id: Option<&'a str>,
    form: &'a DocForm,
    errors: &'a Errors,
    /// An error of the text upload, shown by its form.
    upload_error: Option<String>,
    has_text: bool,
}

fn edit_html(lang: Lang, p: &EditPage<'_>) -> String {
    let f = p.form;
    let e = p.errors;
    let (action, heading) = match p.id {
        Some(id) => (
            format!("/documents/{}/edit", pages::urlencode(id)),
            lang.t("edit.title"),
        ),
        None => ("/documents/new".to_owned(), lang.t("edit.new")),
    };
    let body = html! {
        h1 { (heading) @if let Some(id) = p.id { ": " code { (id) } } }
        p class="muted" {
            (lang.t("auth.signed_in_as")) " " strong { (p.session.user.username) }
            " (" (lang.t(auth::role_key(p.session.user.role))) ")"
        }
        @if !e.0.is_empty() {
            p class="error" role="alert" { (lang.t("edit.has_errors")) }
            @for err in e.of("form") { p class="error" { (lang.t(err.key)) } }
        }
        form method="post" action=(action) id="document-form" {
            (csrf_field(p.session))
            input type="hidden" name="lang" value=(lang.code());
            @if let Some(v) = &f.version { input type="hidden" name="version" value=(v); }
            @if p.id.is_none() {
                (text_input(lang, e, "id", "edit.id", &f.id))
                p class="muted" { (lang.t("edit.id_help")) }
            }
            fieldset {
                legend { (lang.t("col.title")) }
                (text_input(lang, e, "title_zh", "edit.title_zh", &f.title_zh))
                (text_input(lang, e, "title_en", "edit.title_en", &f.title_en))
                (text_input(lang, e, "title_original", "edit.title_original", &f.title_original))
            }
            fieldset {
                legend { (lang.t("doc.facts")) }
                (text_input(lang, e, "issuers", "edit.issuers", &f.issuers))
                (text_input(lang, e, "jurisdiction", "edit.jurisdiction", &f.jurisdiction))
                (select(lang, e, "instrument_type", "col.instrument", INSTRUMENTS, &f.instrument_type))
                (select(lang, e, "legal_force", "col.force", FORCES, &f.legal_force))
                (select(lang, e, "status", "col.status", STATUSES, &f.status))
                (text_input(lang, e, "languages", "edit.languages", &f.languages))
            }
            fieldset {
                legend { (lang.t("doc.dates")) " (YYYY, YYYY-MM, YYYY-MM-DD)" }
                (text_input(lang, e, "published", "edit.published", &f.published))
                (text_input(lang, e, "adopted", "edit.adopted", &f.adopted))
                (text_input(lang, e, "in_force", "edit.in_force", &f.in_force))
            }
            (textarea(lang, e, "source_urls", "edit.source_urls", &f.source_urls))
            (text_input(lang, e, "licence", "doc.licence", &f.licence))
            (textarea(lang, e, "summary_zh", "edit.summary_zh", &f.summary_zh))
            (textarea(lang, e, "summary_en", "edit.summary_en", &f.summary_en))
            p { button type="submit" id="save" { (lang.t("edit.save")) } }
        }
        @if let Some(id) = p.id {
            h2 { (lang.t("edit.upload")) }
            p class="muted" { (lang.t("edit.upload_help")) @if p.has_text { " " (lang.t("edit.upload_replaces")) } }
            form method="post" action={ "/documents/" (pages::urlencode(id)) "/text" } enctype="multipart/form-data" id="upload-form" {
                (csrf_field(p.session))
                input type="hidden" name="lang" value=(lang.code());
                @if let Some(v) = &f.version { input type="hidden" name="version" value=(v); }
                p {
                    // Labelled by the section heading's words (axe: a form field needs a label).
                    input type="file" name="file" id="file" aria-label=(lang.t("edit.upload")) accept=".txt,.text,.md,.markdown,.html,.htm,.xhtml,.pdf,.docx";
                    " " button type="submit" id="upload" { (lang.t("edit.upload_button")) }
                }
                @if let Some(err) = &p.upload_error {
                    p class="error" id="err-file" role="alert" { (err) }
                }
            }
            p { a href={ "/documents/" (pages::urlencode(id)) "?lang=" (lang.code()) } { (lang.t("edit.back")) } }
        }
    };
    let switch = match p.id {
        Some(id) => format!(
            "/documents/{}/edit?lang={}",
            pages::urlencode(id),
            lang.other().code()
        ),
        None => format!("/documents/new?lang={}", lang.other().code()),
    };
    pages::layout(lang, heading, &switch, body)
}

#[derive(Debug, Default, Deserialize)]
struct LangParam {
    lang: Option<String>,
}

async fn known_actors(s: &AppState) -> Result<Vec<String>, ApiError> {
    Ok(s.store
        .list_actors()
        .await?
        .into_iter()
        .map(|a| a.id.to_string())
        .collect())
}

async fn new_page(
    State(s): State<AppState>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let next = format!("/documents/new?lang={}", lang.code());
    match require(&s, &headers, Role::Editor, &next).await {
        Err(d) => d.into_response(lang),
        Ok(session) => private_page(
            StatusCode::OK,
            edit_html(
                lang,
                &EditPage {
                    session: &session,
                    id: None,
                    form: &DocForm::default(),
                    errors: &Errors::default(),
                    upload_error: None,
                    has_text: false,
                },
            ),
        ),
    }
}

async fn create(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<DocForm>) -> Response {
    let lang = lang_of(f.lang.as_deref(), &headers);
    match create_inner(&s, &headers, &f, lang).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

async fn create_inner(
    s: &AppState,
    headers: &HeaderMap,
    f: &DocForm,
    lang: Lang,
) -> Result<Response, Denied> {
    let next = format!("/documents/new?lang={}", lang.code());
    let session = require_post(s, headers, Role::Editor, &next, Some(&f.csrf)).await?;
    let mut errs = Errors::default();
    let id = f.id.trim();
    let slug = match id.parse::<Slug>() {
        Ok(slug) if slug.as_str() != "new" => Some(slug),
        _ => {
            errs.add("id", "err.id", id);
            None
        }
    };
    if let Some(slug) = &slug
        && s.store
            .get_document(slug.as_str())
            .await
            .map_err(ApiError::from)?
            .is_some()
    {
        errs.add("id", "err.id_taken", slug.as_str());
    }
    let placeholder: Slug = "x".parse().map_err(|_| ApiError::Internal("slug".into()))?;
    let base = Document::new(
        slug.clone().unwrap_or(placeholder),
        LocalizedText::default(),
    );
    let doc = match (apply(f, base, &known_actors(s).await?), errs.0.is_empty()) {
        (Ok(doc), true) => doc,
        (Ok(_), false) => return Ok(form_errors(lang, &session, None, f, &errs)),
        (Err(more), _) => {
            errs.0.extend(more.0);
            return Ok(form_errors(lang, &session, None, f, &errs));
        }
    };
    save(s, &session, None, doc, "document.create").await?;
    let id = slug.map(|s| s.to_string()).unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/documents/{}?lang={}",
        pages::urlencode(&id),
        lang.code()
    ))
    .into_response())
}

fn form_errors(
    lang: Lang,
    session: &Session,
    id: Option<&str>,
    f: &DocForm,
    errs: &Errors,
) -> Response {
    private_page(
        StatusCode::UNPROCESSABLE_ENTITY,
        edit_html(
            lang,
            &EditPage {
                session,
                id,
                form: f,
                errors: errs,
                upload_error: None,
                has_text: false,
            },
        ),
    )
}

/// Writes `doc` (keeping the stored text and sections) with its audit record, then updates the
/// search index. `false`: the stored document is no longer at `old`'s version (someone saved
/// in between) and nothing was written.
async fn save(
    s: &AppState,
    session: &Session,
    old: Option<&Document>,
    doc: Document,
    action: &str,
) -> Result<bool, ApiError> {
    let id = doc.id.to_string();
    let text = s.store.get_text(&id).await?;
    let sections = s.store.get_sections(&id).await?;
    let changes = diff(old, &doc);
    let new = NewDocument {
        content_hash: concord_import::content_hash(&doc, text.as_deref()),
        document: doc,
        text,
        sections,
        source_hash: None,
        source: Some(format!("web editor ({})", session.user.username)),
    };
    let audit = NewAudit {
        username: session.user.username.clone(),
        action: action.to_owned(),
        target_kind: "document".into(),
        target_id: id.clone(),
        summary: json!({ "changes": changes }),
    };
    let expected = old.and_then(|d| d.revision.as_ref()).map(|r| r.version);
    let Some(written) = s
        .store
        .accounts()
        .put_document_audited(&new, &audit, expected)
        .await?
    else {
        return Ok(false);
    };
    tracing::info!(user = %session.user.username, document = %id, version = written.version, action, "document written");
    s.record(
        "document",
        &id,
        json!({ "action": action, "by": session.user.username, "version": written.version, "content_hash": new.content_hash }),
    )
    .await?;
    s.reindex(&id).await?;
    Ok(true)
}

async fn edit_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    match edit_page_inner(&s, &id, &headers, lang).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

async fn edit_page_inner(
    s: &AppState,
    id: &str,
    headers: &HeaderMap,
    lang: Lang,
) -> Result<Response, Denied> {
    let next = format!(
        "/documents/{}/edit?lang={}",
        pages::urlencode(id),
        lang.code()
    );
    let session = require(s, headers, Role::Editor, &next).await?;
    let Some(doc) = s.store.get_document(id).await.map_err(ApiError::from)? else {
        return Ok(auth::message_page(
            lang,
            StatusCode::NOT_FOUND,
            "doc.not_found",
        ));
    };
    let has_text = s
        .store
        .get_text(id)
        .await
        .map_err(ApiError::from)?
        .is_some();
    Ok(private_page(
        StatusCode::OK,
        edit_html(
            lang,
            &EditPage {
                session: &session,
                id: Some(id),
                form: &DocForm::from_document(&doc),
                errors: &Errors::default(),
                upload_error: None,
                has_text,
            },
        ),
    ))
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<DocForm>,
) -> Response {
    let lang = lang_of(f.lang.as_deref(), &headers);
    match update_inner(&s, &id, &headers, &f, lang).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

fn current_version(d: &Document) -> String {
    d.revision
        .as_ref()
        .map(|r| r.version.to_string())
        .unwrap_or_default()
}

async fn update_inner(
    s: &AppState,
    id: &str,
    headers: &HeaderMap,
    f: &DocForm,
    lang: Lang,
) -> Result<Response, Denied> {
    let next = format!(
        "/documents/{}/edit?lang={}",
        pages::urlencode(id),
        lang.code()
    );
    let session = require_post(s, headers, Role::Editor, &next, Some(&f.csrf)).await?;
    let Some(old) = s.store.get_document(id).await.map_err(ApiError::from)? else {
        return Ok(auth::message_page(
            lang,
            StatusCode::NOT_FOUND,
            "doc.not_found",
        ));
    };
    let has_text = s
        .store
        .get_text(id)
        .await
        .map_err(ApiError::from)?
        .is_some();
    let mut errs = Errors::default();
    if f.version
        .as_deref()
        .is_some_and(|v| v != current_version(&old))
    {
        errs.add("form", "err.stale", "");
    }
    let result = apply(f, old.clone(), &known_actors(s).await?);
    let doc = match result {
        Ok(doc) if errs.0.is_empty() => doc,
        other => {
            if let Err(more) = other {
                errs.0.extend(more.0);
            }
            let mut form = f.clone();
            // Re-editing must start from the stored version after a conflict.
            form.version = Some(current_version(&old));
            return Ok(private_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_html(
                    lang,
                    &EditPage {
                        session: &session,
                        id: Some(id),
                        form: &form,
                        errors: &errs,
                        upload_error: None,
                        has_text,
                    },
                ),
            ));
        }
    };
    if !save(s, &session, Some(&old), doc, "document.update").await? {
        // Someone saved between our read and our write: show the form again, as above.
        let mut errs = Errors::default();
        errs.add("form", "err.stale", "");
        let mut form = f.clone();
        if let Some(now) = s.store.get_document(id).await.map_err(ApiError::from)? {
            form.version = Some(current_version(&now));
        }
        return Ok(private_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            edit_html(
                lang,
                &EditPage {
                    session: &session,
                    id: Some(id),
                    form: &form,
                    errors: &errs,
                    upload_error: None,
                    has_text,
                },
            ),
        ));
    }
    Ok(Redirect::to(&format!(
        "/documents/{}?lang={}",
        pages::urlencode(id),
        lang.code()
    ))
    .into_response())
}

/// A text file posted with the upload form.
struct Upload {
    csrf: String,
    lang: Option<String>,
    version: Option<String>,
    file_name: String,
    bytes: Vec<u8>,
}

/// Reads the multipart form; `Err` carries a message for the form (e.g. the file is too big).
async fn read_upload(mut mp: Multipart, max: u64) -> Result<Upload, String> {
    let mut u = Upload {
        csrf: String::new(),
        lang: None,
        version: None,
        file_name: String::new(),
        bytes: vec![],
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(e.body_text()),
        };
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                u.file_name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                if bytes.len() as u64 > max {
                    return Err(format!("{} > {max} bytes", bytes.len()));
                }
                u.bytes = bytes.to_vec();
            }
            "csrf" | "lang" | "version" => {
                let v = field.text().await.map_err(|e| e.body_text())?;
                let v: String = v.chars().take(200).collect();
                match name.as_str() {
                    "csrf" => u.csrf = v,
                    "lang" => u.lang = Some(v),
                    _ => u.version = Some(v),
                }
            }
            _ => {}
        }
    }
    Ok(u)
}

async fn upload(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mp: Multipart,
) -> Response {
    let lang = lang_of(None, &headers);
    // Sign-in and role are checked before the body is read; the CSRF token comes with it.
    let next = format!(
        "/documents/{}/edit?lang={}",
        pages::urlencode(&id),
        lang.code()
    );
    let session = match require(&s, &headers, Role::Viewer, &next).await {
        Ok(session) => session,
        Err(d) => return d.into_response(lang),
    };
    let upload = read_upload(mp, s.auth.max_upload_bytes).await;
    let lang = match &upload {
        Ok(u) => lang_of(u.lang.as_deref(), &headers),
        Err(_) => lang,
    };
    match upload_inner(&s, &id, &headers, session, upload, lang).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

async fn upload_inner(
    s: &AppState,
    id: &str,
    headers: &HeaderMap,
    session: Session,
    upload: Result<Upload, String>,
    lang: Lang,
) -> Result<Response, Denied> {
    let next = format!(
        "/documents/{}/edit?lang={}",
        pages::urlencode(id),
        lang.code()
    );
    // A body that could not be read (too large, broken) carries no token we can trust: then
    // nothing is written and the form is only shown again with the reason, to an editor.
    let session = match &upload {
        Ok(u) => require_post(s, headers, Role::Editor, &next, Some(&u.csrf)).await?,
        Err(_) if session.user.role >= Role::Editor => session,
        Err(_) => return Err(Denied::Forbidden),
    };
    let Some(old) = s.store.get_document(id).await.map_err(ApiError::from)? else {
        return Ok(auth::message_page(
            lang,
            StatusCode::NOT_FOUND,
            "doc.not_found",
        ));
    };
    let fail = |message: String, has_text: bool| {
        let mut form = DocForm::from_document(&old);
        form.version = Some(current_version(&old));
        private_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            edit_html(
                lang,
                &EditPage {
                    session: &session,
                    id: Some(id),
                    form: &form,
                    errors: &Errors::default(),
                    upload_error: Some(message),
                    has_text,
                },
            ),
        )
    };
    let has_text = s
        .store
        .get_text(id)
        .await
        .map_err(ApiError::from)?
        .is_some();
    let u = match upload {
        Ok(u) => u,
        Err(reason) => {
            return Ok(fail(
                format!("{}: {reason}", lang.t("err.upload_read")),
                has_text,
            ));
        }
    };
    if u.version
        .as_deref()
        .is_some_and(|v| v != current_version(&old))
    {
        return Ok(fail(lang.t("err.stale").to_owned(), has_text));
    }
    if u.bytes.is_empty() || u.file_name.is_empty() {
        return Ok(fail(lang.t("err.upload_empty").to_owned(), has_text));
    }
    let Some(format) = concord_text::Format::from_path(std::path::Path::new(&u.file_name)) else {
        return Ok(fail(
            format!("{}: {}", lang.t("err.upload_format"), u.file_name),
            has_text,
        ));
    };
    let limits = concord_text::Limits {
        max_file_bytes: s.auth.max_upload_bytes,
        ..Default::default()
    };
    let taxonomy = s
        .store
        .get_taxonomy("concord")
        .await
        .map_err(ApiError::from)?;
    let bytes = u.bytes;
    let size = bytes.len();
    let extracted = tokio::task::spawn_blocking(move || {
        let opts = concord_text::ExtractOptions {
            declared_encoding: None,
            limits,
        };
        concord_text::extract(&bytes, format, &opts)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("text extraction panicked: {e}")))?;
    let extracted = match extracted {
        Ok(x) => x,
        Err(e) => {
            return Ok(fail(
                format!("{}: {} ({e})", lang.t("err.upload_extract"), u.file_name),
                has_text,
            ));
        }
    };
    let mut doc = old.clone();
    if doc.languages.is_empty()
        && let Some(l) = &extracted.language
    {
        doc.languages.push(l.clone());
    }
    // Automatic tags point into the text: re-tag the new text as an import would.
    if let Some(t) = taxonomy
        && let Ok(tagger) = concord_tagger::Tagger::new(&t)
    {
        let report = tagger.tag_document(
            &extracted.text,
            &extracted.sections,
            doc.languages.first().map(String::as_str),
        );
        concord_tagger::merge_automatic(&mut doc.tags, tagger.scheme(), report.tags);
    }
    let mut changes = diff(Some(&old), &doc);
    if let Value::Object(m) = &mut changes {
        m.insert("text".into(), json!([has_text, true]));
    }
    let new = NewDocument {
        content_hash: concord_import::content_hash(&doc, Some(&extracted.text)),
        document: doc,
        text: Some(extracted.text.clone()),
        sections: extracted.sections.clone(),
        source_hash: None,
        source: Some(format!(
            "web upload {} ({})",
            u.file_name, session.user.username
        )),
    };
    let audit = NewAudit {
        username: session.user.username.clone(),
        action: "document.upload_text".into(),
        target_kind: "document".into(),
        target_id: id.to_owned(),
        summary: json!({
            "file": u.file_name,
            "format": format.name(),
            "bytes": size,
            "characters": extracted.text.chars().count(),
            "sections": extracted.sections.len(),
            "encoding": extracted.encoding,
            "changes": changes,
        }),
    };
    let expected = old.revision.as_ref().map(|r| r.version);
    let Some(written) = s
        .store
        .accounts()
        .put_document_audited(&new, &audit, expected)
        .await
        .map_err(ApiError::from)?
    else {
        return Ok(fail(lang.t("err.stale").to_owned(), has_text));
    };
    tracing::info!(user = %session.user.username, document = %id, version = written.version, "text uploaded");
    s.record(
        "document",
        id,
        json!({ "action": "upload_text", "by": session.user.username, "version": written.version, "content_hash": new.content_hash }),
    )
    .await?;
    s.reindex(id).await?;
    Ok(Redirect::to(&format!(
        "/documents/{}?lang={}",
        pages::urlencode(id),
        lang.code()
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Document {
        Document::new(
            "d".parse().unwrap(),
            LocalizedText {
                en: Some("Old".into()),
                ..Default::default()
            },
        )
    }

    #[test]
    fn form_round_trips_a_document() {
        let mut d = base();
        d.jurisdiction = Some("CN".parse().unwrap());
        d.status = Some(Status::InForce);
        d.dates.adopted = Some("2023-07".parse().unwrap());
        d.source_urls = vec!["https://example.org/a".into()];
        let f = DocForm::from_document(&d);
        assert_eq!(f.status, "in_force");
        assert_eq!(apply(&f, base(), &[]).unwrap(), d);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let f = DocForm {
            title_en: " ".into(),
            jurisdiction: "Narnia".into(),
            adopted: "2023-13".into(),
            instrument_type: "poem".into(),
            issuers: "ghost".into(),
            languages: "not a tag".into(),
            source_urls: "javascript:alert(1)".into(),
            ..Default::default()
        };
        let errs = apply(&f, base(), &["cn_cac".into()]).unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field).collect();
        for want in [
            "title_en",
            "jurisdiction",
            "adopted",
            "instrument_type",
            "issuers",
            "languages",
            "source_urls",
        ] {
            assert!(fields.contains(&want), "{want} missing from {fields:?}");
        }
        for e in &errs.0 {
            assert!(
                Lang::En.t(e.key) != e.key && Lang::Zh.t(e.key) != e.key,
                "{}",
                e.key
            );
        }
    }

    /// Every interface string key the sign-in and editor pages name exists in both languages.
    #[test]
    fn every_key_is_translated() {
        let mut n = 0;
        for src in [include_str!("auth.rs"), include_str!("editor.rs")] {
            // every piece between two quotes, so an odd quote cannot hide a key
            for part in src.split('"') {
                let is_key = ["auth.", "edit.", "err.", "audit.", "role.", "doc.", "col."]
                    .iter()
                    .any(|p| part.starts_with(p))
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                    && !part.ends_with(".rs")
                    && !part.ends_with('.');
                if is_key {
                    n += 1;
                    assert_ne!(Lang::En.t(part), part, "{part} has no English text");
                    assert_ne!(Lang::Zh.t(part), part, "{part} has no Chinese text");
                }
            }
        }
        assert!(n > 50, "found only {n} keys");
    }

    #[test]
    fn diff_names_changed_fields_only() {
        let old = base();
        let mut new = base();
        new.title.en = Some("New".into());
        new.title.zh = Some("新".into());
        let d = diff(Some(&old), &new);
        assert_eq!(d["title.en"], json!(["Old", "New"]));
        assert_eq!(d["title.zh"], json!([null, "新"]));
        assert!(d.get("id").is_none());
        assert_eq!(diff(Some(&old), &old), json!({}));
    }
}
