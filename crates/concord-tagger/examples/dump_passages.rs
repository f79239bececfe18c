//! Prints everything the lexicon tagger finds — every passage (byte and character span,
//! strength, principles with confidence), every counted term and the document tags with their
//! evidence — on both gold sets and on the benchmark texts, one line each, so that two builds of the matching engine can be diffed:
//! a change meant only to make the scan faster must leave this output byte for byte the same.
//! `cargo run --release -p concord-tagger --example dump_passages > out.txt`

use std::fmt::Write as _;
use std::io::Write as _;

use concord_core::Taxonomy;
use concord_tagger::Tagger;

#[path = "../benches/inputs/mod.rs"]
mod inputs;

fn passages(tagger: &Tagger, text: &str, out: &mut String) {
    tagger.for_each_passage(text, |p| {
        let _ = write!(
            out,
            "  {}..{} c{}..{} {:?}",
            p.start, p.end, p.start_char, p.end_char, p.strength
        );
        for (i, c) in p.hits {
            let _ = write!(out, " {}={c}", tagger.principles()[*i as usize]);
        }
        out.push('\n');
    });
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
    let taxonomy: Taxonomy = toml::from_str(&std::fs::read_to_string(format!(
        "{root}/corpus/taxonomy/concord-v1.toml"
    ))?)?;
    let tagger = Tagger::new(&taxonomy)?;
    let mut out = String::new();
    for gold in ["tagger-gold-dev.jsonl", "tagger-gold-heldout.jsonl"] {
        let src = std::fs::read_to_string(format!("{root}/eval/{gold}"))?;
        for (n, line) in src.lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let text = concord_text::normalize(v["text"].as_str().ok_or("gold line without text")?);
            let _ = writeln!(out, "{gold}:{}", n + 1);
            passages(&tagger, &text, &mut out);
            for (principle, words) in tagger.explain(&text) {
                let _ = writeln!(out, "  term {principle} {words:?}");
            }
            for t in tagger.tag_text(&text) {
                let _ = writeln!(
                    out,
                    "  tag {} {:?} {:?}",
                    t.principle, t.strength, t.confidence
                );
            }
        }
    }
    let texts = [
        ("dense", inputs::dense(2 << 20)),
        ("corpus", inputs::corpus(2 << 20)),
        (
            "repeated keywords",
            "privacy 安全 transparency 个人信息 shall 应当 ".repeat(20_000),
        ),
    ];
    for (name, text) in texts {
        let _ = writeln!(out, "{name}");
        passages(&tagger, &text, &mut out);
        let report = tagger.tag_document(&text, &[], None);
        let _ = writeln!(out, "{}", serde_json::to_string(&report)?);
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(())
}
