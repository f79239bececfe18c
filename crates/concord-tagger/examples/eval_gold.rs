//! Scores the lexicon tagger against a gold file with a taxonomy read from disk, without a
//! store: the same evaluation as `concord eval-tagger`, for quick iterations on the lexicons.
//!
//! `cargo run -p concord-tagger --example eval_gold -- GOLD.jsonl [TAXONOMY.toml] [--errors]
//! [--set OPTION=VALUE]...` (the taxonomy defaults to `data/corpus/taxonomy/concord-v1.toml`;
//! `--set` changes one threshold of [`concord_tagger::TaggerOptions`], e.g.
//! `--set incidental_below=0.7`, to try a decision rule on the development set).

use std::path::Path;

use concord_core::Taxonomy;
use concord_tagger::{Tagger, TaggerOptions, eval};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let errors = args.iter().any(|a| a == "--errors");
    args.retain(|a| a != "--errors");
    let mut options = TaggerOptions::default();
    while let Some(i) = args.iter().position(|a| a == "--set") {
        let setting = args.get(i + 1).ok_or("--set needs OPTION=VALUE")?.clone();
        args.drain(i..i + 2);
        let (name, value) = setting
            .split_once('=')
            .ok_or_else(|| format!("--set {setting}: expected OPTION=VALUE"))?;
        let v: f32 = value
            .parse()
            .map_err(|_| format!("--set {setting}: {value:?} is not a number"))?;
        match name {
            "min_confidence" => options.min_confidence = v,
            "mention_min_confidence" => options.mention_min_confidence = v,
            "dominant_confidence" => options.dominant_confidence = v,
            "incidental_below" => options.incidental_below = v,
            _ => return Err(format!("--set: unknown option {name:?}").into()),
        }
    }
    let Some(gold) = args.first() else {
        return Err("usage: eval_gold GOLD.jsonl [TAXONOMY.toml] [--errors]".into());
    };
    let taxonomy_path = args.get(1).cloned().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/corpus/taxonomy/concord-v1.toml"
        )
        .to_owned()
    });
    let src = std::fs::read_to_string(&taxonomy_path)
        .map_err(|e| format!("cannot read {taxonomy_path}: {e}"))?;
    let taxonomy: Taxonomy = toml::from_str(&src).map_err(|e| format!("{taxonomy_path}: {e}"))?;
    let tagger = Tagger::with_options(&taxonomy, options)?;
    let items = eval::read_gold(Path::new(gold), tagger.principles())?;
    let report = eval::evaluate(&tagger, None, &items, errors);
    print!("{}", eval::to_text(&report));
    Ok(())
}
