//! Taking part in a deliberation: the vote page (one statement at a time, chosen by the engine's
//! priorities), adding statements (into moderation), a participant's self-declared stakeholder
//! category and region, the moderation queue, creating, opening and closing conversations, and
//! the JSON API for the same.
//!
//! **Who**: a signed-in user (`user:NAME`, registered) or an anonymous participant cookie
//! (`anon:` + SHA-256 of a random 256-bit token; the store never sees the token). Votes of
//! anonymous participants are stored with the anonymous mark and counted as such in the report.
//!
//! **Anti-spam** (shared reference `specs/proof-of-work.md`): anonymous submissions carry a
//! proof of work ([`crate::pow`]) bound to the conversation, the action and the submission
//! (§5.1-5.4), with the difficulty chosen per network prefix, conversation and server (§5.5).
//! The browser solves it with `/static/participate.js`. Without JavaScript the form is sent
//! without a solution: the vote is held for a moderator and the statement goes to moderation
//! like every statement, under a stricter rate limit (§5.7). Signed-in users need no proof of
//! work. Every submission also passes per-IP and per-participant rate limits (429 with
//! `Retry-After`).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::{
    Form, Json, Router,
    extract::{ConnectInfo, Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use concord_deliberation::{
    Conversation, Moderation, NextParams, Params, Statement, Vote, VoteEvent, analyze,
    next_statement,
};
use concord_store::{
    ConversationInfo, ConversationStatus, ConversationSummary, NewAudit, Role, Session,
    SpentChallenge, Submitted,
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    AppState,
    auth::{self, Denied, csrf_field, lang_of, private_page, require, require_post},
    error::ApiError,
    i18n::Lang,
    pages,
    pow::{self, Difficulty, DifficultyPolicy, PowError, PowKeys},
};

const PARTICIPANT_COOKIE: &str = "concord_participant";
/// Longest statement accepted, in characters.
pub const MAX_STATEMENT_CHARS: usize = 1000;
/// Self-declared stakeholder categories offered (stored as these ids).
pub const CATEGORIES: &[&str] = &[
    "government",
    "industry",
    "academia",
    "civil_society",
    "technical_community",
    "international_organization",
    "individual",
];
/// Self-declared regions offered.
pub const REGIONS: &[&str] = &[
    "africa",
    "asia_pacific",
    "europe",
    "latin_america_caribbean",
    "middle_east",
    "north_america",
];
/// The vote page runs the solver script from this server (and nothing inline).
const VOTE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
     img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const SCRIPT: &str = include_str!("participate.js");
/// Vote buttons large enough to hit on a phone.
const BIG: &str = "font-size:1.1rem;padding:.5rem 1.2rem;margin:.2rem";

/// Rate limits for submissions (per minute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Votes per participant; one client IP may send four times this (several people behind
    /// one address).
    pub votes_per_minute: u32,
    /// Statements per participant; per IP four times this.
    pub statements_per_minute: u32,
    /// Submissions without proof of work (no JavaScript) per participant: the stricter limit of
    /// §5.7.
    pub no_pow_per_minute: u32,
    /// Proof-of-work challenges per client IP (API).
    pub challenges_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            votes_per_minute: 60,
            statements_per_minute: 5,
            no_pow_per_minute: 10,
            challenges_per_minute: 240,
        }
    }
}

/// Fixed-window counters per key, like the sign-in limiter of [`auth`].
#[derive(Debug, Default)]
struct Limiter {
    map: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    /// Counts one request under `key`; `Err(seconds to wait)` when `limit` is reached.
    fn allow(&self, key: String, limit: u32, window: Duration) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 50_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let e = map.entry(key).or_insert((now, 0));
        if now.duration_since(e.0) >= window {
            *e = (now, 0);
        }
        if e.1 >= limit {
            let left = window.saturating_sub(now.duration_since(e.0));
            return Err(left.as_secs().max(1));
        }
        e.1 += 1;
        Ok(())
    }
}

/// Proof-of-work keys, adaptive difficulty and rate limits of the participation pages.
#[derive(Debug)]
pub struct ParticipationSettings {
    pub keys: PowKeys,
    pub difficulty: Difficulty,
    /// Challenge lifetime (§5.7: at least 10 minutes).
    pub ttl_secs: u64,
    pub limits: Limits,
    pub window: Duration,
    limiter: Limiter,
    /// Redemptions since the last purge of expired challenges from the replay set.
    redeemed: std::sync::atomic::AtomicU32,
}

impl ParticipationSettings {
    pub fn new(keys: PowKeys, policy: DifficultyPolicy, limits: Limits) -> ParticipationSettings {
        ParticipationSettings {
            keys,
            difficulty: Difficulty::new(policy),
            ttl_secs: pow::DEFAULT_TTL_SECS,
            limits,
            window: Duration::from_secs(60),
            limiter: Limiter::default(),
            redeemed: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// A CSRF token for an anonymous participant's forms: a MAC of their cookie token, so only
    /// a page served to that cookie can post as it.
    fn anon_csrf(&self, token: &str) -> String {
        hex::encode(self.keys.mac("concord participant csrf", token.as_bytes()))
    }
}

impl Default for ParticipationSettings {
    fn default() -> Self {
        ParticipationSettings::new(
            PowKeys::random(),
            DifficultyPolicy::default(),
            Limits::default(),
        )
    }
}

/// The participation routes, merged into [`crate::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/participate.js", get(script))
        .route("/deliberations/new", get(new_page).post(create))
        .route("/deliberations/{id}/vote", get(vote_page).post(vote_form))
        .route("/deliberations/{id}/statements", post(statement_form))
        .route("/deliberations/{id}/profile", post(profile_form))
        .route(
            "/deliberations/{id}/moderate",
            get(moderate_page).post(moderate),
        )
        .route("/api/v1/deliberations/{id}/challenge", get(api_challenge))
        .route("/api/v1/deliberations/{id}/next", get(api_next))
        .route("/api/v1/deliberations/{id}/votes", post(api_vote))
        .route("/api/v1/deliberations/{id}/statements", post(api_statement))
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        SCRIPT,
    )
        .into_response()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn peer_ip(ext: &axum::http::Extensions) -> IpAddr {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn random_hex32() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source works");
    hex::encode(b)
}

/// Who is taking part: a signed-in user, or the anonymous cookie (created when missing).
struct Who {
    session: Option<Session>,
    /// The cookie token of an anonymous participant.
    token: Option<String>,
    /// A `Set-Cookie` value to send when the token is new.
    new_cookie: Option<String>,
}

impl Who {
    fn subject(&self) -> String {
        match (&self.session, &self.token) {
            (Some(s), _) => format!("user:{}", s.user.username),
            (None, Some(t)) => format!("anon:{}", hex::encode(Sha256::digest(t.as_bytes()))),
            (None, None) => String::new(),
        }
    }

