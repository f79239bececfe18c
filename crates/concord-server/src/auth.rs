//! Sign-in for editors: accounts with argon2id password hashes, server-side sessions in a
//! cookie, CSRF tokens on every form, a login rate limit, and role checks.
//!
//! * **Passwords**: argon2id with the `argon2` crate's defaults (19 MiB, 2 passes, 1 lane —
//!   OWASP's minimum), as PHC strings. Verification runs on the blocking pool, never on the
//!   async workers; an unknown username is verified against a dummy hash so that it takes as
//!   long as a wrong password.
//! * **Sessions**: a random 256-bit token in the cookie (`HttpOnly; SameSite=Lax; Path=/`, plus
//!   `Secure` and the `__Host-` name prefix when [`AuthSettings::secure_cookies`] is on); the
//!   store keeps only its SHA-256. Sessions expire after [`AuthSettings::session_seconds`];
//!   signing out deletes the row, so a copied cookie stops working.
//! * **CSRF**: every session has its own random secret, sent as a hidden form field and compared
//!   in constant time on every POST. The login form, used before any session exists, uses a
//!   double-submit cookie instead.
//! * **Rate limit**: at most [`AuthSettings::login_attempts`] sign-in attempts per client IP and
//!   username per [`AuthSettings::login_window`]; the next one gets a 429 page. Kept in memory
//!   (one process); the client IP is the TCP peer (a reverse proxy's address when behind one).
//! * **Logs**: successful sign-ins name the user; failures name only the IP; passwords, tokens
//!   and CSRF secrets are never logged.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::{
    Form, Router,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use concord_store::{NewSession, Role, Session, User};
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{ApiError, AppState, i18n::Lang, pages};

/// Shortest password `concord user add` and `passwd` accept.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (bounds the work one sign-in can cause).
pub const MAX_PASSWORD_BYTES: usize = 1024;
const MAX_USERNAME_CHARS: usize = 64;
const LOGIN_CSRF_COOKIE: &str = "concord_login_csrf";

/// Sign-in settings and the in-memory login rate limiter.
#[derive(Debug)]
pub struct AuthSettings {
    /// Mark cookies `Secure` (HTTPS only) and use the `__Host-` cookie name prefix.
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in.
    pub session_seconds: i64,
    /// Sign-in attempts allowed per client IP and username within [`Self::login_window`].
    pub login_attempts: u32,
    pub login_window: Duration,
    /// Largest text file the editor accepts for upload.
    pub max_upload_bytes: u64,
    attempts: Mutex<HashMap<(IpAddr, String), (Instant, u32)>>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            secure_cookies: false,
            session_seconds: 12 * 3600,
            login_attempts: 5,
            login_window: Duration::from_secs(60),
            max_upload_bytes: 100 * 1024 * 1024,
            attempts: Mutex::new(HashMap::new()),
        }
    }
}

impl AuthSettings {
    /// The name of the session cookie. `__Host-` makes browsers refuse it unless it is `Secure`,
    /// host-only and `Path=/`, so a sibling subdomain cannot plant one.
    pub fn session_cookie(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-concord_session"
        } else {
            "concord_session"
        }
    }

    fn cookie_attributes(&self, path: &str, max_age: i64, same_site: &str) -> String {
        format!(
            "HttpOnly; SameSite={same_site}; Path={path}; Max-Age={max_age}{}",
            if self.secure_cookies { "; Secure" } else { "" }
        )
    }

    /// Counts one attempt for (ip, username); `false` when the limit is already reached.
    pub(crate) fn allow_attempt(&self, ip: IpAddr, username: &str) -> bool {
        let now = Instant::now();
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            // Bounded memory under a flood of made-up usernames: drop finished windows.
            map.retain(|_, (start, _)| now.duration_since(*start) < self.login_window);
        }
        let entry = map.entry((ip, username.to_lowercase())).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.login_window {
            *entry = (now, 0);
        }
        if entry.1 >= self.login_attempts {
            return false;
        }
        entry.1 += 1;
        true
    }

    pub(crate) fn clear_attempts(&self, ip: IpAddr, username: &str) {
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&(ip, username.to_lowercase()));
    }
}

