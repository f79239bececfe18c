//! `concord deliberate import`, `list` and `analyze --id` through the real binary, on a copied
//! Polis open-data conversation (bg2050-volunteers, CC BY 4.0, attribution in
//! crates/concord-deliberation/tests/data/polis/README.md), stored in a SQLite database.

mod common;

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use common::{bg2050 as source, concord};

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn copy_conversation(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in [
        "comments.csv",
        "votes.csv",
        "participants-votes.csv",
        "summary.csv",
    ] {
        std::fs::copy(source().join(f), to.join(f)).unwrap();
    }
}

fn list(data: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&ok(concord(
        data,
        &["deliberate", "list", "--format", "json"],
    )))
    .unwrap();
    v.as_array().unwrap().clone()
}

#[test]
fn import_list_and_analyze_a_stored_conversation() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let conv = tmp.path().join("BG 2050");
    copy_conversation(&conv);
    let dir = conv.to_str().unwrap();

    let out = ok(concord(&data, &["deliberate", "import", dir]));
    // the default id is the folder name made a slug
    assert!(out.starts_with("imported conversation bg-2050:"), "{out}");
    let all = list(&data);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"], "bg-2050");
    assert_eq!(all[0]["status"], "open");
    let votes = all[0]["votes"].as_u64().unwrap();
    assert!(votes >= 14283, "{votes}");
    assert!(all[0]["statements"].as_u64().unwrap() >= 371);

    // the stored conversation analyses like the folder it came from
    let from_dir: Value = serde_json::from_str(&ok(concord(
        &data,
        &["deliberate", "analyze", dir, "--format", "json"],
    )))
    .unwrap();
    let stored: Value = serde_json::from_str(&ok(concord(
        &data,
        &[
            "deliberate",
            "analyze",
            "--id",
            "bg-2050",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    for key in [
        "groups",
        "consensus",
        "group_aware_consensus",
        "representative",
        "inclusive_consensus",
    ] {
        assert_eq!(stored[key], from_dir[key], "{key}");
    }
    assert_eq!(stored["conversation"]["votes"], 14283);

    // re-import with the same id replaces: same counts, new title
    let out = ok(concord(
        &data,
        &[
            "deliberate",
            "import",
            dir,
            "--id",
            "bg-2050",
            "--title",
            "Volunteers <2050>",
            "--title-zh",
            "志愿者",
        ],
    ));
    assert!(out.starts_with("replaced conversation bg-2050:"), "{out}");
    let all = list(&data);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["votes"].as_u64().unwrap(), votes);
    assert_eq!(all[0]["title_en"], "Volunteers <2050>");
    assert_eq!(all[0]["title_zh"], "志愿者");

    let text = ok(concord(&data, &["deliberate", "list"]));
    assert!(text.contains("bg-2050\topen\t"), "{text}");

    // unknown ids and bad ids are errors, not panics
    let out = concord(&data, &["deliberate", "analyze", "--id", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stored conversation"));
    let out = concord(&data, &["deliberate", "import", dir, "--id", "Not A Slug"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid conversation id"));
}

#[test]
fn a_bad_row_names_its_line_and_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let conv = tmp.path().join("bad");
    copy_conversation(&conv);
    let votes = std::fs::read_to_string(conv.join("votes.csv")).unwrap();
    let mut lines: Vec<String> = votes.lines().map(str::to_string).collect();
    lines[2] = "1726864090803,x,0,1,7".to_string();
    std::fs::write(conv.join("votes.csv"), lines.join("\n")).unwrap();
    let out = concord(&data, &["deliberate", "import", conv.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("votes.csv:3:"), "{err}");
    assert!(list(&data).is_empty());
}

/// The pages and the API on a conversation imported by the binary, with a hostile statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_api_of_an_imported_conversation() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let conv = tmp.path().join("hostile");
    copy_conversation(&conv);
    // A statement whose text is markup: it must reach the page escaped.
    let comments = std::fs::read_to_string(conv.join("comments.csv")).unwrap();
    let hostile = "<script>alert(1)</script> & \"quoted\"";
    let comments = comments.replacen(
        "I hope it can retain its southern hospitality",
        &format!("\"{}\"", hostile.replace('"', "\"\"")),
        1,
    );
    std::fs::write(conv.join("comments.csv"), comments).unwrap();
    ok(concord(
        &data,
        &[
            "deliberate",
            "import",
            conv.to_str().unwrap(),
            "--id",
            "hostile",
            "--title-zh",
            "测试对话",
        ],
    ));

    let config = concord::Config {
        data_dir: data.clone(),
        ..concord::Config::default()
    };
    let s = common::Server::start(config).await;
    for lang in ["en", "zh"] {
        let r = reqwest::get(s.url(&format!("/deliberations?lang={lang}")))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        assert!(body.contains("/deliberations/hostile"), "{body}");

        let r = reqwest::get(s.url(&format!("/deliberations/hostile?lang={lang}")))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        assert!(body.contains(&format!("<html lang=\"{lang}\"")));
        assert!(body.contains("role=\"img\"") && body.contains("<circle"));
        assert!(!body.contains("<script>alert(1)</script>"));
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "not shown escaped"
        );
        assert!(!body.contains("delib."), "an untranslated key");
        if lang == "zh" {
            assert!(body.contains("测试对话") && body.contains("意见群组"));
        } else {
            assert!(body.contains("Opinion groups") && body.contains("Inclusive consensus"));
        }
    }

    let r = reqwest::get(s.url("/deliberations/nope")).await.unwrap();
    assert_eq!(r.status(), 404);
    let (status, v) = s.get("/api/v1/deliberations/nope").await;
    assert_eq!(status, 404);
    assert_eq!(v["status"], 404);
    assert_eq!(v["code"], "not_found");

    let (status, v) = s.get("/api/v1/deliberations/hostile").await;
    assert_eq!(status, 200);
    assert_eq!(v["conversation"]["id"], "hostile");
    assert_eq!(v["analysis"]["groups"].as_array().unwrap().len(), 2);
    assert!(v["anonymous_participants"].as_u64().unwrap() > 0);
    s.stop().await;
}