    fn anonymous(&self) -> bool {
        self.session.is_none()
    }

    fn csrf(&self, s: &AppState) -> String {
        match (&self.session, &self.token) {
            (Some(session), _) => session.csrf_secret.clone(),
            (None, Some(t)) => s.participation.anon_csrf(t),
            (None, None) => String::new(),
        }
    }

    fn csrf_ok(&self, s: &AppState, given: &str) -> bool {
        self.new_cookie.is_none() && auth::secrets_equal(given, &self.csrf(s))
    }

    fn apply(&self, resp: &mut Response) {
        if let Some(c) = &self.new_cookie
            && let Ok(v) = HeaderValue::from_str(c)
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
}

async fn who(s: &AppState, headers: &HeaderMap) -> Result<Who, ApiError> {
    if let Some(session) = auth::current_session(s, headers).await? {
        return Ok(Who {
            session: Some(session),
            token: None,
            new_cookie: None,
        });
    }
    match cookie(headers, PARTICIPANT_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Some(t) => Ok(Who {
            session: None,
            token: Some(t.to_owned()),
            new_cookie: None,
        }),
        None => {
            let t = random_hex32();
            let c = format!(
                "{PARTICIPANT_COOKIE}={t}; HttpOnly; SameSite=Lax; Path=/; Max-Age=31536000{}",
                if s.auth.secure_cookies {
                    "; Secure"
                } else {
                    ""
                }
            );
            Ok(Who {
                session: None,
                token: Some(t),
                new_cookie: Some(c),
            })
        }
    }
}

fn title(c: &ConversationSummary, lang: Lang) -> &str {
    let (first, second) = match lang {
        Lang::Zh => (&c.info.title_zh, &c.info.title_en),
        Lang::En => (&c.info.title_en, &c.info.title_zh),
    };
    first.as_deref().or(second.as_deref()).unwrap_or(&c.info.id)
}

fn too_many(lang: Lang, retry: u64) -> Response {
    let mut r = auth::message_page(lang, StatusCode::TOO_MANY_REQUESTS, "part.rate_limited");
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry));
    r
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        Json(json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail,
            "code": code,
        })),
    )
        .into_response()
}

fn too_many_api(retry: u64) -> Response {
    let mut r = problem(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many submissions; wait and try again",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry));
    r
}

/// The kind of submission a rate limit counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Vote,
    Statement,
    NoPow,
}

/// Per-IP and per-participant limits (§5.6 layered defence). `Err(retry-after seconds)`.
fn rate(s: &AppState, ip: IpAddr, conv: &str, subject: &str, kind: Kind) -> Result<(), u64> {
    let p = &s.participation;
    let (name, limit) = match kind {
        Kind::Vote => ("vote", p.limits.votes_per_minute),
        Kind::Statement => ("statement", p.limits.statements_per_minute),
        Kind::NoPow => ("nopow", p.limits.no_pow_per_minute),
    };
    p.limiter.allow(
        format!("{name}:ip:{}", pow::prefix(ip)),
        limit.saturating_mul(4),
        p.window,
    )?;
    p.limiter
        .allow(format!("{name}:{conv}:{subject}"), limit, p.window)
}

/// A fresh challenge for `action` on `conv` at the adaptive difficulty (§5.1, §5.5).
fn challenge(s: &AppState, ip: IpAddr, conv: &str, action: &str) -> (String, u8, u64) {
    let now = unix_now();
    let bits = s.participation.difficulty.issue(ip, conv, now);
    let ttl = s.participation.ttl_secs;
    (
        s.participation.keys.issue(conv, action, bits, now, ttl),
        bits,
        now + ttl,
    )
}

/// Verifies a solution (§5.4 steps 1-6); the store redeems it (step 7) with the submission.
fn check_pow(
    s: &AppState,
    conv: &str,
    action: &str,
    payload: &[u8; 32],
    challenge: &str,
    nonce: &str,
) -> Result<SpentChallenge, PowError> {
    let nonce: u64 = nonce.trim().parse().map_err(|_| PowError::Malformed)?;
    let now = unix_now();
    let v = s
        .participation
        .keys
        .verify(challenge, conv, action, payload, nonce, now)?;
    Ok(SpentChallenge {
        rand: hex::encode(v.rand),
        scope: hex::encode(pow::scope(conv, action)),
        bits: v.bits,
        expires_at: i64::try_from(v.expires_at).unwrap_or(i64::MAX),
        spent_at: i64::try_from(now).unwrap_or(i64::MAX),
    })
}

/// Every [`PURGE_EVERY`] redemptions, deletes expired challenges from the replay set (§5.4:
/// only unexpired ones need remembering, so the set stays bounded by issue rate × TTL).
const PURGE_EVERY: u32 = 256;

async fn after_redemption(s: &AppState) {
    let n = s
        .participation
        .redeemed
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if n % PURGE_EVERY == PURGE_EVERY - 1 {
        let now = i64::try_from(unix_now()).unwrap_or(i64::MAX);
        match s.store.participation().purge_spent(now).await {
            Ok(k) => tracing::debug!("purged {k} expired proof-of-work challenges"),
            Err(e) => tracing::warn!("cannot purge expired proof-of-work challenges: {e}"),
        }
    }
}

fn pow_error_key(e: PowError) -> &'static str {
    match e {
        PowError::Malformed => "part.pow_malformed",
        PowError::BadTag => "part.pow_bad_tag",
        PowError::Expired => "part.pow_expired",
        PowError::WrongScope => "part.pow_wrong_scope",
        PowError::InsufficientWork => "part.pow_insufficient",
        PowError::Replayed => "part.pow_replayed",
    }
}

fn pow_refused(lang: Lang, e: PowError) -> Response {
    tracing::info!(code = e.code(), "proof of work refused");
    let status = if e == PowError::Replayed {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut r = auth::message_page(lang, status, pow_error_key(e));
    r.headers_mut()
        .insert("x-concord-pow-error", HeaderValue::from_static(e.code()));
    r
}

fn vote_of(s: &str) -> Option<Vote> {
    match s {
        "agree" => Some(Vote::Agree),
        "disagree" => Some(Vote::Disagree),
        "pass" => Some(Vote::Pass),
        _ => None,
    }
}

fn vote_name(v: Vote) -> &'static str {
    match v {
        Vote::Agree => "agree",
        Vote::Disagree => "disagree",
        Vote::Pass => "pass",
    }
}