/// Hashes a password as an argon2id PHC string (random salt, default parameters). Slow on
/// purpose (19 MiB of memory and two passes): call it off the async runtime.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash of a random password, verified against when the username is unknown so that the
/// answer takes as long as for a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_hex(16)).unwrap_or_default())
}

/// Checks a new password against the length rules; the message says what is wrong.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "the password must have at most {MAX_PASSWORD_BYTES} bytes"
        ));
    }
    Ok(())
}

/// Checks a username: 1–64 characters of ASCII letters, digits, `.`, `_`, `-`, `@`.
pub fn check_username(name: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || name.chars().count() > MAX_USERNAME_CHARS || !name.chars().all(ok_char) {
        return Err(format!(
            "invalid username {name:?}: use 1 to {MAX_USERNAME_CHARS} ASCII letters, digits, '.', '_', '-' or '@'"
        ));
    }
    Ok(())
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The OS random source failing is not something a server can work around.
    getrandom::fill(&mut buf).expect("the operating system's random source works");
    hex::encode(buf)
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Constant-time equality of two secrets (length differences return early, which reveals only
/// the length, a public constant here).
pub(crate) fn secrets_equal(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The value of cookie `name` in the request.
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

/// Whether the request carries a session cookie at all (live or not): pages for requests
/// without one are anonymous and need no store lookup.
pub(crate) fn has_session_cookie(s: &AppState, headers: &HeaderMap) -> bool {
    cookie(headers, s.auth.session_cookie()).is_some_and(|t| !t.is_empty())
}

/// The session the request's cookie belongs to, if it is live.
pub(crate) async fn current_session(
    s: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Session>, ApiError> {
    let Some(token) = cookie(headers, s.auth.session_cookie()) else {
        return Ok(None);
    };
    // 64 hex digits; anything else cannot be a token of ours.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(s.store
        .accounts()
        .get_session(&sha256_hex(token), unix_now())
        .await?)
}

/// The page language from `?lang=` and `Accept-Language`.
pub(crate) fn lang_of(param: Option<&str>, headers: &HeaderMap) -> Lang {
    Lang::negotiate(
        param,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A page that must not be cached (it carries a CSRF token or private data).
pub(crate) fn private_page(status: StatusCode, body: String) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// A short page with a heading and a message (errors, refusals).
pub(crate) fn message_page(lang: Lang, status: StatusCode, key: &'static str) -> Response {
    let body = html! { h1 { (status.as_u16()) } p { (lang.t(key)) } };
    private_page(
        status,
        pages::layout(
            lang,
            lang.t(key),
            &format!("/?lang={}", lang.other().code()),
            body,
        ),
    )
}

/// A local path safe to redirect to after sign-in (no scheme, host or `//`), else `/`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Why a request was refused.
pub(crate) enum Denied {
    /// Not signed in: go to the sign-in page, then back to this path.
    SignIn(String),
    /// Signed in, but the role does not allow it.
    Forbidden,
    /// The CSRF token is missing or wrong.
    Csrf,
    Error(ApiError),
}

impl From<ApiError> for Denied {
    fn from(e: ApiError) -> Self {
        Denied::Error(e)
    }
}

impl Denied {
    pub(crate) fn into_response(self, lang: Lang) -> Response {
        match self {
            Denied::SignIn(next) => Redirect::to(&format!(
                "/login?lang={}&next={}",
                lang.code(),
                pages::urlencode(&next)
            ))
            .into_response(),
            Denied::Forbidden => message_page(lang, StatusCode::FORBIDDEN, "auth.forbidden"),
            Denied::Csrf => message_page(lang, StatusCode::FORBIDDEN, "auth.csrf"),
            Denied::Error(e) => e.into_response(),
        }
    }
}

/// The session of a signed-in user with at least `role`; `next` is where to come back to after
/// signing in.
pub(crate) async fn require(
    s: &AppState,
    headers: &HeaderMap,
    role: Role,
    next: &str,
) -> Result<Session, Denied> {
    match current_session(s, headers).await? {
        None => Err(Denied::SignIn(next.to_owned())),
        Some(session) if session.user.role < role => Err(Denied::Forbidden),
        Some(session) => Ok(session),
    }
}

/// [`require`] plus the CSRF check every state-changing request passes.
pub(crate) async fn require_post(
    s: &AppState,
    headers: &HeaderMap,
    role: Role,
    next: &str,
    csrf: Option<&str>,
) -> Result<Session, Denied> {
    let session = match current_session(s, headers).await? {
        None => return Err(Denied::SignIn(next.to_owned())),
        Some(session) => session,
    };
    if !secrets_equal(csrf.unwrap_or(""), &session.csrf_secret) {
        return Err(Denied::Csrf);
    }
    if session.user.role < role {
        return Err(Denied::Forbidden);
    }
    Ok(session)
}

/// The hidden CSRF field of a form posted by a signed-in user.
pub(crate) fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf_secret); }
}

/// Sign-in, sign-out and the audit trail.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/admin/audit", get(audit_page))
}

#[derive(Debug, Default, Deserialize)]
struct LoginParams {
    lang: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    lang: Option<String>,
    next: Option<String>,
}

fn login_form(lang: Lang, next: &str, csrf: &str, username: &str, error: Option<&str>) -> Markup {
    html! {
        h1 { (lang.t("auth.signin")) }
        @if let Some(e) = error { p class="error" role="alert" { (e) } }
        form method="post" action="/login" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            input type="hidden" name="next" value=(next);
            p { label { (lang.t("auth.username")) br; input name="username" id="username" value=(username) autocomplete="username" required maxlength="64"; } }
            p { label { (lang.t("auth.password")) br; input type="password" name="password" id="password" autocomplete="current-password" required; } }
            p { button type="submit" id="signin" { (lang.t("auth.signin")) } }
        }
    }
}

