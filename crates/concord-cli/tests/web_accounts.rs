//! The signed-in indicator in every page's header, the administrators' user management page
//! (`/admin/users`) and the response cache's invalidation, through the real server on port 0
//! with accounts made by the real `concord user` command.

use std::{net::SocketAddr, path::Path};

use reqwest::{Client, StatusCode, header, redirect::Policy};
use serde_json::Value;
use tokio::sync::oneshot;

mod common;

use common::{add_user, concord_stdin as concord, hidden, web_login};

const HOSTILE: &str = "<script>alert(1)</script>";

async fn start(data: &Path) -> (SocketAddr, oneshot::Sender<()>) {
    let config = concord::Config {
        data_dir: data.to_path_buf(),
        load_bundled_corpus: false,
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        concord::serve(&config, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    for _ in 0..200 {
        if reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (addr, tx)
}

/// The header of a page (where the indicator lives).
fn header_of(page: &str) -> &str {
    let start = page.find("<header>").expect("a header");
    let end = page[start..].find("</header>").expect("a closed header") + start;
    &page[start..end]
}

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

    async fn get(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut req = self.client.get(self.url(path));
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let r = req.send().await.unwrap();
        Page {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Page {
        let mut req = self.client.post(self.url(path)).form(form);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let r = req.send().await.unwrap();
        Page {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    /// Signs in; the session cookie (`name=value`), or `None` if refused.
    async fn login(&self, user: &str, password: &str) -> Option<String> {
        web_login(&self.client, &self.url(""), user, password).await
    }

    async fn csrf(&self, cookie: &str) -> String {
        let p = self.get("/admin/users?lang=en", Some(cookie)).await;
        assert_eq!(p.status, 200, "{}", p.body);
        hidden(&p.body, "csrf").unwrap()
    }

    async fn search_total(&self, q: &str) -> u64 {
        let v: Value = self
            .client
            .get(self.url(&format!("/api/v1/search?q={q}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["total"].as_u64().unwrap()
    }
}

fn audit_actions(data: &Path) -> Vec<(String, String, String)> {
    let out = concord(data, &["audit", "--format", "json"], "");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["username"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["target_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn signed_in_indicator_user_management_and_cache_invalidation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_user(&data, "root", "admin", "root-password-1");
    add_user(&data, "ed", "editor", "editor-password-1");
    add_user(&data, "vi", "viewer", "viewer-password-1");
    let (addr, stop) = start(&data).await;
    let web = Web {
        addr,
        client: Client::builder().redirect(Policy::none()).build().unwrap(),
    };
    let root = web.login("root", "root-password-1").await.unwrap();
    let ed = web.login("ed", "editor-password-1").await.unwrap();
    let vi = web.login("vi", "viewer-password-1").await.unwrap();

    // a document, written through the editor's form
    let new_form = web.get("/documents/new?lang=en", Some(&ed)).await;
    let ed_csrf = hidden(&new_form.body, "csrf").unwrap();
    let r = web
        .post(
            "/documents/new",
            Some(&ed),
            &[
                ("csrf", &ed_csrf),
                ("lang", "en"),
                ("id", "cache_doc"),
                ("title_en", "Original Xylophone Charter"),
                ("jurisdiction", "CN"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    // --- the indicator: anonymous, then three users, on the same (cached) page ---
    let doc = "/documents/cache_doc?lang=en";
    let anon = web.get(doc, None).await;
    assert_eq!(anon.status, 200);
    let h = header_of(&anon.body);
    assert!(h.contains("id=\"signin-link\""), "{h}");
    assert!(!h.contains("signout") && !h.contains("root") && !h.contains(">ed<"));
    assert!(
        anon.headers[header::VARY]
            .to_str()
            .unwrap()
            .contains("cookie")
    );
    assert!(
        anon.headers.get(header::CACHE_CONTROL).is_none(),
        "anonymous pages stay cacheable"
    );
    for (cookie, name, role, other) in [
        (&root, "root", "administrator", "ed"),
        (&ed, "ed", "editor", "root"),
        (&vi, "vi", "viewer", "root"),
    ] {
        let p = web.get(doc, Some(cookie)).await;
        assert_eq!(p.status, 200);
        let h = header_of(&p.body);
        assert!(
            h.contains(&format!(
                "<span class=\"user\" title=\"Signed in as\">{name}</span>"
            )),
            "{h}"
        );
        assert!(h.contains(&format!("({role})")), "{h}");
        assert!(
            h.contains("action=\"/logout\"") && h.contains("id=\"signout\""),
            "{h}"
        );
        assert!(!h.contains("signin-link"), "{h}");
        assert!(
            !p.body.contains(&format!(">{other}<")),
            "another user's name leaked"
        );
        assert_eq!(p.headers[header::CACHE_CONTROL], "private, no-store");
        // the sign-out form carries this session's token
        let token = hidden(h, "csrf").unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(h.contains("/admin/users"), name == "root");
    }
    // anonymous after the signed-in views: still nobody's name
    let again = web.get(doc, None).await;
    assert_eq!(
        again.body, anon.body,
        "the cached anonymous page is unchanged"
    );
    // every page has it, in both languages; a stale cookie is just anonymous
    for path in [
        "/?lang=zh",
        "/search?lang=zh&q=x",
        "/documents?lang=zh",
        "/documents/nope?lang=zh",
    ] {
        let p = web.get(path, Some(&ed)).await;
        let h = header_of(&p.body);
        assert!(
            h.contains(">ed</span>") && h.contains("退出登录") && h.contains("(编辑)"),
            "{path}: {h}"
        );
        let p = web
            .get(path, Some(&format!("concord_session={}", "ab".repeat(32))))
            .await;
        assert!(header_of(&p.body).contains("signin-link"), "{path}");
    }

    // --- cache invalidation: an edit shows at once on the page and in search ---
    assert_eq!(web.search_total("xylophone").await, 1);
    assert_eq!(web.search_total("marimba").await, 0);
    let r = web
        .post(
            "/documents/cache_doc/edit",
            Some(&ed),
            &[
                ("csrf", &ed_csrf),
                ("lang", "en"),
                ("title_en", "Revised Marimba Charter"),
                ("jurisdiction", "CN"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = web.get(doc, None).await;
    assert!(
        p.body.contains("Revised Marimba Charter"),
        "stale page served from the cache"
    );
    assert!(!p.body.contains("Original Xylophone Charter"));
    assert_eq!(
        web.search_total("marimba").await,
        1,
        "stale search served from the cache"
    );
    assert_eq!(web.search_total("xylophone").await, 0);

    // --- user management: who may see it ---
    let p = web.get("/admin/users?lang=en", None).await;
    assert_eq!(p.status, 303, "anonymous: sign in first");
    assert!(
        p.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    for cookie in [&ed, &vi] {
        assert_eq!(web.get("/admin/users", Some(cookie)).await.status, 403);
    }
    let p = web.get("/admin/users?lang=en", Some(&root)).await;
    assert_eq!(p.status, 200);
    for name in ["root", "ed", "vi"] {
        assert!(
            p.body
                .contains(&format!("<td class=\"username\">{name}</td>")),
            "{name}"
        );
    }
    assert_eq!(p.headers[header::CACHE_CONTROL], "no-store");
    let zh = web.get("/admin/users?lang=zh", Some(&root)).await;
    assert!(zh.body.contains("用户管理") && zh.body.contains("添加用户"));
    let csrf = web.csrf(&root).await;

    // non-administrators and bad tokens change nothing
    let before = audit_actions(&data).len();
    let ed_token = hidden(&web.get(doc, Some(&ed)).await.body, "csrf").unwrap();
    let r = web
        .post(
            "/admin/users/role",
            Some(&ed),
            &[("csrf", &ed_token), ("username", "ed"), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status, 403, "an editor cannot promote themselves");
    for token in ["", "0000", &ed_token] {
        let r = web
            .post(
                "/admin/users/role",
                Some(&root),
                &[("csrf", token), ("username", "vi"), ("role", "admin")],
            )
            .await;
        assert_eq!(r.status, 403, "CSRF token {token:?}");
    }
    let r = web
        .post(
            "/admin/users",
            None,
            &[
                ("csrf", &csrf),
                ("username", "x"),
                ("role", "admin"),
                ("password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "anonymous: sign in first");
    assert_eq!(
        audit_actions(&data).len(),
        before,
        "refused requests are not changes"
    );

    // add: bad names (escaped, never echoed raw), short passwords, bad roles, taken names
    for (name, password, role, status) in [
        (HOSTILE, "long enough pw", "editor", 400),
        ("", "long enough pw", "editor", 400),
        ("ok-name", "short", "editor", 400),
        ("ok-name", "long enough pw", "emperor", 400),
        ("ed", "long enough pw", "viewer", 409),
    ] {
        let r = web
            .post(
                "/admin/users",
                Some(&root),
                &[
                    ("csrf", &csrf),
                    ("lang", "en"),
                    ("username", name),
                    ("password", password),
                    ("role", role),
                ],
            )
            .await;
        assert_eq!(r.status.as_u16(), status, "{name} {role}: {}", r.body);
        assert!(!r.body.contains("<script>alert"), "unescaped input");
        assert!(r.body.contains("role=\"alert\""));
    }
    assert_eq!(audit_actions(&data).len(), before);
    let r = web
        .post(
            "/admin/users",
            Some(&root),
            &[
                ("csrf", &csrf),
                ("lang", "en"),
                ("username", "newbie@example.org"),
                ("password", "newbie-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("User created"));
    assert!(
        r.body
            .contains("<td class=\"username\">newbie@example.org</td>")
    );
    let newbie = web
        .login("newbie@example.org", "newbie-password-1")
        .await
        .expect("the new account signs in");
    assert_eq!(
        web.get("/documents/new", Some(&newbie)).await.status,
        200,
        "as an editor"
    );

    // change role: applies to live sessions at once
    let r = web
        .post(
            "/admin/users/role",
            Some(&root),
            &[
                ("csrf", &csrf),
                ("username", "newbie@example.org"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(web.get("/documents/new", Some(&newbie)).await.status, 403);
    let r = web
        .post(
            "/admin/users/role",
            Some(&root),
            &[("csrf", &csrf), ("username", "ghost"), ("role", "viewer")],
        )
        .await;
    assert_eq!(r.status, 404);

    // reset a password: the old one and the old sessions stop working
    let r = web
        .post(
            "/admin/users/password",
            Some(&root),
            &[
                ("csrf", &csrf),
                ("username", "newbie@example.org"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = web
        .post(
            "/admin/users/password",
            Some(&root),
            &[
                ("csrf", &csrf),
                ("username", "newbie@example.org"),
                ("password", "fresh-password-2"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        !r.body.contains("fresh-password-2"),
        "a password is never shown"
    );
    assert!(
        header_of(&web.get(doc, Some(&newbie)).await.body).contains("signin-link"),
        "session ended"
    );
    assert!(
        web.login("newbie@example.org", "newbie-password-1")
            .await
            .is_none()
    );
    let newbie = web
        .login("newbie@example.org", "fresh-password-2")
        .await
        .unwrap();

    // disable and enable
    let r = web
        .post(
            "/admin/users/status",
            Some(&root),
            &[
                ("csrf", &csrf),
                ("username", "newbie@example.org"),
                ("enable", "false"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("disabled"));
    assert!(header_of(&web.get(doc, Some(&newbie)).await.body).contains("signin-link"));
    assert!(
        web.login("newbie@example.org", "fresh-password-2")
            .await
            .is_none()
    );
    let r = web
        .post(
            "/admin/users/status",
            Some(&root),
            &[
                ("csrf", &csrf),
                ("username", "newbie@example.org"),
                ("enable", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        web.login("newbie@example.org", "fresh-password-2")
            .await
            .is_some()
    );

    // the last active administrator can neither step down nor be disabled
    for (path, field, value) in [
        ("/admin/users/role", "role", "editor"),
        ("/admin/users/status", "enable", "false"),
    ] {
        let r = web
            .post(
                path,
                Some(&root),
                &[
                    ("csrf", &csrf),
                    ("lang", "en"),
                    ("username", "root"),
                    (field, value),
                ],
            )
            .await;
        assert_eq!(r.status, 409, "{path}");
        assert!(r.body.contains("no active administrator"));
    }
    // with a second administrator, root can step down (and then loses the page)
    let r = web
        .post(
            "/admin/users/role",
            Some(&root),
            &[("csrf", &csrf), ("username", "ed"), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status, 200);
    let r = web
        .post(
            "/admin/users/role",
            Some(&root),
            &[("csrf", &csrf), ("username", "root"), ("role", "editor")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(web.get("/admin/users", Some(&root)).await.status, 403);
    stop.send(()).ok();

    // every change is in the audit trail, by the administrator who made it, without secrets
    let trail = audit_actions(&data);
    let web_changes: Vec<(&str, &str, &str)> = trail[..trail.len() - before]
        .iter()
        .map(|(u, a, t)| (u.as_str(), a.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        web_changes,
        [
            ("root", "user.role", "root"),
            ("root", "user.role", "ed"),
            ("root", "user.enable", "newbie@example.org"),
            ("root", "user.disable", "newbie@example.org"),
            ("root", "user.password", "newbie@example.org"),
            ("root", "user.role", "newbie@example.org"),
            ("root", "user.create", "newbie@example.org"),
        ]
    );
    let raw = concord(&data, &["audit", "--format", "json"], "");
    let raw = String::from_utf8_lossy(&raw.stdout);
    assert!(!raw.contains("fresh-password-2") && !raw.contains("$argon2"));
}
