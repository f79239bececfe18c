//! Commitments pages, editor forms and JSON API (docs/commitments.md):
//!
//! | route | what |
//! |---|---|
//! | `GET /commitments?actor=&status=&deadline=` | tracker of (commitment, signatory) pairs; every filter state is a URL |
//! | `GET /commitments/{id}` | a commitment with its signatories' status and its timeline |
//! | `GET /commitments/{id}/verify` | "verify this record": its log entries with inclusion proofs, checked here |
//! | `GET,POST /commitments/new` | editors: create a commitment |
//! | `POST /commitments/{id}/reports` | editors: add an action report (multipart, evidence links and a file) |
//! | `POST /commitments/{id}/assessments` | editors: add an assessment |
//! | `POST /deliberations/{id}/statements/{tid}/promote` | editors: a statement becomes a draft commitment |
//! | `GET /evidence/{sha256}` | an uploaded evidence file (as a download) |
//! | `GET /api/v1/commitments[/{id}[/reports\|/assessments\|/status]]`, `/api/v1/commitments-gap` | JSON |
//!
//! Every write is appended to the transparency log after it commits ([`AppState::record`]).

use std::collections::{BTreeMap, HashMap};

use axum::{
    Form, Json, Router,
    extract::{DefaultBodyLimit, Multipart, Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::Engine;
use concord_commitments::{
    ActionReport, Assessment, Bilingual, Commitment, Date, Evidence, GapReport, KIND_ACTION_REPORT,
    KIND_ASSESSMENT, KIND_COMMITMENT, Milestone, Origin, ReportSource, Status, Verdict,
    implementation_gap, log_record, status, status_changes,
};
use concord_store::{CommitmentWrite, EvidenceUpload, Role, Session, StoreError, StoredCommitment};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use crate::{
    ApiError, AppState,
    auth::{Denied, csrf_field, current_session, lang_of, private_page, require, require_post},
    i18n::Lang,
    pages::{self, urlencode},
};

/// The routes; uploads may be up to `max_upload_bytes` (plus room for the form).
pub fn routes(max_upload_bytes: u64) -> Router<AppState> {
    let limit = usize::try_from(max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route("/commitments", get(tracker))
        .route("/commitments/new", get(new_page).post(create))
        .route("/commitments/{id}", get(detail))
        .route("/commitments/{id}/verify", get(verify_page))
        .route(
            "/commitments/{id}/reports",
            post(add_report).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/commitments/{id}/assessments", post(add_assessment))
        .route(
            "/deliberations/{id}/statements/{tid}/promote",
            get(promote_page).post(promote),
        )
        .route("/evidence/{sha}", get(evidence))
        .route("/api/v1/commitments", get(api_list))
        .route("/api/v1/commitments-gap", get(api_gap))
        .route("/api/v1/commitments/{id}", get(api_get))
        .route("/api/v1/commitments/{id}/reports", get(api_reports))
        .route("/api/v1/commitments/{id}/assessments", get(api_assessments))
        .route("/api/v1/commitments/{id}/status", get(api_status))
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::InvalidRecord(m) => ApiError::BadRequest(m),
        other => ApiError::Store(other),
    }
}

/// Everything stored about the commitments, loaded once per request.
struct Data {
    commitments: Vec<StoredCommitment>,
    reports: Vec<ActionReport>,
    assessments: Vec<Assessment>,
}

async fn load_all(s: &AppState) -> Result<Data, ApiError> {
    let c = s.store.commitments();
    Ok(Data {
        commitments: c.list_commitments().await?,
        reports: c.reports(None).await?,
        assessments: c.assessments(None).await?,
    })
}

async fn load_one(
    s: &AppState,
    id: &str,
) -> Result<(StoredCommitment, Vec<ActionReport>, Vec<Assessment>), ApiError> {
    let c = s.store.commitments();
    let Some(stored) = c.get_commitment(id).await? else {
        return Err(ApiError::NotFound(format!("no commitment {id:?}")));
    };
    Ok((
        stored,
        c.reports(Some(id)).await?,
        c.assessments(Some(id)).await?,
    ))
}

/// Actor id → display name in `lang`.
async fn actor_names(s: &AppState, lang: Lang) -> Result<HashMap<String, String>, ApiError> {
    Ok(s.store
        .list_actors()
        .await?
        .into_iter()
        .map(|a| {
            let name = a
                .name
                .best(&[lang.code(), "en", "original"])
                .unwrap_or(a.id.as_str())
                .to_owned();
            (a.id.to_string(), name)
        })
        .collect())
}

/// The implementation gap on `today`, with blocs from the server's bloc definitions.
pub(crate) async fn gap(s: &AppState, today: Date) -> Result<GapReport, ApiError> {
    let data = load_all(s).await?;
    let actors: HashMap<String, concord_core::Actor> = s
        .store
        .list_actors()
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a))
        .collect();
    let commitments: Vec<Commitment> = data.commitments.into_iter().map(|c| c.commitment).collect();
    Ok(implementation_gap(
        &commitments,
        &data.reports,
        &data.assessments,
        today,
        |actor| {
            let a = actors.get(actor)?;
            s.blocs
                .bloc_for(std::slice::from_ref(&a.id), Some(&a.jurisdiction))
                .map(|b| b.id.to_string())
        },
    ))
}

fn status_label(lang: Lang, st: Status) -> String {
    lang.value(st.as_str())
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |x| format!("{:.0}%", x * 100.0))
}