/// The sign-in page with a fresh double-submit CSRF cookie.
fn login_response(
    s: &AppState,
    lang: Lang,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    let token = random_hex(32);
    let body = login_form(lang, next, &token, username, error);
    let switch = format!(
        "/login?lang={}&next={}",
        lang.other().code(),
        pages::urlencode(next)
    );
    let mut resp = private_page(
        status,
        pages::layout(lang, lang.t("auth.signin"), &switch, body),
    );
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; {}",
        s.auth.cookie_attributes("/login", 3600, "Strict")
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn login_page(
    State(s): State<AppState>,
    Query(p): Query<LoginParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let next = safe_next(p.next.as_deref());
    if let Some(session) = current_session(&s, &headers).await? {
        let body = html! {
            h1 { (lang.t("auth.signin")) }
            p { (lang.t("auth.signed_in_as")) " " strong { (session.user.username) } " (" (lang.t(role_key(session.user.role))) ")" }
            ul {
                li { a href={ "/account/password?lang=" (lang.code()) } { (lang.t("account.password_title")) } }
                @if session.user.role >= Role::Editor {
                    li { a href={ "/documents/new?lang=" (lang.code()) } { (lang.t("edit.new")) } }
                }
                @if session.user.role >= Role::Admin {
                    li { a href={ "/admin/users?lang=" (lang.code()) } { (lang.t("users.title")) } }
                    li { a href={ "/admin/audit?lang=" (lang.code()) } { (lang.t("audit.title")) } }
                }
            }
            // The sign-out button is in the header (see `account`).
        };
        let switch = format!("/login?lang={}", lang.other().code());
        return Ok(private_page(
            StatusCode::OK,
            pages::layout(lang, lang.t("auth.signin"), &switch, body),
        ));
    }
    Ok(login_response(&s, lang, StatusCode::OK, &next, "", None))
}

pub(crate) fn logout_form(lang: Lang, session: &Session) -> Markup {
    html! {
        form method="post" action="/logout" {
            (csrf_field(session))
            input type="hidden" name="lang" value=(lang.code());
            button type="submit" id="signout" { (lang.t("auth.signout")) }
        }
    }
}

pub(crate) fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "role.admin",
        Role::Editor => "role.editor",
        Role::Viewer => "role.viewer",
    }
}

