//! The benchmark texts, shared by `benches/tagger.rs` and `examples/throughput.rs` (included
//! with `#[path]`), so both time exactly the same input.
//!
//! * [`dense`] — the development gold passages, one per line: half Chinese, half English, about
//!   one lexicon or cue match every 30 bytes, far denser than real documents.
//! * [`corpus`] — the prose of the bundled corpus (`data/corpus/documents/*.toml`): titles,
//!   English and Chinese summaries, uncertainty notes, what each verification source confirmed,
//!   relation notes; one paragraph per line. No full texts are bundled (see
//!   `data/corpus/README.md`), so this is the closest thing to a real document the repository
//!   has: running prose about governance documents, with dates, names and URLs between the terms.

use std::path::Path;

fn data() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data"))
}

/// `paragraphs`, normalised, one per line, repeated until the text is at least `bytes` long.
fn repeat_to(paragraphs: &[String], bytes: usize) -> String {
    assert!(!paragraphs.is_empty(), "no paragraphs to repeat");
    let mut out = String::with_capacity(bytes + 4096);
    for p in paragraphs.iter().cycle() {
        if out.len() >= bytes {
            break;
        }
        out.push_str(&concord_text::normalize(p));
        out.push('\n');
    }
    out
}

/// About `bytes` of the development gold passages.
pub fn dense(bytes: usize) -> String {
    let path = data().join("eval/tagger-gold-dev.jsonl");
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let passages: Vec<String> = src
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("gold line is JSON");
            v["text"].as_str().expect("gold line has a text").to_owned()
        })
        .collect();
    repeat_to(&passages, bytes)
}

/// About `bytes` of the bundled corpus's prose, documents in file-name order.
pub fn corpus(bytes: usize) -> String {
    let dir = data().join("corpus/documents");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut paragraphs = vec![];
    let text = |v: Option<&toml::Value>| v.and_then(toml::Value::as_str).map(str::to_owned);
    for file in files {
        let src = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let doc: toml::Table = toml::from_str(&src).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        for table in ["title", "summary"] {
            if let Some(t) = doc.get(table).and_then(toml::Value::as_table) {
                paragraphs.extend(t.values().filter_map(|v| text(Some(v))));
            }
        }
        paragraphs.extend(text(doc.get("uncertainty")));
        for (list, field) in [("verification", "confirms"), ("relations", "note")] {
            for item in doc
                .get(list)
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
            {
                paragraphs.extend(text(item.get(field)));
            }
        }
    }
    repeat_to(&paragraphs, bytes)
}
