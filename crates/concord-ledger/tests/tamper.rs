//! Tamper tests: alter, insert and delete rows of a real SQLite log behind its back, every row
//! and every kind of change; `audit` must catch each one and name the row.

use std::sync::Arc;

use concord_ledger::Ed25519Signer;
use concord_ledger::audit::{Finding, audit};
use concord_ledger::log::{Log, LogConfig};
use concord_ledger::merkle::leaf_hash;
use concord_store::SqlStore;
use concord_store::ledger::LedgerStore;
use serde_json::json;
use sqlx::SqlitePool;

const N: u64 = 8;

async fn build(dir: &std::path::Path, batched: bool) -> (String, Ed25519Signer) {
    let url = format!("sqlite://{}/t.db", dir.display());
    let signer = Ed25519Signer::from_seed("t.example/log", [3; 32]).unwrap();
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    let log = Log::open(
        store.clone(),
        signer.clone(),
        LogConfig {
            origin: "t.example/log".into(),
            max_batch: 100,
        },
    )
    .await
    .unwrap();
    if batched {
        let recs: Vec<_> = (0..N)
            .map(|i| ("commitment".to_owned(), format!("c{i}"), json!({"i": i})))
            .collect();
        log.append_many(&recs[..3]).await.unwrap();
        log.append_many(&recs[3..]).await.unwrap();
    } else {
        for i in 0..N {
            log.append("commitment", &format!("c{i}"), &json!({"i": i}))
                .await
                .unwrap();
        }
    }
    drop(log);
    store.close().await;
    (url, signer)
}

async fn findings(url: &str, signer: &Ed25519Signer) -> Vec<Finding> {
    let store = SqlStore::connect(url).await.unwrap();
    let r = audit(&store as &dyn LedgerStore, &signer.verifier(), &[])
        .await
        .unwrap();
    store.close().await;
    r.findings
}

fn names(f: &[Finding], row: u64) -> bool {
    f.iter().any(|f| match f {
        Finding::Deleted { index }
        | Finding::Inserted { index }
        | Finding::Altered { index, .. } => *index == row,
        Finding::RootMismatch { from, to } => *from <= row && row < *to,
        _ => false,
    })
}

async fn raw(url: &str) -> SqlitePool {
    SqlitePool::connect(url).await.unwrap()
}

#[tokio::test]
async fn every_alteration_insertion_and_deletion_is_caught_and_named() {
    let ops = [
        "alter_data",
        "alter_data_and_hash",
        "alter_kind",
        "delete",
        "insert_after",
    ];
    let mut caught = 0;
    let mut total = 0;
    for op in ops {
        for row in 0..N {
            let dir = tempfile::tempdir().unwrap();
            let (url, signer) = build(dir.path(), false).await;
            assert!(findings(&url, &signer).await.is_empty());
            let db = raw(&url).await;
            let forged = format!(r#"{{"id":"c{row}","kind":"commitment","record":{{"i":999}}}}"#);
            match op {
                "alter_data" => {
                    sqlx::query("UPDATE ledger_entries SET data = ? WHERE idx = ?")
                        .bind(forged.as_bytes())
                        .bind(row as i64)
                        .execute(&db)
                        .await
                        .unwrap();
                }
                "alter_data_and_hash" => {
                    sqlx::query("UPDATE ledger_entries SET data = ?, leaf_hash = ? WHERE idx = ?")
                        .bind(forged.as_bytes())
                        .bind(leaf_hash(forged.as_bytes()).to_vec())
                        .bind(row as i64)
                        .execute(&db)
                        .await
                        .unwrap();
                }
                "alter_kind" => {
                    sqlx::query("UPDATE ledger_entries SET kind = 'assessment' WHERE idx = ?")
                        .bind(row as i64)
                        .execute(&db)
                        .await
                        .unwrap();
                }
                "delete" => {
                    sqlx::query("DELETE FROM ledger_entries WHERE idx = ?")
                        .bind(row as i64)
                        .execute(&db)
                        .await
                        .unwrap();
                }
                _ => {
                    // Insert a forged row at the end (indices are the primary key, so an
                    // insertion in the middle is an alteration of every later row).
                    let idx = N + row;
                    sqlx::query(
                        "INSERT INTO ledger_entries (idx, kind, record_id, data, leaf_hash, created_at) \
                         VALUES (?, 'commitment', 'x', ?, ?, 'now')",
                    )
                    .bind(idx as i64)
                    .bind(forged.as_bytes())
                    .bind(leaf_hash(forged.as_bytes()).to_vec())
                    .execute(&db)
                    .await
                    .unwrap();
                }
            }
            db.close().await;
            let f = findings(&url, &signer).await;
            let target = if op == "insert_after" { N + row } else { row };
            total += 1;
            if names(&f, target) {
                caught += 1;
            } else {
                panic!("{op} on row {row} not named: {f:?}");
            }
            // Nothing else is blamed for a change to one row (except rows after a gap).
            if op != "delete" && op != "insert_after" {
                assert!(
                    f.iter().all(|x| names(std::slice::from_ref(x), target)),
                    "{op} {row}: {f:?}"
                );
            }
        }
    }
    assert_eq!(caught, total);
}

#[tokio::test]
async fn batched_log_names_the_batch_and_forged_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let (url, signer) = build(dir.path(), true).await;
    let db = raw(&url).await;
    let forged = br#"{"id":"c5","kind":"commitment","record":{"i":0}}"#;
    sqlx::query("UPDATE ledger_entries SET data = ?, leaf_hash = ? WHERE idx = 5")
        .bind(&forged[..])
        .bind(leaf_hash(forged).to_vec())
        .execute(&db)
        .await
        .unwrap();
    // A forged checkpoint: the empty-tree one now claims size 1; its signature fails.
    sqlx::query(
        "UPDATE ledger_checkpoints SET note = CAST(replace(note, X'0A300A', X'0A310A') AS BLOB) \
         WHERE size = 0",
    )
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
    let f = findings(&url, &signer).await;
    // Row 5 was changed with its leaf hash: named through the batch 3..8 that covers it.
    assert_eq!(
        f,
        vec![
            Finding::BadCheckpoint {
                size: 0,
                reason: "signature by t.example/log (key ID b4b7a122) does not verify".into()
            },
            Finding::RootMismatch { from: 3, to: 8 },
        ]
    );
}

#[tokio::test]
async fn truncation_with_its_checkpoints_is_caught_by_an_external_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (url, signer) = build(dir.path(), false).await;
    let store = SqlStore::connect(&url).await.unwrap();
    let kept = store
        .ledger_latest_checkpoint()
        .await
        .unwrap()
        .unwrap()
        .note;
    store.close().await;
    let db = raw(&url).await;
    sqlx::query("DELETE FROM ledger_entries WHERE idx >= 6")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM ledger_checkpoints WHERE size > 6")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let store = SqlStore::connect(&url).await.unwrap();
    let local = audit(&store as &dyn LedgerStore, &signer.verifier(), &[])
        .await
        .unwrap();
    // Locally consistent: only an outside copy of a checkpoint can reveal this.
    assert!(local.findings.is_empty());
    let r = audit(&store as &dyn LedgerStore, &signer.verifier(), &[kept])
        .await
        .unwrap();
    assert!(
        matches!(r.findings[..], [Finding::ExternalMismatch { size: 8, .. }]),
        "{:?}",
        r.findings
    );
}
