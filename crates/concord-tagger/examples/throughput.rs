//! Best-of-N throughput of `Tagger::tag_document` on the benchmark's mixed Chinese/English text
//! (the development gold passages, normalised, one per line, 8 MiB). On a machine shared with
//! other work the fastest of N runs is steadier than criterion's mean, so two builds can be
//! compared by running them alternately:
//! `cargo run --release -p concord-tagger --example throughput -- [N]` (N defaults to 10).

use concord_core::Taxonomy;
use concord_tagger::Tagger;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
    let taxonomy: Taxonomy = toml::from_str(&std::fs::read_to_string(format!(
        "{root}/corpus/taxonomy/concord-v1.toml"
    ))?)?;
    let tagger = Tagger::new(&taxonomy)?;
    let mut passages = vec![];
    for line in std::fs::read_to_string(format!("{root}/eval/tagger-gold-dev.jsonl"))?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        passages.push(
            v["text"]
                .as_str()
                .ok_or("gold line without text")?
                .to_owned(),
        );
    }
    let mut text = String::new();
    for p in passages.iter().cycle() {
        if text.len() >= 8 << 20 {
            break;
        }
        text.push_str(&concord_text::normalize(p));
        text.push('\n');
    }
    let runs: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 10,
    };
    let mut best = f64::MAX;
    for _ in 0..runs.max(1) {
        let t = std::time::Instant::now();
        let report = tagger.tag_document(&text, &[], Some("en"));
        std::hint::black_box(report);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "mixed_zh_en: {} bytes, best of {runs}: {:.1} ms = {:.1} MiB/s",
        text.len(),
        best * 1e3,
        text.len() as f64 / best / 1048576.0
    );
    Ok(())
}
