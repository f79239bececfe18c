//! The seed commitments (data/commitments): every file parses, and every signatory, origin
//! document and principle exists in the bundled corpus.

use concord_import::commitments::{
    SeedError, bundled_commitments, load_bundled_commitments, parse_commitments,
};
use concord_store::{SqlStore, Store, commitments::check_references};

#[tokio::test]
async fn every_seed_commitment_resolves_in_the_bundled_corpus() {
    let seeds = bundled_commitments().unwrap();
    assert!(seeds.len() >= 9, "{} seed commitments", seeds.len());
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/seed.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    let report = concord_import::load_bundled_corpus(&store)
        .await
        .unwrap()
        .unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let mut ids = std::collections::HashSet::new();
    for c in &seeds {
        assert!(ids.insert(c.id.clone()), "duplicate seed id {}", c.id);
        let problems = check_references(&store, c).await.unwrap();
        assert!(problems.is_empty(), "{}: {problems:?}", c.id);
        // no unverified deadline without an explanation
        assert!(c.uncertainty.is_some(), "{}: no uncertainty note", c.id);
        assert!(
            c.text.zh.is_some() && c.text.en.is_some(),
            "{}: zh and en",
            c.id
        );
    }
    let created = load_bundled_commitments(&store).await.unwrap();
    assert_eq!(created.len(), seeds.len());
    assert_eq!(
        store.commitments().list_commitments().await.unwrap().len(),
        seeds.len()
    );
    // loaded once
    assert!(load_bundled_commitments(&store).await.unwrap().is_empty());
}

#[test]
fn bad_seed_files_name_the_file_and_field() {
    let ok = r#"
[[commitments]]
id = "c1"
title = { en = "T" }
text = { en = "X" }
origin = { type = "document", document = "d" }
signatories = ["a"]
"#;
    assert_eq!(parse_commitments("f.toml", ok).unwrap().len(), 1);
    let cases = [
        (
            ok.replace("signatories = [\"a\"]", "signatories = [\"a\", \"a\"]"),
            "signatories[1]",
        ),
        (format!("{ok}deadline = \"2025-02-30\"\n"), "2025-02-30"),
        (format!("{ok}colour = \"red\"\n"), "colour"),
        (ok.replace("text = { en = \"X\" }\n", ""), "text"),
        ("not toml [".to_string(), "f.toml"),
    ];
    for (text, needle) in cases {
        let e = parse_commitments("f.toml", &text).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, SeedError::File { .. }), "{msg}");
        assert!(msg.starts_with("f.toml: "), "{msg}");
        assert!(msg.contains(needle), "{needle} not in {msg}");
    }
}
