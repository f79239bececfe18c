//! Side by side: Concord's search (tantivy + jieba) against SQLite FTS5, the embedded
//! alternative, on the same 100,000 synthetic documents and queries. Prints latency
//! percentiles and recall on Chinese queries as a Markdown table. Run with
//! `cargo bench -p concord-search --bench fts5`.
//!
//! FTS5 is tried two ways: the `trigram` tokenizer on the raw text (substring matching; it cannot
//! match terms shorter than three characters, such as 安全), and `unicode61` over text that jieba
//! segmented beforehand (what an application would have to do to use FTS5 for Chinese).
//!
//! Recall: a document is relevant to a query when its title or summary contains one of the
//! query's words verbatim (every engine here matches any word); recall is the share of relevant
//! documents an engine returns at all, over the whole result set.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use concord_search::{SearchDoc, SearchIndex};
use jieba_rs::Jieba;
use rusqlite::{Connection, params};

const QUERIES: &[(&str, bool)] = &[
    ("人工智能 安全", true),
    ("个人信息保护", true),
    ("数据安全", true),
    ("国际合作", true),
    ("算法", true),
    ("transparency obligations", false),
    ("privacy", false),
    ("regulatory sandbox innovation", false),
];
const WARM_UP: usize = 10;
const RUNS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn time(mut f: impl FnMut() -> usize) -> (f64, f64, usize) {
    let mut hits = 0;
    for _ in 0..WARM_UP {
        hits = f();
    }
    let mut t: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let s = Instant::now();
            std::hint::black_box(f());
            s.elapsed()
        })
        .collect();
    t.sort();
    (percentile(&t, 0.5), percentile(&t, 0.99), hits)
}

fn segment(jieba: &Jieba, text: &str) -> String {
    jieba
        .cut(text, true)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| !w.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

struct Fts {
    conn: Connection,
    table: &'static str,
}

impl Fts {
    fn build(
        docs: &[SearchDoc],
        table: &'static str,
        tokenizer: &str,
        jieba: Option<&Jieba>,
    ) -> Fts {
        let conn = Connection::open_in_memory().expect("in-memory SQLite");
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE {table} USING fts5(id UNINDEXED, title, summary, tokenize='{tokenizer}')"
        ))
        .expect("FTS5 is compiled in");
        let tx = conn.unchecked_transaction().expect("transaction");
        {
            let mut ins = tx
                .prepare(&format!(
                    "INSERT INTO {table} (id, title, summary) VALUES (?1, ?2, ?3)"
                ))
                .expect("insert");
            for d in docs {
                let (t, s) = (&d.titles[0], &d.summaries[0]);
                match jieba {
                    Some(j) => ins.execute(params![d.id, segment(j, t), segment(j, s)]),
                    None => ins.execute(params![d.id, t, s]),
                }
                .expect("insert row");
            }
        }
        tx.commit().expect("commit");
        Fts { conn, table }
    }

    /// Top 20 by BM25 with a snippet, plus the number of matches: what a results page needs.
    fn page(&self, m: &str) -> usize {
        let mut top = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, snippet({t}, 2, '<mark>', '</mark>', '…', 16) FROM {t} WHERE {t} MATCH ?1 ORDER BY rank LIMIT 20",
                t = self.table
            ))
            .expect("query");
        let rows: Vec<(String, String)> = top
            .query_map([m], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("run")
            .map(|r| r.expect("row"))
            .collect();
        std::hint::black_box(rows);
        self.count(m)
    }

    fn count(&self, m: &str) -> usize {
        self.conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {t} WHERE {t} MATCH ?1",
                    t = self.table
                ),
                [m],
                |r| r.get::<_, i64>(0),
            )
            .expect("count") as usize
    }

    fn ids(&self, m: &str) -> HashSet<String> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT id FROM {t} WHERE {t} MATCH ?1",
                t = self.table
            ))
            .expect("ids");
        st.query_map([m], |r| r.get(0))
            .expect("run")
            .map(|r| r.expect("row"))
            .collect()
    }
}

/// FTS5 query strings: each word as a quoted string (trigram: a substring; segmented: the
/// word's jieba tokens as a phrase), words joined by OR like the other engines.
fn trigram_query(q: &str) -> String {
    q.split_whitespace()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn segmented_query(j: &Jieba, q: &str) -> String {
    q.split_whitespace()
        .map(|w| format!("\"{}\"", segment(j, &w.to_lowercase())))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would run this too: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let docs = common::docs(common::DOCS);
    let jieba = Jieba::new();
    let t0 = Instant::now();
    let tantivy = SearchIndex::build(docs.clone(), None).expect("index");
    let t_tantivy = t0.elapsed();
    let t0 = Instant::now();
    let tri = Fts::build(&docs, "tri", "trigram", None);
    let t_tri = t0.elapsed();
    let t0 = Instant::now();
    let seg = Fts::build(&docs, "seg", "unicode61", Some(&jieba));
    let t_seg = t0.elapsed();
    println!(
        "{} documents; build: tantivy {:.1} s, FTS5 trigram {:.1} s, FTS5 jieba+unicode61 {:.1} s (incl. segmentation)\n",
        docs.len(),
        t_tantivy.as_secs_f64(),
        t_tri.as_secs_f64(),
        t_seg.as_secs_f64()
    );
    println!("| query | engine | p50 ms | p99 ms | matches | recall |");
    println!("|---|---|---|---|---|---|");
    for &(q, chinese) in QUERIES {
        let relevant: HashSet<&str> = docs
            .iter()
            .filter(|d| {
                let text = format!("{} {}", d.titles[0], d.summaries[0]).to_lowercase();
                q.split_whitespace()
                    .any(|w| text.contains(&w.to_lowercase()))
            })
            .map(|d| d.id.as_str())
            .collect();
        let recall = |found: &HashSet<String>| {
            if !chinese || relevant.is_empty() {
                return "—".to_owned();
            }
            let n = relevant.iter().filter(|id| found.contains(**id)).count();
            format!("{:.3}", n as f64 / relevant.len() as f64)
        };
        let (p50, p99, n) = time(|| tantivy.search(q, 20, 0).expect("search").total);
        let found: HashSet<String> = tantivy.matching_ids(q).expect("ids").into_iter().collect();
        println!(
            "| `{q}` | tantivy + jieba | {p50:.2} | {p99:.2} | {n} | {} |",
            recall(&found)
        );
        let m = trigram_query(q);
        let (p50, p99, n) = time(|| tri.page(&m));
        println!(
            "| `{q}` | FTS5 trigram | {p50:.2} | {p99:.2} | {n} | {} |",
            recall(&tri.ids(&m))
        );
        let m = segmented_query(&jieba, q);
        let (p50, p99, n) = time(|| seg.page(&m));
        println!(
            "| `{q}` | FTS5 jieba + unicode61 | {p50:.2} | {p99:.2} | {n} | {} |",
            recall(&seg.ids(&m))
        );
    }
}
