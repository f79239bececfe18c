//! The document page without the response cache (issue 6), recorded in docs/benchmarks.md.
//!
//! A SQLite store with the bundled corpus (real documents with issuers) and synthetic documents
//! made like `tools/load-bench.sh` makes them (title, summary and a three-passage text from the
//! development gold passages, tagged on import). The router runs in-process with
//! `CONCORD_RESPONSE_CACHE_MIB=0`'s caches (none), so every request reads the store and renders:
//!
//! * `synthetic_en_one_at_a_time`: one request at a time through `tower::ServiceExt::oneshot`,
//!   cycling through the synthetic documents — the cost of one page view;
//! * `bundled_zh_one_at_a_time`: the same over the bundled documents, in Chinese;
//! * `synthetic_en_16_concurrent`: 16 requests in flight on a 2-worker runtime, like wrk's 16
//!   connections (no sockets): what the store's connection pool and the runtime add.
//!
//! `CONCORD_BENCH_DOCS` sets the number of synthetic documents (default 2,000; the HTTP load
//! benchmark uses 10,000).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use concord_server::AppState;
use concord_store::Store;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tower::ServiceExt;

/// Writes `n` synthetic documents (metadata TOML and a text each) into `out`, as the load
/// benchmark script does.
fn synthetic_inputs(n: usize, out: &Path) {
    let gold = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/eval/tagger-gold-dev.jsonl"
    ))
    .unwrap();
    let passages: Vec<String> = gold
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap().to_owned()
        })
        .collect();
    let kinds = [
        "law",
        "regulation",
        "strategy",
        "guideline",
        "standard",
        "declaration",
    ];
    let juris = ["CN", "US", "EU", "GB", "JP", "BR", "IN", "SG", "KE", "FR"];
    let q = |s: &str| serde_json::to_string(s).unwrap();
    std::fs::create_dir_all(out).unwrap();
    for i in 0..n {
        let title: String = passages[i % passages.len()].chars().take(60).collect();
        let lang = if title
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        {
            "zh"
        } else {
            "en"
        };
        let toml = format!(
            "id = \"syn_{i:05}\"\ninstrument_type = \"{}\"\njurisdiction = \"{}\"\n\
             source_urls = [\"https://example.org/syn/{i}\"]\n[title]\n{lang} = {}\n\
             [summary]\n{lang} = {}\n",
            kinds[i % kinds.len()],
            juris[i % juris.len()],
            q(&title),
            q(&passages[(i * 7 + 3) % passages.len()]),
        );
        std::fs::write(out.join(format!("syn_{i:05}.toml")), toml).unwrap();
        let text: Vec<&str> = [3, 5, 11]
            .iter()
            .map(|k| passages[(i * k + 1) % passages.len()].as_str())
            .collect();
        std::fs::write(out.join(format!("syn_{i:05}.txt")), text.join("\n") + "\n").unwrap();
    }
}

async fn setup(dir: &Path, docs: usize) -> (AppState, Vec<String>) {
    let url = format!("sqlite://{}/bench.db", dir.display());
    let store: Arc<dyn Store> = concord_store::connect(&url).await.unwrap().into();
    let bundled = concord_import::load_bundled_corpus(store.as_ref())
        .await
        .unwrap()
        .unwrap();
    assert!(bundled.ok(), "{:?}", bundled.failed);
    let taxonomy = store.get_taxonomy("concord").await.unwrap().unwrap();
    let options = concord_import::ImportOptions {
        tagger: Some(Arc::new(concord_tagger::Tagger::new(&taxonomy).unwrap())),
        ..Default::default()
    };
    let input = dir.join("in");
    synthetic_inputs(docs, &input);
    let report = concord_import::Importer::new(store.as_ref(), options)
        .import(
            &concord_import::DiskSource,
            &[input],
            &concord_import::Quiet,
        )
        .await;
    assert!(report.ok() && report.tagged as usize == docs, "{report:?}");
    let bundled_ids = bundled.written.iter().map(|w| w.id.clone()).collect();
    let search = concord_server::build_search_index(store.as_ref(), &Default::default())
        .await
        .unwrap();
    let state = AppState {
        store,
        blocs: Arc::new(Default::default()),
        search: Arc::new(search),
        ledger: None,
        auth: Default::default(),
        participation: Default::default(),
        cache: Arc::new(concord_server::cache::Caches::with_mib(0)),
    };
    (state, bundled_ids)
}

/// One page through the router; checks the status and returns the body length.
async fn page(app: &axum::Router, uri: String) -> usize {
    let resp = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .len()
}

fn document_page(c: &mut Criterion) {
    let docs: usize = std::env::var("CONCORD_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (state, bundled) = rt.block_on(setup(dir.path(), docs));
    let app = concord_server::router(state);
    let synthetic = move |i: u64| format!("/documents/syn_{:05}?lang=en", (i * 7919) % docs as u64);

    let mut g = c.benchmark_group("document_page_uncached");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("synthetic_en_one_at_a_time", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            rt.block_on(page(&app, synthetic(i)))
        })
    });
    g.bench_function("bundled_zh_one_at_a_time", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i += 1;
            let id = &bundled[i % bundled.len()];
            rt.block_on(page(&app, format!("/documents/{id}?lang=zh")))
        })
    });
    g.bench_function("synthetic_en_16_concurrent", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                let tasks: Vec<_> = (0..16u64)
                    .map(|k| {
                        let app = app.clone();
                        let n = iters / 16 + u64::from(k < iters % 16);
                        tokio::spawn(async move {
                            for i in 0..n {
                                page(&app, synthetic(i * 16 + k)).await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, document_page);
criterion_main!(benches);