/// Checks a new statement's text: 1 to [`MAX_STATEMENT_CHARS`] characters after trimming, no
/// control characters but line breaks and tabs. Returns the text to store (line breaks as LF).
fn clean_statement(text: &str) -> Result<String, &'static str> {
    let t = text.replace("\r\n", "\n");
    let t = t.trim();
    if t.is_empty() {
        return Err("part.text_empty");
    }
    if t.chars().count() > MAX_STATEMENT_CHARS {
        return Err("part.text_long");
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("part.text_control");
    }
    Ok(t.to_owned())
}

async fn summary(s: &AppState, id: &str) -> Result<Option<ConversationSummary>, ApiError> {
    Ok(s.store.deliberation().get_conversation(id).await?)
}

/// The next statement for `pid` (engine priorities, §12 of the Polis reference), counting the
/// participant's held votes as answered so a held vote does not bring the statement back.
async fn next_for(s: &AppState, id: &str, pid: Option<u32>) -> Result<Option<Statement>, ApiError> {
    let Some(mut conv) = s.store.deliberation().load_conversation(id).await? else {
        return Ok(None);
    };
    let pid = match pid {
        Some(p) => {
            for h in s.store.participation().held_votes(id, 10_000).await? {
                if h.vote.pid == p {
                    conv.votes.push(h.vote);
                }
            }
            p
        }
        // Not yet a participant: an id no one has, so nothing counts as answered.
        None => conv.participants.keys().max().map_or(0, |m| m + 1),
    };
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).expect("the operating system's random source works");
    let seed = u64::from_le_bytes(seed);
    let conv: Conversation = conv;
    // PCA and clustering take time on large conversations: off the async runtime.
    tokio::task::spawn_blocking(move || {
        let a = analyze(&conv, &Params::default());
        next_statement(
            &conv,
            &a,
            pid,
            NextParams {
                strict_moderation: true,
                seed,
            },
        )
        .and_then(|t| conv.statements.get(&t).cloned())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("deliberation analysis panicked: {e}")))
}

#[derive(Debug, Default, Deserialize)]
struct PageParams {
    lang: Option<String>,
    done: Option<String>,
}

fn not_found(lang: Lang) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::response::Html(pages::not_found(lang, lang.t("delib.not_found"))),
    )
        .into_response()
}

async fn vote_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
) -> Result<Response, ApiError> {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let Some(c) = summary(&s, &id).await? else {
        return Ok(not_found(lang));
    };
    let who = who(&s, &headers).await?;
    let pid = s
        .store
        .participation()
        .find_participant(&id, &who.subject())
        .await?;
    let profile = match pid {
        Some(pid) => s.store.participation().participant(&id, pid).await?,
        None => None,
    };
    let open = c.info.status == ConversationStatus::Open;
    let next = if open {
        next_for(&s, &id, pid).await?
    } else {
        None
    };
    let ip = peer_ip(&ext);
    let csrf = who.csrf(&s);
    let l = lang.code();
    let done_key = match p.done.as_deref() {
        Some("vote") => Some("part.done_vote"),
        Some("held") => Some("part.done_held"),
        Some("statement") => Some("part.done_statement"),
        Some("profile") => Some("part.done_profile"),
        _ => None,
    };
    let (cat, reg) = profile
        .as_ref()
        .map(|(p, _)| (p.category.clone(), p.region.clone()))
        .unwrap_or_default();
    let body = html! {
        h1 { (title(&c, lang)) }
        @if !c.info.description.is_empty() { p { (c.info.description) } }
        p class="muted" {
            a href={ "/deliberations/" (id) "?lang=" (l) } { (lang.t("part.report")) }
        }
        @if let Some(k) = done_key { p role="status" class="notice" { (lang.t(k)) } }
        @if who.anonymous() {
            p class="muted" id="anon-note" { (lang.t("part.anonymous_note")) " "
                a href={ "/login?lang=" (l) "&next=" (pages::urlencode(&format!("/deliberations/{id}/vote?lang={l}"))) } { (lang.t("nav.signin")) } }
        } @else {
            p class="muted" { (lang.t("part.registered_note")) }
            @if who.session.as_ref().is_some_and(|x| x.user.role >= Role::Editor) {
                p { a href={ "/deliberations/" (id) "/moderate?lang=" (l) } id="moderate-link" { (lang.t("part.moderate")) } }
            }
        }
        @if !open {
            p role="status" { (lang.t("part.closed")) }
        } @else if let Some(st) = &next {
            section aria-labelledby="statement-h" {
                h2 id="statement-h" { (lang.t("part.statement")) }
                blockquote id="statement" lang=[st.lang.as_deref()] { (st.text) }
                (vote_form_html(&s, lang, &who, &id, st.tid, &csrf, ip))
            }
        } @else {
            p role="status" id="all-done" { (lang.t("part.nothing_left")) }
        }
        @if open {
            section aria-labelledby="add-h" {
                h2 id="add-h" { (lang.t("part.add")) }
                p class="muted" { (lang.t("part.add_note")) }
                (statement_form_html(&s, lang, &who, &id, &csrf, ip))
            }
        }
        section aria-labelledby="profile-h" {
            h2 id="profile-h" { (lang.t("part.profile")) }
            p class="muted" { (lang.t("part.profile_note")) }
            form method="post" action={ "/deliberations/" (id) "/profile" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="lang" value=(l);
                p { label { (lang.t("delib.category")) br;
                    select name="category" id="category" {
                        option value="" { "—" }
                        @for k in CATEGORIES {
                            option value=(k) selected[cat.as_deref() == Some(*k)] { (lang.value(&format!("cat_{k}"))) }
                        }
                    }
                } }
                p { label { (lang.t("part.region")) br;
                    select name="region" id="region" {
                        option value="" { "—" }
                        @for k in REGIONS {
                            option value=(k) selected[reg.as_deref() == Some(*k)] { (lang.value(&format!("region_{k}"))) }
                        }
                    }
                } }
                p { button type="submit" id="save-profile" { (lang.t("part.save")) } }
            }
        }
        script src="/static/participate.js" defer {}
    };
    let switch = format!("/deliberations/{id}/vote?lang={}", lang.other().code());
    let mut resp = private_page(
        StatusCode::OK,
        pages::layout(lang, title(&c, lang), &switch, body),
    );
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(VOTE_CSP),
    );
    who.apply(&mut resp);
    Ok(resp)
}

