//! The editors' web platform through the real server on port 0: accounts made with the real
//! `concord user` command, sign-in (good, bad, rate-limited), cookie flags, CSRF, roles, the
//! forms (create, edit, upload, validation, conflicts), the audit trail, escaping of hostile
//! titles on every page that shows them, sign-out. The same journey in headless Chromium is
//! `browser_editor.rs` (tests/browser/editor.mjs).

mod common;

use common::hidden;

use std::{net::SocketAddr, path::Path};

use common::concord_stdin as concord;

use reqwest::{Client, StatusCode, header, redirect::Policy};
use serde_json::Value;
use tokio::sync::oneshot;

const HOSTILE: &str = "<script>alert(1)</script>";
const HOSTILE_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";

/// Adds a user; the password never appears in the command's output.
fn add_user(data: &Path, name: &str, role: &str, password: &str) {
    let out = common::add_user(data, name, role, password);
    // the password is never echoed
    assert!(!String::from_utf8_lossy(&out.stdout).contains(password));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(password));
}

async fn start(config: concord::Config) -> (SocketAddr, oneshot::Sender<()>) {
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

fn config(data: &Path) -> concord::Config {
    concord::Config {
        data_dir: data.to_path_buf(),
        load_bundled_corpus: false,
        ..Default::default()
    }
}

/// `name=value` of the cookie `name` among the response's Set-Cookie headers, and the header.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| (v.split(';').next().unwrap().to_owned(), v.to_owned()))
}

struct Web {
    addr: SocketAddr,
    client: Client,
}

impl Web {
    fn new(addr: SocketAddr) -> Web {
        Web {
            addr,
            client: Client::builder().redirect(Policy::none()).build().unwrap(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
        let mut req = self.client.get(self.url(path));
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let r = req.send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).form(form);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        req.send().await.unwrap()
    }

    /// Signs in; returns the response and the session cookie (`name=value`) if one was set.
    async fn login(&self, user: &str, password: &str) -> (reqwest::Response, Option<String>) {
        let r = self
            .client
            .get(self.url("/login?lang=en"))
            .send()
            .await
            .unwrap();
        let (login_cookie, _) = set_cookie(&r, "concord_login_csrf").expect("login CSRF cookie");
        let page = r.text().await.unwrap();
        let csrf = hidden(&page, "csrf").unwrap();
        let r = self
            .post(
                "/login",
                Some(&login_cookie),
                &[
                    ("username", user),
                    ("password", password),
                    ("csrf", &csrf),
                    ("lang", "en"),
                    ("next", "/documents/new?lang=en"),
                ],
            )
            .await;
        let session = set_cookie(&r, "concord_session").map(|(c, _)| c);
        (r, session)
    }

    /// The CSRF token of a signed-in page.
    async fn csrf(&self, path: &str, cookie: &str) -> String {
        let (status, page) = self.get(path, Some(cookie)).await;
        assert_eq!(status, 200, "{page}");
        hidden(&page, "csrf").expect("csrf field")
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn sign_in_roles_csrf_edits_audit_and_escaping() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_user(&data, "admin", "admin", "admin-password-1");
    add_user(&data, "editor", "editor", "editor-password-1");
    add_user(&data, "viewer", "viewer", "viewer-password-1");

    // the CLI refuses bad input with a reason
    let out = concord(
        &data,
        &[
            "user",
            "add",
            "weak",
            "--role",
            "editor",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));
    let out = concord(
        &data,
        &[
            "user",
            "add",
            "admin",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        "another-password\n",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
    let out = concord(&data, &["user", "list"], "");
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("admin\tadmin") && list.contains("viewer\tviewer"),
        "{list}"
    );
    assert!(!list.contains("argon2"), "hashes are not listed");

    // uploads are limited like imports (`max_file_mib`)
    let mut small = config(&data);
    small.max_file_mib = 1;
    let (addr, stop) = start(small).await;
    let web = Web::new(addr);

    // --- sign-in ---
    let (r, session) = web.login("admin", "wrong-password").await;
    assert_eq!(r.status(), 401);
    assert!(session.is_none());
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Wrong username or password")
    );
    let (r, _) = web.login("nobody", "whatever-password").await;
    assert_eq!(r.status(), 401, "unknown users look like wrong passwords");

    let (r, admin) = web.login("admin", "admin-password-1").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        "/documents/new?lang=en",
        "back to where it started"
    );
    let (_, flags) = set_cookie(&r, "concord_session").unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(flags.contains(flag), "{flag} missing: {flags}");
    }
    assert!(!flags.contains("Secure"), "plain HTTP on loopback: {flags}");
    let admin = admin.unwrap();
    assert_eq!(admin.len(), "concord_session=".len() + 64, "256-bit token");

