//! One conformance suite, run against every backend: SQLite always, PostgreSQL when a server is
//! available (see `concord-testkit`; `.ci/run` makes it mandatory).

use concord_core::{
    Actor, ActorType, Dimension, Document, InstrumentType, LegalForce, LocalizedText, Section,
    SectionKind, Taxonomy,
};
use concord_store::{DocumentQuery, NewDocument, SortOrder, SqlStore, Store, WriteOutcome};
use concord_testkit::TempPostgres;

fn doc(id: &str, title_en: &str, jurisdiction: &str, date: &str) -> Document {
    let mut d = Document::new(
        id.parse().unwrap(),
        LocalizedText {
            en: Some(title_en.into()),
            ..Default::default()
        },
    );
    d.jurisdiction = Some(jurisdiction.parse().unwrap());
    d.dates.adopted = Some(date.parse().unwrap());
    d
}

fn new_doc(document: Document, text: Option<&str>, hash: &str) -> NewDocument {
    let sections = text
        .map(|t| {
            vec![Section {
                ordinal: 0,
                kind: SectionKind::Article,
                level: 3,
                number: Some("第一条".into()),
                heading: None,
                text: t.into(),
                start: 0,
                end: t.chars().count() as u32,
            }]
        })
        .unwrap_or_default();
    NewDocument {
        document,
        text: text.map(str::to_owned),
        sections,
        content_hash: hash.into(),
        source_hash: Some(format!("src-{hash}")),
        source: Some("test".into()),
    }
}

