//! The signed-in indicator in every page's header.
//!
//! Pages are rendered anonymously: [`crate::pages::layout`] puts a "sign in" link in a slot
//! (`<span id="account">`). This layer runs after the handler — and after any response cache —
//! and, for a request that carries a live session cookie, replaces the slot with the user's
//! name, role and a CSRF-protected sign-out form, and marks the response
//! `Cache-Control: private, no-store`. Cached page bodies therefore never hold a user's name,
//! and a request without a session cookie costs nothing extra (no store lookup). Every HTML
//! response says `Vary: Cookie`, so a shared cache keeps signed-in and anonymous copies apart.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use concord_store::{Role, Session};
use maud::html;

use crate::{AppState, auth, i18n::Lang};

/// The opening tag of the slot; its content is one link, so the first `</span>` closes it.
const SLOT_OPEN: &str = "<span id=\"account\">";
const SLOT_CLOSE: &str = "</span>";
/// Largest page body the layer rewrites (the document page caps its text at 200,000 chars).
const MAX_PAGE_BYTES: usize = 32 * 1024 * 1024;

/// What replaces the slot for a signed-in user: name, role, admin links and sign-out.
fn signed_in(lang: Lang, session: &Session) -> String {
    let user = &session.user;
    html! {
        span id="account" {
            span class="user" title=(lang.t("auth.signed_in_as")) { (user.username) }
            span class="muted" { "(" (lang.t(auth::role_key(user.role))) ")" }
            a href={ "/account/password?lang=" (lang.code()) } id="password-link" { (lang.t("account.password_link")) }
            @if user.role >= Role::Admin {
                a href={ "/admin/users?lang=" (lang.code()) } { (lang.t("users.title")) }
            }
            (auth::logout_form(lang, session))
        }
    }
    .into_string()
}

fn is_html(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// The page's language, from `<html lang="…">` near the top of the body.
fn page_lang(body: &[u8]) -> Lang {
    let head = &body[..body.len().min(200)];
    if head.windows(14).any(|w| w == b"<html lang=\"zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// Replaces the account slot in `body` with `with`; `None` if the page has no slot.
fn replace_slot(body: &[u8], with: &str) -> Option<Vec<u8>> {
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let start = find(body, SLOT_OPEN.as_bytes())?;
    let end = start + find(&body[start..], SLOT_CLOSE.as_bytes())? + SLOT_CLOSE.len();
    let mut out = Vec::with_capacity(body.len() + with.len());
    out.extend_from_slice(&body[..start]);
    out.extend_from_slice(with.as_bytes());
    out.extend_from_slice(&body[end..]);
    Some(out)
}

/// The layer (see the module docs).
pub(crate) async fn indicator(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let cookie_headers = auth::has_session_cookie(&s, req.headers()).then(|| req.headers().clone());
    let mut resp = next.run(req).await;
    if !is_html(&resp) {
        return resp;
    }
    resp.headers_mut()
        .append(header::VARY, HeaderValue::from_static("cookie"));
    let Some(headers) = cookie_headers else {
        return resp;
    };
    let session = match auth::current_session(&s, &headers).await {
        Ok(Some(session)) => session,
        Ok(None) => return resp,
        Err(e) => {
            tracing::warn!("session lookup for the page header failed: {e}");
            return resp;
        }
    };
    let (mut parts, body) = resp.into_parts();
    // Personalised: no cache anywhere may keep it (a page that says `no-store` already keeps
    // its header).
    let no_store = parts
        .headers
        .get(header::CACHE_CONTROL)
        .is_some_and(|v| v.as_bytes().windows(8).any(|w| w == b"no-store"));
    if !no_store {
        parts.headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    let bytes = match to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!("page body could not be read for the header: {e}");
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(
                parts,
                Body::from("the page could not be rendered; try again"),
            );
        }
    };
    let lang = page_lang(&bytes);
    match replace_slot(&bytes, &signed_in(lang, &session)) {
        Some(out) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(out))
        }
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_is_replaced_once() {
        let page = b"<html lang=\"zh\"><header><span id=\"account\"><a href=\"/login\">x</a></span></header><main><span>keep</span></main>";
        let out = String::from_utf8(replace_slot(page, "<b>alice</b>").unwrap()).unwrap();
        assert_eq!(
            out,
            "<html lang=\"zh\"><header><b>alice</b></header><main><span>keep</span></main>"
        );
        assert_eq!(page_lang(page), Lang::Zh);
        assert_eq!(page_lang(b"<html lang=\"en\">"), Lang::En);
        assert!(replace_slot(b"<p>no slot</p>", "x").is_none());
    }
}
