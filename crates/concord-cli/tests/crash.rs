//! Crash test of the server's write path: `kill -9` the real `concord serve` process while
//! editors are creating documents over HTTP, several times. After each kill the transparency
//! log must verify, and every write the server acknowledged (a 303 answer: the document is
//! stored and its log entry durable) must be present in both the store and the log.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use reqwest::{Client, StatusCode, header, redirect::Policy};

fn concord_cmd(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_concord"));
    c.arg("--data-dir")
        .arg(data)
        .env("CONCORD_LOAD_BUNDLED_CORPUS", "false")
        .env_remove("CONCORD_DATABASE_URL")
        .env_remove("CONCORD_CONFIG")
        .env_remove("CONCORD_PASSWORD");
    c
}

/// Starts `concord serve` as a child process on a free loopback port.
async fn spawn_server(data: &Path) -> (Child, String) {
    // Bind port 0 to find a free port, then hand it to the child (a tiny race, retried).
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = concord_cmd(data)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..1200 {
            if reqwest::get(format!("{base}/healthz"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return (child, base);
            }
            if child.try_wait().unwrap().is_some() {
                break; // port taken meanwhile: try another
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("concord serve did not come up");
}

fn cookie(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

/// Signs in as the admin; returns the session cookie and a CSRF token for the editor forms.
async fn sign_in(client: &Client, base: &str) -> (String, String) {
    let r = client.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = cookie(&r, "concord_login_csrf");
    let csrf = common::hidden(&r.text().await.unwrap(), "csrf").expect("hidden field");
    let r = client
        .post(format!("{base}/login"))
        .header(header::COOKIE, &login_cookie)
        .form(&[
            ("username", "admin"),
            ("password", "crash-test-password"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = cookie(&r, "concord_session");
    let page = client
        .get(format!("{base}/documents/new"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (
        session,
        common::hidden(&page, "csrf").expect("hidden field"),
    )
}

/// Creates documents `prefix-0`, `prefix-1`, … until the server stops answering; pushes the
/// id of every acknowledged creation.
async fn writer(
    client: Client,
    base: String,
    session: String,
    csrf: String,
    prefix: String,
    acked: Arc<Mutex<Vec<String>>>,
) {
    for n in 0.. {
        let id = format!("{prefix}-{n}");
        let form = [
            ("csrf", csrf.as_str()),
            ("id", id.as_str()),
            ("title_original", ""),
            ("title_zh", ""),
            ("title_en", "Crash test document"),
            ("languages", "en"),
            ("issuers", ""),
            ("jurisdiction", ""),
            ("instrument_type", "guideline"),
            ("legal_force", ""),
            ("status", ""),
            ("published", ""),
            ("adopted", ""),
            ("in_force", ""),
            ("source_urls", ""),
            ("licence", ""),
            ("summary_zh", ""),
            ("summary_en", ""),
        ];
        let sent = client
            .post(format!("{base}/documents/new"))
            .header(header::COOKIE, &session)
            .form(&form)
            .send()
            .await;
        match sent {
            Ok(r) if r.status() == StatusCode::SEE_OTHER => acked.lock().unwrap().push(id),
            Ok(r) => panic!("{id}: unexpected answer {}", r.status()),
            Err(_) => return, // killed
        }
    }
}

/// The record ids of the `document` entries in the log.
async fn logged_documents(db: &Path) -> BTreeSet<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT record_id FROM ledger_entries WHERE kind = 'document'")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    ids.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_server_during_edits_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::add_user(&data, "admin", "admin", "crash-test-password");
    let client = Client::builder().redirect(Policy::none()).build().unwrap();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    for round in 0..3 {
        let (mut child, base) = spawn_server(&data).await;
        let (session, csrf) = sign_in(&client, &base).await;
        let before = acked.lock().unwrap().len();
        let tasks: Vec<_> = (0..6)
            .map(|t| {
                tokio::spawn(writer(
                    client.clone(),
                    base.clone(),
                    session.clone(),
                    csrf.clone(),
                    format!("r{round}-w{t}"),
                    acked.clone(),
                ))
            })
            .collect();
        // Kill once a varying number of writes have been acknowledged.
        let target = before + 20 + 15 * round;
        while acked.lock().unwrap().len() < target {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for t in tasks {
            t.await.unwrap();
        }

        // The log verifies from the database alone, and holds every acknowledged write.
        let out = concord_cmd(&data)
            .args(["ledger", "verify"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "round {round}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let logged = logged_documents(&data.join("concord.db")).await;
        let acked_now = acked.lock().unwrap().clone();
        for id in &acked_now {
            assert!(
                logged.contains(id),
                "round {round}: {id} acknowledged but not logged"
            );
        }
        let out = concord_cmd(&data)
            .args(["list", "--limit", "100000"])
            .output()
            .unwrap();
        let listed: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split('\t').next())
            .map(str::to_owned)
            .collect();
        for id in &acked_now {
            assert!(
                listed.contains(id),
                "round {round}: {id} acknowledged but not stored"
            );
        }
    }
    assert!(acked.lock().unwrap().len() >= 20 + 35 + 50);
}