async fn suite(store: &dyn Store) {
    // --- documents: create, unchanged, update with history ---
    let mut genai = doc(
        "cn_genai",
        "Interim Measures for Generative AI",
        "CN",
        "2023-07-10",
    );
    genai.title.zh = Some("生成式人工智能服务管理暂行办法".into());
    genai.languages = vec!["zh".into()];
    genai.instrument_type = Some(InstrumentType::Regulation);
    genai.legal_force = Some(LegalForce::Binding);
    genai.dimensions = vec![Dimension::Security, Dimension::Development];
    genai.issuers = vec!["cac".parse().unwrap()];
    let first = new_doc(
        genai.clone(),
        Some("第一条 为了促进生成式人工智能健康发展"),
        "h1",
    );
    let w = store.put_document(&first).await.unwrap();
    assert_eq!((w.outcome, w.version), (WriteOutcome::Created, 1));
    let w = store.put_document(&first).await.unwrap();
    assert_eq!((w.outcome, w.version), (WriteOutcome::Unchanged, 1));

    let got = store.get_document("cn_genai").await.unwrap().unwrap();
    assert_eq!(got.revision.as_ref().unwrap().version, 1);
    assert_eq!(got.revision.as_ref().unwrap().content_hash, "h1");
    let mut without_rev = got.clone();
    without_rev.revision = None;
    assert_eq!(without_rev, genai, "round trip keeps every field");
    assert_eq!(store.get_sections("cn_genai").await.unwrap().len(), 1);
    assert!(
        store
            .current_source_hashes()
            .await
            .unwrap()
            .contains("src-h1")
    );

    let mut changed = genai.clone();
    changed.title.en = Some("Interim Measures (revised)".into());
    let w = store
        .put_document(&new_doc(changed, Some("第一条 新文本。第二条"), "h2"))
        .await
        .unwrap();
    assert_eq!((w.outcome, w.version), (WriteOutcome::Updated, 2));
    let hist = store.history("cn_genai").await.unwrap();
    assert_eq!(hist.iter().map(|v| v.version).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(hist[0].content_hash, "h1");
    let v1 = store.get_version("cn_genai", 1).await.unwrap().unwrap();
    assert_eq!(
        v1.title.en.as_deref(),
        Some("Interim Measures for Generative AI")
    );
    assert_eq!(
        store.get_text("cn_genai").await.unwrap().as_deref(),
        Some("第一条 新文本。第二条")
    );
    // The old raw input no longer describes the current content, so it must not be skipped.
    let hashes = store.current_source_hashes().await.unwrap();
    assert!(!hashes.contains("src-h1") && hashes.contains("src-h2"));

    // A version without text removes the old text and sections.
    let w = store
        .put_document(&new_doc(genai.clone(), None, "h3"))
        .await
        .unwrap();
    assert_eq!(w.version, 3);
    assert_eq!(store.get_text("cn_genai").await.unwrap(), None);
    assert!(store.get_sections("cn_genai").await.unwrap().is_empty());

    // --- listing, filters, paging ---
    store
        .put_document(&new_doc(
            doc(
                "eu_ai_act",
                "Artificial Intelligence Act",
                "EU",
                "2024-06-13",
            ),
            None,
            "e",
        ))
        .await
        .unwrap();
    store
        .put_document(&new_doc(
            doc("oecd", "OECD AI Principles", "INT", "2019-05"),
            None,
            "o",
        ))
        .await
        .unwrap();
    store
        .put_document(&new_doc(
            doc("us_sure", "100% sure_test", "US", "2021"),
            None,
            "u",
        ))
        .await
        .unwrap();
    assert_eq!(store.count_documents().await.unwrap(), 4);
    // What a server polls to notice documents written elsewhere: every id with its version.
    let versions = store.document_versions().await.unwrap();
    assert_eq!(versions.len(), 4);
    assert!(versions.windows(2).all(|w| w[0].0 < w[1].0), "{versions:?}");
    let current = store
        .get_document("cn_genai")
        .await
        .unwrap()
        .unwrap()
        .revision
        .unwrap()
        .version;
    assert!(
        versions.contains(&("cn_genai".to_owned(), current)),
        "{versions:?}"
    );

    let list = |q: DocumentQuery| async move {
        let q = DocumentQuery {
            limit: if q.limit == 0 { 50 } else { q.limit },
            ..q
        };
        store.list_documents(&q).await.unwrap()
    };
    let ids = |p: &concord_store::Page<Document>| {
        p.items.iter().map(|d| d.id.to_string()).collect::<Vec<_>>()
    };
    let all = list(DocumentQuery::default()).await;
    assert_eq!(all.total, 4);
    assert_eq!(
        ids(&all),
        ["eu_ai_act", "cn_genai", "us_sure", "oecd"],
        "newest first"
    );
    let asc = list(DocumentQuery {
        sort: SortOrder::DateAsc,
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&asc)[0], "oecd");

    let p = list(DocumentQuery {
        text: Some("intelligence".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["eu_ai_act"], "case-insensitive title match");
    let p = list(DocumentQuery {
        text: Some("生成式".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["cn_genai"], "Chinese title match");
    let p = list(DocumentQuery {
        text: Some("%".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["us_sure"], "LIKE wildcards are escaped");
    let p = list(DocumentQuery {
        jurisdictions: vec!["EU".into(), "INT".into()],
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["eu_ai_act", "oecd"]);
    let p = list(DocumentQuery {
        instrument_type: Some("regulation".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["cn_genai"]);
    let p = list(DocumentQuery {
        legal_force: Some("binding".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["cn_genai"]);
    let p = list(DocumentQuery {
        language: Some("zh".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["cn_genai"]);
    let p = list(DocumentQuery {
        issuer: Some("cac".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["cn_genai"]);
    let p = list(DocumentQuery {
        dimension: Some("security".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&p), ["cn_genai"]);
    let p = list(DocumentQuery {
        year_from: Some(2021),
        year_to: Some(2023),
        ..Default::default()
    })
    .await;
    assert_eq!(
        ids(&p),
        ["cn_genai", "us_sure"],
        "year bounds are inclusive"
    );
    let p = list(DocumentQuery {
        limit: 2,
        offset: 1,
        ..Default::default()
    })
    .await;
    assert_eq!((p.total, ids(&p).len()), (4, 2));
    assert_eq!(ids(&p), ["cn_genai", "us_sure"]);
    let p = list(DocumentQuery {
        limit: 10_000,
        ..Default::default()
    })
    .await;
    assert_eq!(p.limit, DocumentQuery::MAX_LIMIT);
    assert_eq!(
        store.document_jurisdictions().await.unwrap(),
        ["CN", "EU", "INT", "US"]
    );
    let all = store.all_documents().await.unwrap();
    assert_eq!(all.len(), 4);
    assert!(store.get_document("missing").await.unwrap().is_none());
    assert!(store.history("missing").await.unwrap().is_empty());

    // --- actors and taxonomies ---
    let cac = Actor {
        id: "cac".parse().unwrap(),
        name: LocalizedText {
            original: Some("国家互联网信息办公室".into()),
            zh: Some("国家互联网信息办公室".into()),
            en: Some("Cyberspace Administration of China".into()),
        },
        actor_type: ActorType::Regulator,
        jurisdiction: "CN".parse().unwrap(),
    };
    assert_eq!(store.put_actor(&cac).await.unwrap(), WriteOutcome::Created);
    assert_eq!(
        store.put_actor(&cac).await.unwrap(),
        WriteOutcome::Unchanged
    );
    let mut renamed = cac.clone();
    renamed.name.en = Some("CAC".into());
    assert_eq!(
        store.put_actor(&renamed).await.unwrap(),
        WriteOutcome::Updated
    );
    assert_eq!(store.get_actor("cac").await.unwrap().unwrap(), renamed);
    assert_eq!(store.list_actors().await.unwrap().len(), 1);

    let tax: Taxonomy = serde_json::from_value(serde_json::json!({
        "id": "demo", "version": "1", "name": {"en": "Demo"},
        "principles": [{"id": "privacy", "label": {"en": "Privacy", "zh": "隐私"}}]
    }))
    .unwrap();
    assert_eq!(
        store.put_taxonomy(&tax).await.unwrap(),
        WriteOutcome::Created
    );
    assert_eq!(store.get_taxonomy("demo").await.unwrap().unwrap(), tax);
    assert_eq!(store.list_taxonomies().await.unwrap().len(), 1);

    // --- meta ---
    assert_eq!(store.get_meta("k").await.unwrap(), None);
    store.set_meta("k", "v1").await.unwrap();
    store.set_meta("k", "v2").await.unwrap();
    assert_eq!(store.get_meta("k").await.unwrap().as_deref(), Some("v2"));
}

/// Many sections (more than one multi-row insert) survive the round trip in order.
async fn many_sections(store: &dyn Store) {
    let text = "x".repeat(1200);
    let sections: Vec<Section> = (0..1200)
        .map(|i| Section {
            ordinal: i,
            kind: SectionKind::Clause,
            level: 4,
            number: Some(format!("{}.", i + 1)),
            heading: None,
            text: "x".into(),
            start: i,
            end: i + 1,
        })
        .collect();
    let mut nd = new_doc(doc("big", "Big", "CN", "2024"), Some(&text), "big");
    nd.sections = sections.clone();
    store.put_document(&nd).await.unwrap();
    assert_eq!(store.get_sections("big").await.unwrap(), sections);
}

async fn label_sets(store: &dyn Store) {
    use concord_core::{LabelRow, LabelSet};
    let row = |d: &str, p: &str, country: &str| LabelRow {
        document_id: d.into(),
        principle: p.into(),
        fields: [("country".to_string(), country.to_string())].into(),
    };
    let mut set = LabelSet {
        id: "study".parse().unwrap(),
        scheme: "jobin2019".parse().unwrap(),
        source: Some("study.csv".into()),
        columns: vec!["country".into()],
        rows: vec![
            row("d1", "Transparency", "US"),
            row("d2", "Privacy", "中国"),
        ],
    };
    assert_eq!(store.label_set_ids().await.unwrap(), Vec::<String>::new());
    assert_eq!(
        store.put_label_set(&set).await.unwrap(),
        WriteOutcome::Created
    );
    assert_eq!(
        store.put_label_set(&set).await.unwrap(),
        WriteOutcome::Unchanged
    );
    assert_eq!(
        store.get_label_set("study").await.unwrap(),
        Some(set.clone())
    );
    set.rows.pop();
    assert_eq!(
        store.put_label_set(&set).await.unwrap(),
        WriteOutcome::Updated
    );
    assert_eq!(
        store
            .get_label_set("study")
            .await
            .unwrap()
            .unwrap()
            .rows
            .len(),
        1
    );
    assert_eq!(store.label_set_ids().await.unwrap(), ["study"]);
    assert_eq!(store.get_label_set("nope").await.unwrap(), None);
}

async fn run_all(store: &dyn Store) {
    suite(store).await;
    many_sections(store).await;
    label_sets(store).await;
}

#[tokio::test]
async fn sqlite_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sub/dir/concord.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    run_all(&store).await;
    store.close().await;
    // Reopening runs the migrations again without harm and keeps the data.
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(store.count_documents().await.unwrap(), 5);
}

#[tokio::test]
async fn postgres_conformance() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let store = SqlStore::connect(pg.url()).await.unwrap();
    run_all(&store).await;
    store.close().await;
    let store = SqlStore::connect(pg.url()).await.unwrap();
    assert_eq!(store.count_documents().await.unwrap(), 5);
    store.close().await;
}

#[tokio::test]
async fn unsupported_url_is_a_clear_error() {
    let err = SqlStore::connect("mysql://u:pw@h/db").await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("unsupported database URL") && !msg.contains("pw"),
        "{msg}"
    );
}
