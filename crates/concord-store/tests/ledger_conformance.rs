//! The ledger storage (migration 0004) on every backend: SQLite always, PostgreSQL when a
//! server is available (required in CI).

use concord_store::ledger::{LedgerEntry, LedgerStore, StoredCheckpoint, WitnessState};
use concord_store::{SqlStore, StoreError};
use concord_testkit::TempPostgres;

fn entry(index: u64) -> LedgerEntry {
    LedgerEntry {
        index,
        kind: if index.is_multiple_of(2) {
            "commitment"
        } else {
            "assessment"
        }
        .into(),
        record_id: format!("r{}", index / 2),
        data: format!("{{\"n\":{index}}}").into_bytes(),
        leaf_hash: vec![index as u8; 32],
    }
}

fn checkpoint(size: u64) -> StoredCheckpoint {
    StoredCheckpoint {
        size,
        root: vec![size as u8; 32],
        note: format!("note {size}\n").into_bytes(),
        published: false,
    }
}

async fn suite(store: &dyn LedgerStore) {
    assert_eq!(store.ledger_size().await.unwrap(), 0);
    assert!(store.ledger_latest_checkpoint().await.unwrap().is_none());
    // A batch larger than one INSERT statement.
    let batch: Vec<_> = (0..1000).map(entry).collect();
    store
        .ledger_append(0, &batch, &checkpoint(1000))
        .await
        .unwrap();
    assert_eq!(store.ledger_size().await.unwrap(), 1000);
    // A stale writer is refused and writes nothing (neither entries nor checkpoint).
    let err = store
        .ledger_append(990, &[entry(990)], &checkpoint(991))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::LedgerConflict {
                expected: 990,
                actual: 1000
            }
        ),
        "{err}"
    );
    // Non-contiguous indices are refused and roll back.
    assert!(
        store
            .ledger_append(1000, &[entry(1000), entry(1002)], &checkpoint(1002))
            .await
            .is_err()
    );
    assert_eq!(store.ledger_size().await.unwrap(), 1000);
    store
        .ledger_append(1000, &[entry(1000)], &checkpoint(1001))
        .await
        .unwrap();
    let got = store.ledger_entries(998, 2000).await.unwrap();
    assert_eq!(got, vec![entry(998), entry(999), entry(1000)]);
    let hashes = store.ledger_leaf_hashes(0, 3).await.unwrap();
    assert_eq!(
        hashes,
        vec![(0, vec![0; 32]), (1, vec![1; 32]), (2, vec![2; 32])]
    );
    assert_eq!(
        store
            .ledger_record_entries("commitment", "r3")
            .await
            .unwrap(),
        vec![6]
    );
    // Checkpoints: latest, publication with cosignatures.
    let latest = store.ledger_latest_checkpoint().await.unwrap().unwrap();
    assert_eq!(latest, checkpoint(1001));
    assert!(store.ledger_latest_published().await.unwrap().is_none());
    let mut cosigned = checkpoint(1000);
    cosigned.note.extend_from_slice(b"cosigned\n");
    cosigned.published = true;
    store.ledger_update_checkpoint(&cosigned).await.unwrap();
    assert_eq!(
        store.ledger_latest_published().await.unwrap().unwrap(),
        cosigned
    );
    assert_eq!(store.ledger_checkpoints().await.unwrap().len(), 2);

    // Witness state: check-and-set.
    let s = |size: u64| WitnessState {
        origin: "example.org/log".into(),
        size,
        root: vec![size as u8; 32],
        note: b"n\n".to_vec(),
    };
    assert!(
        store
            .witness_state("example.org/log")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.witness_update(0, &s(5)).await.unwrap());
    assert!(!store.witness_update(0, &s(6)).await.unwrap());
    assert!(!store.witness_update(4, &s(6)).await.unwrap());
    assert!(store.witness_update(5, &s(9)).await.unwrap());
    assert_eq!(
        store
            .witness_state("example.org/log")
            .await
            .unwrap()
            .unwrap(),
        s(9)
    );
}

#[tokio::test]
async fn sqlite_ledger_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/concord.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    suite(&store).await;
    store.close().await;
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(store.ledger_size().await.unwrap(), 1001);
}

#[tokio::test]
async fn postgres_ledger_conformance() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let store = SqlStore::connect(pg.url()).await.unwrap();
    suite(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_concurrent_sequencers_never_fork() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    // Two stores (two "servers") race to append at the same size: exactly one wins.
    let a = SqlStore::connect(pg.url()).await.unwrap();
    let b = SqlStore::connect(pg.url()).await.unwrap();
    let (e, c) = ([entry(0)], checkpoint(1));
    let (ra, rb) = tokio::join!(a.ledger_append(0, &e, &c), b.ledger_append(0, &e, &c));
    assert!(ra.is_ok() != rb.is_ok(), "{ra:?} {rb:?}");
    assert_eq!(a.ledger_size().await.unwrap(), 1);
}
