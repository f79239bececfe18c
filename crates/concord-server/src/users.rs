//! User management for administrators: `GET /admin/users` lists the accounts with their role
//! and status, with forms to add an account, change a role, disable or enable an account and
//! reset a password. Every form is CSRF-protected and administrators only (editors and viewers
//! get 403); every change commits together with its audit record, and a change that would leave
//! no active administrator is refused (see [`concord_store::user_admin`]). The same rules as
//! `concord user …` apply to usernames and passwords.

use axum::{
    Form, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use concord_store::{NewAudit, Role, Session, User, UserChange, UserChangeOutcome};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use crate::{
    ApiError, AppState,
    auth::{self, Denied, csrf_field, lang_of, private_page, role_key},
    i18n::Lang,
    pages,
};

/// The user management routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list_page).post(create))
        .route("/admin/users/role", post(set_role))
        .route("/admin/users/status", post(set_status))
        .route("/admin/users/password", post(reset_password))
}

#[derive(Debug, Default, Deserialize)]
struct PageParams {
    lang: Option<String>,
}

/// Every form here: the CSRF token, the page language, the account and the new value.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserForm {
    csrf: String,
    lang: Option<String>,
    username: String,
    role: String,
    password: String,
    /// `true` enables, anything else disables (status form).
    enable: String,
}

const ROLES: [Role; 3] = [Role::Admin, Role::Editor, Role::Viewer];