/// The gap section of the consensus report page.
pub(crate) async fn gap_section(s: &AppState, lang: Lang) -> Result<String, ApiError> {
    let today = Date::today();
    let g = gap(s, today).await?;
    let names = actor_names(s, lang).await?;
    let table = |title: &str,
                 rows: &BTreeMap<String, concord_commitments::Gap>,
                 label: &dyn Fn(&str) -> String| {
        html! {
            h3 { (title) }
            table {
                thead { tr {
                    th scope="col" { (title) }
                    th scope="col" { (lang.t("commit.pairs")) }
                    th scope="col" { (lang.t("commit.due")) }
                    th scope="col" { (lang.value("met")) }
                    th scope="col" { (lang.value("partially_met")) }
                    th scope="col" { (lang.value("missed")) }
                    th scope="col" { (lang.value("overdue")) }
                    th scope="col" { (lang.value("withdrawn")) }
                    th scope="col" { (lang.t("commit.gap")) }
                } }
                tbody {
                    @for (k, v) in rows {
                        tr {
                            td { (label(k)) }
                            td { (v.pairs) } td { (v.due) } td { (v.met) } td { (v.partially_met) }
                            td { (v.missed) } td { (v.overdue) } td { (v.withdrawn) } td { (pct(v.gap)) }
                        }
                    }
                }
            }
        }
    };
    let by_actor = table(lang.t("commit.actor"), &g.by_actor, &|k| {
        names.get(k).cloned().unwrap_or_else(|| k.to_owned())
    });
    let by_bloc = table(lang.t("commit.bloc"), &g.by_bloc, &|k| {
        s.bloc_label(k, lang)
    });
    let by_principle = table(lang.t("commit.principle"), &g.by_principle, &|k| {
        k.to_owned()
    });
    Ok(html! {
        section id="implementation-gap" {
            h2 { (lang.t("commit.gap_title")) }
            p { (lang.t("commit.gap_intro")) " " a href={ "/commitments?lang=" (lang.code()) } { (lang.t("commit.tracker")) } }
            p { (lang.t("commit.gap")) ": " strong { (pct(g.overall.gap)) } " (" (g.overall.due) " / " (g.overall.pairs) " " (lang.t("commit.due")) ", " (today) ")" }
            (by_actor) (by_bloc) (by_principle)
        }
    }
    .into_string())
}

// ---------- tracker ----------

