//! The synthetic corpus shared by the search benchmarks: 100,000 documents whose titles and
//! summaries are drawn from the development gold passages (half Chinese, half English).

use concord_search::SearchDoc;

pub const DOCS: usize = 100_000;

/// Facet values spread over the documents (the search page counts them over all matches).
const BLOCS: [&str; 7] = ["cn", "eu", "us", "uk", "g77", "asean", "au"];
const INSTRUMENTS: [&str; 6] = [
    "law",
    "regulation",
    "strategy",
    "guideline",
    "standard",
    "declaration",
];

fn passages() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/eval/tagger-gold-dev.jsonl"
    );
    std::fs::read_to_string(path)
        .expect("the development gold set is part of the repository")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON line");
            v["text"].as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

/// `n` documents; each mixes three passages so that no two are identical.
pub fn docs(n: usize) -> Vec<SearchDoc> {
    let p = passages();
    (0..n)
        .map(|i| SearchDoc {
            id: format!("doc{i}"),
            titles: vec![p[i % p.len()].chars().take(60).collect()],
            summaries: vec![format!(
                "{} {}",
                p[(i * 7 + 3) % p.len()],
                p[(i * 13 + 5) % p.len()]
            )],
            text: None,
            principles: vec![],
            facets: vec![
                ("bloc".into(), BLOCS[i % BLOCS.len()].into()),
                (
                    "instrument".into(),
                    INSTRUMENTS[i % INSTRUMENTS.len()].into(),
                ),
                ("year".into(), (2016 + i % 10).to_string()),
            ],
        })
        .collect()
}

/// `n` documents like the HTTP load benchmark's (`tools/load-bench.sh`): each also has a text
/// of three passages, so snippets are cut from texts.
#[allow(dead_code)] // one of the two benchmarks uses it
pub fn docs_with_texts(n: usize) -> Vec<SearchDoc> {
    let p = passages();
    let mut docs = docs(n);
    for (i, d) in docs.iter_mut().enumerate() {
        d.text = Some(
            [3, 5, 11]
                .map(|k| p[(i * k + 1) % p.len()].as_str())
                .join("\n"),
        );
    }
    docs
}
