//! End-to-end journeys and accessibility in real headless Chromium (Debian's package), driven by
//! `tests/browser/e2e.mjs` (playwright-core + axe-core from npm; `npm ci --prefix tests/browser`):
//! home, language switch, search in Chinese and English, a document, compare, browse, consensus,
//! best practices, map and a jurisdiction profile, through the real server on port 0 with the
//! bundled corpus. Fails on any serious or critical axe violation, a request off the server, a
//! first page load over 150 KB or a broken journey. Screenshots of every step are kept in
//! `target/tmp/screenshots/` as test artefacts.

mod common;

use std::path::Path;
use std::process::Command;

use common::Server;

fn harness() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser");
    let ready = dir.join("node_modules/playwright-core").is_dir()
        && dir.join("node_modules/axe-core").is_dir()
        && Command::new("node").arg("--version").output().is_ok()
        && Path::new(&std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
            .exists();
    if ready {
        return Some(dir);
    }
    assert!(
        std::env::var("CONCORD_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
        "browser tests required (CONCORD_REQUIRE_CHROMIUM=1) but node, Chromium or \
         tests/browser/node_modules is missing: run `npm ci --prefix tests/browser`"
    );
    eprintln!("skipping: node, Chromium or tests/browser/node_modules missing");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_and_accessibility_in_headless_chromium() {
    let Some(dir) = harness() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(concord::Config {
        data_dir: data.path().to_path_buf(),
        ..Default::default()
    })
    .await;
    let addr = server.addr;
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let (script, target) = (dir.join("e2e.mjs"), shots.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(format!("http://{addr}"))
            .arg(target)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    server.stop().await;
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser journeys failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&report).expect("e2e.mjs prints JSON");
    assert_eq!(v["pages"].as_array().map(Vec::len), Some(14), "{report}");
    assert!(shots.join("search-zh.png").is_file());
}
