//! Self-service password change (`/account/password`) through the real server on port 0, with
//! accounts made by the real `concord user` command and the audit trail read by `concord audit`.

use std::{net::SocketAddr, path::Path};

use reqwest::{Client, StatusCode, header, redirect::Policy};
use serde_json::Value;

mod common;

use common::{add_user, concord_stdin as concord, hidden, session_cookie, web_login};

/// The session cookie (`name=value`) a response sets, if any.
struct Web {
    addr: SocketAddr,
    client: Client,
}

struct Page {
    status: StatusCode,
    headers: header::HeaderMap,
    body: String,
}

impl Web {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn get(&self, path: &str, cookie: &str) -> Page {
        let r = self
            .client
            .get(self.url(path))
            .header(header::COOKIE, cookie)
            .send()
            .await
            .unwrap();
        Page {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    async fn post(&self, cookie: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .client
            .post(self.url("/account/password"))
            .header(header::COOKIE, cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        Page {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    /// Signs in; the session cookie, or `None` if refused.
    async fn login(&self, user: &str, password: &str) -> Option<String> {
        web_login(&self.client, &self.url(""), user, password).await
    }

    /// The password form's CSRF token for this session.
    async fn csrf(&self, cookie: &str) -> String {
        let p = self.get("/account/password?lang=en", cookie).await;
        assert_eq!(p.status, 200, "{}", p.body);
        hidden(&p.body, "csrf").unwrap()
    }
}

fn password_changes(data: &Path) -> Vec<Value> {
    let out = concord(data, &["audit", "--format", "json"], "");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "user.password")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_signed_in_user_changes_their_password() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_user(&data, "vi", "viewer", "viewer-password-1");
    add_user(&data, "ed", "editor", "editor-password-1");
    let server = common::Server::start(concord::Config {
        data_dir: data.to_path_buf(),
        load_bundled_corpus: false,
        ..Default::default()
    })
    .await;
    let addr = server.addr;
    let web = Web {
        addr,
        client: Client::builder().redirect(Policy::none()).build().unwrap(),
    };
    // signed out: the page sends to sign-in, and a post changes nothing
    let anon = web.get("/account/password?lang=en", "").await;
    assert_eq!(anon.status, 303);
    assert!(
        anon.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?lang=en&next=%2Faccount%2Fpassword")
    );

    let vi = web.login("vi", "viewer-password-1").await.unwrap();
    let other = web.login("vi", "viewer-password-1").await.unwrap();
    let ed = web.login("ed", "editor-password-1").await.unwrap();
    // the header links to the page, in both languages
    for lang in ["en", "zh"] {
        let p = web.get(&format!("/?lang={lang}"), &vi).await;
        assert!(
            p.body
                .contains(&format!("href=\"/account/password?lang={lang}\"")),
            "{}",
            p.body
        );
    }
    let zh = web.get("/account/password?lang=zh", &vi).await;
    assert_eq!(zh.status, 200);
    assert!(zh.body.contains("当前密码") && zh.body.contains("再次输入新密码"));
    assert_eq!(zh.headers[header::CACHE_CONTROL], "no-store");
    let csrf = web.csrf(&vi).await;
    let form = |csrf: &str, current: &str, new: &str, confirm: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("lang".to_owned(), "en".to_owned()),
            ("current".to_owned(), current.to_owned()),
            ("new".to_owned(), new.to_owned()),
            ("confirm".to_owned(), confirm.to_owned()),
        ]
    };
    let post = |form: Vec<(String, String)>, cookie: String| {
        let web = &web;
        async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (&k[..], &v[..])).collect();
            web.post(&cookie, &f).await
        }
    };

    // no CSRF token, or another session's token: refused
    let r = post(
        form(
            "",
            "viewer-password-1",
            "new-password-22",
            "new-password-22",
        ),
        vi.clone(),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("did not come from this site"), "{}", r.body);
    let ed_csrf = web.csrf(&ed).await;
    let r = post(
        form(
            &ed_csrf,
            "viewer-password-1",
            "new-password-22",
            "new-password-22",
        ),
        vi.clone(),
    )
    .await;
    assert_eq!(r.status, 403);
    // wrong current password
    let r = post(
        form(
            &csrf,
            "viewer-password-X",
            "new-password-22",
            "new-password-22",
        ),
        vi.clone(),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("The current password is wrong"),
        "{}",
        r.body
    );
    // the two new passwords differ
    let r = post(
        form(
            &csrf,
            "viewer-password-1",
            "new-password-22",
            "new-password-23",
        ),
        vi.clone(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("The two new passwords differ"));
    // too short, by the same rule as `concord user add`
    let r = post(
        form(&csrf, "viewer-password-1", "short", "short"),
        vi.clone(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("at least 10") || r.body.contains("10 characters"));
    // nothing of that changed anything
    assert!(password_changes(&data).is_empty());
    assert!(web.login("vi", "viewer-password-1").await.is_some());
    assert_eq!(web.get("/account/password", &other).await.status, 200);

    // success: a fresh session for this browser, the page says so
    let r = post(
        form(
            &csrf,
            "viewer-password-1",
            "new-password-22",
            "new-password-22",
        ),
        vi.clone(),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.headers[header::LOCATION],
        "/account/password?lang=en&changed=1"
    );
    let fresh = session_cookie(&r.headers).expect("a new session cookie");
    assert_ne!(fresh, vi);
    let done = web.get("/account/password?lang=en&changed=1", &fresh).await;
    assert_eq!(done.status, 200);
    assert!(done.body.contains("Password changed"), "{}", done.body);
    // every other session of the account, and the one used for the change, is over
    for old in [&vi, &other] {
        assert_eq!(web.get("/account/password", old).await.status, 303);
    }
    // another user's session is untouched
    assert_eq!(web.get("/account/password", &ed).await.status, 200);
    // the new password signs in, the old one does not
    assert!(web.login("vi", "viewer-password-1").await.is_none());
    assert!(web.login("vi", "new-password-22").await.is_some());
    // audited, without the password
    let audit = password_changes(&data);
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["username"], "vi");
    assert_eq!(audit[0]["target_id"], "vi");
    assert!(!audit[0].to_string().contains("new-password-22"));

    // wrong current passwords count against the sign-in limit (5 a minute per IP and user)
    let csrf = web.csrf(&fresh).await;
    let mut statuses = vec![];
    for _ in 0..6 {
        let r = post(
            form(
                &csrf,
                "wrong-password-9",
                "other-password-3",
                "other-password-3",
            ),
            fresh.clone(),
        )
        .await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, [403, 403, 403, 403, 403, 429]);
    assert!(
        web.login("vi", "new-password-22").await.is_none(),
        "limited"
    );
    server.stop().await;
}
