//! Conformance of deliberation storage (migration 0005), run against every backend like
//! `conformance.rs`: SQLite always, PostgreSQL when a server is available.

use std::path::Path;

use concord_deliberation::{
    Conversation, Moderation, Params, Participant, Statement, Vote, VoteEvent, analyze,
    read_export_dir,
};
use concord_store::{
    ConversationInfo, ConversationStatus, DeliberationStore, NewParticipant, SqlStore, Store,
};
use concord_testkit::TempPostgres;

fn info(id: &str) -> ConversationInfo {
    ConversationInfo {
        id: id.into(),
        title_zh: Some("人工智能治理".into()),
        title_en: Some("AI governance".into()),
        description: "What should be done?".into(),
        created_at: String::new(),
        status: ConversationStatus::Open,
    }
}

fn statement(tid: u32, text: &str, moderation: Moderation) -> Statement {
    Statement {
        tid,
        text: text.into(),
        lang: Some("en".into()),
        moderation,
        author: Some(0),
        created_ms: Some(1_000 + i64::from(tid)),
        is_seed: tid == 0,
    }
}

fn event(pid: u32, tid: u32, vote: Vote, timestamp_ms: i64) -> VoteEvent {
    VoteEvent {
        pid,
        tid,
        vote,
        timestamp_ms,
    }
}

async fn batches(d: &dyn DeliberationStore) {
    assert!(d.create_conversation(&info("ai-rules")).await.unwrap());
    // ids are unique
    assert!(!d.create_conversation(&info("ai-rules")).await.unwrap());
    // slugs are checked, hostile ids never reach SQL as text
    assert!(d.create_conversation(&info("Bad Id")).await.is_err());
    assert!(d.create_conversation(&info("")).await.is_err());
    assert_eq!(d.get_conversation("' OR '1'='1").await.unwrap(), None);
    assert_eq!(d.load_conversation("nope").await.unwrap(), None);
    // batches for an unknown conversation write nothing
    assert!(
        !d.add_votes("nope", &[event(1, 0, Vote::Agree, 5)])
            .await
            .unwrap()
    );

    let statements = vec![
        statement(0, "Seed <b>statement</b>", Moderation::Accepted),
        statement(
            1,
            "Second '; DROP TABLE delib_votes; --",
            Moderation::Unmoderated,
        ),
        statement(2, "Off topic", Moderation::Rejected),
    ];
    assert!(d.add_statements("ai-rules", &statements).await.unwrap());
    let registered = Participant {
        pid: 0,
        xid: Some("user-7".into()),
        registered: true,
        category: Some("industry".into()),
        region: Some("asia".into()),
    };
    assert!(
        d.add_participants(
            "ai-rules",
            &[NewParticipant {
                participant: registered.clone(),
                anonymous: false,
                created_ms: Some(900),
            }],
        )
        .await
        .unwrap()
    );
    let votes = vec![
        event(0, 0, Vote::Agree, 2_000),
        event(0, 1, Vote::Disagree, 2_001),
        // participant 1 is unknown: added as anonymous
        event(1, 0, Vote::Pass, 2_002),
        // a re-vote, kept in the history
        event(0, 1, Vote::Agree, 2_003),
    ];
    assert!(d.add_votes("ai-rules", &votes[..2]).await.unwrap());
    assert!(d.add_votes("ai-rules", &votes[2..]).await.unwrap());

    let summary = d.get_conversation("ai-rules").await.unwrap().unwrap();
    assert_eq!(summary.info.title_zh.as_deref(), Some("人工智能治理"));
    assert_eq!(summary.info.status, ConversationStatus::Open);
    assert!(!summary.info.created_at.is_empty());
    assert_eq!(
        (summary.statements, summary.participants, summary.votes),
        (3, 2, 4)
    );

    let conv = d.load_conversation("ai-rules").await.unwrap().unwrap();
    assert_eq!(conv.topic, "AI governance");
    assert_eq!(
        conv.statements.values().cloned().collect::<Vec<_>>(),
        statements
    );
    assert_eq!(conv.participants[&0], registered);
    assert_eq!(
        conv.participants[&1],
        Participant {
            pid: 1,
            ..Participant::default()
        }
    );
    assert_eq!(conv.votes, votes);
    let latest = conv.latest_votes();
    assert_eq!(latest.len(), 3);
    assert!(latest.contains(&event(0, 1, Vote::Agree, 2_003)));

    let anon = d.anonymous_participants("ai-rules").await.unwrap();
    assert_eq!(
        anon.into_iter().collect::<Vec<_>>(),
        [(0, false), (1, true)]
    );

    // statements are replaced by tid (moderation)
    let mut accepted = statements[1].clone();
    accepted.moderation = Moderation::Accepted;
    assert!(
        d.add_statements("ai-rules", std::slice::from_ref(&accepted))
            .await
            .unwrap()
    );
    let conv = d.load_conversation("ai-rules").await.unwrap().unwrap();
    assert_eq!(conv.statements[&1].moderation, Moderation::Accepted);

    assert!(
        d.set_status("ai-rules", ConversationStatus::Closed)
            .await
            .unwrap()
    );
    assert!(
        !d.set_status("nope", ConversationStatus::Closed)
            .await
            .unwrap()
    );
    assert_eq!(
        d.get_conversation("ai-rules")
            .await
            .unwrap()
            .unwrap()
            .info
            .status,
        ConversationStatus::Closed
    );
}

fn polis_dir() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../concord-deliberation/tests/data/polis/15-per-hour-seattle"
    ))
}

fn same_data(a: &Conversation, b: &Conversation) {
    assert_eq!(a.statements, b.statements);
    assert_eq!(a.participants, b.participants);
    assert_eq!(a.votes, b.votes);
}

async fn import_round_trip(d: &dyn DeliberationStore) {
    let export = read_export_dir(polis_dir()).unwrap();
    let conv = &export.conversation;
    // more votes than one multi-row INSERT holds
    assert!(conv.votes.len() > 1_000);
    assert!(
        !d.replace_conversation(&info("seattle"), conv)
            .await
            .unwrap()
    );
    let stored = d.load_conversation("seattle").await.unwrap().unwrap();
    same_data(&stored, conv);
    let params = Params::default();
    assert_eq!(analyze(&stored, &params), analyze(conv, &params));

    // re-import replaces, it does not duplicate
    let mut smaller = conv.clone();
    smaller.votes.truncate(100);
    assert!(
        d.replace_conversation(&info("seattle"), &smaller)
            .await
            .unwrap()
    );
    let stored = d.load_conversation("seattle").await.unwrap().unwrap();
    assert_eq!(stored.votes, smaller.votes);
    let summary = d.get_conversation("seattle").await.unwrap().unwrap();
    assert_eq!(summary.votes, 100);
    // the other conversation is untouched
    assert_eq!(
        d.get_conversation("ai-rules").await.unwrap().unwrap().votes,
        4
    );
    let ids: Vec<String> = d
        .list_conversations()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.info.id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"seattle".to_string()) && ids.contains(&"ai-rules".to_string()));
}

async fn run_all(store: &SqlStore) {
    batches(store.deliberation()).await;
    import_round_trip(store.deliberation()).await;
}

#[tokio::test]
async fn sqlite_deliberation() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/delib.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    run_all(&store).await;
    store.close().await;
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(
        store
            .deliberation()
            .list_conversations()
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn postgres_deliberation() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let store = SqlStore::connect(pg.url()).await.unwrap();
    run_all(&store).await;
    store.close().await;
}