fn pow_fields(
    s: &AppState,
    lang: Lang,
    who: &Who,
    id: &str,
    action: &str,
    ip: IpAddr,
    status_id: &str,
) -> Markup {
    if !who.anonymous() {
        return html! {};
    }
    let (wire, bits, _) = challenge(s, ip, id, action);
    html! {
        input type="hidden" name="challenge" value=(wire);
        input type="hidden" name="nonce" value="";
        input type="hidden" name="solve_ms" value="";
        p class="muted" id=(status_id) aria-live="polite"
            data-working=(lang.t("part.pow_working")) data-done=(lang.t("part.pow_done")) {
            (lang.t("part.pow_note").replace("{bits}", &bits.to_string()))
        }
        noscript { p class="muted" { (lang.t("part.nojs_note")) } }
    }
}

fn vote_form_html(
    s: &AppState,
    lang: Lang,
    who: &Who,
    id: &str,
    tid: u32,
    csrf: &str,
    ip: IpAddr,
) -> Markup {
    html! {
        form method="post" action={ "/deliberations/" (id) "/vote" } id="vote-form"
            data-pow[who.anonymous()] data-action="vote" data-conversation=(id) data-status="vote-status" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            input type="hidden" name="tid" value=(tid);
            (pow_fields(s, lang, who, id, "vote", ip, "vote-status"))
            p class="buttons" {
                button type="submit" name="vote" value="agree" id="agree" style=(BIG) { (lang.t("part.agree")) } " "
                button type="submit" name="vote" value="disagree" id="disagree" style=(BIG) { (lang.t("part.disagree")) } " "
                button type="submit" name="vote" value="pass" id="pass" style=(BIG) { (lang.t("part.pass")) }
            }
        }
    }
}

