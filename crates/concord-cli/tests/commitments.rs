//! Commitments end to end: the seed loaded with the bundled corpus and logged, the tracker,
//! a commitment's page and its "verify this record" page, the editor forms (create, report
//! with a file, assessment, statement promotion) with CSRF and bad input, the JSON API, and
//! the `concord commitment` commands on the same data directory, finishing with
//! `concord ledger verify`.

mod common;

use common::hidden;

use std::path::Path;

use common::{Server, concord};
use reqwest::{Client, StatusCode, header, multipart, redirect::Policy};
use serde_json::Value;

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

fn add_editor(data: &Path) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(data)
        .args(["user", "add", "ed", "--role", "editor", "--password-stdin"])
        .env("CONCORD_LOAD_BUNDLED_CORPUS", "false")
        .env_remove("CONCORD_DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"editor-password-1\n")
        .unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
}

struct Web<'a> {
    server: &'a Server,
    client: Client,
    session: String,
}

impl Web<'_> {
    async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .client
            .get(self.server.url(path))
            .header(header::COOKIE, &self.session)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn csrf(&self, path: &str) -> String {
        let (status, page) = self.get(path).await;
        assert_eq!(status, 200, "{page}");
        hidden(&page, "csrf").expect("csrf field")
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.server.url(path))
            .header(header::COOKIE, &self.session)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

