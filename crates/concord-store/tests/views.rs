//! The page read models ([`concord_store::ViewStore`]) on every backend: SQLite always,
//! PostgreSQL when a server is available (see `concord-testkit`). Each view must say exactly
//! what the single-purpose queries say.

use concord_core::{Actor, Document, LocalizedText, Section, SectionKind, Taxonomy};
use concord_store::{NewDocument, SqlStore, Store};
use concord_testkit::TempPostgres;

fn actor(id: &str, en: &str) -> Actor {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": { "en": en, "zh": format!("{en}（中文）") }, "type": "regulator",
        "jurisdiction": "CN",
    }))
    .unwrap()
}

fn taxonomy(version: &str) -> Taxonomy {
    serde_json::from_value(serde_json::json!({
        "id": "concord", "version": version, "name": { "en": "Concord" },
        "principles": [{ "id": "safety", "label": { "en": "Safety" } }],
    }))
    .unwrap()
}

fn new_doc(doc: Document, text: Option<&str>, sections: usize, hash: &str) -> NewDocument {
    let sections = (0..sections)
        .map(|i| Section {
            ordinal: i as u32,
            kind: SectionKind::Article,
            level: 3,
            number: Some(format!("第{i}条")),
            heading: None,
            text: String::new(),
            start: i as u32,
            end: i as u32 + 1,
        })
        .collect();
    NewDocument {
        document: doc,
        text: text.map(str::to_owned),
        sections,
        content_hash: hash.into(),
        source_hash: None,
        source: Some(format!("src-{hash}")),
    }
}

async fn suite(store: &dyn Store) {
    let views = store.views();
    assert!(
        views
            .document_view("nope", 100, "concord")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(views.taxonomy_stamp("concord").await.unwrap(), None);

    store.put_actor(&actor("cac", "CAC")).await.unwrap();
    store.put_actor(&actor("miit", "MIIT")).await.unwrap();
    let mut d = Document::new(
        "cn_x".parse().unwrap(),
        LocalizedText {
            en: Some("X".into()),
            ..Default::default()
        },
    );
    // one issuer stored, one not, in this order
    d.issuers = vec!["miit".parse().unwrap(), "unknown_body".parse().unwrap()];
    let text = "第一条 人工智能安全 — safety first ✓";
    store
        .put_document(&new_doc(d.clone(), Some("old text"), 1, "h1"))
        .await
        .unwrap();
    store
        .put_document(&new_doc(d.clone(), Some(text), 3, "h2"))
        .await
        .unwrap();

    let v = views
        .document_view("cn_x", 1000, "concord")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.doc, store.get_document("cn_x").await.unwrap().unwrap());
    assert_eq!(v.text.as_deref(), Some(text));
    assert_eq!(v.sections, 3);
    assert_eq!(
        v.sections as usize,
        store.get_sections("cn_x").await.unwrap().len()
    );
    assert_eq!(v.history, store.history("cn_x").await.unwrap());
    assert_eq!(v.history.len(), 2);
    assert_eq!(v.history[1].source.as_deref(), Some("src-h2"));
    assert_eq!(v.issuers, vec![actor("miit", "MIIT")]);
    assert_eq!(v.taxonomy_stamp, None);

    // the text is cut by characters, not bytes
    let v = views
        .document_view("cn_x", 7, "concord")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.text.as_deref(), Some("第一条 人工智"));

    // the taxonomy's stamp changes with every change to it, not with an unchanged write
    store.put_taxonomy(&taxonomy("1")).await.unwrap();
    let s1 = views.taxonomy_stamp("concord").await.unwrap().unwrap();
    let v = views
        .document_view("cn_x", 10, "concord")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.taxonomy_stamp.as_deref(), Some(s1.as_str()));
    store.put_taxonomy(&taxonomy("1")).await.unwrap();
    assert_eq!(views.taxonomy_stamp("concord").await.unwrap().unwrap(), s1);
    store.put_taxonomy(&taxonomy("2")).await.unwrap();
    let s2 = views.taxonomy_stamp("concord").await.unwrap().unwrap();
    assert_ne!(s1, s2);
    assert_eq!(views.taxonomy_stamp("other").await.unwrap(), None);

    // a document without text, sections or issuers
    let bare = Document::new(
        "bare".parse().unwrap(),
        LocalizedText {
            zh: Some("空".into()),
            ..Default::default()
        },
    );
    store
        .put_document(&new_doc(bare, None, 0, "b1"))
        .await
        .unwrap();
    let v = views
        .document_view("bare", 10, "concord")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (v.text, v.sections, v.issuers.len(), v.history.len()),
        (None, 0, 0, 1)
    );
    assert_eq!(v.taxonomy_stamp.as_deref(), Some(s2.as_str()));
}

#[tokio::test]
async fn sqlite_views() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/views.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    suite(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_views() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let store = SqlStore::connect(pg.url()).await.unwrap();
    suite(&store).await;
    store.close().await;
}
