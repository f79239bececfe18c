//! Throughput of the lexicon tagger on mixed Chinese/English policy text (the dense gold
//! passages and the sparser prose of the bundled corpus, see `inputs/mod.rs`) and on adversarial
//! input (one long line, repeated keywords, no sentence breaks). Run with
//! `cargo bench -p concord-tagger --bench tagger`.

use concord_core::Taxonomy;
use concord_tagger::Tagger;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn taxonomy() -> Taxonomy {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/corpus/taxonomy/concord-v1.toml"
    );
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[path = "inputs/mod.rs"]
mod inputs;

fn bench(c: &mut Criterion) {
    let tagger = Tagger::new(&taxonomy()).unwrap();
    let mixed = inputs::dense(8 << 20);
    let corpus = inputs::corpus(8 << 20);
    let adversarial_keywords =
        "privacy 安全 transparency 个人信息 shall 应当 ".repeat((8 << 20) / 60);
    let adversarial_plain = "x".repeat(8 << 20);
    let mut g = c.benchmark_group("lexicon_tagger");
    g.sample_size(10);
    for (name, text) in [
        ("mixed_zh_en", &mixed),
        ("corpus_prose", &corpus),
        ("one_line_repeated_keywords", &adversarial_keywords),
        ("one_line_no_keywords", &adversarial_plain),
    ] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("tag_document", name), text, |b, t| {
            b.iter(|| tagger.tag_document(t, &[], Some("en")))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