async fn log_size(server: &Server) -> u64 {
    server.get("/api/v1/log").await.1["size"].as_u64().unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn commitments_through_the_web_the_api_and_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    add_editor(data);
    let bg = common::bg2050();
    ok(concord(
        data,
        &["deliberate", "import", bg.to_str().unwrap(), "--id", "bg"],
    ));
    let server = Server::start(concord::Config {
        data_dir: data.to_path_buf(),
        ..Default::default()
    })
    .await;

    // --- the seed, loaded with the bundled corpus and logged ---
    let (status, list) = server.get("/api/v1/commitments").await;
    assert_eq!(status, 200);
    let seeded = list["items"].as_array().unwrap().len();
    assert!(seeded >= 9, "{list}");
    let size0 = log_size(&server).await;
    assert!(size0 >= seeded as u64);
    let (_, one) = server
        .get("/api/v1/commitments/seoul-2024-thresholds")
        .await;
    assert_eq!(one["status"]["anthropic"], "pending", "{one}");
    assert!(one["commitment"]["deadline"].is_null());

    // --- tracker: filters are URLs; zh; bad filters are refused ---
    let client = Client::builder().redirect(Policy::none()).build().unwrap();
    let page = |path: &str| {
        let client = client.clone();
        let url = server.url(path);
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s, html) = page("/commitments?lang=zh").await;
    assert_eq!(s, 200);
    assert!(html.contains("承诺追踪") && html.contains("待定"), "{html}");
    let (s, html) = page("/commitments?lang=en&actor=anthropic&status=pending&deadline=none").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Anthropic") && !html.contains("OpenAI</td>"),
        "{html}"
    );
    assert_eq!(page("/commitments?status=done").await.0, 400);
    assert_eq!(page("/commitments?deadline=soon").await.0, 400);
    assert_eq!(page("/commitments/nope").await.0, 404);
    // verify this record: the seed entry, proven against the checkpoint
    let (s, html) = page("/commitments/seoul-2024-thresholds/verify?lang=en").await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("✓").count(), 1, "{html}");
    assert!(!html.contains("✗") && html.contains("concord ledger prove --index"));

    // --- editor forms ---
    let login = client
        .get(server.url("/login?lang=en"))
        .send()
        .await
        .unwrap();
    let login_cookie = cookie(&login, "concord_login_csrf").unwrap();
    let csrf = hidden(&login.text().await.unwrap(), "csrf").unwrap();
    let r = client
        .post(server.url("/login"))
        .header(header::COOKIE, &login_cookie)
        .form(&[
            ("username", "ed"),
            ("password", "editor-password-1"),
            ("csrf", &csrf),
            ("lang", "en"),
            ("next", "/commitments"),
        ])
        .send()
        .await
        .unwrap();
    let web = Web {
        server: &server,
        client: client.clone(),
        session: cookie(&r, "concord_session").expect("signed in"),
    };
    let csrf = web.csrf("/commitments/new?lang=en").await;
    let hostile = "<script>alert(1)</script>";
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("id", "pilot-pledge"),
        ("title_en", hostile),
        ("text_en", "Publish a safety framework"),
        ("document", "frontier_ai_safety_commitments_2024"),
        ("signatories", "anthropic, nobody_inc"),
        ("principles", "safety"),
        ("deadline", "2025-02-30"),
    ];
    let r = web.post("/commitments/new", &form).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("deadline:"), "{body}");
    form[8].1 = "2025-02-09";
    let r = web.post("/commitments/new", &form).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("no actor &quot;nobody_inc&quot;")
    );
    assert_eq!(
        log_size(&server).await,
        size0,
        "refused writes are not logged"
    );
    form[6].1 = "anthropic, openai";
    // without the CSRF token: refused
    let mut no_csrf = form.clone();
    no_csrf[0].1 = "wrong";
    assert_eq!(web.post("/commitments/new", &no_csrf).await.status(), 403);
    let r = web.post("/commitments/new", &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), "/commitments/pilot-pledge?lang=en");
    assert_eq!(
        web.post("/commitments/new", &form).await.status(),
        422,
        "duplicate id"
    );
    assert_eq!(log_size(&server).await, size0 + 1);

    // an action report with a link and a file
    let csrf = web.csrf("/commitments/pilot-pledge?lang=en").await;
    let report = |signatory: &'static str, bytes: Vec<u8>| {
        multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("lang", "en")
            .text("signatory", signatory)
            .text("source", "self_report")
            .text("reporter", signatory)
            .text("date", "2025-01-15")
            .text("description", "Published <b>v1</b>")
            .text("links", "https://example.org/rsp")
            .part(
                "file",
                multipart::Part::bytes(bytes)
                    .file_name("framework.html")
                    .mime_str("text/html")
                    .unwrap(),
            )
    };
    let post_report = |form: multipart::Form| {
        web.client
            .post(server.url("/commitments/pilot-pledge/reports"))
            .header(header::COOKIE, &web.session)
            .multipart(form)
            .send()
    };
    let r = post_report(report("anthropic", b"<script>x</script>".to_vec()))
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // a report for a non-signatory, or a file over the limit: nothing written
    let r = post_report(report("meta", b"x".to_vec())).await.unwrap();
    assert_eq!(r.status(), 422);
    let big = vec![b'a'; concord_store::commitments::MAX_EVIDENCE_BYTES + 1];
    let r = post_report(report("anthropic", big)).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at most"));
    assert_eq!(log_size(&server).await, size0 + 2);
    let (_, reports) = server.get("/api/v1/commitments/pilot-pledge/reports").await;
    assert_eq!(reports.as_array().unwrap().len(), 1, "{reports}");
    let sha = reports[0]["evidence"][1]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = client
        .get(server.url(&format!("/evidence/{sha}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"<script>x</script>");

    // an assessment decides the status; a self-assessment is refused
    let mut a = vec![
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("signatory", "anthropic"),
        ("assessor", "anthropic"),
        ("date", "2025-03-01"),
        ("verdict", "met"),
        ("rationale", "Framework with thresholds published"),
        ("links", ""),
    ];
    assert_eq!(
        web.post("/commitments/pilot-pledge/assessments", &a)
            .await
            .status(),
        422
    );
    a[3].1 = "Review Lab";
    assert_eq!(
        web.post("/commitments/pilot-pledge/assessments", &a)
            .await
            .status(),
        303
    );
    let (_, st) = server
        .get("/api/v1/commitments/pilot-pledge/status?date=2025-06-01")
        .await;
    assert_eq!(st["status"]["anthropic"], "met", "{st}");
    assert_eq!(st["status"]["openai"], "overdue", "{st}");
    let (_, st) = server
        .get("/api/v1/commitments/pilot-pledge/status?date=2025-02-01")
        .await;
    assert_eq!(st["status"]["anthropic"], "on_track", "{st}");
    assert_eq!(
        server
            .get("/api/v1/commitments/pilot-pledge/status?date=tomorrow")
            .await
            .0,
        400
    );

    // the page escapes everything and shows the timeline; the verify page proves 3 entries
    let (_, html) = web.get("/commitments/pilot-pledge?lang=en").await;
    assert!(!html.contains(hostile) && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<b>v1</b>") && html.contains("Status change"));
    let (_, html) = page("/commitments/pilot-pledge/verify?lang=en").await;
    assert_eq!(html.matches("✓").count(), 3, "{html}");
    // the gap: anthropic met, openai overdue
    let (_, gap) = server.get("/api/v1/commitments-gap?date=2025-06-01").await;
    assert_eq!(gap["by_actor"]["openai"]["gap"], 1.0, "{gap}");
    assert_eq!(gap["by_actor"]["anthropic"]["met"], 1, "{gap}");
    let (s, html) = page("/consensus?lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains("implementation-gap"));

    // promotion of a deliberation statement to a draft
    let (s, html) = page("/deliberations/bg?lang=en").await;
    assert_eq!(s, 200);
    assert!(html.contains("/promote?lang=en"), "no promote link");
    let promote = "/deliberations/bg/statements/2/promote";
    let csrf = web.csrf(&format!("{promote}?lang=en")).await;
    let r = web.post(promote, &[("csrf", &csrf), ("lang", "en")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/commitments/bg-s2?lang=en");
    let (_, draft) = server.get("/api/v1/commitments/bg-s2").await;
    assert_eq!(draft["commitment"]["draft"], true);
    assert_eq!(draft["commitment"]["origin"]["statement"], 2);
    assert_eq!(
        web.post(
            "/deliberations/bg/statements/999/promote",
            &[("csrf", &csrf)]
        )
        .await
        .status(),
        404
    );
    let size = log_size(&server).await;
    assert_eq!(size, size0 + 4);
    server.stop().await;

    // --- the CLI on the same data ---
    let out = ok(concord(
        data,
        &[
            "commitment",
            "status",
            "pilot-pledge",
            "--date",
            "2025-06-01",
            "--format",
            "json",
        ],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"]["anthropic"], "met");
    let out = ok(concord(
        data,
        &[
            "commitment",
            "list",
            "--actor",
            "openai",
            "--status",
            "overdue",
        ],
    ));
    assert!(out.contains("pilot-pledge\topenai\toverdue"), "{out}");
    let out = concord(
        data,
        &[
            "commitment",
            "report",
            "--commitment",
            "pilot-pledge",
            "--signatory",
            "openai",
            "--source",
            "third_party",
            "--reporter",
            "Press",
            "--date",
            "2025-13-01",
            "--description",
            "x",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("2025-13-01"));
    let out = ok(concord(
        data,
        &[
            "commitment",
            "assess",
            "--commitment",
            "pilot-pledge",
            "--signatory",
            "openai",
            "--assessor",
            "Review Lab",
            "--date",
            "2025-04-01",
            "--verdict",
            "partially_met",
            "--rationale",
            "Thresholds unclear",
            "--link",
            "https://example.org/review",
        ],
    ));
    assert!(out.starts_with("pilot-pledge.a2\tlog index "), "{out}");
    let out = concord(
        data,
        &[
            "commitment",
            "assess",
            "--commitment",
            "pilot-pledge",
            "--signatory",
            "openai",
            "--assessor",
            "openai",
            "--date",
            "2025-04-01",
            "--verdict",
            "met",
            "--rationale",
            "self",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("independent"));
    let gap: Value = serde_json::from_str(&ok(concord(
        data,
        &[
            "commitment",
            "gap",
            "--date",
            "2025-06-01",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(gap["by_actor"]["openai"]["gap"], 0.5, "{gap}");
    // a file of commitments: one bad record, nothing written
    let file = data.join("new.toml");
    std::fs::write(
        &file,
        r#"
[[commitments]]
id = "cli-one"
title = { en = "One" }
text = { en = "One" }
origin = { type = "document", document = "eu_ai_pact_2024" }
signatories = ["european_commission"]

[[commitments]]
id = "cli-two"
title = { en = "Two" }
text = { en = "Two" }
origin = { type = "document", document = "no_such_document" }
signatories = ["european_commission"]
"#,
    )
    .unwrap();
    let out = concord(data, &["commitment", "add", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("commitments[1] (cli-two): origin.document")
    );
    assert_eq!(
        concord(data, &["commitment", "show", "cli-one"])
            .status
            .code(),
        Some(1)
    );
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("no_such_document", "eu_ai_pact_2024");
    std::fs::write(&file, text).unwrap();
    let out = ok(concord(
        data,
        &["commitment", "add", file.to_str().unwrap()],
    ));
    assert_eq!(out.lines().count(), 2, "{out}");
    let show: Value =
        serde_json::from_str(&ok(concord(data, &["commitment", "show", "pilot-pledge"]))).unwrap();
    assert_eq!(show["log_entries"].as_array().unwrap().len(), 4, "{show}");
    // a withdrawal is an update of the commitment, logged; it wins over the assessment
    let out = concord(
        data,
        &[
            "commitment",
            "withdraw",
            "--commitment",
            "pilot-pledge",
            "--actor",
            "meta",
            "--date",
            "2025-05-01",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("withdrawals[0].actor"),
        "{out:?}"
    );
    let out = ok(concord(
        data,
        &[
            "commitment",
            "withdraw",
            "--commitment",
            "pilot-pledge",
            "--actor",
            "openai",
            "--date",
            "2025-05-01",
        ],
    ));
    assert!(out.contains("version 2"), "{out}");
    let v: Value = serde_json::from_str(&ok(concord(
        data,
        &[
            "commitment",
            "status",
            "pilot-pledge",
            "--date",
            "2025-06-01",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(v["status"]["openai"], "withdrawn");
    let show: Value =
        serde_json::from_str(&ok(concord(data, &["commitment", "show", "pilot-pledge"]))).unwrap();
    assert_eq!(show["log_entries"].as_array().unwrap().len(), 5, "{show}");
    // the whole log verifies
    let out = ok(concord(data, &["ledger", "verify"]));
    assert!(!out.is_empty());
}
