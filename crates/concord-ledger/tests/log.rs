//! The running log over a real SQLite store: concurrent appends are batched, every receipt is
//! provable against the published checkpoint, reopening rebuilds the same tree, and a store
//! changed behind the log's back is refused.

use std::sync::Arc;

use concord_ledger::log::{Log, LogConfig};
use concord_ledger::merkle::{leaf_hash, verify_consistency, verify_inclusion};
use concord_ledger::note::Note;
use concord_ledger::tile::{TileId, decode_bundle};
use concord_ledger::{Checkpoint, Ed25519Signer};
use concord_store::SqlStore;
use concord_store::ledger::LedgerStore;
use serde_json::json;

fn config() -> LogConfig {
    LogConfig {
        origin: "test.example/log".into(),
        max_batch: 64,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_are_batched_durable_and_provable() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/l.db", dir.path().display());
    let signer = Ed25519Signer::from_seed("test.example/log", [9; 32]).unwrap();
    let store: Arc<dyn LedgerStore> = Arc::new(SqlStore::connect(&url).await.unwrap());
    let log = Log::open(store.clone(), signer.clone(), config())
        .await
        .unwrap();
    assert_eq!(log.size(), 0);

    let mut tasks = vec![];
    for t in 0..300u64 {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            let r = log
                .append(
                    "commitment",
                    &format!("c{t}"),
                    &json!({"n": t, "text": "x"}),
                )
                .await
                .unwrap();
            (t, r)
        }));
    }
    let mut receipts = vec![];
    for t in tasks {
        receipts.push(t.await.unwrap());
    }
    assert_eq!(log.size(), 300);
    let mut indices: Vec<u64> = receipts.iter().map(|(_, r)| r.index).collect();
    indices.sort();
    assert_eq!(indices, (0..300).collect::<Vec<_>>());
    // Batching happened: fewer checkpoints than entries.
    let cps = store.ledger_checkpoints().await.unwrap();
    assert!(cps.len() < 301, "{} checkpoints", cps.len());

    let (size, note) = log.checkpoint();
    let note = Note::parse(&note).unwrap();
    note.verify(&[&signer.verifier()]).unwrap();
    let cp = Checkpoint::parse(&note.text).unwrap();
    assert_eq!(cp.size, size);
    for (t, r) in &receipts {
        let entry = concord_ledger::entry::Entry::encode(
            "commitment",
            &format!("c{t}"),
            &json!({"n": t, "text": "x"}),
        )
        .unwrap();
        let proof = log.inclusion_proof(r.index, size).unwrap();
        verify_inclusion(r.index, size, &leaf_hash(&entry), &proof, &cp.root).unwrap();
        assert!(r.checkpoint_size > r.index);
    }
    // Every older checkpoint is consistent with the latest.
    for c in &cps[1..] {
        let p = log.consistency_proof(c.size, size).unwrap();
        verify_consistency(c.size, size, &p, &c.root, &cp.root).unwrap();
    }
    // Tiles: the level-0 partial tile and the entry bundle match the entries.
    let full = log.tile(TileId::hashes(0, 0, 256)).await.unwrap().unwrap();
    assert_eq!(full.len(), 256 * 32);
    let part = log.tile(TileId::hashes(0, 1, 44)).await.unwrap().unwrap();
    assert_eq!(&part[..32], &log.leaf_hash(256).unwrap());
    assert!(log.tile(TileId::hashes(0, 1, 45)).await.unwrap().is_none());
    let bundle = log.tile(TileId::entries(1, 44)).await.unwrap().unwrap();
    let entries = decode_bundle(&bundle).unwrap();
    assert_eq!(entries.len(), 44);
    assert_eq!(leaf_hash(&entries[0]), log.leaf_hash(256).unwrap());
    assert!(log.tile(TileId::hashes(1, 0, 1)).await.unwrap().is_some());
    // Bad input is refused before it reaches the log.
    assert!(log.append("Bad Kind", "x", &json!(1)).await.is_err());
    assert!(log.append("k", "", &json!(1)).await.is_err());
    let huge = "x".repeat(70_000);
    assert!(log.append("k", "x", &json!(huge)).await.is_err());
    assert_eq!(log.size(), 300);

    // Reopen: same root.
    let root = log.root_at(300).unwrap();
    drop(log);
    let log = Log::open(store.clone(), signer.clone(), config())
        .await
        .unwrap();
    assert_eq!(log.root_at(300).unwrap(), root);
    let r = log.append("document", "d1", &json!({})).await.unwrap();
    assert_eq!(r.index, 300);
    drop(log);

    // Another key cannot open it (the checkpoints do not verify).
    let other = Ed25519Signer::from_seed("test.example/log", [10; 32]).unwrap();
    assert!(Log::open(store.clone(), other, config()).await.is_err());
}
