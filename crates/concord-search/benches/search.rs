//! Search latency over 100,000 synthetic documents (titles and summaries built from the
//! development gold passages, half Chinese, half English). Run with
//! `cargo bench -p concord-search --bench search`.

mod common;

use concord_search::SearchIndex;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let docs = common::docs(common::DOCS);
    let index = SearchIndex::build(docs, None).unwrap();
    let mut g = c.benchmark_group("search_100k_docs");
    for q in [
        "人工智能 安全",
        "个人信息保护",
        "transparency obligations",
        "regulatory sandbox innovation",
        "privacy",
    ] {
        g.bench_with_input(BenchmarkId::from_parameter(q), q, |b, q| {
            b.iter(|| index.search(q, 20, 0).unwrap())
        });
    }
    // What the search page asks for: the top 50 and every facet counted over all matches.
    let facets = ["bloc", "instrument", "year"];
    g.bench_function("人工智能 安全 (page: top 50, facets counted)", |b| {
        b.iter(|| {
            index
                .search_with("人工智能 安全", 50, 0, &[], &facets)
                .unwrap()
        })
    });
    g.finish();

    // The HTTP load benchmark's corpus and queries: 10,000 documents with texts.
    let index = SearchIndex::build(common::docs_with_texts(10_000), None).unwrap();
    let mut g = c.benchmark_group("search_10k_docs_with_texts");
    for q in [
        "人工智能 安全",
        "privacy",
        "个人信息保护",
        "transparency obligations",
        "算法",
        "regulatory sandbox",
        "数据安全",
        "accountability",
    ] {
        g.bench_with_input(BenchmarkId::from_parameter(q), q, |b, q| {
            b.iter(|| index.search(q, 20, 0).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
