//! Cross-check with an independent implementation: `tools/tlog-peer` (Go, golang.org/x/mod's
//! sumdb/note and sumdb/tlog from Debian's packages) verifies the shared vectors and a log
//! built here: checkpoint signatures, the tree recomputed from the entry bundles, inclusion
//! and consistency proofs (also compared with x/mod's own), and a witness cosignature.
//!
//! Skipped when `go` is missing, unless `CONCORD_REQUIRE_GO=1` (set by `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use concord_ledger::cosignature::Cosigner;
use concord_ledger::log::{Log, LogConfig};
use concord_ledger::note::Note;
use concord_ledger::tile::TileId;
use concord_ledger::{Checkpoint, Ed25519Signer};
use concord_store::SqlStore;
use concord_store::ledger::LedgerStore;
use serde_json::json;

fn go_available() -> bool {
    let found = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
        && Path::new("/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog").is_dir();
    if !found && std::env::var("CONCORD_REQUIRE_GO").is_ok_and(|v| v == "1") {
        panic!("CONCORD_REQUIRE_GO=1 but go or golang-golang-x-mod-dev is not installed");
    }
    found
}

fn build_peer(tmp: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/tlog-peer");
    let bin = tmp.join("tlog-peer");
    let o = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .env("GO111MODULE", "off")
        .env(
            "GOPATH",
            format!("{}:/usr/share/gocode", tmp.join("gopath").display()),
        )
        .env("GOCACHE", tmp.join("gocache"))
        .env("GOFLAGS", "")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "go build: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    bin
}

#[test]
fn go_peer_agrees_with_all_shared_vectors() {
    if !go_available() {
        eprintln!("skipped: go not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let bin = build_peer(tmp.path());
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/merkle");
    let o = Command::new(bin).arg(vectors).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("inclusion vectors agree: 98 disagree: 0"),
        "{out}"
    );
    assert!(
        out.contains("consistency vectors agree: 98 disagree: 0"),
        "{out}"
    );
    assert!(out.contains("note.Open PeterNeumann: true 1"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_peer_verifies_a_concord_log() {
    if !go_available() {
        eprintln!("skipped: go not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/g.db", tmp.path().display());
    let origin = "go-peer.example/log";
    let signer = Ed25519Signer::generate(origin).unwrap();
    let store: Arc<dyn LedgerStore> = Arc::new(SqlStore::connect(&url).await.unwrap());
    let log = Log::open(
        store.clone(),
        signer.clone(),
        LogConfig {
            origin: origin.into(),
            max_batch: 1000,
        },
    )
    .await
    .unwrap();
    let rec = |i: u64| {
        (
            "commitment".to_owned(),
            format!("c{i}"),
            json!({"i": i, "text": "负责任的人工智能"}),
        )
    };
    log.append_many(&[rec(0)]).await.unwrap();
    log.append_many(&(1..300).map(rec).collect::<Vec<_>>())
        .await
        .unwrap();
    log.append_many(&(300..700).map(rec).collect::<Vec<_>>())
        .await
        .unwrap();
    let size = log.size();
    assert_eq!(size, 700);

    let dir = tmp.path().join("export");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vkey"), signer.verifier_key()).unwrap();
    let (_, note) = log.checkpoint();
    std::fs::write(dir.join("checkpoint"), &note).unwrap();
    let old = store
        .ledger_checkpoints()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.size == 300)
        .unwrap();
    std::fs::write(dir.join("old-checkpoint"), &old.note).unwrap();
    // Entries, through the entry bundles the server serves.
    let mut entries = Vec::new();
    for n in 0..=(size / 256) {
        let width = (size - n * 256).min(256) as u16;
        entries.extend(log.tile(TileId::entries(n, width)).await.unwrap().unwrap());
    }
    std::fs::write(dir.join("entries"), entries).unwrap();
    let b64s = |v: Vec<[u8; 32]>| v.iter().map(|h| B64.encode(h)).collect::<Vec<_>>();
    let mut incl = Vec::new();
    for (index, s) in [
        (0, 1),
        (0, 700),
        (255, 256),
        (256, 700),
        (299, 300),
        (511, 512),
        (699, 700),
        (123, 457),
    ] {
        incl.push(json!({"index": index, "size": s, "proof": b64s(log.inclusion_proof(index, s).unwrap())}));
    }
    std::fs::write(
        dir.join("inclusion.json"),
        serde_json::to_vec(&incl).unwrap(),
    )
    .unwrap();
    let mut cons = Vec::new();
    for (m, n) in [
        (1, 700),
        (300, 700),
        (299, 700),
        (256, 700),
        (5, 300),
        (699, 700),
        (512, 513),
    ] {
        cons.push(json!({
            "old": m, "new": n,
            "old_root": B64.encode(log.root_at(m).unwrap()),
            "proof": b64s(log.consistency_proof(m, n).unwrap()),
        }));
    }
    std::fs::write(
        dir.join("consistency.json"),
        serde_json::to_vec(&cons).unwrap(),
    )
    .unwrap();
    let witness = Cosigner::generate("witness.example/w1").unwrap();
    let mut cosigned = Note::parse(&note).unwrap();
    assert_eq!(Checkpoint::parse(&cosigned.text).unwrap().size, 700);
    cosigned
        .signatures
        .push(witness.cosign(&cosigned.text, 1_765_000_000));
    std::fs::write(dir.join("cosigned"), cosigned.to_bytes()).unwrap();
    std::fs::write(dir.join("witness-vkey"), witness.verifier().to_vkey()).unwrap();

    let bin = build_peer(tmp.path());
    let o = Command::new(&bin)
        .arg("check-log")
        .arg(&dir)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("concord log OK"), "{out}");
    assert!(
        out.contains("inclusion proofs verify and equal x/mod's: 8"),
        "{out}"
    );

    // And it is not a rubber stamp: a proof with one flipped bit is refused.
    let mut bad = incl.clone();
    let p0 = bad[1]["proof"][0].as_str().unwrap().to_owned();
    let mut raw = B64.decode(p0).unwrap();
    raw[0] ^= 1;
    bad[1]["proof"][0] = json!(B64.encode(raw));
    std::fs::write(
        dir.join("inclusion.json"),
        serde_json::to_vec(&bad).unwrap(),
    )
    .unwrap();
    let o = Command::new(&bin)
        .arg("check-log")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAIL: inclusion 0 in 700"));
}
