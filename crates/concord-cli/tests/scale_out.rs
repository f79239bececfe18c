//! Scale-out: several `concord serve` instances on one PostgreSQL database each keep their
//! search index current with documents written elsewhere (another instance's editor,
//! `concord import`); the same follow-up serves a single SQLite server while `concord import`
//! writes to its database.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::Server;
use concord::Config;
use concord_testkit::TempPostgres;

fn config(data_dir: &Path, database_url: Option<String>) -> Config {
    let mut c = Config {
        data_dir: data_dir.to_path_buf(),
        database_url,
        search_follow_secs: 1,
        ..Config::default()
    };
    // Servers sharing a database share its transparency log, so they share the log's key.
    c.ledger.key_file = data_dir.parent().map(|p| p.join("ledger.key"));
    c
}

/// `concord import` of one document whose title carries `word`, into `database_url` (or the
/// data directory's SQLite file).
fn import(dir: &Path, data: &Path, database_url: Option<&str>, word: &str) {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("followed.toml"),
        format!(
            "id = \"followed_doc\"\ninstrument_type = \"guideline\"\njurisdiction = \"KE\"\n\
             source_urls = [\"https://example.org/followed\"]\n[title]\nen = \"Guideline on {word} oversight\"\n"
        ),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_concord"));
    cmd.arg("--data-dir").arg(data);
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    // Its writes go to the same transparency log, so it signs with the servers' key.
    cmd.env("CONCORD_LEDGER_KEY_FILE", dir.join("ledger.key"));
    let out = cmd.arg("import").arg(&input).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits until searching `word` on `s` finds `expected` documents (polled; the follow-up runs
/// every second).
async fn wait_for(s: &Server, word: &str, expected: u64) {
    let mut last = serde_json::Value::Null;
    for _ in 0..150 {
        let (status, v) = s.get(&format!("/api/v1/search?q={word}")).await;
        assert_eq!(status, 200);
        if v["total"] == expected {
            return;
        }
        last = v;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "{} never found {expected} document(s) for {word:?}: {last}",
        s.addr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_follow_each_others_writes() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.url().to_owned();
    let a = Server::start(config(&dir.path().join("a"), Some(url.clone()))).await;
    let b = Server::start(config(&dir.path().join("b"), Some(url.clone()))).await;
    // Both serve the same documents.
    let (_, ha) = a.get("/healthz").await;
    let (_, hb) = b.get("/healthz").await;
    assert_eq!(ha["documents"], hb["documents"]);
    wait_for(&a, "zanzibarite", 0).await;

    // A write from outside both servers reaches both indexes.
    import(
        dir.path(),
        &dir.path().join("cli"),
        Some(&url),
        "zanzibarite",
    );
    wait_for(&a, "zanzibarite", 1).await;
    wait_for(&b, "zanzibarite", 1).await;

    // A new version replaces the old one in both: the old word is gone, the new one found.
    import(
        dir.path(),
        &dir.path().join("cli"),
        Some(&url),
        "quokkanomics",
    );
    wait_for(&a, "quokkanomics", 1).await;
    wait_for(&b, "quokkanomics", 1).await;
    wait_for(&a, "zanzibarite", 0).await;
    wait_for(&b, "zanzibarite", 0).await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_server_follows_concord_import() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = Server::start(config(&data, None)).await;
    wait_for(&s, "zanzibarite", 0).await;
    import(dir.path(), &data, None, "zanzibarite");
    wait_for(&s, "zanzibarite", 1).await;
    s.stop().await;
}
