//! The editor's journey in real headless Chromium (Debian's package), driven by
//! `tests/browser/editor.mjs` (playwright-core + axe-core from npm; `npm ci --prefix
//! tests/browser`): sign in from a document's edit link, edit its titles, see the change in
//! both languages, change the password from the header's link, sign out from the header, sign
//! in again (the old password refused, the new one accepted). The account comes from the real
//! `concord user add`; afterwards the store must hold exactly one new version and the audit
//! records of the edit and the password change. Screenshots of
//! every step are kept in `target/tmp/screenshots/` as test artefacts.

mod common;

use std::path::Path;
use std::process::Command;

use common::Server;
use serde_json::Value;

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

/// `concord` on the data directory with the password in the environment.
fn concord_with_password(data: &Path, args: &[&str], password: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CONCORD_PASSWORD", password)
        .env("CONCORD_LOAD_BUNDLED_CORPUS", "false")
        .env_remove("CONCORD_DATABASE_URL")
        .env_remove("CONCORD_CONFIG")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_signs_in_edits_and_signs_out_in_headless_chromium() {
    let Some(dir) = harness() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = concord_with_password(
        &data,
        &["user", "add", "editor", "--role", "editor"],
        "editor-password-1",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The document to edit, as an import would bring it.
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("browser_doc.toml"),
        "id = \"browser_doc\"\njurisdiction = \"CN\"\n[title]\nen = \"Original browser title\"\n",
    )
    .unwrap();
    let out = concord_with_password(&data, &["import", input.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let server = Server::start(concord::Config {
        data_dir: data.clone(),
        load_bundled_corpus: false,
        ..Default::default()
    })
    .await;
    let addr = server.addr;
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let (script, target) = (dir.join("editor.mjs"), shots.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(format!("http://{addr}"))
            .arg(target)
            .args(["browser_doc", "editor", "editor-password-1"])
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the editor's journey failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&report).expect("editor.mjs prints JSON");
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "sign-in",
            "form",
            "saved",
            "saved-zh",
            "password-form",
            "password-changed",
            "signed-out",
            "old-password",
            "new-password"
        ],
        "{report}"
    );
    for s in v["steps"].as_array().unwrap() {
        let shot = Path::new(s["screenshot"].as_str().unwrap());
        assert!(std::fs::metadata(shot).unwrap().len() > 1000, "{shot:?}");
    }
    assert!(
        v["steps"][1]["account"]
            .as_str()
            .unwrap()
            .contains("editor"),
        "{report}"
    );

    // Exactly one new version, with its audit record by the editor.
    let (status, api) = server.get("/api/v1/documents/browser_doc").await;
    assert_eq!(status, 200);
    assert_eq!(api["history"].as_array().unwrap().len(), 2, "{api}");
    assert_eq!(api["title"]["en"], "Title edited in Chromium");
    assert_eq!(api["title"]["zh"], "在浏览器中编辑的标题");
    server.stop().await;
    let out = common::concord(&data, &["audit", "--format", "json"]);
    let audit: Value = serde_json::from_slice(&out.stdout).unwrap();
    let updates: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "document.update")
        .collect();
    assert_eq!(updates.len(), 1, "{audit}");
    assert_eq!(updates[0]["username"], "editor");
    assert_eq!(updates[0]["target_id"], "browser_doc");
    let changes: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "user.password")
        .collect();
    assert_eq!(changes.len(), 1, "{audit}");
    assert_eq!(changes[0]["username"], "editor");
    assert_eq!(changes[0]["summary"]["self"], true);
}
