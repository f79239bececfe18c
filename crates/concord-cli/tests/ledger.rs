//! The transparency log end to end through the real `concord` binary and server: key file
//! permissions, append, verify (and tampering caught by name), proofs, the tlog-tiles read API,
//! remote consistency checking, and kill -9 during appends.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use concord::Config;
use concord_ledger::merkle::{verify_consistency, verify_inclusion};
use concord_ledger::tile::decode_bundle;
use concord_ledger::{Checkpoint, Ed25519Verifier, Note, leaf_hash};
use serde_json::Value;

fn concord(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("CONCORD_DATABASE_URL")
        .env_remove("CONCORD_CONFIG")
        .env_remove("CONCORD_LEDGER_KEY_FILE")
        .env_remove("CONCORD_LEDGER_ORIGIN")
        .output()
        .expect("the concord binary runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn b64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().unwrap()).unwrap()
}

fn proof(v: &Value) -> Vec<Vec<u8>> {
    v.as_array().unwrap().iter().map(b64).collect()
}

fn append(data: &Path, id: &str, json: &str) {
    let o = concord(
        data,
        &["ledger", "append", "--kind", "commitment", "--id", id, json],
    );
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn key_append_verify_prove_and_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let o = concord(data, &["ledger", "key"]);
    assert!(o.status.success(), "{}", err(&o));
    let vkey = out(&o).trim().to_owned();
    let verifier = Ed25519Verifier::from_vkey(&vkey).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("ledger.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The same key next time.
    assert_eq!(out(&concord(data, &["ledger", "key"])).trim(), vkey);

    for i in 0..5 {
        append(
            data,
            &format!("c{i}"),
            &format!(r#"{{"pledge": "p{i}", "year": 2026}}"#),
        );
    }
    let bad = concord(
        data,
        &[
            "ledger",
            "append",
            "--kind",
            "commitment",
            "--id",
            "x",
            "{nope",
        ],
    );
    assert!(!bad.status.success());
    assert!(err(&bad).contains("not valid JSON"), "{}", err(&bad));

    let o = concord(data, &["ledger", "verify"]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(
        out(&o).contains("5 entries") && out(&o).contains(": OK"),
        "{}",
        out(&o)
    );

    // Inclusion proof, checked against the signed checkpoint it carries.
    let o = concord(data, &["ledger", "prove", "--index", "2"]);
    assert!(o.status.success(), "{}", err(&o));
    let p: Value = serde_json::from_str(&out(&o)).unwrap();
    let note = Note::parse(p["checkpoint"].as_str().unwrap().as_bytes()).unwrap();
    note.verify(&[&verifier]).unwrap();
    let cp = Checkpoint::parse(&note.text).unwrap();
    assert_eq!(cp.size, 5);
    let entry = br#"{"id":"c2","kind":"commitment","record":{"pledge":"p2","year":2026}}"#;
    verify_inclusion(2, 5, &leaf_hash(entry), &proof(&p["proof"]), &cp.root).unwrap();
    let o = concord(data, &["ledger", "prove", "--consistency", "2", "5"]);
    let c: Value = serde_json::from_str(&out(&o)).unwrap();
    verify_consistency(2, 5, &proof(&c["proof"]), &b64(&c["old_root"]), &cp.root).unwrap();
    let o = concord(data, &["ledger", "prove", "--index", "9"]);
    assert!(!o.status.success());
    assert!(err(&o).contains("not below tree size"), "{}", err(&o));

    // Tampering behind the log's back: each is caught and the row named.
    let db = data.join("concord.db");
    let sql = |q: &str| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(q.to_owned()))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        });
    };
    let verify = || {
        let o = concord(data, &["ledger", "verify"]);
        assert!(!o.status.success(), "tampering not caught: {}", out(&o));
        out(&o)
    };
    sql(
        "UPDATE ledger_entries SET data = CAST(replace(CAST(data AS TEXT), 'p3', 'p9') AS BLOB) WHERE idx = 3",
    );
    assert!(verify().contains("row 3: altered"));
    sql(
        "UPDATE ledger_entries SET data = CAST(replace(CAST(data AS TEXT), 'p9', 'p3') AS BLOB) WHERE idx = 3",
    );
    assert!(concord(data, &["ledger", "verify"]).status.success());
    sql("DELETE FROM ledger_entries WHERE idx = 1");
    assert!(verify().contains("row 1: deleted"));
    sql(
        "INSERT INTO ledger_entries SELECT 1, kind, 'c1', CAST(replace(CAST(data AS TEXT), 'c0', 'c1') AS BLOB), leaf_hash, created_at FROM ledger_entries WHERE idx = 0",
    );
    assert!(verify().contains("row 1: altered"));
    sql(
        "INSERT INTO ledger_entries SELECT 5, kind, record_id, data, leaf_hash, created_at FROM ledger_entries WHERE idx = 0",
    );
    assert!(verify().contains("row 5: inserted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_serves_checkpoint_tiles_and_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let o = concord(
        &data,
        &[
            "ledger", "load", "--count", "300", "--quiet", "--chunk", "50",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    // A client keeps the checkpoint at 300.
    let kept = data.join("kept.checkpoint");
    std::fs::write(&kept, out(&concord(&data, &["ledger", "checkpoint"]))).unwrap();
    append(&data, "late", "{}");

    let config = Config {
        data_dir: data.clone(),
        load_bundled_corpus: false,
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        concord::serve(&config, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    let get = |path: &str| {
        let url = format!("http://{addr}{path}");
        async move {
            for _ in 0..200 {
                if let Ok(r) = reqwest::get(&url).await {
                    let status = r.status().as_u16();
                    let ct = r
                        .headers()
                        .get("content-type")
                        .map(|v| v.to_str().unwrap().to_owned())
                        .unwrap_or_default();
                    return (status, ct, r.bytes().await.unwrap().to_vec());
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("server did not answer");
        }
    };
    let (s, ct, key) = get("/log/key").await;
    assert_eq!((s, ct.as_str()), (200, "text/plain; charset=utf-8"));
    let verifier = Ed25519Verifier::from_vkey(std::str::from_utf8(&key).unwrap()).unwrap();
    let (s, _, note) = get("/log/checkpoint").await;
    assert_eq!(s, 200);
    let n = Note::parse(&note).unwrap();
    n.verify(&[&verifier]).unwrap();
    let cp = Checkpoint::parse(&n.text).unwrap();
    assert_eq!(cp.size, 301);
    // Tiles: full level-0 tile, partial level-0 tile of width 45, entry bundle, level-1 partial.
    let (s, ct, full) = get("/log/tile/0/000").await;
    assert_eq!(
        (s, ct.as_str(), full.len()),
        (200, "application/octet-stream", 8192)
    );
    let (s, _, part) = get("/log/tile/0/001.p/45").await;
    assert_eq!((s, part.len()), (200, 45 * 32));
    assert_eq!(get("/log/tile/0/001.p/46").await.0, 404);
    assert_eq!(get("/log/tile/0/1").await.0, 404);
    let (s, _, bundle) = get("/log/tile/entries/001.p/45").await;
    assert_eq!(s, 200);
    let entries = decode_bundle(&bundle).unwrap();
    assert_eq!(entries.len(), 45);
    for (k, e) in entries.iter().enumerate() {
        assert_eq!(
            leaf_hash(e),
            <[u8; 32]>::try_from(&part[k * 32..k * 32 + 32]).unwrap()
        );
    }
    let (s, _, l1) = get("/log/tile/1/000.p/1").await;
    assert_eq!((s, l1.len()), (200, 32));
    // JSON proofs.
    let (s, _, body) = get("/api/v1/log/proof/inclusion?index=299&size=301").await;
    assert_eq!(s, 200);
    let p: Value = serde_json::from_slice(&body).unwrap();
    verify_inclusion(
        299,
        301,
        &b64(&p["leaf_hash"]),
        &proof(&p["proof"]),
        &cp.root,
    )
    .unwrap();
    let (s, _, body) = get("/api/v1/log/proof/consistency?old=300").await;
    assert_eq!(s, 200);
    let c: Value = serde_json::from_slice(&body).unwrap();
    verify_consistency(
        300,
        301,
        &proof(&c["proof"]),
        &b64(&c["old_root"]),
        &cp.root,
    )
    .unwrap();
    let (s, ct, _) = get("/api/v1/log/proof/inclusion?index=301").await;
    assert_eq!((s, ct.as_str()), (400, "application/problem+json"));
    assert_eq!(get("/api/v1/log/proof/inclusion?nope=1").await.0, 400);
    let (s, _, status) = get("/api/v1/log").await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&status).unwrap()["size"],
        301
    );

    // The kept checkpoint is consistent with the remote log.
    let url = format!("http://{addr}");
    let args = [
        "ledger",
        "verify",
        "--remote",
        url.as_str(),
        "--against",
        kept.to_str().unwrap(),
    ];
    let o = tokio::task::spawn_blocking({
        let data = data.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            concord(&data, &args)
        }
    })
    .await
    .unwrap();
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(
        out(&o).contains("checkpoint 300 → 301: consistent"),
        "{}",
        out(&o)
    );
    let _ = tx.send(());
    task.await.unwrap();
}

#[test]
fn kill_9_during_appends_loses_no_acknowledged_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut acknowledged: Vec<(u64, String)> = Vec::new();
    for round in 0..4 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
            .arg("--data-dir")
            .arg(data)
            .args([
                "ledger",
                "load",
                "--count",
                "1000000",
                "--concurrency",
                "16",
            ])
            .env_remove("CONCORD_DATABASE_URL")
            .env_remove("CONCORD_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Kill -9 once a varying number of entries have been acknowledged.
        let target = 200 + round * 150;
        let mut seen = 0;
        while seen < target {
            let line = lines.next().expect("appender exited early").unwrap();
            let (i, id) = line.split_once(' ').unwrap();
            acknowledged.push((i.parse().unwrap(), id.to_owned()));
            seen += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Lines already written before the kill are acknowledged too.
        for line in lines.map_while(Result::ok) {
            if let Some((i, id)) = line.split_once(' ') {
                acknowledged.push((i.parse().unwrap(), id.to_owned()));
            }
        }
        let o = concord(data, &["ledger", "verify"]);
        assert!(o.status.success(), "round {round}: {}", out(&o));
    }
    // Every acknowledged entry is present, at its index, with its id.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool =
            sqlx::SqlitePool::connect(&format!("sqlite://{}", data.join("concord.db").display()))
                .await
                .unwrap();
        for (i, id) in &acknowledged {
            let got: Option<String> =
                sqlx::query_scalar("SELECT record_id FROM ledger_entries WHERE idx = ?")
                    .bind(*i as i64)
                    .fetch_optional(&pool)
                    .await
                    .unwrap();
            assert_eq!(got.as_deref(), Some(id.as_str()), "entry {i}");
        }
        pool.close().await;
    });
    assert!(acknowledged.len() >= 1400);
}

async fn start_witness(dir: &Path, logs: &[String]) -> (String, String) {
    let store = std::sync::Arc::new(
        concord_store::SqlStore::connect(&format!("sqlite://{}/w.db", dir.display()))
            .await
            .unwrap(),
    );
    let cosigner = concord_ledger::cosignature::Cosigner::generate("witness.test/w1").unwrap();
    let vkey = cosigner.verifier().to_vkey();
    let mut map = std::collections::HashMap::new();
    for l in logs {
        let v = Ed25519Verifier::from_vkey(l).unwrap();
        map.insert(l.split('+').next().unwrap().to_owned(), vec![v]);
    }
    let app = concord_server::witness::witness_router(std::sync::Arc::new(
        concord_server::witness::Witness {
            cosigner,
            logs: map,
            store,
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), vkey)
}

async fn wait_published(log: &concord_ledger::log::Log, size: u64) -> Option<Vec<u8>> {
    for _ in 0..100 {
        if let Some((s, note)) = log.published_checkpoint()
            && s >= size
        {
            return Some(note);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_published_only_with_the_witness_quorum() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().join("log"),
        load_bundled_corpus: false,
        ..Config::default()
    };
    let log_vkey = concord::ledger::load_key(&config).unwrap().verifier_key();
    let (url, wkey) = start_witness(dir.path(), std::slice::from_ref(&log_vkey)).await;
    let witness = Ed25519Verifier::from_vkey(&wkey).unwrap();

    // Two witnesses, one unreachable, quorum 2: nothing beyond what was published is served.
    config.ledger.witnesses = vec![
        format!("{url} {wkey}"),
        format!("http://127.0.0.1:9 {wkey}"),
    ];
    config.ledger.quorum = Some(2);
    let (log, _) = concord::ledger::open_log(&config).await.unwrap();
    log.append("commitment", "a", &serde_json::json!({"x": 1}))
        .await
        .unwrap();
    assert_eq!(log.size(), 1);
    assert!(
        wait_published(&log, 1).await.is_none(),
        "published without the quorum"
    );
    drop(log);

    // Quorum 1: the working witness's cosignature suffices.
    config.ledger.quorum = Some(1);
    let (log, _) = concord::ledger::open_log(&config).await.unwrap();
    for i in 0..3 {
        log.append("commitment", &format!("b{i}"), &serde_json::json!({"i": i}))
            .await
            .unwrap();
    }
    let note = wait_published(&log, 4)
        .await
        .expect("published with the quorum");
    let n = Note::parse(&note).unwrap();
    let cp = Checkpoint::parse(&n.text).unwrap();
    assert_eq!(cp.size, 4);
    let cosig = n
        .signatures
        .iter()
        .find(|s| s.name == "witness.test/w1")
        .expect("cosignature line");
    concord_ledger::cosignature::verify(&witness, &n.text, cosig).unwrap();

    // The witness follows the protocol: a stale old size gets 409 and the witness's size.
    let stale = concord_ledger::witness::AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: note.clone(),
    };
    let (status, body) =
        concord_ledger::log::http_post(&format!("{url}/add-checkpoint"), &stale.to_body())
            .await
            .unwrap();
    assert_eq!((status, String::from_utf8_lossy(&body).trim()), (409, "4"));
    // A checkpoint signed by an unknown log key: 403.
    let other = concord_ledger::Ed25519Signer::from_seed("localhost/concord-log", [1; 32]).unwrap();
    let forged = concord_ledger::note::sign(&n.text, &[&other])
        .unwrap()
        .to_bytes();
    let req = concord_ledger::witness::AddCheckpoint {
        old_size: 4,
        proof: vec![],
        checkpoint: forged,
    };
    let (status, _) =
        concord_ledger::log::http_post(&format!("{url}/add-checkpoint"), &req.to_body())
            .await
            .unwrap();
    assert_eq!(status, 403);
}

/// `document` entries in the log, as (record id, record) in log order.
fn document_entries(db: &Path) -> Vec<(String, Value)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT record_id, data FROM ledger_entries WHERE kind = 'document' ORDER BY idx",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows.into_iter()
            .map(|(id, data)| {
                let v: Value = serde_json::from_slice(&data).unwrap();
                (id, v["record"].clone())
            })
            .collect()
    })
}