fn statement_form_html(
    s: &AppState,
    lang: Lang,
    who: &Who,
    id: &str,
    csrf: &str,
    ip: IpAddr,
) -> Markup {
    html! {
        form method="post" action={ "/deliberations/" (id) "/statements" } id="statement-form"
            data-pow[who.anonymous()] data-action="statement" data-conversation=(id) data-status="statement-status" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            p { label for="text" { (lang.t("part.your_statement")) } br;
                textarea name="text" id="text" rows="3" cols="60" maxlength=(MAX_STATEMENT_CHARS) required {} }
            (pow_fields(s, lang, who, id, "statement", ip, "statement-status"))
            p { button type="submit" id="submit-statement" { (lang.t("part.submit")) } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VoteForm {
    csrf: String,
    lang: Option<String>,
    tid: String,
    vote: String,
    challenge: String,
    nonce: String,
    solve_ms: String,
}

fn back(id: &str, lang: Lang, done: &str) -> Response {
    Redirect::to(&format!(
        "/deliberations/{id}/vote?lang={}&done={done}",
        lang.code()
    ))
    .into_response()
}

/// Checks the conversation, the CSRF token and that the conversation is open.
async fn form_gate(
    s: &AppState,
    id: &str,
    lang: Lang,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Result<Who, Response>, ApiError> {
    let Some(c) = summary(s, id).await? else {
        return Ok(Err(not_found(lang)));
    };
    let who = who(s, headers).await?;
    if !who.csrf_ok(s, csrf) {
        return Ok(Err(auth::message_page(
            lang,
            StatusCode::FORBIDDEN,
            "auth.csrf",
        )));
    }
    if c.info.status != ConversationStatus::Open {
        return Ok(Err(auth::message_page(
            lang,
            StatusCode::CONFLICT,
            "part.closed",
        )));
    }
    Ok(Ok(who))
}

/// The participant id, created on the first accepted submission (so refused attempts leave
/// no participant behind).
async fn pid_of(s: &AppState, id: &str, who: &Who) -> Result<u32, ApiError> {
    s.store
        .participation()
        .participant_for(id, &who.subject(), who.anonymous(), now_ms())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no deliberation {id:?}")))
}

async fn vote_form(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    Form(f): Form<VoteForm>,
) -> Result<Response, ApiError> {
    let lang = lang_of(f.lang.as_deref(), &headers);
    let who = match form_gate(&s, &id, lang, &headers, &f.csrf).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let (Ok(tid), Some(vote)) = (f.tid.trim().parse::<u32>(), vote_of(&f.vote)) else {
        return Ok(auth::message_page(
            lang,
            StatusCode::BAD_REQUEST,
            "part.bad_vote",
        ));
    };
    let ip = peer_ip(&ext);
    let with_pow = !f.nonce.trim().is_empty();
    let kind = if who.anonymous() && !with_pow {
        Kind::NoPow
    } else {
        Kind::Vote
    };
    if let Err(retry) = rate(&s, ip, &id, &who.subject(), kind) {
        tracing::warn!(%ip, "participation rate limit reached");
        return Ok(too_many(lang, retry));
    }
    let spent = if who.anonymous() && with_pow {
        let payload = pow::vote_payload(&id, tid, vote_name(vote));
        match check_pow(&s, &id, "vote", &payload, &f.challenge, &f.nonce) {
            Ok(x) => {
                tracing::debug!(bits = x.bits, solve_ms = %f.solve_ms, "proof of work accepted");
                Some(x)
            }
            Err(e) => return Ok(pow_refused(lang, e)),
        }
    } else {
        None
    };
    let event = VoteEvent {
        pid: pid_of(&s, &id, &who).await?,
        tid,
        vote,
        timestamp_ms: now_ms(),
    };
    let p = s.store.participation();
    let (outcome, done) = if who.anonymous() && spent.is_none() {
        // §5.7: no JavaScript, no proof of work: held for a moderator instead of refused.
        (p.hold_vote(&id, event).await?, "held")
    } else {
        (p.record_vote(&id, event, spent.as_ref()).await?, "vote")
    };
    if spent.is_some() && matches!(outcome, Submitted::Stored(_)) {
        after_redemption(&s).await;
    }
    Ok(match outcome {
        Submitted::Stored(_) => back(&id, lang, done),
        Submitted::Replayed => pow_refused(lang, PowError::Replayed),
        Submitted::NotFound => auth::message_page(lang, StatusCode::NOT_FOUND, "part.no_statement"),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StatementForm {
    csrf: String,
    lang: Option<String>,
    text: String,
    challenge: String,
    nonce: String,
    solve_ms: String,
}

async fn statement_form(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    Form(f): Form<StatementForm>,
) -> Result<Response, ApiError> {
    let lang = lang_of(f.lang.as_deref(), &headers);
    let who = match form_gate(&s, &id, lang, &headers, &f.csrf).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let text = match clean_statement(&f.text) {
        Ok(t) => t,
        Err(k) => return Ok(auth::message_page(lang, StatusCode::BAD_REQUEST, k)),
    };
    let ip = peer_ip(&ext);
    let with_pow = !f.nonce.trim().is_empty();
    let kind = if who.anonymous() && !with_pow {
        Kind::NoPow
    } else {
        Kind::Statement
    };
    if let Err(retry) = rate(&s, ip, &id, &who.subject(), kind) {
        tracing::warn!(%ip, "participation rate limit reached");
        return Ok(too_many(lang, retry));
    }
    let spent = if who.anonymous() && with_pow {
        let payload = pow::statement_payload(&id, &f.text);
        match check_pow(&s, &id, "statement", &payload, &f.challenge, &f.nonce) {
            Ok(x) => Some(x),
            Err(e) => return Ok(pow_refused(lang, e)),
        }
    } else {
        None
    };
    tracing::debug!(solve_ms = %f.solve_ms, pow = spent.is_some(), "statement received");
    let pid = pid_of(&s, &id, &who).await?;
    // Every statement goes to moderation; one without proof of work is marked so in the queue.
    let out = s
        .store
        .participation()
        .add_statement(&id, &text, Some(lang.code()), pid, now_ms(), spent.as_ref())
        .await?;
    if spent.is_some() && matches!(out, Submitted::Stored(_)) {
        after_redemption(&s).await;
    }
    Ok(match out {
        Submitted::Stored(_) => back(&id, lang, "statement"),
        Submitted::Replayed => pow_refused(lang, PowError::Replayed),
        Submitted::NotFound => not_found(lang),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProfileForm {
    csrf: String,
    lang: Option<String>,
    category: String,
    region: String,
}

async fn profile_form(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<ProfileForm>,
) -> Result<Response, ApiError> {
    let lang = lang_of(f.lang.as_deref(), &headers);
    let pick = |v: &str, list: &[&str]| -> Result<Option<String>, ()> {
        match v.trim() {
            "" => Ok(None),
            x if list.contains(&x) => Ok(Some(x.to_owned())),
            _ => Err(()),
        }
    };
    let (Ok(category), Ok(region)) = (pick(&f.category, CATEGORIES), pick(&f.region, REGIONS))
    else {
        return Ok(auth::message_page(
            lang,
            StatusCode::BAD_REQUEST,
            "part.bad_profile",
        ));
    };
    let who = match form_gate(&s, &id, lang, &headers, &f.csrf).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let pid = pid_of(&s, &id, &who).await?;
    s.store
        .participation()
        .set_profile(&id, pid, category.as_deref(), region.as_deref())
        .await?;
    Ok(back(&id, lang, "profile"))
}

// ---------------------------------------------------------------- editors

#[derive(Debug, Default, Deserialize)]
struct LangOnly {
    lang: Option<String>,
}

async fn new_page(
    State(s): State<AppState>,
    Query(p): Query<LangOnly>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let next = format!("/deliberations/new?lang={}", lang.code());
    match require(&s, &headers, Role::Editor, &next).await {
        Ok(session) => new_form(lang, &session, &NewForm::default(), None, StatusCode::OK),
        Err(d) => d.into_response(lang),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewForm {
    csrf: String,
    lang: Option<String>,
    id: String,
    title_en: String,
    title_zh: String,
    description: String,
    /// Seed statements, one per line (accepted at once).
    seeds: String,
}

fn new_form(
    lang: Lang,
    session: &Session,
    f: &NewForm,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let body = html! {
        h1 { (lang.t("part.new")) }
        @if let Some(e) = &error { p class="error" role="alert" { (e) } }
        form method="post" action="/deliberations/new" {
            (csrf_field(session))
            input type="hidden" name="lang" value=(lang.code());
            p { label { (lang.t("part.slug")) br; input name="id" id="id" value=(f.id) required maxlength="64" pattern="[a-z0-9_-]{1,64}"; } }
            p { label { (lang.t("part.title_en")) br; input name="title_en" id="title_en" value=(f.title_en) maxlength="300"; } }
            p { label { (lang.t("part.title_zh")) br; input name="title_zh" id="title_zh" value=(f.title_zh) maxlength="300"; } }
            p { label { (lang.t("part.description")) br; textarea name="description" id="description" rows="3" cols="60" maxlength="5000" { (f.description) } } }
            p { label { (lang.t("part.seeds")) br; textarea name="seeds" id="seeds" rows="6" cols="60" { (f.seeds) } } }
            p { button type="submit" id="create" { (lang.t("part.create")) } }
        }
    };
    private_page(
        status,
        pages::layout(
            lang,
            lang.t("part.new"),
            &format!("/deliberations/new?lang={}", lang.other().code()),
            body,
        ),
    )
}

async fn create(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<NewForm>) -> Response {
    let lang = lang_of(f.lang.as_deref(), &headers);
    match create_inner(&s, &headers, lang, f).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

async fn create_inner(
    s: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    f: NewForm,
) -> Result<Response, Denied> {
    let next = format!("/deliberations/new?lang={}", lang.code());
    let session = require_post(s, headers, Role::Editor, &next, Some(&f.csrf)).await?;
    let id = f.id.trim().to_owned();
    let fail = |msg: String| {
        Ok(new_form(
            lang,
            &session,
            &f,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    };
    if !concord_store::deliberation::valid_slug(&id) || id == "new" {
        return fail(lang.t("part.bad_slug").to_owned());
    }
    let opt = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let (title_en, title_zh) = (opt(&f.title_en), opt(&f.title_zh));
    if title_en.is_none() && title_zh.is_none() {
        return fail(lang.t("part.need_title").to_owned());
    }
    let mut seeds = Vec::new();
    for (i, line) in f.seeds.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        match clean_statement(line) {
            Ok(t) => seeds.push(Statement {
                tid: i as u32,
                text: t,
                lang: None,
                moderation: Moderation::Accepted,
                author: None,
                created_ms: Some(now_ms()),
                is_seed: true,
            }),
            Err(k) => return fail(format!("{} {}: {}", lang.t("part.seeds"), i + 1, lang.t(k))),
        }
    }
    let info = ConversationInfo {
        id: id.clone(),
        title_zh,
        title_en,
        description: f.description.trim().chars().take(5000).collect(),
        created_at: String::new(),
        status: ConversationStatus::Open,
    };
    let d = s.store.deliberation();
    if !d.create_conversation(&info).await.map_err(ApiError::from)? {
        return fail(lang.t("part.slug_taken").to_owned());
    }
    d.add_statements(&id, &seeds)
        .await
        .map_err(ApiError::from)?;
    audit(
        s,
        &session,
        "deliberation.create",
        &id,
        json!({ "seeds": seeds.len() }),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/deliberations/{id}/moderate?lang={}",
        lang.code()
    ))
    .into_response())
}

async fn audit(
    s: &AppState,
    session: &Session,
    action: &str,
    id: &str,
    summary: serde_json::Value,
) -> Result<(), ApiError> {
    s.store
        .accounts()
        .append_audit(&NewAudit {
            username: session.user.username.clone(),
            action: action.to_owned(),
            target_kind: "deliberation".to_owned(),
            target_id: id.to_owned(),
            summary,
        })
        .await?;
    Ok(())
}

async fn moderate_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<LangOnly>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    match moderate_page_inner(&s, &id, lang, &headers).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

async fn moderate_page_inner(
    s: &AppState,
    id: &str,
    lang: Lang,
    headers: &HeaderMap,
) -> Result<Response, Denied> {
    let l = lang.code();
    let next = format!("/deliberations/{id}/moderate?lang={l}");
    let session = require(s, headers, Role::Editor, &next).await?;
    let Some(c) = summary(s, id).await? else {
        return Ok(not_found(lang));
    };
    let p = s.store.participation();
    let queue = p.moderation_queue(id).await.map_err(ApiError::from)?;
    let held = p.held_votes(id, 500).await.map_err(ApiError::from)?;
    let conv = s
        .store
        .deliberation()
        .load_conversation(id)
        .await
        .map_err(ApiError::from)?
        .unwrap_or_default();
    let action = format!("/deliberations/{id}/moderate");
    let body = html! {
        h1 { (lang.t("part.moderate")) ": " (title(&c, lang)) }
        p { a href={ "/deliberations/" (id) "/vote?lang=" (l) } { (lang.t("part.vote_page")) } " · "
            a href={ "/deliberations/" (id) "?lang=" (l) } { (lang.t("part.report")) } }
        form method="post" action=(action) {
            (csrf_field(&session))
            input type="hidden" name="lang" value=(l);
            @if c.info.status == ConversationStatus::Open {
                p { (lang.t("delib.open")) " " button type="submit" name="op" value="close" id="close" { (lang.t("part.close")) } }
            } @else {
                p { (lang.t("delib.closed")) " " button type="submit" name="op" value="open" id="reopen" { (lang.t("part.open")) } }
            }
        }
        h2 { (lang.t("part.queue")) " (" (queue.len()) ")" }
        @if queue.is_empty() { p id="queue-empty" { (lang.t("part.queue_empty")) } }
        ul id="queue" {
            @for q in &queue {
                li {
                    blockquote { (q.statement.text) }
                    p class="muted" {
                        @if q.anonymous { (lang.t("part.by_anonymous")) } @else { (lang.t("part.by_registered")) }
                        " · "
                        @match q.pow_bits {
                            Some(b) => { (lang.t("part.with_pow").replace("{bits}", &b.to_string())) }
                            None => { @if q.from_platform && q.anonymous { strong { (lang.t("part.without_pow")) } } }
                        }
                    }
                    form method="post" action=(action) {
                        (csrf_field(&session))
                        input type="hidden" name="lang" value=(l);
                        input type="hidden" name="tid" value=(q.statement.tid);
                        button type="submit" name="op" value="accepted" id={ "accept-" (q.statement.tid) } { (lang.t("part.accept")) } " "
                        button type="submit" name="op" value="rejected" id={ "reject-" (q.statement.tid) } { (lang.t("part.reject")) } " "
                        button type="submit" name="op" value="meta" id={ "meta-" (q.statement.tid) } { (lang.t("part.meta")) }
                    }
                }
            }
        }
        h2 { (lang.t("part.held")) " (" (held.len()) ")" }
        p class="muted" { (lang.t("part.held_note")) }
        @if !held.is_empty() {
            form method="post" action=(action) {
                (csrf_field(&session))
                input type="hidden" name="lang" value=(l);
                table {
                    thead { tr { th { (lang.t("part.statement")) } th { (lang.t("part.vote")) } th { "" } } }
                    tbody {
                        @for h in &held {
                            tr {
                                td { (conv.statements.get(&h.vote.tid).map_or("", |s| s.text.as_str())) }
                                td { (lang.t(match h.vote.vote { Vote::Agree => "part.agree", Vote::Disagree => "part.disagree", Vote::Pass => "part.pass" })) }
                                td { label { input type="checkbox" name="held" value=(h.id) checked; " " (lang.t("part.select")) } }
                            }
                        }
                    }
                }
                p {
                    button type="submit" name="op" value="accept_held" id="accept-held" { (lang.t("part.accept_held")) } " "
                    button type="submit" name="op" value="discard_held" id="discard-held" { (lang.t("part.discard_held")) }
                }
            }
        }
    };
    let switch = format!("/deliberations/{id}/moderate?lang={}", lang.other().code());
    Ok(private_page(
        StatusCode::OK,
        pages::layout(lang, lang.t("part.moderate"), &switch, body),
    ))
}

async fn moderate(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    // A list of pairs: the held-vote checkboxes repeat the `held` field.
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let lang = lang_of(get("lang"), &headers);
    match moderate_inner(&s, &id, lang, &headers, &pairs).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

async fn moderate_inner(
    s: &AppState,
    id: &str,
    lang: Lang,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<Response, Denied> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let l = lang.code();
    let next = format!("/deliberations/{id}/moderate?lang={l}");
    let session = require_post(s, headers, Role::Editor, &next, get("csrf")).await?;
    if summary(s, id).await?.is_none() {
        return Ok(not_found(lang));
    }
    let p = s.store.participation();
    let op = get("op").unwrap_or("");
    let bad = || auth::message_page(lang, StatusCode::BAD_REQUEST, "part.bad_request");
    match op {
        "accepted" | "rejected" | "meta" => {
            let Some(tid) = get("tid").and_then(|t| t.parse::<u32>().ok()) else {
                return Ok(bad());
            };
            let m = match op {
                "accepted" => Moderation::Accepted,
                "rejected" => Moderation::Rejected,
                _ => Moderation::Meta,
            };
            if !p.set_moderation(id, tid, m).await.map_err(ApiError::from)? {
                return Ok(bad());
            }
            audit(
                s,
                &session,
                "deliberation.moderate",
                id,
                json!({ "tid": tid, "moderation": op }),
            )
            .await?;
        }
        "accept_held" | "discard_held" => {
            let ids: Vec<i64> = pairs
                .iter()
                .filter(|(k, _)| k == "held")
                .filter_map(|(_, v)| v.parse().ok())
                .collect();
            let accept = op == "accept_held";
            let n = p
                .release_held_votes(id, &ids, accept)
                .await
                .map_err(ApiError::from)?;
            audit(
                s,
                &session,
                "deliberation.held_votes",
                id,
                json!({ "accepted": accept, "votes": n }),
            )
            .await?;
        }
        "open" | "close" => {
            let st = if op == "open" {
                ConversationStatus::Open
            } else {
                ConversationStatus::Closed
            };
            s.store
                .deliberation()
                .set_status(id, st)
                .await
                .map_err(ApiError::from)?;
            audit(
                s,
                &session,
                "deliberation.status",
                id,
                json!({ "status": st.as_str() }),
            )
            .await?;
        }
        _ => return Ok(bad()),
    }
    Ok(Redirect::to(&next).into_response())
}

// ---------------------------------------------------------------- JSON API

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeParams {
    /// `vote` or `statement`.
    action: Option<String>,
}

async fn api_challenge(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<ChallengeParams>,
    ext: axum::http::Extensions,
) -> Result<Response, ApiError> {
    let action = p.action.as_deref().unwrap_or("vote");
    if action != "vote" && action != "statement" {
        return Err(ApiError::BadRequest(format!(
            "invalid `action`: {action:?} (expected vote or statement)"
        )));
    }
    if summary(&s, &id).await?.is_none() {
        return Err(ApiError::NotFound(format!("no deliberation {id:?}")));
    }
    let ip = peer_ip(&ext);
    let lim = s.participation.limits.challenges_per_minute;
    if let Err(retry) = s.participation.limiter.allow(
        format!("challenge:ip:{}", pow::prefix(ip)),
        lim,
        s.participation.window,
    ) {
        return Ok(too_many_api(retry));
    }
    let (wire, bits, expires_at) = challenge(&s, ip, &id, action);
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "challenge": wire,
            "bits": bits,
            "expires_at": expires_at,
            "action": action,
            "conversation": id,
            "algorithm": "SHA-256(\"pow/v1\\n\" || challenge || SHA-256(payload) || nonce u64 LE) has `bits` leading zero bits; payload: \"vote\\n{conversation}\\n{tid}\\n{agree|disagree|pass}\" or \"statement\\n{conversation}\\n{text}\"",
        })),
    )
        .into_response())
}

async fn api_next(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(c) = summary(&s, &id).await? else {
        return Err(ApiError::NotFound(format!("no deliberation {id:?}")));
    };
    let who = who(&s, &headers).await?;
    let pid = s
        .store
        .participation()
        .find_participant(&id, &who.subject())
        .await?;
    let next = if c.info.status == ConversationStatus::Open {
        next_for(&s, &id, pid).await?
    } else {
        None
    };
    let mut r = Json(json!({
        "open": c.info.status == ConversationStatus::Open,
        "participant": pid,
        "anonymous": who.anonymous(),
        "statement": next.map(|st| json!({ "tid": st.tid, "text": st.text, "lang": st.lang })),
    }))
    .into_response();
    who.apply(&mut r);
    Ok(r)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiVote {
    tid: u32,
    vote: String,
    challenge: Option<String>,
    nonce: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiStatement {
    text: String,
    lang: Option<String>,
    challenge: Option<String>,
    nonce: Option<u64>,
}

/// The common part of the API's submissions: conversation open, rate limits. The `Who` comes
/// back in both cases so that a new participant cookie is always sent.
async fn api_gate(
    s: &AppState,
    id: &str,
    headers: &HeaderMap,
    ip: IpAddr,
    kind: Kind,
) -> Result<(Who, Option<Response>), ApiError> {
    let Some(c) = summary(s, id).await? else {
        return Err(ApiError::NotFound(format!("no deliberation {id:?}")));
    };
    let who = who(s, headers).await?;
    if c.info.status != ConversationStatus::Open {
        let r = problem(StatusCode::CONFLICT, "closed", "the conversation is closed");
        return Ok((who, Some(r)));
    }
    if let Err(retry) = rate(s, ip, id, &who.subject(), kind) {
        return Ok((who, Some(too_many_api(retry))));
    }
    Ok((who, None))
}

fn pow_problem(e: PowError) -> Response {
    tracing::info!(code = e.code(), "proof of work refused");
    let status = if e == PowError::Replayed {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    };
    problem(status, e.code(), &e.to_string())
}

fn pow_required() -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "pow_required",
        "anonymous submissions need `challenge` (GET .../challenge) and a solving `nonce`",
    )
}

async fn api_vote(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    body: Result<Json<ApiVote>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(v) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let Some(vote) = vote_of(&v.vote) else {
        return Err(ApiError::BadRequest(format!(
            "invalid `vote`: {:?} (expected agree, disagree or pass)",
            v.vote
        )));
    };
    let ip = peer_ip(&ext);
    let (who, early) = api_gate(&s, &id, &headers, ip, Kind::Vote).await?;
    let mut r = match early {
        Some(r) => r,
        None => api_vote_inner(&s, &id, &who, v, vote).await?,
    };
    who.apply(&mut r);
    Ok(r)
}

async fn api_vote_inner(
    s: &AppState,
    id: &str,
    who: &Who,
    v: ApiVote,
    vote: Vote,
) -> Result<Response, ApiError> {
    let spent = if who.anonymous() {
        let (Some(ch), Some(nonce)) = (&v.challenge, v.nonce) else {
            return Ok(pow_required());
        };
        let payload = pow::vote_payload(id, v.tid, vote_name(vote));
        match check_pow(s, id, "vote", &payload, ch, &nonce.to_string()) {
            Ok(x) => Some(x),
            Err(e) => return Ok(pow_problem(e)),
        }
    } else {
        None
    };
    let pid = pid_of(s, id, who).await?;
    let event = VoteEvent {
        pid,
        tid: v.tid,
        vote,
        timestamp_ms: now_ms(),
    };
    let bits = spent.as_ref().map(|x| x.bits);
    let outcome = s
        .store
        .participation()
        .record_vote(id, event, spent.as_ref())
        .await?;
    if spent.is_some() && matches!(outcome, Submitted::Stored(_)) {
        after_redemption(s).await;
    }
    Ok(match outcome {
        Submitted::Stored(_) => (
            StatusCode::CREATED,
            Json(json!({
                "participant": pid, "tid": v.tid, "vote": vote_name(vote),
                "anonymous": who.anonymous(), "pow_bits": bits,
            })),
        )
            .into_response(),
        Submitted::Replayed => pow_problem(PowError::Replayed),
        Submitted::NotFound => {
            ApiError::NotFound(format!("no statement {} open for votes in {id:?}", v.tid))
                .into_response()
        }
    })
}

async fn api_statement(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    body: Result<Json<ApiStatement>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(st) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let text = clean_statement(&st.text).map_err(|k| ApiError::BadRequest(Lang::En.t(k).into()))?;
    let lang = st
        .lang
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if l.len() <= 35 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                Ok(l.to_owned())
            } else {
                Err(ApiError::BadRequest(format!("invalid `lang`: {l:?}")))
            }
        })
        .transpose()?;
    let ip = peer_ip(&ext);
    let (who, early) = api_gate(&s, &id, &headers, ip, Kind::Statement).await?;
    let mut r = match early {
        Some(r) => r,
        None => api_statement_inner(&s, &id, &who, &st, &text, lang.as_deref()).await?,
    };
    who.apply(&mut r);
    Ok(r)
}

async fn api_statement_inner(
    s: &AppState,
    id: &str,
    who: &Who,
    st: &ApiStatement,
    text: &str,
    lang: Option<&str>,
) -> Result<Response, ApiError> {
    let spent = if who.anonymous() {
        let (Some(ch), Some(nonce)) = (&st.challenge, st.nonce) else {
            return Ok(pow_required());
        };
        let payload = pow::statement_payload(id, &st.text);
        match check_pow(s, id, "statement", &payload, ch, &nonce.to_string()) {
            Ok(x) => Some(x),
            Err(e) => return Ok(pow_problem(e)),
        }
    } else {
        None
    };
    let pid = pid_of(s, id, who).await?;
    let outcome = s
        .store
        .participation()
        .add_statement(id, text, lang, pid, now_ms(), spent.as_ref())
        .await?;
    if spent.is_some() && matches!(outcome, Submitted::Stored(_)) {
        after_redemption(s).await;
    }
    Ok(match outcome {
        Submitted::Stored(tid) => (
            StatusCode::CREATED,
            Json(json!({ "tid": tid, "moderation": "unmoderated", "anonymous": who.anonymous() })),
        )
            .into_response(),
        Submitted::Replayed => pow_problem(PowError::Replayed),
        Submitted::NotFound => {
            ApiError::NotFound(format!("no deliberation {id:?}")).into_response()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_checked() {
        assert_eq!(clean_statement("  a\r\nb  ").unwrap(), "a\nb");
        assert_eq!(clean_statement("   "), Err("part.text_empty"));
        assert_eq!(
            clean_statement(&"x".repeat(MAX_STATEMENT_CHARS + 1)),
            Err("part.text_long")
        );
        assert_eq!(clean_statement("a\u{7}b"), Err("part.text_control"));
        assert!(clean_statement(&"字".repeat(MAX_STATEMENT_CHARS)).is_ok());
    }

    #[test]
    fn limiter_counts_and_says_when_to_retry() {
        let l = Limiter::default();
        let w = Duration::from_secs(60);
        assert!(l.allow("a".into(), 2, w).is_ok());
        assert!(l.allow("a".into(), 2, w).is_ok());
        let retry = l.allow("a".into(), 2, w).unwrap_err();
        assert!((1..=60).contains(&retry));
        assert!(l.allow("b".into(), 2, w).is_ok());
        assert!(l.allow("c".into(), 1, Duration::ZERO).is_ok());
        assert!(
            l.allow("c".into(), 1, Duration::ZERO).is_ok(),
            "window over"
        );
    }

    #[test]
    fn anonymous_csrf_is_bound_to_the_cookie() {
        let p = ParticipationSettings::default();
        let a = p.anon_csrf(&"a".repeat(64));
        assert_eq!(a, p.anon_csrf(&"a".repeat(64)));
        assert_ne!(a, p.anon_csrf(&"b".repeat(64)));
        assert!(a.len() >= 32);
    }

    #[test]
    fn keys_exist_in_both_languages() {
        for (k, en, zh) in crate::i18n::STRINGS {
            if k.starts_with("part.") {
                assert!(!en.is_empty() && !zh.is_empty(), "{k}");
            }
        }
        for key in USED_KEYS {
            assert_ne!(Lang::En.t(key), *key, "{key}");
            assert_ne!(Lang::Zh.t(key), *key, "{key}");
        }
        for k in CATEGORIES {
            let key = format!("cat_{k}");
            assert_ne!(Lang::Zh.value(&key), key.replace('_', " "), "{k}");
        }
        for k in REGIONS {
            let key = format!("region_{k}");
            assert_ne!(Lang::Zh.value(&key), key.replace('_', " "), "{k}");
        }
    }

    const USED_KEYS: &[&str] = &[
        "part.rate_limited",
        "part.pow_malformed",
        "part.pow_bad_tag",
        "part.pow_expired",
        "part.pow_wrong_scope",
        "part.pow_insufficient",
        "part.pow_replayed",
        "part.text_empty",
        "part.text_long",
        "part.text_control",
        "part.report",
        "part.take_part",
        "part.done_vote",
        "part.done_held",
        "part.done_statement",
        "part.done_profile",
        "part.anonymous_note",
        "part.registered_note",
        "part.closed",
        "part.statement",
        "part.nothing_left",
        "part.add",
        "part.add_note",
        "part.profile",
        "part.profile_note",
        "part.region",
        "part.save",
        "part.pow_working",
        "part.pow_done",
        "part.pow_note",
        "part.nojs_note",
        "part.agree",
        "part.disagree",
        "part.pass",
        "part.your_statement",
        "part.submit",
        "part.bad_vote",
        "part.no_statement",
        "part.bad_profile",
        "part.new",
        "part.slug",
        "part.title_en",
        "part.title_zh",
        "part.description",
        "part.seeds",
        "part.create",
        "part.bad_slug",
        "part.need_title",
        "part.slug_taken",
        "part.moderate",
        "part.vote_page",
        "part.close",
        "part.open",
        "part.queue",
        "part.queue_empty",
        "part.by_anonymous",
        "part.by_registered",
        "part.with_pow",
        "part.without_pow",
        "part.accept",
        "part.reject",
        "part.meta",
        "part.held",
        "part.held_note",
        "part.vote",
        "part.select",
        "part.accept_held",
        "part.discard_held",
        "part.bad_request",
    ];
}