    // the login form needs its CSRF cookie
    let r = web
        .post(
            "/login",
            None,
            &[
                ("username", "admin"),
                ("password", "admin-password-1"),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);

    // --- rate limit: five attempts a minute per IP and username, then 429 ---
    for _ in 0..4 {
        assert_eq!(web.login("viewer", "bad-password-x").await.0.status(), 401);
    }
    let (r, _) = web.login("viewer", "bad-password-x").await;
    assert_eq!(r.status(), 401);
    let (r, session) = web.login("viewer", "viewer-password-1").await;
    assert_eq!(r.status(), 429, "even the right password waits");
    assert!(session.is_none());
    assert_eq!(r.headers()[header::RETRY_AFTER], "60");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
    // other usernames are not affected
    let (r, editor) = web.login("editor", "editor-password-1").await;
    assert_eq!(r.status(), 303);
    let editor = editor.unwrap();

    // a viewer account (made now, so its limit is fresh) cannot edit
    add_user(&data, "reader", "viewer", "reader-password-1");
    let (_, reader) = web.login("reader", "reader-password-1").await;
    let reader = reader.unwrap();

    // --- roles ---
    let (status, _) = web.get("/documents/new", None).await;
    assert_eq!(status, 303, "anonymous: to the sign-in page");
    let (status, page) = web.get("/documents/new?lang=en", Some(&reader)).await;
    assert_eq!(status, 403, "{page}");
    let (status, page) = web.get("/documents/new?lang=zh", Some(&reader)).await;
    assert_eq!(status, 403);
    assert!(page.contains("您的账户无权执行此操作"), "{page}");
    let reader_csrf = web.csrf("/login", &reader).await;
    let r = web
        .post(
            "/documents/new",
            Some(&reader),
            &[("csrf", &reader_csrf), ("id", "x1"), ("title_en", "X")],
        )
        .await;
    assert_eq!(r.status(), 403, "viewer cannot create");

    // --- CSRF on the editor's forms ---
    let csrf = web.csrf("/documents/new?lang=en", &editor).await;
    let form = |csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("lang".to_owned(), "en".to_owned()),
            ("id".to_owned(), "hostile_doc".to_owned()),
            ("title_en".to_owned(), format!("{HOSTILE} Evil & Co")),
            ("title_zh".to_owned(), format!("{HOSTILE} 恶意")),
            ("jurisdiction".to_owned(), "us".to_owned()),
            ("instrument_type".to_owned(), "law".to_owned()),
            ("status".to_owned(), "in_force".to_owned()),
            ("adopted".to_owned(), "2024-05".to_owned()),
            ("summary_en".to_owned(), format!("{HOSTILE} summary")),
            (
                "source_urls".to_owned(),
                "https://example.org/a?b=1&c=\"><script>".to_owned(),
            ),
        ]
    };
    let as_refs = |f: &[(String, String)]| {
        f.iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    let post_form = |path: &'static str, cookie: String, f: Vec<(String, String)>| {
        let client = web.client.clone();
        let url = web.url(path);
        async move {
            client
                .post(url)
                .header(header::COOKIE, cookie)
                .form(&f)
                .send()
                .await
                .unwrap()
        }
    };
    let mut no_token = as_refs(&form(""));
    no_token.retain(|(k, _)| k != "csrf");
    assert_eq!(
        post_form("/documents/new", editor.clone(), no_token)
            .await
            .status(),
        403,
        "missing CSRF token"
    );
    assert_eq!(
        post_form(
            "/documents/new",
            editor.clone(),
            as_refs(&form(&"0".repeat(64)))
        )
        .await
        .status(),
        403,
        "wrong CSRF token"
    );
    assert_eq!(
        post_form(
            "/documents/new",
            editor.clone(),
            as_refs(&form(&reader_csrf))
        )
        .await
        .status(),
        403,
        "another session's token"
    );

    // --- validation errors next to their fields, in both languages ---
    let mut bad = as_refs(&form(&csrf));
    for (k, v) in bad.iter_mut() {
        match k.as_str() {
            "adopted" => *v = "2024-13".into(),
            "jurisdiction" => *v = "Narnia".into(),
            _ => {}
        }
    }
    let r = post_form("/documents/new", editor.clone(), bad.clone()).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"err-adopted\""), "{page}");
    assert!(page.contains("Not a date"), "{page}");
    assert!(page.contains("id=\"err-jurisdiction\""));
    assert!(!page.contains(HOSTILE), "the form echoes input escaped");
    for (k, v) in bad.iter_mut() {
        if k == "lang" {
            *v = "zh".into();
        }
    }
    let page = post_form("/documents/new", editor.clone(), bad)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("不是有效日期"), "{page}");
    assert!(page.contains("不是有效的法域代码"));

    // --- create ---
    let r = post_form("/documents/new", editor.clone(), as_refs(&form(&csrf))).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), "/documents/hostile_doc?lang=en");
    let r = post_form("/documents/new", editor.clone(), as_refs(&form(&csrf))).await;
    assert_eq!(r.status(), 422, "the id is taken now");

    // --- edit: a new version, the search index sees it, the audit trail records it ---
    let (status, page) = web
        .get("/documents/hostile_doc/edit?lang=en", Some(&editor))
        .await;
    assert_eq!(status, 200);
    assert_eq!(hidden(&page, "version").as_deref(), Some("1"));
    assert!(!page.contains(HOSTILE));
    let mut edit = as_refs(&form(&csrf));
    edit.retain(|(k, _)| k != "id");
    for (k, v) in edit.iter_mut() {
        if k == "title_en" {
            *v = format!("Quetzalcoatl Accord {HOSTILE}");
        }
    }
    edit.push(("version".into(), "1".into()));
    let r = post_form("/documents/hostile_doc/edit", editor.clone(), edit.clone()).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let api: Value = reqwest::get(web.url("/api/v1/documents/hostile_doc"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["history"].as_array().unwrap().len(), 2, "{api}");
    assert_eq!(api["title"]["en"], format!("Quetzalcoatl Accord {HOSTILE}"));
    assert_eq!(api["jurisdiction"], "US");
    let hits: Value = reqwest::get(web.url("/api/v1/search?q=quetzalcoatl"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hits["items"][0]["id"], "hostile_doc", "{hits}");
    // both writes (create, edit) are entries of the transparency log
    let log_size = || async {
        let v: Value = reqwest::get(web.url("/api/v1/log"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["size"].as_u64().unwrap()
    };
    assert_eq!(log_size().await, 2);

    // the same form again was made from version 1: a conflict, nothing written
    let r = post_form("/documents/hostile_doc/edit", editor.clone(), edit).await;
    assert_eq!(r.status(), 422);
    assert_eq!(log_size().await, 2, "a refused write is not logged");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Someone saved this document")
    );

    // --- upload a text ---
    let upload = |name: &'static str, bytes: Vec<u8>, csrf: String| {
        let client = web.client.clone();
        let url = web.url("/documents/hostile_doc/text");
        let cookie = editor.clone();
        async move {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .text("lang", "en")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            client
                .post(url)
                .header(header::COOKIE, cookie)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let r = upload(
        "accord.md",
        b"# Quetzalcoatl Accord\n\nArticle 1 Providers shall disclose xylophonic training data.\n"
            .to_vec(),
        csrf.clone(),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let api: Value = reqwest::get(web.url("/api/v1/documents/hostile_doc?text=true"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        api["text"].as_str().unwrap().contains("xylophonic"),
        "{api}"
    );
    assert_eq!(api["history"].as_array().unwrap().len(), 3);
    let hits: Value = reqwest::get(web.url("/api/v1/search?q=xylophonic"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hits["items"][0]["id"], "hostile_doc", "{hits}");
    let r = upload("tool.exe", b"MZ".to_vec(), csrf.clone()).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Unsupported file type"));
    let r = upload("empty.txt", b"   \n".to_vec(), csrf.clone()).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("No text could be extracted")
    );
    let r = upload("big.txt", vec![b'a'; 1_200_000], csrf.clone()).await;
    assert_eq!(r.status(), 422, "over max_file_mib");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The upload could not be read")
    );
    let r = upload("accord.md", b"Sneaky".to_vec(), "f".repeat(64)).await;
    assert_eq!(r.status(), 403, "uploads check the CSRF token too");

    // --- audit trail: admins only; who, what, which version ---
    let (status, _) = web.get("/admin/audit?lang=en", Some(&editor)).await;
    assert_eq!(status, 403);
    let (status, page) = web.get("/admin/audit?lang=en", Some(&admin)).await;
    assert_eq!(status, 200);
    for want in [
        "document.create",
        "document.update",
        "document.upload_text",
        "user.create",
    ] {
        assert!(page.contains(want), "{want} missing from the audit page");
    }
    assert!(page.contains("Quetzalcoatl Accord"));
    let out = concord(&data, &["audit", "--limit", "10", "--format", "json"], "");
    let audit: Value = serde_json::from_slice(&out.stdout).unwrap();
    let update = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "document.update")
        .unwrap();
    assert_eq!(update["username"], "editor");
    assert_eq!(update["target_id"], "hostile_doc");
    assert_eq!(update["summary"]["version"], 2);
    assert_eq!(
        update["summary"]["changes"]["title.en"][1],
        format!("Quetzalcoatl Accord {HOSTILE}")
    );
    assert!(update["at"].as_str().unwrap().starts_with("20"));

    // --- the hostile title is escaped on every page that shows it ---
    for path in [
        "/?lang=en",
        "/?lang=zh",
        "/documents?lang=en",
        "/documents/hostile_doc?lang=en",
        "/documents/hostile_doc?lang=zh",
        "/documents/hostile_doc/edit?lang=en",
        "/search?q=quetzalcoatl&lang=en",
        "/documents?jurisdiction=US&lang=zh",
        "/admin/audit?lang=en",
        "/login?lang=en",
    ] {
        let (status, page) = web.get(path, Some(&admin)).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert!(!page.contains(HOSTILE), "unescaped on {path}");
        assert!(!page.contains("<script"), "a script tag on {path}");
        if path != "/login?lang=en" && !path.starts_with("/search") {
            assert!(
                page.contains(HOSTILE_ESCAPED) || page.contains("&lt;script&gt;"),
                "{path} does not show the title"
            );
        }
    }

    // --- security headers on the signed-in pages ---
    let r = web
        .client
        .get(web.url("/documents/hostile_doc/edit"))
        .header(header::COOKIE, &editor)
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");

    // --- sign-out ends the session on the server, not just in the browser ---
    let r = web
        .post("/logout", Some(&editor), &[("csrf", "nope")])
        .await;
    assert_eq!(r.status(), 403, "sign-out needs the token too");
    let r = web.post("/logout", Some(&editor), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let (_, cleared) = set_cookie(&r, "concord_session").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let (status, _) = web.get("/documents/new", Some(&editor)).await;
    assert_eq!(status, 303, "the old cookie no longer works");
    let r = post_form("/documents/new", editor.clone(), as_refs(&form(&csrf))).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));

    // a new password ends the admin's sessions too
    let out = concord(
        &data,
        &["user", "passwd", "admin", "--password-stdin"],
        "admin-password-2\n",
    );
    assert!(out.status.success());
    let (status, _) = web.get("/admin/audit", Some(&admin)).await;
    assert_eq!(status, 303);
    stop.send(()).ok();

    // --- with secure cookies configured: Secure and the __Host- prefix ---
    let mut secure = config(&data);
    secure.auth.secure_cookies = Some(true);
    let (addr, stop) = start(secure).await;
    let web = Web::new(addr);
    let r = web.client.get(web.url("/login")).send().await.unwrap();
    let (login_cookie, flags) = set_cookie(&r, "concord_login_csrf").unwrap();
    assert!(flags.contains("Secure"));
    let csrf = hidden(&r.text().await.unwrap(), "csrf").unwrap();
    let r = web
        .post(
            "/login",
            Some(&login_cookie),
            &[
                ("username", "admin"),
                ("password", "admin-password-2"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, flags) = set_cookie(&r, "__Host-concord_session").expect("__Host- cookie");
    assert!(
        flags.contains("; Secure") && flags.contains("HttpOnly"),
        "{flags}"
    );
    stop.send(()).ok();
}