fn peer_ip(headers: &axum::http::Extensions) -> IpAddr {
    headers
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Form(f): Form<LoginForm>,
) -> Result<Response, ApiError> {
    let lang = lang_of(f.lang.as_deref(), &headers);
    let next = safe_next(f.next.as_deref());
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if !secrets_equal(&f.csrf, expected) {
        return Ok(message_page(lang, StatusCode::FORBIDDEN, "auth.csrf"));
    }
    let username: String = f.username.trim().chars().take(MAX_USERNAME_CHARS).collect();
    let ip = peer_ip(&extensions);
    if !s.auth.allow_attempt(ip, &username) {
        tracing::warn!(%ip, "sign-in rate limit reached");
        let mut resp = message_page(lang, StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited");
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(s.auth.login_window.as_secs()),
        );
        return Ok(resp);
    }
    let creds = s.store.accounts().get_user(&username).await?;
    let password = f.password;
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(login_response(
            &s,
            lang,
            StatusCode::UNAUTHORIZED,
            &next,
            &username,
            Some(lang.t("auth.failed")),
        ));
    }
    let hash = creds
        .as_ref()
        .filter(|c| !c.user.disabled)
        .map(|c| c.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            // Same work as a real check, so timing does not tell which usernames exist.
            verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("password check panicked: {e}")))?;
    let Some(user) = creds.filter(|_| ok).map(|c| c.user) else {
        tracing::info!(%ip, "sign-in failed");
        return Ok(login_response(
            &s,
            lang,
            StatusCode::UNAUTHORIZED,
            &next,
            &username,
            Some(lang.t("auth.failed")),
        ));
    };
    s.auth.clear_attempts(ip, &username);
    let session_cookie = start_session(&s, &user).await?;
    tracing::info!(user = %user.username, %ip, "signed in");
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie);
    let clear_login = format!(
        "{LOGIN_CSRF_COOKIE}=; {}",
        s.auth.cookie_attributes("/login", 0, "Strict")
    );
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear_login).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(resp)
}