#[derive(Debug, Default, Deserialize)]
struct TrackerParams {
    lang: Option<String>,
    actor: Option<String>,
    status: Option<String>,
    /// `any` (default), `none`, `passed`, `upcoming`.
    deadline: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

async fn tracker(
    State(s): State<AppState>,
    params: Result<Query<TrackerParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let lang = lang_of(p.lang.as_deref(), &headers);
    let want_status: Option<Status> = match nonempty(&p.status) {
        None => None,
        Some(v) => Some(v.parse().map_err(ApiError::BadRequest)?),
    };
    let deadline = nonempty(&p.deadline).unwrap_or("any");
    if !matches!(deadline, "any" | "none" | "passed" | "upcoming") {
        return Err(ApiError::BadRequest(format!(
            "deadline: {deadline:?} (any, none, passed or upcoming)"
        )));
    }
    let actor = nonempty(&p.actor);
    let today = Date::today();
    let data = load_all(&s).await?;
    let names = actor_names(&s, lang).await?;
    let mut rows = vec![];
    let mut signatories: Vec<&String> = vec![];
    for sc in &data.commitments {
        let c = &sc.commitment;
        let keep_deadline = match deadline {
            "none" => c.deadline.is_none(),
            "passed" => c.deadline.is_some_and(|d| d < today),
            "upcoming" => c.deadline.is_some_and(|d| d >= today),
            _ => true,
        };
        for sig in &c.signatories {
            if !signatories.contains(&sig) {
                signatories.push(sig);
            }
        }
        if !keep_deadline {
            continue;
        }
        if c.draft && actor.is_none() && want_status.is_none() {
            rows.push((c, None, None));
        }
        for sig in &c.signatories {
            if actor.is_some_and(|a| a != sig) {
                continue;
            }
            let st = status(c, sig, &data.reports, &data.assessments, today);
            if want_status.is_some_and(|w| w != st) {
                continue;
            }
            rows.push((c, Some(sig.as_str()), Some(st)));
        }
    }
    signatories.sort();
    let title = lang.t("commit.tracker");
    let query = format!(
        "actor={}&status={}&deadline={}",
        urlencode(actor.unwrap_or("")),
        want_status.map_or("", Status::as_str),
        deadline
    );
    let body = html! {
        h1 { (title) }
        p { (lang.t("commit.tracker_intro")) " " a href={ "/consensus?lang=" (lang.code()) "#implementation-gap" } { (lang.t("commit.gap_title")) } }
        form method="get" action="/commitments" {
            input type="hidden" name="lang" value=(lang.code());
            label { (lang.t("commit.actor")) " "
                select name="actor" {
                    option value="" { (lang.t("commit.all")) }
                    @for a in &signatories {
                        option value=(a) selected[actor == Some(a.as_str())] { (names.get(a.as_str()).map_or(a.as_str(), |n| n.as_str())) }
                    }
                }
            }
            " "
            label { (lang.t("commit.status")) " "
                select name="status" {
                    option value="" { (lang.t("commit.all")) }
                    @for st in Status::ALL {
                        option value=(st.as_str()) selected[want_status == Some(st)] { (status_label(lang, st)) }
                    }
                }
            }
            " "
            label { (lang.t("commit.deadline")) " "
                select name="deadline" {
                    @for (v, k) in [("any", "commit.all"), ("none", "commit.no_deadline"), ("passed", "commit.deadline_passed"), ("upcoming", "commit.deadline_upcoming")] {
                        option value=(v) selected[deadline == v] { (lang.t(k)) }
                    }
                }
            }
            " " button type="submit" { (lang.t("commit.filter")) }
        }
        p class="muted" { (rows.len()) " · " (today) " · " a href={ "/api/v1/commitments?" (query) } { "JSON" } }
        table {
            thead { tr {
                th scope="col" { (lang.t("commit.commitment")) }
                th scope="col" { (lang.t("commit.actor")) }
                th scope="col" { (lang.t("commit.status")) }
                th scope="col" { (lang.t("commit.deadline")) }
            } }
            tbody {
                @for (c, sig, st) in &rows {
                    tr {
                        td { a href={ "/commitments/" (urlencode(&c.id)) "?lang=" (lang.code()) } { (c.title.best(lang.code())) } }
                        td { @if let Some(sig) = sig { (names.get(*sig).map_or(*sig, |n| n.as_str())) } @else { (lang.t("commit.draft")) } }
                        td { @if let Some(st) = st { span class={ "status-" (st.as_str()) } { (status_label(lang, *st)) } } }
                        td { @match c.deadline { Some(d) => (d), None => span class="muted" { (lang.t("commit.no_deadline")) } } }
                    }
                }
            }
        }
        p { a href={ "/commitments/new?lang=" (lang.code()) } rel="nofollow" { (lang.t("commit.new")) } }
    };
    let switch = format!("/commitments?lang={}&{query}", lang.other().code());
    Ok(Html(pages::layout(lang, title, &switch, body)).into_response())
}

// ---------- one commitment ----------

#[derive(Debug, Default, Deserialize)]
struct LangParam {
    lang: Option<String>,
}

fn evidence_list(lang: Lang, ev: &[Evidence]) -> Markup {
    html! {
        @if !ev.is_empty() {
            ul {
                @for e in ev {
                    @match e {
                        Evidence::Link { url } => li { a href=(url) rel="nofollow noopener" { (url) } },
                        Evidence::File { sha256, name, size } => li {
                            a href={ "/evidence/" (sha256) } { (name) } " (" (size) " B, SHA-256 " code { (sha256) } ") "
                            span class="muted" { (lang.t("commit.file")) }
                        },
                    }
                }
            }
        }
    }
}

fn origin_html(lang: Lang, o: &Origin) -> Markup {
    match o {
        Origin::Document { document, locator } => html! {
            a href={ "/documents/" (urlencode(document)) "?lang=" (lang.code()) } { (document) }
            @if let Some(l) = locator { " · " (l) }
        },
        Origin::Statement {
            conversation,
            statement,
        } => html! {
            (lang.t("commit.from_statement")) " "
            a href={ "/deliberations/" (urlencode(conversation)) "?lang=" (lang.code()) } { (conversation) } " #" (statement)
        },
    }
}

async fn detail(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let (sc, reports, assessments) = load_one(&s, &id).await?;
    let session = current_session(&s, &headers).await?;
    Ok(private_page(
        StatusCode::OK,
        detail_html(
            &s,
            lang,
            &sc,
            &reports,
            &assessments,
            session.as_ref(),
            None,
        )
        .await?,
    ))
}

async fn detail_html(
    s: &AppState,
    lang: Lang,
    sc: &StoredCommitment,
    reports: &[ActionReport],
    assessments: &[Assessment],
    session: Option<&Session>,
    error: Option<&str>,
) -> Result<String, ApiError> {
    let c = &sc.commitment;
    let today = Date::today();
    let names = actor_names(s, lang).await?;
    let name = |a: &str| names.get(a).cloned().unwrap_or_else(|| a.to_owned());
    let changes = status_changes(c, reports, assessments, today);
    // The timeline: creation, reports, assessments and status changes, by date.
    let created = sc.created_at.get(..10).unwrap_or("").to_owned();
    let mut timeline: Vec<(String, u8, Markup)> = vec![(
        created,
        0,
        html! { (lang.t("commit.created")) " (" (lang.t("commit.version")) " " (sc.version) ")" },
    )];
    for r in reports {
        timeline.push((
            r.date.to_string(),
            1,
            html! { strong { (lang.t(match r.source { ReportSource::SelfReport => "commit.self_report", ReportSource::ThirdParty => "commit.third_party" })) } ": " (name(&r.signatory)) " — " (r.description) },
        ));
    }
    for a in assessments {
        timeline.push((
            a.date.to_string(),
            2,
            html! { strong { (lang.t("commit.assessment")) } ": " (name(&a.signatory)) " — " (lang.value(a.verdict.as_str())) " (" (a.assessor) ")" },
        ));
    }
    for ch in &changes {
        timeline.push((
            ch.date.to_string(),
            3,
            html! { (lang.t("commit.status_change")) ": " (name(&ch.signatory)) " → " (status_label(lang, ch.to)) },
        ));
    }
    timeline.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let editor = session.filter(|s| s.user.role >= Role::Editor);
    let path = format!("/commitments/{}", urlencode(&c.id));
    let body = html! {
        h1 { (c.title.best(lang.code())) @if c.draft { " " span class="muted" { "(" (lang.t("commit.draft")) ")" } } }
        @if let Some(e) = error { p role="alert" class="error" { (e) } }
        @if let Some(t) = &c.text.zh { p lang="zh" { (t) } }
        @if let Some(t) = &c.text.en { p lang="en" { (t) } }
        dl {
            dt { (lang.t("commit.origin")) } dd { (origin_html(lang, &c.origin)) }
            dt { (lang.t("commit.deadline")) } dd { @match c.deadline { Some(d) => (d), None => (lang.t("commit.no_deadline")) } }
            @if !c.principles.is_empty() { dt { (lang.t("commit.principle")) } dd { (c.principles.join(", ")) } }
            @if !c.milestones.is_empty() {
                dt { (lang.t("commit.milestones")) }
                dd { ul { @for m in &c.milestones { li { (m.date) " — " (m.description) } } } }
            }
            @if !c.indicators.is_empty() {
                dt { (lang.t("commit.indicators")) }
                dd { ul { @for i in &c.indicators { li { (i) } } } }
            }
            @if let Some(u) = &c.uncertainty { dt { (lang.t("commit.uncertainty")) } dd { (u) } }
        }
        h2 { (lang.t("commit.signatories")) }
        table {
            thead { tr { th scope="col" { (lang.t("commit.actor")) } th scope="col" { (lang.t("commit.status")) } } }
            tbody {
                @for sig in &c.signatories {
                    @let st = status(c, sig, reports, assessments, today);
                    tr { td { (name(sig)) } td { span class={ "status-" (st.as_str()) } { (status_label(lang, st)) } } }
                }
            }
        }
        p class="muted" { (lang.t("commit.rules")) }
        h2 { (lang.t("commit.timeline")) }
        ol { @for (date, _, item) in &timeline { li { time { (date) } " " (item) } } }
        h2 { (lang.t("commit.reports")) }
        @if reports.is_empty() { p class="muted" { (lang.t("commit.none")) } }
        @for r in reports {
            article {
                h3 { (r.date) " · " (name(&r.signatory)) " · " (lang.t(match r.source { ReportSource::SelfReport => "commit.self_report", ReportSource::ThirdParty => "commit.third_party" })) }
                p { (r.description) } p class="muted" { (lang.t("commit.reporter")) ": " (r.reporter) " · " code { (r.id) } }
                (evidence_list(lang, &r.evidence))
            }
        }
        h2 { (lang.t("commit.assessments")) }
        @if assessments.is_empty() { p class="muted" { (lang.t("commit.none")) } }
        @for a in assessments {
            article {
                h3 { (a.date) " · " (name(&a.signatory)) " · " (lang.value(a.verdict.as_str())) }
                p { (a.rationale) } p class="muted" { (lang.t("commit.assessor")) ": " (a.assessor) " · " code { (a.id) } }
                (evidence_list(lang, &a.evidence))
            }
        }
        p { a href={ (path) "/verify?lang=" (lang.code()) } { (lang.t("commit.verify")) } " · " a href={ "/api/v1/commitments/" (urlencode(&c.id)) } { "JSON" } }
        @if let Some(session) = editor {
            @if !c.signatories.is_empty() {
                h2 { (lang.t("commit.add_report")) }
                form method="post" action={ (path) "/reports" } enctype="multipart/form-data" {
                    (csrf_field(session))
                    input type="hidden" name="lang" value=(lang.code());
                    (signatory_select(lang, &c.signatories, &name))
                    label { (lang.t("commit.source")) " " select name="source" {
                        option value="self_report" { (lang.t("commit.self_report")) }
                        option value="third_party" { (lang.t("commit.third_party")) }
                    } }
                    label { (lang.t("commit.reporter")) " " input name="reporter" required maxlength="200"; }
                    label { (lang.t("commit.date")) " " input type="date" name="date" required; }
                    label { (lang.t("commit.description")) textarea name="description" required rows="4" {} }
                    label { (lang.t("commit.links")) textarea name="links" rows="2" {} }
                    label { (lang.t("commit.file")) " " input type="file" name="file"; }
                    button type="submit" { (lang.t("commit.add_report")) }
                }
                h2 { (lang.t("commit.add_assessment")) }
                form method="post" action={ (path) "/assessments" } {
                    (csrf_field(session))
                    input type="hidden" name="lang" value=(lang.code());
                    (signatory_select(lang, &c.signatories, &name))
                    label { (lang.t("commit.assessor")) " " input name="assessor" required maxlength="200"; }
                    label { (lang.t("commit.date")) " " input type="date" name="date" required; }
                    label { (lang.t("commit.verdict")) " " select name="verdict" {
                        @for v in Verdict::ALL { option value=(v.as_str()) { (lang.value(v.as_str())) } }
                    } }
                    label { (lang.t("commit.rationale")) textarea name="rationale" required rows="4" {} }
                    label { (lang.t("commit.links")) textarea name="links" rows="2" {} }
                    button type="submit" { (lang.t("commit.add_assessment")) }
                }
            }
        }
    };
    let switch = format!("{path}?lang={}", lang.other().code());
    Ok(pages::layout(
        lang,
        c.title.best(lang.code()),
        &switch,
        body,
    ))
}

fn signatory_select(lang: Lang, sigs: &[String], name: &dyn Fn(&str) -> String) -> Markup {
    html! {
        label { (lang.t("commit.actor")) " " select name="signatory" {
            @for s in sigs { option value=(s) { (name(s)) } }
        } }
    }
}

// ---------- verify this record ----------

async fn verify_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let Some(sc) = s.store.commitments().get_commitment(&id).await? else {
        return Err(ApiError::NotFound(format!("no commitment {id:?}")));
    };
    let Some(log) = &s.ledger else {
        return Err(ApiError::NotFound(
            "this server runs no transparency log".into(),
        ));
    };
    let b64 = |h: &[u8]| base64::engine::general_purpose::STANDARD.encode(h);
    let entries = s.store.commitments().commitment_log_entries(&id).await?;
    let (size, note) = log.checkpoint();
    let root = log.root_at(size).ok();
    let mut rows = vec![];
    for e in &entries {
        let leaf = concord_ledger::merkle::leaf_hash(&e.data);
        let stored_leaf = log.leaf_hash(e.index);
        let proof = log.inclusion_proof(e.index, size).ok();
        let ok = stored_leaf == Some(leaf)
            && match (&proof, &root) {
                (Some(p), Some(r)) => {
                    concord_ledger::merkle::verify_inclusion(e.index, size, &leaf, p, r).is_ok()
                }
                _ => false,
            };
        let record = String::from_utf8_lossy(&e.data).into_owned();
        rows.push((e, b64(&leaf), proof.unwrap_or_default(), ok, record));
    }
    let path = format!("/commitments/{}", urlencode(&id));
    let body = html! {
        h1 { (lang.t("commit.verify")) ": " (sc.commitment.title.best(lang.code())) }
        p { (lang.t("commit.verify_intro")) }
        h2 { (lang.t("commit.checkpoint")) }
        pre { (String::from_utf8_lossy(&note)) }
        p { (lang.t("commit.log_key")) ": " code { (log.verifier_key()) } }
        @if rows.is_empty() { p class="muted" { (lang.t("commit.none")) } }
        @for (e, leaf, proof, ok, record) in &rows {
            section {
                h3 { (lang.t("commit.leaf")) " " (e.index) " · " (e.kind) " · " code { (e.record_id) } }
                p { @if *ok { strong class="ok" { "✓ " (lang.t("commit.proof_ok")) } } @else { strong class="error" { "✗ " (lang.t("commit.proof_bad")) } } }
                dl {
                    dt { (lang.t("commit.leaf_hash")) } dd { code { (leaf) } }
                    dt { (lang.t("commit.tree_size")) } dd { (size) }
                    dt { (lang.t("commit.proof")) } dd { ol { @for h in proof { li { code { (b64(h)) } } } } }
                }
                details { summary { (lang.t("commit.entry")) } pre { (record) } }
                p class="muted" {
                    code { "concord ledger prove --index " (e.index) " --size " (size) }
                    " · " a href={ "/api/v1/log/proof/inclusion?index=" (e.index) "&size=" (size) } { "/api/v1/log/proof/inclusion?index=" (e.index) "&size=" (size) }
                }
            }
        }
        h2 { (lang.t("commit.independent")) }
        ol {
            li { (lang.t("commit.step_key")) " " code { "/log/key" } }
            li { (lang.t("commit.step_checkpoint")) " " code { "/log/checkpoint" } }
            li { (lang.t("commit.step_entry")) }
            li { (lang.t("commit.step_proof")) " " code { "concord ledger prove --index N" } }
        }
        p { a href={ (path) "?lang=" (lang.code()) } { (lang.t("commit.back")) } }
    };
    let switch = format!("{path}/verify?lang={}", lang.other().code());
    Ok(Html(pages::layout(lang, lang.t("commit.verify"), &switch, body)).into_response())
}