#[test]
fn import_writes_and_the_bundled_corpus_are_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("act.toml"),
        "id = \"logged_act\"\n[title]\nen = \"A Logged Act\"\n",
    )
    .unwrap();
    std::fs::write(
        input.join("act.txt"),
        "A Logged Act\n\nSection 1. Purpose\n",
    )
    .unwrap();

    let o = concord(&data, &["import", input.to_str().unwrap()]);
    assert!(o.status.success(), "{}", err(&o));
    let db = data.join("concord.db");
    let entries = document_entries(&db);
    // Every bundled document once, by the bundled corpus, then the imported one.
    let (last_id, last) = entries.last().unwrap();
    assert_eq!(last_id, "logged_act");
    assert_eq!(last["by"], "import");
    assert_eq!(last["action"], "created");
    assert_eq!(last["version"], 1);
    let bundled: Vec<_> = entries[..entries.len() - 1].iter().collect();
    assert!(bundled.len() >= 150, "{} bundled entries", bundled.len());
    assert!(bundled.iter().all(|(_, r)| r["by"] == "bundled corpus"));
    assert_eq!(
        entries.len(),
        entries
            .iter()
            .map(|(id, _)| id)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        "one entry per document"
    );

    // Unchanged: nothing new. Changed: a new version, logged.
    assert!(
        concord(&data, &["import", input.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(document_entries(&db).len(), entries.len());
    std::fs::write(
        input.join("act.txt"),
        "A Logged Act\n\nSection 1. Purpose\n\nSection 2. Scope\n",
    )
    .unwrap();
    assert!(
        concord(&data, &["import", input.to_str().unwrap()])
            .status
            .success()
    );
    let after = document_entries(&db);
    assert_eq!(after.len(), entries.len() + 1);
    let (id, r) = after.last().unwrap();
    assert_eq!(
        (id.as_str(), &r["action"], &r["version"]),
        ("logged_act", &Value::from("updated"), &Value::from(2))
    );
    assert_eq!(r["content_hash"].as_str().unwrap().len(), 64);

    let o = concord(&data, &["ledger", "verify"]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
}
