//! Conformance of accounts, sessions and the audit trail (migration 0003), run against every
//! backend like `conformance.rs`: SQLite always, PostgreSQL when a server is available.

use concord_core::{Document, LocalizedText};
use concord_store::{
    AccountStore, NewAudit, NewDocument, NewSession, Role, SqlStore, Store, WriteOutcome,
};
use concord_testkit::TempPostgres;
use serde_json::json;

fn session(token_hash: &str, user_id: i64, expires_at: i64) -> NewSession {
    NewSession {
        token_hash: token_hash.into(),
        user_id,
        created_at: 1_000,
        expires_at,
        csrf_secret: format!("csrf-{token_hash}"),
    }
}

fn document(title: &str) -> NewDocument {
    let doc = Document::new(
        "edited_doc".parse().unwrap(),
        LocalizedText {
            en: Some(title.into()),
            ..Default::default()
        },
    );
    NewDocument {
        document: doc,
        text: None,
        sections: vec![],
        content_hash: format!("hash-{title}"),
        source_hash: None,
        source: Some("web editor".into()),
    }
}

async fn users(a: &dyn AccountStore) {
    let alice = a
        .create_user("alice", Role::Admin, "$argon2id$v=19$hash-a")
        .await
        .unwrap()
        .expect("created");
    assert_eq!(alice.username, "alice");
    assert_eq!(alice.role, Role::Admin);
    assert!(!alice.disabled);
    // usernames are unique
    assert_eq!(
        a.create_user("alice", Role::Viewer, "x").await.unwrap(),
        None
    );
    let bob = a
        .create_user("bob", Role::Viewer, "$argon2id$v=19$hash-b")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(alice.id, bob.id);

    let creds = a.get_user("alice").await.unwrap().unwrap();
    assert_eq!(creds.user, alice);
    assert_eq!(creds.password_hash, "$argon2id$v=19$hash-a");
    assert_eq!(a.get_user("nobody").await.unwrap(), None);
    // a hostile name is data, not SQL
    assert_eq!(a.get_user("' OR '1'='1").await.unwrap(), None);

    let names: Vec<String> = a
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["alice", "bob"]);

    assert!(a.set_role("bob", Role::Editor).await.unwrap());
    assert_eq!(
        a.get_user("bob").await.unwrap().unwrap().user.role,
        Role::Editor
    );
    assert!(!a.set_role("nobody", Role::Editor).await.unwrap());

    // sessions: live, expired, ended by a new password, by disabling, by deletion
    a.create_session(&session("t1", bob.id, 2_000))
        .await
        .unwrap();
    a.create_session(&session("t2", bob.id, 5_000))
        .await
        .unwrap();
    a.create_session(&session("t3", alice.id, 5_000))
        .await
        .unwrap();
    let s = a.get_session("t1", 1_500).await.unwrap().unwrap();
    assert_eq!(s.user.username, "bob");
    assert_eq!(s.csrf_secret, "csrf-t1");
    assert_eq!((s.created_at, s.expires_at), (1_000, 2_000));
    assert_eq!(a.get_session("t1", 2_000).await.unwrap(), None, "expired");
    assert_eq!(a.get_session("nope", 1_500).await.unwrap(), None);
    assert_eq!(a.purge_expired_sessions(2_500).await.unwrap(), 1);

    assert!(a.set_password("bob", "$argon2id$new").await.unwrap());
    assert_eq!(a.get_session("t2", 1_500).await.unwrap(), None);
    assert_eq!(
        a.get_user("bob").await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(!a.set_password("nobody", "x").await.unwrap());
    // alice's session is untouched by bob's new password
    assert!(a.get_session("t3", 1_500).await.unwrap().is_some());

    a.create_session(&session("t4", bob.id, 5_000))
        .await
        .unwrap();
    assert!(a.set_disabled("bob", true).await.unwrap());
    assert!(a.get_user("bob").await.unwrap().unwrap().user.disabled);
    assert_eq!(a.get_session("t4", 1_500).await.unwrap(), None);
    assert!(a.set_disabled("bob", false).await.unwrap());

    a.delete_session("t3").await.unwrap();
    assert_eq!(a.get_session("t3", 1_500).await.unwrap(), None);
}