// ---------- editor forms ----------

#[derive(Debug, Default, Deserialize)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    title_zh: String,
    #[serde(default)]
    text_en: String,
    #[serde(default)]
    text_zh: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    locator: String,
    #[serde(default)]
    signatories: String,
    #[serde(default)]
    principles: String,
    #[serde(default)]
    deadline: String,
    /// One per line: `YYYY-MM-DD description`.
    #[serde(default)]
    milestones: String,
    /// One per line.
    #[serde(default)]
    indicators: String,
    #[serde(default)]
    uncertainty: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn list(s: &str) -> Vec<String> {
    s.split([',', '\n', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_date(field: &str, s: &str) -> Result<Date, String> {
    s.trim().parse().map_err(|e| format!("{field}: {e}"))
}

impl NewForm {
    fn to_commitment(&self) -> Result<Commitment, Vec<String>> {
        let mut errs = vec![];
        let deadline = match opt(&self.deadline) {
            None => None,
            Some(d) => parse_date("deadline", &d).map_err(|e| errs.push(e)).ok(),
        };
        let mut milestones = vec![];
        for (i, l) in lines(&self.milestones).iter().enumerate() {
            let (d, desc) = l.split_once(' ').unwrap_or((l, ""));
            match parse_date(&format!("milestones line {}", i + 1), d) {
                Ok(date) => milestones.push(Milestone {
                    date,
                    description: desc.trim().to_owned(),
                }),
                Err(e) => errs.push(e),
            }
        }
        let c = Commitment {
            id: self.id.trim().to_owned(),
            title: Bilingual {
                zh: opt(&self.title_zh),
                en: opt(&self.title_en),
            },
            text: Bilingual {
                zh: opt(&self.text_zh),
                en: opt(&self.text_en),
            },
            origin: Origin::Document {
                document: self.document.trim().to_owned(),
                locator: opt(&self.locator),
            },
            signatories: list(&self.signatories),
            principles: list(&self.principles),
            deadline,
            milestones,
            indicators: lines(&self.indicators),
            withdrawals: vec![],
            draft: false,
            uncertainty: opt(&self.uncertainty),
        };
        if let Err(concord_commitments::Error::Invalid(list)) = c.validate() {
            errs.extend(list.iter().map(ToString::to_string));
        }
        if errs.is_empty() { Ok(c) } else { Err(errs) }
    }
}

fn new_html(lang: Lang, session: &Session, f: &NewForm, errors: &[String]) -> String {
    let text = |name: &str, label: &'static str, value: &str| {
        html! { label { (lang.t(label)) " " input name=(name) value=(value); } }
    };
    let area = |name: &str, label: &'static str, value: &str| {
        html! { label { (lang.t(label)) textarea name=(name) rows="3" { (value) } } }
    };
    let body = html! {
        h1 { (lang.t("commit.new")) }
        @if !errors.is_empty() {
            div role="alert" class="error" { ul { @for e in errors { li { (e) } } } }
        }
        form method="post" action="/commitments/new" {
            (csrf_field(session))
            input type="hidden" name="lang" value=(lang.code());
            (text("id", "commit.id", &f.id))
            (text("title_en", "commit.title_en", &f.title_en))
            (text("title_zh", "commit.title_zh", &f.title_zh))
            (area("text_en", "commit.text_en", &f.text_en))
            (area("text_zh", "commit.text_zh", &f.text_zh))
            (text("document", "commit.origin", &f.document))
            (text("locator", "commit.locator", &f.locator))
            (text("signatories", "commit.signatories", &f.signatories))
            (text("principles", "commit.principle", &f.principles))
            (text("deadline", "commit.deadline", &f.deadline))
            (area("milestones", "commit.milestones", &f.milestones))
            (area("indicators", "commit.indicators", &f.indicators))
            (area("uncertainty", "commit.uncertainty", &f.uncertainty))
            button type="submit" { (lang.t("commit.create")) }
        }
    };
    pages::layout(
        lang,
        lang.t("commit.new"),
        &format!("/commitments/new?lang={}", lang.other().code()),
        body,
    )
}

async fn new_page(
    State(s): State<AppState>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let next = format!("/commitments/new?lang={}", lang.code());
    match require(&s, &headers, Role::Editor, &next).await {
        Err(d) => d.into_response(lang),
        Ok(session) => private_page(
            StatusCode::OK,
            new_html(lang, &session, &NewForm::default(), &[]),
        ),
    }
}

async fn create(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<NewForm>) -> Response {
    let lang = lang_of(f.lang.as_deref(), &headers);
    match create_inner(&s, &headers, &f, lang).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

async fn create_inner(
    s: &AppState,
    headers: &HeaderMap,
    f: &NewForm,
    lang: Lang,
) -> Result<Response, Denied> {
    let next = format!("/commitments/new?lang={}", lang.code());
    let session = require_post(s, headers, Role::Editor, &next, Some(&f.csrf)).await?;
    let fail = |errs: Vec<String>| {
        private_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            new_html(lang, &session, f, &errs),
        )
    };
    let c = match f.to_commitment() {
        Ok(c) => c,
        Err(errs) => return Ok(fail(errs)),
    };
    let problems = concord_store::commitments::check_references(s.store.as_ref(), &c)
        .await
        .map_err(ApiError::from)?;
    if !problems.is_empty() {
        return Ok(fail(problems.iter().map(ToString::to_string).collect()));
    }
    match s
        .store
        .commitments()
        .create_commitment(&c)
        .await
        .map_err(store_error)?
    {
        CommitmentWrite::Written(c, version) => {
            write_logged(s, &session, KIND_COMMITMENT, &c.id, "create", version, &c).await?;
            Ok(Redirect::to(&format!(
                "/commitments/{}?lang={}",
                urlencode(&c.id),
                lang.code()
            ))
            .into_response())
        }
        _ => Ok(fail(vec![format!("id: {:?} is taken", c.id)])),
    }
}

/// Logs a committed write and records it in the audit trail.
async fn write_logged<T: serde::Serialize>(
    s: &AppState,
    session: &Session,
    kind: &str,
    id: &str,
    action: &str,
    version: u32,
    data: &T,
) -> Result<(), ApiError> {
    tracing::info!(user = %session.user.username, kind, id, action, "commitment record written");
    s.record(
        kind,
        id,
        log_record(action, &session.user.username, version, data),
    )
    .await?;
    Ok(())
}

/// Fields of the report form (multipart) and of the assessment form.
#[derive(Debug, Default, Deserialize)]
struct ChildForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    signatory: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    reporter: String,
    #[serde(default)]
    assessor: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    links: String,
}

