//! Ledger benchmarks (recorded in docs/benchmarks.md):
//! * batched append throughput on SQLite (one transaction and one fsync per batch of 4,096);
//! * inclusion and consistency proofs in a 10,000,000-entry tree held in memory (the same
//!   `Tree` the server keeps), and checkpoint signing.

use std::sync::Arc;

use concord_ledger::Ed25519Signer;
use concord_ledger::log::{Log, LogConfig};
use concord_ledger::merkle::{SubtreeHashes, Tree, leaf_hash, verify_inclusion};
use concord_store::SqlStore;
use concord_store::ledger::LedgerStore;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

const BATCH: u64 = 4096;

fn append(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let log = rt.block_on(async {
        let store: Arc<dyn LedgerStore> = Arc::new(SqlStore::connect(&url).await.unwrap());
        let signer = Ed25519Signer::from_seed("bench.example/log", [5; 32]).unwrap();
        Log::open(
            store,
            signer,
            LogConfig {
                origin: "bench.example/log".into(),
                max_batch: BATCH as usize,
            },
        )
        .await
        .unwrap()
    });
    let mut next = 0u64;
    let mut g = c.benchmark_group("ledger_append_sqlite");
    g.throughput(Throughput::Elements(BATCH));
    g.sample_size(20);
    g.bench_function("batch_4096_entries_of_about_150_bytes", |b| {
        b.iter_batched(
            || {
                let recs: Vec<_> = (next..next + BATCH)
                    .map(|i| {
                        (
                            "commitment".to_owned(),
                            format!("c{i}"),
                            json!({"n": i, "pledge": "x".repeat(100)}),
                        )
                    })
                    .collect();
                next += BATCH;
                recs
            },
            |recs| rt.block_on(log.append_many(&recs)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn proofs(c: &mut Criterion) {
    const N: u64 = 10_000_000;
    let tree = Tree::from_leaf_hashes((0..N).map(|i| leaf_hash(&i.to_be_bytes())));
    let root = tree.root();
    let mut g = c.benchmark_group("ledger_proofs_10m");
    let mut i = 0u64;
    g.bench_function("inclusion_proof_10m", |b| {
        b.iter(|| {
            // Spread indices over the whole tree.
            i = (i + 7_919_993) % N;
            tree.inclusion_proof(i, N).unwrap()
        })
    });
    g.bench_function("inclusion_proof_and_verify_10m", |b| {
        b.iter(|| {
            i = (i + 7_919_993) % N;
            let p = tree.inclusion_proof(i, N).unwrap();
            verify_inclusion(i, N, &tree.leaf(i).unwrap(), &p, &root).unwrap();
        })
    });
    g.bench_function("consistency_proof_10m", |b| {
        b.iter(|| {
            i = (i + 7_919_993) % N;
            tree.consistency_proof(i.max(1), N).unwrap()
        })
    });
    let signer = Ed25519Signer::from_seed("bench.example/log", [5; 32]).unwrap();
    g.bench_function("checkpoint_sign", |b| {
        b.iter(|| {
            let text = concord_ledger::Checkpoint::new("bench.example/log", N, root).to_text();
            concord_ledger::note::sign(&text, &[&signer]).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, append, proofs);
criterion_main!(benches);
