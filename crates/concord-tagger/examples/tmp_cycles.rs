use concord_core::Taxonomy;
use concord_tagger::Tagger;
fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/corpus/taxonomy/concord-v1.toml"
    );
    let tax: Taxonomy = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let tagger = Tagger::new(&tax).unwrap();
    let gold = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/eval/tagger-gold-dev.jsonl"
    );
    let passages: Vec<String> = std::fs::read_to_string(gold)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut text = String::new();
    let mut i = 0;
    while text.len() < (8 << 20) {
        text.push_str(&concord_text::normalize(&passages[i % passages.len()]));
        text.push('\n');
        i += 1;
    }
    let n: usize = std::env::args().nth(1).map_or(10, |a| a.parse().unwrap());
    let mut best = f64::MAX;
    let mut total = 0usize;
    for _ in 0..n {
        let t = std::time::Instant::now();
        let r = tagger.tag_document(&text, &[], Some("en"));
        total += r.tags.len();
        best = best.min(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "best {:.1} MiB/s ({total})",
        text.len() as f64 / best / 1048576.0
    );
}