fn links(s: &str) -> Vec<Evidence> {
    lines(s)
        .into_iter()
        .map(|url| Evidence::Link { url })
        .collect()
}

async fn read_report_form(
    mut mp: Multipart,
    max: u64,
) -> Result<(ChildForm, Vec<EvidenceUpload>), String> {
    let mut f = ChildForm::default();
    let mut files = vec![];
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(e.body_text()),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name: String = field.file_name().unwrap_or("").chars().take(200).collect();
            let media_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .chars()
                .take(100)
                .collect();
            let bytes = field.bytes().await.map_err(|e| e.body_text())?;
            if bytes.len() as u64 > max {
                return Err(format!("file: {} bytes (at most {max})", bytes.len()));
            }
            if !bytes.is_empty() {
                files.push(EvidenceUpload {
                    name: if file_name.is_empty() {
                        "file".into()
                    } else {
                        file_name
                    },
                    media_type,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let v = field.text().await.map_err(|e| e.body_text())?;
        let v: String = v.chars().take(20_000).collect();
        match name.as_str() {
            "csrf" => f.csrf = v,
            "lang" => f.lang = Some(v),
            "signatory" => f.signatory = v,
            "source" => f.source = v,
            "reporter" => f.reporter = v,
            "date" => f.date = v,
            "description" => f.description = v,
            "links" => f.links = v,
            _ => {}
        }
    }
    Ok((f, files))
}

async fn add_report(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mp: Multipart,
) -> Response {
    let lang = lang_of(None, &headers);
    let next = format!("/commitments/{}?lang={}", urlencode(&id), lang.code());
    // Sign-in and role are checked before the body is read; the CSRF token comes with it.
    if let Err(d) = require(&s, &headers, Role::Editor, &next).await {
        return d.into_response(lang);
    }
    let (f, files) = match read_report_form(mp, s.auth.max_upload_bytes).await {
        Ok(x) => x,
        Err(e) => return ApiError::BadRequest(e).into_response(),
    };
    let lang = lang_of(f.lang.as_deref(), &headers);
    let result = async {
        let session = require_post(&s, &headers, Role::Editor, &next, Some(&f.csrf)).await?;
        let date = match parse_date("date", &f.date) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        let source = match f.source.as_str() {
            "self_report" => ReportSource::SelfReport,
            "third_party" => ReportSource::ThirdParty,
            other => {
                return Ok(Err(format!(
                    "source: {other:?} (self_report or third_party)"
                )));
            }
        };
        let report = ActionReport {
            id: String::new(),
            commitment: id.clone(),
            signatory: f.signatory.trim().to_owned(),
            source,
            reporter: f.reporter.trim().to_owned(),
            date,
            description: f.description.trim().to_owned(),
            evidence: links(&f.links),
        };
        match s.store.commitments().add_report(&report, &files).await {
            Ok(CommitmentWrite::Written(r, version)) => {
                write_logged(
                    &s,
                    &session,
                    KIND_ACTION_REPORT,
                    &r.id,
                    "create",
                    version,
                    &r,
                )
                .await?;
                Ok(Ok(()))
            }
            Ok(_) => Err(Denied::Error(ApiError::NotFound(format!(
                "no commitment {id:?}"
            )))),
            Err(StoreError::InvalidRecord(m)) => Ok(Err(m)),
            Err(e) => Err(Denied::Error(e.into())),
        }
    }
    .await;
    child_result(&s, &id, &headers, lang, result).await
}

async fn child_result(
    s: &AppState,
    id: &str,
    headers: &HeaderMap,
    lang: Lang,
    result: Result<Result<(), String>, Denied>,
) -> Response {
    match result {
        Err(d) => d.into_response(lang),
        Ok(Ok(())) => Redirect::to(&format!(
            "/commitments/{}?lang={}",
            urlencode(id),
            lang.code()
        ))
        .into_response(),
        Ok(Err(message)) => {
            let page = async {
                let (sc, r, a) = load_one(s, id).await?;
                let session = current_session(s, headers).await?;
                detail_html(s, lang, &sc, &r, &a, session.as_ref(), Some(&message)).await
            }
            .await;
            match page {
                Ok(p) => private_page(StatusCode::UNPROCESSABLE_ENTITY, p),
                Err(e) => e.into_response(),
            }
        }
    }
}

async fn add_assessment(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<ChildForm>,
) -> Response {
    let lang = lang_of(f.lang.as_deref(), &headers);
    let next = format!("/commitments/{}?lang={}", urlencode(&id), lang.code());
    let result = async {
        let session = require_post(&s, &headers, Role::Editor, &next, Some(&f.csrf)).await?;
        let date = match parse_date("date", &f.date) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        let verdict: Verdict = match f.verdict.parse() {
            Ok(v) => v,
            Err(e) => return Ok(Err(format!("verdict: {e}"))),
        };
        let a = Assessment {
            id: String::new(),
            commitment: id.clone(),
            signatory: f.signatory.trim().to_owned(),
            assessor: f.assessor.trim().to_owned(),
            date,
            verdict,
            rationale: f.rationale.trim().to_owned(),
            evidence: links(&f.links),
        };
        match s.store.commitments().add_assessment(&a, &[]).await {
            Ok(CommitmentWrite::Written(a, version)) => {
                write_logged(&s, &session, KIND_ASSESSMENT, &a.id, "create", version, &a).await?;
                Ok(Ok(()))
            }
            Ok(_) => Err(Denied::Error(ApiError::NotFound(format!(
                "no commitment {id:?}"
            )))),
            Err(StoreError::InvalidRecord(m)) => Ok(Err(m)),
            Err(e) => Err(Denied::Error(e.into())),
        }
    }
    .await;
    child_result(&s, &id, &headers, lang, result).await
}

#[derive(Debug, Default, Deserialize)]
struct PromoteForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
}

/// On the deliberation report: a link per consensus statement to promote it to a draft
/// commitment (the form behind the link is for editors).
pub(crate) fn promote_links(lang: Lang, conv: &str, tids: impl Iterator<Item = u32>) -> Markup {
    let tids: Vec<u32> = tids.collect();
    html! {
        @if !tids.is_empty() {
            p class="muted" { (lang.t("commit.promote_intro")) " "
                @for tid in &tids {
                    a href={ "/deliberations/" (urlencode(conv)) "/statements/" (tid) "/promote?lang=" (lang.code()) } rel="nofollow" { "#" (tid) } " "
                }
            }
        }
    }
}

async fn promote_page(
    State(s): State<AppState>,
    Path((conv, tid)): Path<(String, u32)>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let path = format!(
        "/deliberations/{}/statements/{tid}/promote",
        urlencode(&conv)
    );
    let result: Result<Response, Denied> = async {
        let session = require(
            &s,
            &headers,
            Role::Editor,
            &format!("{path}?lang={}", lang.code()),
        )
        .await?;
        let conversation = s
            .store
            .deliberation()
            .load_conversation(&conv)
            .await
            .map_err(ApiError::from)?;
        let Some(st) = conversation.as_ref().and_then(|c| c.statements.get(&tid)) else {
            return Err(ApiError::NotFound(format!("no statement {tid} in {conv:?}")).into());
        };
        let body = html! {
            h1 { (lang.t("commit.promote")) }
            blockquote { (st.text) }
            form method="post" action=(path) {
                (csrf_field(&session))
                input type="hidden" name="lang" value=(lang.code());
                button type="submit" { (lang.t("commit.promote")) }
            }
        };
        Ok(private_page(
            StatusCode::OK,
            pages::layout(
                lang,
                lang.t("commit.promote"),
                &format!("{path}?lang={}", lang.other().code()),
                body,
            ),
        ))
    }
    .await;
    result.unwrap_or_else(|d| d.into_response(lang))
}

/// A deliberation statement becomes a draft commitment, id `<conversation>-s<tid>`.
async fn promote(
    State(s): State<AppState>,
    Path((conv, tid)): Path<(String, u32)>,
    headers: HeaderMap,
    Form(f): Form<PromoteForm>,
) -> Response {
    let lang = lang_of(f.lang.as_deref(), &headers);
    let next = format!("/deliberations/{}?lang={}", urlencode(&conv), lang.code());
    let result: Result<Response, Denied> = async {
        let session = require_post(&s, &headers, Role::Editor, &next, Some(&f.csrf)).await?;
        let Some(conversation) = s
            .store
            .deliberation()
            .load_conversation(&conv)
            .await
            .map_err(ApiError::from)?
        else {
            return Err(ApiError::NotFound(format!("no conversation {conv:?}")).into());
        };
        let Some(st) = conversation.statements.get(&tid) else {
            return Err(ApiError::NotFound(format!("no statement {tid} in {conv:?}")).into());
        };
        let text: String = st
            .text
            .chars()
            .take(concord_commitments::MAX_TEXT_CHARS)
            .collect();
        let title: String = text.chars().take(120).collect();
        let zh = st.lang.as_deref().is_some_and(|l| l.starts_with("zh"));
        let both = |t: String| {
            if zh {
                Bilingual { zh: Some(t), en: None }
            } else {
                Bilingual { zh: None, en: Some(t) }
            }
        };
        let id: String = format!("{conv}-s{tid}").chars().take(64).collect();
        let c = Commitment {
            id: id.clone(),
            title: both(title),
            text: both(text),
            origin: Origin::Statement {
                conversation: conv.clone(),
                statement: tid,
            },
            signatories: vec![],
            principles: vec![],
            deadline: None,
            milestones: vec![],
            indicators: vec![],
            withdrawals: vec![],
            draft: true,
            uncertainty: Some(
                "Draft promoted from a deliberation statement: no signatories, deadline or principles yet."
                    .into(),
            ),
        };
        // Promoted before: the existing draft is shown.
        if let CommitmentWrite::Written(c, version) =
            s.store.commitments().create_commitment(&c).await.map_err(store_error)?
        {
            write_logged(&s, &session, KIND_COMMITMENT, &c.id, "promote", version, &c).await?;
        }
        Ok(Redirect::to(&format!("/commitments/{}?lang={}", urlencode(&id), lang.code()))
            .into_response())
    }
    .await;
    result.unwrap_or_else(|d| d.into_response(lang))
}

async fn evidence(
    State(s): State<AppState>,
    Path(sha): Path<String>,
) -> Result<Response, ApiError> {
    let Some(f) = s.store.commitments().get_evidence(&sha).await? else {
        return Err(ApiError::NotFound(format!("no evidence file {sha:?}")));
    };
    // Served as an opaque download whatever its declared type: an uploaded HTML file must
    // never run in this origin.
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.bin\"", f.sha256),
            ),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
        ],
        f.bytes,
    )
        .into_response())
}