/// Starts a new session for `user` (after sign-in or a password change); returns the
/// `Set-Cookie` value that carries its token.
pub(crate) async fn start_session(s: &AppState, user: &User) -> Result<HeaderValue, ApiError> {
    let token = random_hex(32);
    let now = unix_now();
    let accounts = s.store.accounts();
    accounts.purge_expired_sessions(now).await?;
    accounts
        .create_session(&NewSession {
            token_hash: sha256_hex(&token),
            user_id: user.id,
            created_at: now,
            expires_at: now + s.auth.session_seconds,
            csrf_secret: random_hex(32),
        })
        .await?;
    let cookie = format!(
        "{}={token}; {}",
        s.auth.session_cookie(),
        s.auth.cookie_attributes("/", s.auth.session_seconds, "Lax")
    );
    HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LogoutForm {
    csrf: String,
    lang: Option<String>,
}

async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Result<Response, ApiError> {
    let lang = lang_of(f.lang.as_deref(), &headers);
    if let Some(session) = current_session(&s, &headers).await? {
        if !secrets_equal(&f.csrf, &session.csrf_secret) {
            return Ok(message_page(lang, StatusCode::FORBIDDEN, "auth.csrf"));
        }
        s.store
            .accounts()
            .delete_session(&session.token_hash)
            .await?;
        tracing::info!(user = %session.user.username, "signed out");
    }
    let mut resp = Redirect::to(&format!("/?lang={}", lang.code())).into_response();
    let clear = format!(
        "{}=; {}",
        s.auth.session_cookie(),
        s.auth.cookie_attributes("/", 0, "Lax")
    );
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(resp)
}

#[derive(Debug, Default, Deserialize)]
struct AuditParams {
    lang: Option<String>,
    offset: Option<String>,
}

const AUDIT_PAGE: u32 = 100;

async fn audit_page(
    State(s): State<AppState>,
    Query(p): Query<AuditParams>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    match audit_inner(&s, &p, &headers, lang).await {
        Ok(r) => r,
        Err(d) => d.into_response(lang),
    }
}

async fn audit_inner(
    s: &AppState,
    p: &AuditParams,
    headers: &HeaderMap,
    lang: Lang,
) -> Result<Response, Denied> {
    let next = format!("/admin/audit?lang={}", lang.code());
    let session = require(s, headers, Role::Admin, &next).await?;
    let offset: u32 = crate::parse_num("offset", &p.offset)?.unwrap_or(0);
    let rows = s
        .store
        .accounts()
        .list_audit(AUDIT_PAGE, offset)
        .await
        .map_err(ApiError::from)?;
    let body = html! {
        h1 { (lang.t("audit.title")) }
        p class="muted" { (lang.t("auth.signed_in_as")) " " (session.user.username) }
        table {
            thead { tr {
                th { (lang.t("audit.at")) } th { (lang.t("audit.user")) } th { (lang.t("audit.action")) }
                th { (lang.t("audit.target")) } th { (lang.t("audit.details")) }
            } }
            tbody {
                @for r in &rows {
                    tr {
                        td { (r.at) }
                        td { (r.username) }
                        td { code { (r.action) } }
                        td {
                            @if r.target_kind == "document" {
                                a href={ "/documents/" (pages::urlencode(&r.target_id)) "?lang=" (lang.code()) } { (r.target_id) }
                            } @else {
                                (r.target_kind) ": " (r.target_id)
                            }
                        }
                        td { code class="summary" { (truncate(&r.summary.to_string(), 600)) } }
                    }
                }
            }
        }
        @if rows.len() as u32 == AUDIT_PAGE {
            p { a href={ "/admin/audit?lang=" (lang.code()) "&offset=" (offset + AUDIT_PAGE) } { (lang.t("audit.older")) } }
        }
    };
    let switch = format!("/admin/audit?lang={}", lang.other().code());
    Ok(private_page(
        StatusCode::OK,
        pages::layout(lang, lang.t("audit.title"), &switch, body),
    ))
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("x", "not a phc string"));
        // salted: the same password hashes differently
        assert_ne!(h, hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn rate_limit_counts_per_ip_and_username() {
        let a = AuthSettings {
            login_attempts: 2,
            ..Default::default()
        };
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(a.allow_attempt(ip, "Alice"));
        assert!(a.allow_attempt(ip, "alice"));
        assert!(!a.allow_attempt(ip, "ALICE"), "case-insensitive");
        assert!(a.allow_attempt(ip, "bob"));
        assert!(a.allow_attempt(other, "alice"));
        a.clear_attempts(ip, "alice");
        assert!(a.allow_attempt(ip, "alice"));
        let short = AuthSettings {
            login_attempts: 1,
            login_window: Duration::ZERO,
            ..Default::default()
        };
        assert!(short.allow_attempt(ip, "a"));
        assert!(
            short.allow_attempt(ip, "a"),
            "a finished window starts over"
        );
    }

    #[test]
    fn redirect_targets_stay_local() {
        assert_eq!(
            safe_next(Some("/documents/x?lang=zh")),
            "/documents/x?lang=zh"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn secrets_compare() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
        assert!(!secrets_equal("", ""), "an empty token never passes");
    }

    #[test]
    fn cookies_are_parsed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; concord_session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, "concord_session"), Some("xyz"));
        assert_eq!(cookie(&h, "concord"), None);
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert!(check_username("alice.w@example.org").is_ok());
        assert!(check_username("").is_err());
        assert!(check_username("a b").is_err());
        assert!(check_username("<script>").is_err());
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pw").is_ok());
    }
}