async fn audit(store: &dyn Store) {
    let a = store.accounts();
    let id = a
        .append_audit(&NewAudit {
            username: "alice".into(),
            action: "user.create".into(),
            target_kind: "user".into(),
            target_id: "bob".into(),
            summary: json!({"role": "viewer"}),
        })
        .await
        .unwrap();
    assert!(id > 0);

    let entry = |title: &str| NewAudit {
        username: "alice".into(),
        action: "document.update".into(),
        target_kind: "document".into(),
        target_id: "edited_doc".into(),
        summary: json!({"changes": {"title.en": [null, title]}}),
    };
    let w = a
        .put_document_audited(&document("First"), &entry("First"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((w.outcome, w.version), (WriteOutcome::Created, 1));
    let w = a
        .put_document_audited(&document("Second"), &entry("Second"), Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((w.outcome, w.version), (WriteOutcome::Updated, 2));
    // no change: no version, no audit row
    let w = a
        .put_document_audited(&document("Second"), &entry("Second"), Some(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(w.outcome, WriteOutcome::Unchanged);
    assert_eq!(store.history("edited_doc").await.unwrap().len(), 2);

    let log = a.list_audit(10, 0).await.unwrap();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(
        log[0].summary["version"], 2,
        "newest first, with the version"
    );
    assert_eq!(log[0].summary["changes"]["title.en"][1], "Second");
    assert_eq!(log[1].summary["version"], 1);
    assert_eq!(log[2].action, "user.create");
    assert_eq!(log[2].id, id);
    assert!(log[0].at.starts_with("20"), "{}", log[0].at);
    assert_eq!(a.list_audit(1, 1).await.unwrap()[0].summary["version"], 1);

    // every version written through the editor path has exactly one audit row
    let before = a.list_audit(100, 0).await.unwrap().len();
    // a form made from version 1 cannot overwrite version 2: nothing written, no audit row
    assert_eq!(
        a.put_document_audited(&document("Stale"), &entry("Stale"), Some(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(a.list_audit(100, 0).await.unwrap().len(), before);
    assert_eq!(store.history("edited_doc").await.unwrap().len(), 2);
    a.put_document_audited(&document("Third"), &entry("Third"), Some(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.list_audit(100, 0).await.unwrap().len(), before + 1);
    assert_eq!(
        store
            .get_document("edited_doc")
            .await
            .unwrap()
            .unwrap()
            .title
            .en
            .as_deref(),
        Some("Third")
    );
}

/// Regression: concurrent editor writes failed at once with SQLite's "database is locked"
/// (a deferred transaction that reads, then writes, cannot wait for the lock), seen as HTTP 500s
/// in the server's kill -9 test. Every write must succeed, on every backend.
async fn concurrent_audited_writes_do_not_fail_with_database_locked(store: &SqlStore) {
    let tasks: Vec<_> = (0..6)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..8 {
                    let mut new = document(&format!("w{t}-{n}"));
                    new.document.id = format!("concurrent_{t}_{n}").parse().unwrap();
                    let audit = NewAudit {
                        username: "alice".into(),
                        action: "create".into(),
                        target_kind: "document".into(),
                        target_id: new.document.id.to_string(),
                        summary: json!({}),
                    };
                    let written = store
                        .accounts()
                        .put_document_audited(&new, &audit, None)
                        .await
                        .unwrap_or_else(|e| panic!("writer {t}, write {n}: {e}"));
                    assert!(written.is_some());
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    for t in 0..6 {
        for n in 0..8 {
            let id = format!("concurrent_{t}_{n}");
            assert!(store.get_document(&id).await.unwrap().is_some(), "{id}");
        }
    }
}

async fn run_all(store: &SqlStore) {
    users(store).await;
    audit(store).await;
    concurrent_audited_writes_do_not_fail_with_database_locked(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/accounts.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    run_all(&store).await;
    store.close().await;
    let store = SqlStore::connect(&url).await.unwrap();
    assert_eq!(store.list_users().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_accounts() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let store = SqlStore::connect(pg.url()).await.unwrap();
    run_all(&store).await;
    store.close().await;
}