// ---------- JSON API ----------

fn statuses(
    c: &Commitment,
    reports: &[ActionReport],
    assessments: &[Assessment],
    today: Date,
) -> BTreeMap<String, Status> {
    c.signatories
        .iter()
        .map(|s| (s.clone(), status(c, s, reports, assessments, today)))
        .collect()
}

async fn api_list(
    State(s): State<AppState>,
    params: Result<Query<TrackerParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let want: Option<Status> = match nonempty(&p.status) {
        None => None,
        Some(v) => Some(v.parse().map_err(ApiError::BadRequest)?),
    };
    let deadline = nonempty(&p.deadline).unwrap_or("any");
    if !matches!(deadline, "any" | "none" | "passed" | "upcoming") {
        return Err(ApiError::BadRequest(format!(
            "deadline: {deadline:?} (any, none, passed or upcoming)"
        )));
    }
    let today = Date::today();
    let data = load_all(&s).await?;
    let mut items = vec![];
    for sc in &data.commitments {
        let c = &sc.commitment;
        let keep = match deadline {
            "none" => c.deadline.is_none(),
            "passed" => c.deadline.is_some_and(|d| d < today),
            "upcoming" => c.deadline.is_some_and(|d| d >= today),
            _ => true,
        };
        let st = statuses(c, &data.reports, &data.assessments, today);
        let actor_ok = nonempty(&p.actor).is_none_or(|a| st.contains_key(a));
        let status_ok = want.is_none_or(|w| match nonempty(&p.actor) {
            Some(a) => st.get(a) == Some(&w),
            None => st.values().any(|v| *v == w),
        });
        if keep && actor_ok && status_ok {
            items.push(json!({ "commitment": sc, "status": st }));
        }
    }
    Ok(Json(json!({ "today": today, "items": items })))
}

