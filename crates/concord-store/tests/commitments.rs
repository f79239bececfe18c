//! Conformance of commitments storage (migration 0006), run against every backend like
//! `conformance.rs`: SQLite always, PostgreSQL when a server is available.

use concord_commitments::{
    ActionReport, Assessment, Bilingual, Commitment, Evidence, Origin, ReportSource, Verdict,
};
use concord_core::{Actor, ActorType, Document, LocalizedText};
use concord_store::{
    CommitmentWrite, EvidenceUpload, NewDocument, SqlStore, Store, StoreError,
    commitments::{MAX_EVIDENCE_BYTES, check_references, sha256_hex},
};
use concord_testkit::TempPostgres;

fn commitment(id: &str) -> Commitment {
    Commitment {
        id: id.into(),
        title: Bilingual {
            zh: Some("发布安全框架".into()),
            en: Some("Publish a <b>safety</b> framework".into()),
        },
        text: Bilingual {
            zh: None,
            en: Some("Each signatory publishes a framework '; DROP TABLE commitments; --".into()),
        },
        origin: Origin::Document {
            document: "pledge_2024".into(),
            locator: Some("Commitment I".into()),
        },
        signatories: vec!["acme".into(), "globex".into()],
        principles: vec!["safety".into()],
        deadline: Some("2025-02-10".parse().unwrap()),
        milestones: vec![],
        indicators: vec!["framework published".into()],
        withdrawals: vec![],
        draft: false,
        uncertainty: None,
    }
}

fn report(commitment: &str, signatory: &str) -> ActionReport {
    ActionReport {
        id: String::new(),
        commitment: commitment.into(),
        signatory: signatory.into(),
        source: ReportSource::SelfReport,
        reporter: signatory.into(),
        date: "2024-12-01".parse().unwrap(),
        description: "Published version 1".into(),
        evidence: vec![Evidence::Link {
            url: "https://example.org/framework".into(),
        }],
    }
}

fn assessment(commitment: &str, signatory: &str) -> Assessment {
    Assessment {
        id: String::new(),
        commitment: commitment.into(),
        signatory: signatory.into(),
        assessor: "Independent Review Lab".into(),
        date: "2025-03-01".parse().unwrap(),
        verdict: Verdict::PartiallyMet,
        rationale: "Thresholds are not quantified".into(),
        evidence: vec![],
    }
}

