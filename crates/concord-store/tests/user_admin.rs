//! Conformance of administrators' account changes (`user_admin`): each change commits with its
//! audit record, and no change may leave the installation without an active administrator. Run
//! against every backend like `conformance.rs`: SQLite always, PostgreSQL when available.

use concord_store::{NewAudit, NewSession, Role, SqlStore, Store, UserChange, UserChangeOutcome};
use concord_testkit::TempPostgres;
use serde_json::json;

fn audit(action: &str, target: &str) -> NewAudit {
    NewAudit {
        username: "root".into(),
        action: action.into(),
        target_kind: "user".into(),
        target_id: target.into(),
        summary: json!({ "via": "test" }),
    }
}

async fn done(
    store: &dyn Store,
    name: &str,
    change: UserChange,
    action: &str,
) -> concord_store::User {
    match store
        .user_admin()
        .change_user_audited(name, &change, &audit(action, name))
        .await
        .unwrap()
    {
        UserChangeOutcome::Done(u) => u,
        other => panic!("{action} {name}: {other:?}"),
    }
}

async fn suite(store: &dyn Store) {
    let admin = store.user_admin();
    let accounts = store.accounts();
    let root = done(
        store,
        "root",
        UserChange::Create {
            role: Role::Admin,
            password_hash: "$argon2id$root".into(),
        },
        "user.create",
    )
    .await;
    assert_eq!((root.role, root.disabled), (Role::Admin, false));
    // a taken name writes nothing, not even an audit row
    let before = accounts.list_audit(100, 0).await.unwrap().len();
    let again = admin
        .change_user_audited(
            "root",
            &UserChange::Create {
                role: Role::Viewer,
                password_hash: "x".into(),
            },
            &audit("user.create", "root"),
        )
        .await
        .unwrap();
    assert_eq!(again, UserChangeOutcome::Exists);
    assert_eq!(accounts.list_audit(100, 0).await.unwrap().len(), before);
    assert_eq!(
        accounts
            .get_user("root")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$root"
    );

    // the only administrator can be neither demoted nor disabled
    for change in [UserChange::Role(Role::Editor), UserChange::Disabled(true)] {
        let r = admin
            .change_user_audited("root", &change, &audit("user.x", "root"))
            .await
            .unwrap();
        assert_eq!(r, UserChangeOutcome::LastAdmin, "{change:?}");
    }
    let root_now = accounts.get_user("root").await.unwrap().unwrap().user;
    assert_eq!((root_now.role, root_now.disabled), (Role::Admin, false));
    assert_eq!(accounts.list_audit(100, 0).await.unwrap().len(), before);

    // with a second administrator, the first can step down
    let ed = done(
        store,
        "ed",
        UserChange::Create {
            role: Role::Editor,
            password_hash: "$argon2id$ed".into(),
        },
        "user.create",
    )
    .await;
    done(store, "ed", UserChange::Role(Role::Admin), "user.role").await;
    let root_now = done(store, "root", UserChange::Role(Role::Viewer), "user.role").await;
    assert_eq!(root_now.role, Role::Viewer);
    // ... but a disabled administrator does not count
    done(store, "root", UserChange::Role(Role::Admin), "user.role").await;
    done(store, "root", UserChange::Disabled(true), "user.disable").await;
    assert_eq!(
        admin
            .change_user_audited(
                "ed",
                &UserChange::Disabled(true),
                &audit("user.disable", "ed")
            )
            .await
            .unwrap(),
        UserChangeOutcome::LastAdmin
    );
    done(store, "root", UserChange::Disabled(false), "user.enable").await;

    // disabling and a new password end the account's sessions; a role change does not
    let session = |hash: &str| NewSession {
        token_hash: hash.into(),
        user_id: ed.id,
        created_at: 1,
        expires_at: i64::MAX / 2,
        csrf_secret: "c".into(),
    };
    accounts.create_session(&session("s1")).await.unwrap();
    done(store, "ed", UserChange::Role(Role::Editor), "user.role").await;
    let live = accounts.get_session("s1", 2).await.unwrap().unwrap();
    assert_eq!(live.user.role, Role::Editor, "the role applies at once");
    done(
        store,
        "ed",
        UserChange::Password("$argon2id$new".into()),
        "user.password",
    )
    .await;
    assert!(accounts.get_session("s1", 2).await.unwrap().is_none());
    assert_eq!(
        accounts
            .get_user("ed")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$new"
    );
    // a user's own change: only over the hash it was checked against
    accounts.create_session(&session("s3")).await.unwrap();
    let stale = admin
        .change_user_audited(
            "ed",
            &UserChange::ReplacePassword {
                old_hash: "$argon2id$old".into(),
                new_hash: "$argon2id$mine".into(),
            },
            &audit("user.password", "ed"),
        )
        .await
        .unwrap();
    assert_eq!(stale, UserChangeOutcome::Stale);
    assert!(accounts.get_session("s3", 2).await.unwrap().is_some());
    done(
        store,
        "ed",
        UserChange::ReplacePassword {
            old_hash: "$argon2id$new".into(),
            new_hash: "$argon2id$mine".into(),
        },
        "user.password",
    )
    .await;
    assert!(accounts.get_session("s3", 2).await.unwrap().is_none());
    assert_eq!(
        accounts
            .get_user("ed")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$mine"
    );
    accounts.create_session(&session("s2")).await.unwrap();
    done(store, "ed", UserChange::Disabled(true), "user.disable").await;
    assert!(accounts.get_session("s2", 2).await.unwrap().is_none());

    // unknown accounts
    for change in [
        UserChange::Role(Role::Viewer),
        UserChange::Disabled(true),
        UserChange::Password("h".into()),
    ] {
        assert_eq!(
            admin
                .change_user_audited(
                    "nobody'; DROP TABLE users; --",
                    &change,
                    &audit("user.x", "nobody")
                )
                .await
                .unwrap(),
            UserChangeOutcome::NoSuchUser
        );
    }

    // every change that happened is in the trail, newest first, and nothing else
    let trail = accounts.list_audit(100, 0).await.unwrap();
    let actions: Vec<(&str, &str)> = trail
        .iter()
        .map(|e| (e.action.as_str(), e.target_id.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("user.disable", "ed"),
            ("user.password", "ed"),
            ("user.password", "ed"),
            ("user.role", "ed"),
            ("user.enable", "root"),
            ("user.disable", "root"),
            ("user.role", "root"),
            ("user.role", "root"),
            ("user.role", "ed"),
            ("user.create", "ed"),
            ("user.create", "root"),
        ]
    );
    assert!(
        trail
            .iter()
            .all(|e| e.username == "root" && e.summary["via"] == "test")
    );
}

#[tokio::test]
async fn sqlite_user_admin() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/users.db", dir.path().display());
    let store = SqlStore::connect(&url).await.unwrap();
    suite(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_user_admin() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let store = SqlStore::connect(pg.url()).await.unwrap();
    suite(&store).await;
    store.close().await;
}