/// A message shown above the list: (is it an error, text).
type Notice = Option<(bool, &'static str)>;

fn list_markup(lang: Lang, session: &Session, users: &[User], notice: Notice) -> Markup {
    let l = lang.code();
    html! {
        h1 { (lang.t("users.title")) }
        @if let Some((error, text)) = notice {
            @if error { p class="error" role="alert" id="notice" { (text) } }
            @else { p role="status" id="notice" { (text) } }
        }
        table {
            thead { tr {
                th { (lang.t("users.name")) } th { (lang.t("users.role")) } th { (lang.t("users.status")) }
                th { (lang.t("users.created")) } th { (lang.t("users.reset_password")) }
            } }
            tbody {
                @for (i, u) in users.iter().enumerate() {
                    tr {
                        td class="username" { (u.username) }
                        td {
                            form method="post" action="/admin/users/role" {
                                (csrf_field(session))
                                input type="hidden" name="lang" value=(l);
                                input type="hidden" name="username" value=(u.username);
                                select name="role" aria-label={ (lang.t("users.role")) ": " (u.username) } {
                                    @for r in ROLES {
                                        option value=(r.as_str()) selected[u.role == r] { (lang.t(role_key(r))) }
                                    }
                                }
                                " " button type="submit" id={ "role-" (i) } { (lang.t("users.set_role")) }
                            }
                        }
                        td {
                            @if u.disabled { (lang.t("users.disabled")) } @else { (lang.t("users.active")) }
                            form method="post" action="/admin/users/status" {
                                (csrf_field(session))
                                input type="hidden" name="lang" value=(l);
                                input type="hidden" name="username" value=(u.username);
                                input type="hidden" name="enable" value=(u.disabled);
                                button type="submit" id={ "status-" (i) } {
                                    @if u.disabled { (lang.t("users.enable")) } @else { (lang.t("users.disable")) }
                                }
                            }
                        }
                        td { (u.created_at) }
                        td {
                            form method="post" action="/admin/users/password" {
                                (csrf_field(session))
                                input type="hidden" name="lang" value=(l);
                                input type="hidden" name="username" value=(u.username);
                                input type="password" name="password" autocomplete="new-password" required minlength="10"
                                    aria-label={ (lang.t("users.new_password")) ": " (u.username) };
                                " " button type="submit" id={ "password-" (i) } { (lang.t("users.reset_password")) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("users.add")) }
        form method="post" action="/admin/users" id="add-user" {
            (csrf_field(session))
            input type="hidden" name="lang" value=(l);
            p { label { (lang.t("users.name")) br; input name="username" id="new-username" required maxlength="64" autocomplete="off"; } }
            p { label { (lang.t("users.role")) br;
                select name="role" id="new-role" {
                    @for r in ROLES { option value=(r.as_str()) selected[r == Role::Editor] { (lang.t(role_key(r))) } }
                }
            } }
            p { label { (lang.t("users.new_password")) " (" (lang.t("users.password_hint")) ")" br;
                input type="password" name="password" id="new-password" autocomplete="new-password" required minlength="10"; } }
            p { button type="submit" id="create-user" { (lang.t("users.create")) } }
        }
        p { a href={ "/admin/audit?lang=" (l) } { (lang.t("audit.title")) } }
    }
}

/// The page with the current accounts and an optional notice.
async fn render(
    s: &AppState,
    lang: Lang,
    session: &Session,
    status: StatusCode,
    notice: Notice,
) -> Result<Response, Denied> {
    let users = s
        .store
        .accounts()
        .list_users()
        .await
        .map_err(ApiError::from)?;
    let body = list_markup(lang, session, &users, notice);
    Ok(private_page(
        status,
        pages::layout(
            lang,
            lang.t("users.title"),
            &format!("/admin/users?lang={}", lang.other().code()),
            body,
        ),
    ))
}

fn next_path(lang: Lang) -> String {
    format!("/admin/users?lang={}", lang.code())
}

async fn list_page(
    State(s): State<AppState>,
    Query(p): Query<PageParams>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(p.lang.as_deref(), &headers);
    let result = async {
        let session = auth::require(&s, &headers, Role::Admin, &next_path(lang)).await?;
        render(&s, lang, &session, StatusCode::OK, None).await
    }
    .await;
    result.unwrap_or_else(|d| d.into_response(lang))
}

/// The change a form asks for, checked; `Err` is the notice explaining why it is refused.
async fn change_of(action: &str, f: &UserForm) -> Result<UserChange, &'static str> {
    let role = || f.role.parse::<Role>().map_err(|_| "users.bad_role");
    let hash = || async {
        auth::check_new_password(&f.password).map_err(|_| "users.bad_password")?;
        let password = f.password.clone();
        tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or("users.bad_password")
    };
    Ok(match action {
        "user.create" => {
            auth::check_username(&f.username).map_err(|_| "users.bad_username")?;
            let role = role()?;
            UserChange::Create {
                role,
                password_hash: hash().await?,
            }
        }
        "user.role" => UserChange::Role(role()?),
        "user.password" => UserChange::Password(hash().await?),
        _ => UserChange::Disabled(f.enable != "true"),
    })
}

/// One change from a form: checks the session, role and CSRF token, applies the change with
/// its audit record, and shows the list again with what happened.
async fn apply(s: AppState, headers: HeaderMap, f: UserForm, action: &'static str) -> Response {
    let lang = lang_of(f.lang.as_deref(), &headers);
    let result = async {
        let session =
            auth::require_post(&s, &headers, Role::Admin, &next_path(lang), Some(&f.csrf)).await?;
        let change = match change_of(action, &f).await {
            Ok(c) => c,
            Err(key) => {
                let status = StatusCode::BAD_REQUEST;
                return render(&s, lang, &session, status, Some((true, lang.t(key)))).await;
            }
        };
        let action = match change {
            UserChange::Disabled(false) => "user.enable",
            UserChange::Disabled(true) => "user.disable",
            _ => action,
        };
        // The audit summary never holds a password or its hash.
        let summary = match &change {
            UserChange::Create { role, .. } | UserChange::Role(role) => {
                json!({ "role": role, "via": "web" })
            }
            _ => json!({ "via": "web" }),
        };
        let audit = NewAudit {
            username: session.user.username.clone(),
            action: action.to_owned(),
            target_kind: "user".into(),
            target_id: f.username.clone(),
            summary,
        };
        let outcome = s
            .store
            .user_admin()
            .change_user_audited(&f.username, &change, &audit)
            .await
            .map_err(ApiError::from)?;
        let (status, notice) = match outcome {
            UserChangeOutcome::Done(_) => {
                tracing::info!(admin = %session.user.username, user = %f.username, action, "account changed");
                let key = match action {
                    "user.create" => "users.created_ok",
                    "user.role" => "users.role_ok",
                    "user.disable" => "users.disabled_ok",
                    "user.enable" => "users.enabled_ok",
                    _ => "users.password_ok",
                };
                (StatusCode::OK, (false, lang.t(key)))
            }
            UserChangeOutcome::NoSuchUser | UserChangeOutcome::Stale => (StatusCode::NOT_FOUND, (true, lang.t("users.unknown"))),
            UserChangeOutcome::Exists => (StatusCode::CONFLICT, (true, lang.t("users.exists"))),
            UserChangeOutcome::LastAdmin => {
                (StatusCode::CONFLICT, (true, lang.t("users.last_admin")))
            }
        };
        // An administrator who just disabled themselves or changed their own password has no
        // session any more: send them to sign in.
        match auth::current_session(&s, &headers).await? {
            Some(now) if now.user.role >= Role::Admin => {
                render(&s, lang, &now, status, Some(notice)).await
            }
            // Stepped down: the list is no longer theirs to see.
            Some(_) => Ok(Redirect::to(&format!("/?lang={}", lang.code())).into_response()),
            None => Err(Denied::SignIn(next_path(lang))),
        }
    }
    .await;
    result.unwrap_or_else(|d| d.into_response(lang))
}

async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<UserForm>,
) -> Response {
    apply(s, headers, f, "user.create").await
}

async fn set_role(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<UserForm>,
) -> Response {
    apply(s, headers, f, "user.role").await
}

async fn set_status(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<UserForm>,
) -> Response {
    apply(s, headers, f, "user.disable").await
}

async fn reset_password(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<UserForm>,
) -> Response {
    apply(s, headers, f, "user.password").await
}
