//! Tile serving over real HTTP (recorded in docs/benchmarks.md): the server on a loopback
//! port with a 100,000-entry log; 4 keep-alive connections request full level-0 hash tiles
//! (8 KiB each) in a loop. Throughput is requests per second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use concord_ledger::Ed25519Signer;
use concord_ledger::log::{Log, LogConfig};
use concord_server::AppState;
use concord_store::SqlStore;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const ENTRIES: u64 = 100_000;
const CONNECTIONS: u64 = 4;

/// One GET on a keep-alive connection; returns the body length.
async fn get(conn: &mut BufReader<TcpStream>, path: &str) -> usize {
    let req = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n");
    conn.get_mut().write_all(req.as_bytes()).await.unwrap();
    let mut len = 0;
    let mut line = String::new();
    let mut status = 0;
    loop {
        line.clear();
        conn.read_line(&mut line).await.unwrap();
        if status == 0 {
            status = line.split(' ').nth(1).unwrap().parse::<u16>().unwrap();
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        if line == "\r\n" {
            break;
        }
    }
    assert_eq!(status, 200, "{path}");
    let mut body = vec![0; len];
    conn.read_exact(&mut body).await.unwrap();
    len
}

fn tiles(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let addr = rt.block_on(async {
        let sql = Arc::new(SqlStore::connect(&url).await.unwrap());
        let signer = Ed25519Signer::from_seed("bench.example/log", [5; 32]).unwrap();
        let log = Log::open(
            sql.clone(),
            signer,
            LogConfig {
                origin: "bench.example/log".into(),
                max_batch: 10_000,
            },
        )
        .await
        .unwrap();
        for start in (0..ENTRIES).step_by(10_000) {
            let recs: Vec<_> = (start..start + 10_000)
                .map(|i| {
                    (
                        "test".to_owned(),
                        format!("t{i}"),
                        serde_json::json!({"i": i}),
                    )
                })
                .collect();
            log.append_many(&recs).await.unwrap();
        }
        let store = concord_store::connect(&url).await.unwrap();
        let search = concord_server::build_search_index(store.as_ref(), &Default::default())
            .await
            .unwrap();
        let state = AppState {
            store: store.into(),
            blocs: Arc::new(Default::default()),
            search: Arc::new(search),
            ledger: Some(log),
            auth: Default::default(),
            participation: Default::default(),
            cache: Default::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(concord_server::serve(
            state,
            listener,
            std::future::pending(),
        ));
        addr
    });
    let full_tiles = ENTRIES / 256;
    let mut g = c.benchmark_group("ledger_tiles_http");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("level0_full_tile_4_connections", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut conns = Vec::new();
                for _ in 0..CONNECTIONS {
                    conns.push(BufReader::new(TcpStream::connect(addr).await.unwrap()));
                }
                let start = Instant::now();
                let mut tasks = Vec::new();
                for (k, mut conn) in conns.into_iter().enumerate() {
                    let n = iters / CONNECTIONS + u64::from((k as u64) < iters % CONNECTIONS);
                    tasks.push(tokio::spawn(async move {
                        for i in 0..n {
                            let t = (i * 7 + k as u64) % full_tiles;
                            let path =
                                format!("/log/tile/0/{}", concord_ledger::tile::encode_index(t));
                            assert_eq!(get(&mut conn, &path).await, 8192);
                        }
                    }));
                }
                for t in tasks {
                    t.await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, tiles);
criterion_main!(benches);