async fn api_get(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (sc, r, a) = load_one(&s, &id).await?;
    let today = Date::today();
    Ok(Json(json!({
        "commitment": sc,
        "status": statuses(&sc.commitment, &r, &a, today),
        "timeline": status_changes(&sc.commitment, &r, &a, today),
        "reports": r,
        "assessments": a,
        "today": today,
    })))
}

async fn api_reports(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<ActionReport>>, ApiError> {
    Ok(Json(load_one(&s, &id).await?.1))
}

async fn api_assessments(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Assessment>>, ApiError> {
    Ok(Json(load_one(&s, &id).await?.2))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusParams {
    /// `YYYY-MM-DD`; default today (UTC).
    date: Option<String>,
}

fn date_param(d: &Option<String>) -> Result<Date, ApiError> {
    match nonempty(d) {
        None => Ok(Date::today()),
        Some(v) => v
            .parse()
            .map_err(|e| ApiError::BadRequest(format!("date: {e}"))),
    }
}

async fn api_status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<StatusParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let today = date_param(&p.date)?;
    let (sc, r, a) = load_one(&s, &id).await?;
    Ok(Json(json!({
        "id": id,
        "date": today,
        "status": statuses(&sc.commitment, &r, &a, today),
    })))
}

async fn api_gap(
    State(s): State<AppState>,
    params: Result<Query<StatusParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<GapReport>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(Json(gap(&s, date_param(&p.date)?).await?))
}
