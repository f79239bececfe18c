//! Self-service password change: `GET,POST /account/password` for any signed-in user.
//!
//! The form asks for the current password and the new one twice, carries the session's CSRF
//! token, and follows the rules of `concord user add` and the administrators' page (10
//! characters to 1024 bytes). Checking the current password counts against the sign-in rate
//! limit of the same client IP and username ([`crate::auth`]): the form cannot be used to guess
//! more passwords than the sign-in page allows. The new argon2id hash is written together with
//! an audit record (`user.password`, `"self": true`) by
//! [`concord_store::UserAdminStore::change_user_audited`] — only over the hash the current
//! password was checked against, so an administrator's reset in between wins — which ends
//! **every** session
//! of the account — other browsers, and a session an attacker may hold. The browser that made
//! the change gets a fresh session at once (a new cookie), so it stays signed in.

use axum::{
    Form, Router,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use concord_store::{NewAudit, Role, Session, UserChange, UserChangeOutcome};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use crate::{
    ApiError, AppState,
    auth::{self, Denied, csrf_field, lang_of, private_page},
    i18n::Lang,
    pages,
};

/// The password page's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/account/password", get(form_page).post(change))
}

#[derive(Debug, Default, Deserialize)]
struct PageParams {
    lang: Option<String>,
    /// Set by the redirect after a successful change.
    changed: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ChangeForm {
    csrf: String,
    lang: Option<String>,
    current: String,
    new: String,
    confirm: String,
}

fn next_path(lang: Lang) -> String {
    format!("/account/password?lang={}", lang.code())
}

fn form_markup(lang: Lang, session: &Session, notice: Option<(bool, &str)>) -> Markup {
    html! {
        h1 { (lang.t("account.password_title")) }
        p class="muted" { (lang.t("auth.signed_in_as")) " " strong { (session.user.username) } }
        @if let Some((error, text)) = notice {
            @if error { p class="error" role="alert" id="notice" { (text) } }
            @else { p role="status" id="notice" { (text) } }
        }
        p { (lang.t("account.explain")) }
        form method="post" action="/account/password" id="password-form" {
            (csrf_field(session))
            input type="hidden" name="lang" value=(lang.code());
            // The username field lets password managers file the new password correctly.
            input type="hidden" name="username" autocomplete="username" value=(session.user.username);
            p { label { (lang.t("account.current")) br;
                input type="password" name="current" id="current-password" autocomplete="current-password" required; } }
            p { label { (lang.t("users.new_password")) " (" (lang.t("users.password_hint")) ")" br;
                input type="password" name="new" id="new-password" autocomplete="new-password" required minlength="10"; } }
            p { label { (lang.t("account.confirm")) br;
                input type="password" name="confirm" id="confirm-password" autocomplete="new-password" required minlength="10"; } }
            p { button type="submit" id="change-password" { (lang.t("account.submit")) } }
        }
    }
}

fn render(
    lang: Lang,
    session: &Session,
    status: StatusCode,
    notice: Option<(bool, &str)>,
) -> Response {
    private_page(
        status,
        pages::layout(
            lang,
            lang.t("account.password_title"),
            &format!("/account/password?lang={}", lang.other().code()),
            form_markup(lang, session, notice),
        ),
    )
}

async fn form_page(
    State(s): State<AppState>,
    Query(p): Query<PageParams>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    match auth::require(&s, &headers, Role::Viewer, &next_path(lang)).await {
        Ok(session) => {
            let notice = p
                .changed
                .is_some()
                .then(|| (false, lang.t("account.changed")));
            render(lang, &session, StatusCode::OK, notice)
        }
        Err(d) => d.into_response(lang),
    }
}

async fn change(
    State(s): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Form(f): Form<ChangeForm>,
) -> Response {
    let lang = lang_of(f.lang.as_deref(), &headers);
    let ip = extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let result = async {
        let session =
            auth::require_post(&s, &headers, Role::Viewer, &next_path(lang), Some(&f.csrf)).await?;
        let refuse = |status, key| Ok(render(lang, &session, status, Some((true, lang.t(key)))));
        // Checks that cost nothing and reveal nothing come before the rate limit.
        if f.new != f.confirm {
            return refuse(StatusCode::BAD_REQUEST, "account.mismatch");
        }
        if auth::check_new_password(&f.new).is_err() {
            return refuse(StatusCode::BAD_REQUEST, "users.bad_password");
        }
        let username = session.user.username.clone();
        if !s.auth.allow_attempt(ip, &username) {
            tracing::warn!(%ip, "password change rate limit reached");
            let mut resp = render(
                lang,
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                Some((true, lang.t("account.rate_limited"))),
            );
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(s.auth.login_window.as_secs()),
            );
            return Ok(resp);
        }
        let Some(creds) = s
            .store
            .accounts()
            .get_user(&username)
            .await
            .map_err(ApiError::from)?
        else {
            return Err(Denied::SignIn(next_path(lang)));
        };
        let (current, new) = (f.current.clone(), f.new.clone());
        let old_hash = creds.password_hash;
        let hash = old_hash.clone();
        // Both argon2 runs on the blocking pool: verify the current password, hash the new one.
        let new_hash = tokio::task::spawn_blocking(move || {
            if current.len() > auth::MAX_PASSWORD_BYTES || !auth::verify_password(&current, &hash) {
                return Ok(None);
            }
            auth::hash_password(&new).map(Some)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("password check panicked: {e}")))?
        .map_err(ApiError::Internal)?;
        let Some(new_hash) = new_hash else {
            tracing::info!(%ip, "password change refused: wrong current password");
            return refuse(StatusCode::FORBIDDEN, "account.wrong_current");
        };
        s.auth.clear_attempts(ip, &username);
        let audit = NewAudit {
            username: username.clone(),
            action: "user.password".into(),
            target_kind: "user".into(),
            target_id: username.clone(),
            summary: json!({ "via": "web", "self": true }),
        };
        let outcome = s
            .store
            .user_admin()
            .change_user_audited(
                &username,
                // Only over the hash the current password was checked against: a reset by an
                // administrator in the meantime (which ended this session) is not overwritten.
                &UserChange::ReplacePassword { old_hash, new_hash },
                &audit,
            )
            .await
            .map_err(ApiError::from)?;
        let UserChangeOutcome::Done(user) = outcome else {
            // The account went away or its password changed meanwhile.
            return Err(Denied::SignIn(next_path(lang)));
        };
        tracing::info!(user = %username, "password changed; sessions ended");
        // Every session was ended, this one too: this browser gets a new one.
        let cookie = auth::start_session(&s, &user).await?;
        let mut resp = Redirect::to(&format!("{}&changed=1", next_path(lang))).into_response();
        resp.headers_mut().append(header::SET_COOKIE, cookie);
        Ok(resp)
    }
    .await;
    result.unwrap_or_else(|d: Denied| d.into_response(lang))
}