async fn suite(store: &dyn Store) {
    let c = store.commitments();
    // create, duplicate, invalid (nothing written)
    assert!(matches!(
        c.create_commitment(&commitment("c1")).await.unwrap(),
        CommitmentWrite::Written(_, 1)
    ));
    assert_eq!(
        c.create_commitment(&commitment("c1")).await.unwrap(),
        CommitmentWrite::Duplicate
    );
    let mut bad = commitment("Bad Id");
    bad.signatories.clear();
    match c.create_commitment(&bad).await {
        Err(StoreError::InvalidRecord(m)) => {
            assert!(m.contains("id:") && m.contains("signatories:"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.list_commitments().await.unwrap().len(), 1);
    assert_eq!(c.get_commitment("' OR '1'='1").await.unwrap(), None);
    let stored = c.get_commitment("c1").await.unwrap().unwrap();
    assert_eq!(stored.commitment, commitment("c1"));
    assert_eq!(stored.version, 1);

    // update with a version check
    let mut changed = commitment("c1");
    changed.indicators.push("thresholds published".into());
    assert!(matches!(
        c.update_commitment(&changed, 1).await.unwrap(),
        CommitmentWrite::Written(_, 2)
    ));
    assert_eq!(
        c.update_commitment(&changed, 1).await.unwrap(),
        CommitmentWrite::Stale { current: 2 }
    );
    assert_eq!(
        c.update_commitment(&commitment("nope"), 1).await.unwrap(),
        CommitmentWrite::NotFound
    );
    assert_eq!(
        c.get_commitment("c1").await.unwrap().unwrap().commitment,
        changed
    );

    // reports: ids assigned in order, files stored by hash once
    let file = EvidenceUpload {
        name: "report.pdf".into(),
        media_type: "application/pdf".into(),
        bytes: b"%PDF-1.4 evidence".to_vec(),
    };
    let CommitmentWrite::Written(r1, 2) = c
        .add_report(&report("c1", "acme"), std::slice::from_ref(&file))
        .await
        .unwrap()
    else {
        panic!("report not written")
    };
    assert_eq!(r1.id, "c1.r1");
    let sha = sha256_hex(&file.bytes);
    assert!(r1.evidence.contains(&Evidence::File {
        sha256: sha.clone(),
        name: "report.pdf".into(),
        size: file.bytes.len() as u64
    }));
    let got = c.get_evidence(&sha).await.unwrap().unwrap();
    assert_eq!(
        (got.bytes, got.media_type.as_str()),
        (file.bytes.clone(), "application/pdf")
    );
    // referencing a stored file by hash works; an unknown hash is refused
    let mut by_hash = report("c1", "globex");
    by_hash.evidence.push(Evidence::File {
        sha256: sha.clone(),
        name: "same.pdf".into(),
        size: 17,
    });
    let CommitmentWrite::Written(r2, _) = c.add_report(&by_hash, &[]).await.unwrap() else {
        panic!()
    };
    assert_eq!(r2.id, "c1.r2");
    let mut unknown = report("c1", "acme");
    unknown.evidence.push(Evidence::File {
        sha256: "0".repeat(64),
        name: "x".into(),
        size: 1,
    });
    assert!(matches!(
        c.add_report(&unknown, &[]).await,
        Err(StoreError::InvalidRecord(_))
    ));
    // an oversized file, or a report by a non-signatory, writes nothing (not even the file)
    let big = EvidenceUpload {
        name: "big.bin".into(),
        media_type: "application/octet-stream".into(),
        bytes: vec![7; MAX_EVIDENCE_BYTES + 1],
    };
    assert!(c.add_report(&report("c1", "acme"), &[big]).await.is_err());
    let small = EvidenceUpload {
        name: "other.txt".into(),
        media_type: "text/plain".into(),
        bytes: b"other".to_vec(),
    };
    assert!(
        c.add_report(&report("c1", "initech"), std::slice::from_ref(&small))
            .await
            .is_err()
    );
    assert_eq!(c.get_evidence(&sha256_hex(b"other")).await.unwrap(), None);
    assert_eq!(
        c.add_report(&report("nope", "acme"), &[]).await.unwrap(),
        CommitmentWrite::NotFound
    );
    let reports = c.reports(Some("c1")).await.unwrap();
    assert_eq!(
        reports.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["c1.r1", "c1.r2"]
    );

    // assessments are kept apart; an assessor cannot assess itself
    let CommitmentWrite::Written(a1, _) = c
        .add_assessment(&assessment("c1", "acme"), &[])
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(a1.id, "c1.a1");
    let mut own = assessment("c1", "acme");
    own.assessor = "acme".into();
    assert!(matches!(
        c.add_assessment(&own, &[]).await,
        Err(StoreError::InvalidRecord(m)) if m.contains("independent")
    ));
    assert_eq!(c.assessments(Some("c1")).await.unwrap(), vec![a1.clone()]);
    assert_eq!(c.assessments(None).await.unwrap(), vec![a1]);
    assert_eq!(c.reports(None).await.unwrap().len(), 2);

    // no log entries without a log
    assert!(c.commitment_log_entries("c1").await.unwrap().is_empty());

    // references: actors, principles and the origin document must exist
    let problems = check_references(store, &commitment("c2")).await.unwrap();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "signatories[0]",
            "signatories[1]",
            "principles[0]",
            "origin.document"
        ]
    );
    for id in ["acme", "globex"] {
        store
            .put_actor(&Actor {
                id: id.parse().unwrap(),
                name: LocalizedText {
                    en: Some(id.into()),
                    ..Default::default()
                },
                actor_type: ActorType::Company,
                jurisdiction: "US".parse().unwrap(),
            })
            .await
            .unwrap();
    }
    let doc = Document::new(
        "pledge_2024".parse().unwrap(),
        LocalizedText {
            en: Some("Pledge".into()),
            ..Default::default()
        },
    );
    store
        .put_document(&NewDocument {
            document: doc,
            text: None,
            sections: vec![],
            content_hash: "h".into(),
            source_hash: None,
            source: None,
        })
        .await
        .unwrap();
    let problems = check_references(store, &commitment("c2")).await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "principles[0]");
}

#[tokio::test]
async fn sqlite_commitments() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/commitments.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    suite(&store).await;
    store.close().await;
    // durable across a reopen
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(
        store.commitments().reports(Some("c1")).await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn postgres_commitments() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let store = SqlStore::connect(pg.url()).await.unwrap();
    suite(&store).await;
    store.close().await;
}
