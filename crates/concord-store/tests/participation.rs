//! Conformance of platform participation storage (migration 0007), run against every backend
//! like `conformance.rs`: SQLite always, PostgreSQL when a server is available.

use concord_deliberation::{Moderation, Statement, Vote, VoteEvent};
use concord_store::{
    ConversationInfo, ConversationStatus, SpentChallenge, SqlStore, Store, Submitted,
};
use concord_testkit::TempPostgres;

fn info(id: &str) -> ConversationInfo {
    ConversationInfo {
        id: id.into(),
        title_zh: None,
        title_en: Some("Platform".into()),
        description: String::new(),
        created_at: String::new(),
        status: ConversationStatus::Open,
    }
}

fn spent(rand: &str, bits: u8, expires_at: i64) -> SpentChallenge {
    SpentChallenge {
        rand: rand.into(),
        scope: "ab".repeat(32),
        bits,
        expires_at,
        spent_at: expires_at - 900,
    }
}

fn ev(pid: u32, tid: u32, vote: Vote, t: i64) -> VoteEvent {
    VoteEvent {
        pid,
        tid,
        vote,
        timestamp_ms: t,
    }
}

async fn suite(store: &dyn Store) {
    let d = store.deliberation();
    let p = store.participation();
    assert!(d.create_conversation(&info("plat")).await.unwrap());
    // an imported participant 0 exists already: new ones come after it
    d.add_statements(
        "plat",
        &[Statement {
            tid: 0,
            text: "seed".into(),
            lang: None,
            moderation: Moderation::Accepted,
            author: None,
            created_ms: None,
            is_seed: true,
        }],
    )
    .await
    .unwrap();
    d.add_votes("plat", &[ev(0, 0, Vote::Agree, 1)])
        .await
        .unwrap();

    // --- participants: one per subject, stable, anonymous or not ---
    assert_eq!(
        p.participant_for("nope", "anon:x", true, 5).await.unwrap(),
        None
    );
    assert_eq!(p.find_participant("plat", "anon:aa").await.unwrap(), None);
    let anon = p
        .participant_for("plat", "anon:aa", true, 5)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        p.find_participant("plat", "anon:aa").await.unwrap(),
        Some(anon)
    );
    assert_eq!(anon, 1);
    assert_eq!(
        p.participant_for("plat", "anon:aa", true, 6).await.unwrap(),
        Some(1)
    );
    let user = p
        .participant_for("plat", "user:alice", false, 7)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user, 2);
    let (rec, is_anon) = p.participant("plat", anon).await.unwrap().unwrap();
    assert!(is_anon && !rec.registered);
    let (rec, is_anon) = p.participant("plat", user).await.unwrap().unwrap();
    assert!(!is_anon && rec.registered);
    assert!(
        p.set_profile("plat", anon, Some("civil_society"), Some("Asia"))
            .await
            .unwrap()
    );
    let (rec, _) = p.participant("plat", anon).await.unwrap().unwrap();
    assert_eq!(rec.category.as_deref(), Some("civil_society"));
    assert_eq!(rec.region.as_deref(), Some("Asia"));
    assert!(!p.set_profile("plat", 99, None, None).await.unwrap());
    // the anonymous flag reaches the report's data
    let flags = d.anonymous_participants("plat").await.unwrap();
    assert_eq!(flags.get(&anon), Some(&true));
    assert_eq!(flags.get(&user), Some(&false));

    // --- statements: next tid, unmoderated, origin and difficulty kept ---
    let s1 = spent("01".repeat(16).as_str(), 18, 10_000);
    assert_eq!(
        p.add_statement(
            "plat",
            "<script>x</script>",
            Some("en"),
            anon,
            10,
            Some(&s1)
        )
        .await
        .unwrap(),
        Submitted::Stored(1)
    );
    // a replayed challenge writes nothing
    assert_eq!(
        p.add_statement("plat", "again", None, anon, 11, Some(&s1))
            .await
            .unwrap(),
        Submitted::Replayed
    );
    assert_eq!(
        p.add_statement("plat", "no js", None, user, 12, None)
            .await
            .unwrap(),
        Submitted::Stored(2)
    );
    assert_eq!(
        p.add_statement("nope", "x", None, 0, 12, None)
            .await
            .unwrap(),
        Submitted::NotFound
    );
    let q = p.moderation_queue("plat").await.unwrap();
    assert_eq!(q.len(), 2);
    assert_eq!(q[0].statement.text, "<script>x</script>");
    assert_eq!(
        (q[0].pow_bits, q[0].anonymous, q[0].from_platform),
        (Some(18), true, true)
    );
    assert_eq!((q[1].pow_bits, q[1].anonymous), (None, false));
    assert_eq!(q[1].statement.author, Some(user));
    assert!(
        p.set_moderation("plat", 1, Moderation::Accepted)
            .await
            .unwrap()
    );
    assert!(
        p.set_moderation("plat", 2, Moderation::Rejected)
            .await
            .unwrap()
    );
    assert!(
        !p.set_moderation("plat", 42, Moderation::Rejected)
            .await
            .unwrap()
    );
    assert!(p.moderation_queue("plat").await.unwrap().is_empty());

    // --- votes: with a challenge, replay refused, rejected statements refused ---
    let s2 = spent("02".repeat(16).as_str(), 16, 10_000);
    assert_eq!(
        p.record_vote("plat", ev(anon, 1, Vote::Agree, 20), Some(&s2))
            .await
            .unwrap(),
        Submitted::Stored(1)
    );
    assert_eq!(
        p.record_vote("plat", ev(anon, 1, Vote::Disagree, 21), Some(&s2))
            .await
            .unwrap(),
        Submitted::Replayed
    );
    assert_eq!(
        p.record_vote("plat", ev(anon, 2, Vote::Agree, 22), None)
            .await
            .unwrap(),
        Submitted::NotFound,
        "rejected statement"
    );
    assert_eq!(
        p.record_vote("plat", ev(anon, 77, Vote::Agree, 22), None)
            .await
            .unwrap(),
        Submitted::NotFound
    );
    assert_eq!(
        p.record_vote("plat", ev(user, 1, Vote::Pass, 23), None)
            .await
            .unwrap(),
        Submitted::Stored(1)
    );

    // --- held votes: kept out of the history until accepted ---
    assert_eq!(
        p.hold_vote("plat", ev(anon, 0, Vote::Disagree, 30))
            .await
            .unwrap(),
        Submitted::Stored(0)
    );
    assert_eq!(
        p.hold_vote("plat", ev(user, 0, Vote::Agree, 31))
            .await
            .unwrap(),
        Submitted::Stored(0)
    );
    assert_eq!(
        p.hold_vote("plat", ev(user, 2, Vote::Agree, 31))
            .await
            .unwrap(),
        Submitted::NotFound
    );
    let before = d
        .load_conversation("plat")
        .await
        .unwrap()
        .unwrap()
        .votes
        .len();
    let held = p.held_votes("plat", 100).await.unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[0].vote, ev(anon, 0, Vote::Disagree, 30));
    assert_eq!(
        p.release_held_votes("plat", &[held[0].id], true)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        p.release_held_votes("plat", &[held[1].id, 123_456], false)
            .await
            .unwrap(),
        1
    );
    assert!(p.held_votes("plat", 100).await.unwrap().is_empty());
    let conv = d.load_conversation("plat").await.unwrap().unwrap();
    assert_eq!(conv.votes.len(), before + 1);
    assert_eq!(conv.votes.last(), Some(&ev(anon, 0, Vote::Disagree, 30)));

    // --- the replay set forgets only expired challenges ---
    let s3 = spent("03".repeat(16).as_str(), 16, 50);
    assert_eq!(
        p.record_vote("plat", ev(user, 0, Vote::Agree, 40), Some(&s3))
            .await
            .unwrap(),
        Submitted::Stored(0)
    );
    assert_eq!(p.purge_spent(100).await.unwrap(), 1);
    assert_eq!(
        p.record_vote("plat", ev(user, 0, Vote::Agree, 41), Some(&s2))
            .await
            .unwrap(),
        Submitted::Replayed,
        "unexpired entries stay"
    );

    // replacing the conversation (an import) drops its platform data with it
    let conv = d.load_conversation("plat").await.unwrap().unwrap();
    d.replace_conversation(&info("plat"), &conv).await.unwrap();
    assert_eq!(
        p.participant_for("plat", "anon:aa", true, 50)
            .await
            .unwrap(),
        Some(3),
        "a new participant after the replace"
    );
}

#[tokio::test]
async fn sqlite_participation() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/p.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    suite(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_participation() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let store = SqlStore::connect(pg.url()).await.unwrap();
    suite(&store).await;
    store.close().await;
}
