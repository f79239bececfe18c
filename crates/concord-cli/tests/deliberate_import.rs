//! `concord deliberate import`, `list` and `analyze --id` through the real binary, on a copied
//! Polis open-data conversation (bg2050-volunteers, CC BY 4.0, attribution in
//! crates/concord-deliberation/tests/data/polis/README.md), stored in a SQLite database.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../concord-deliberation/tests/data/polis/bg2050-volunteers")
}

fn concord(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("CONCORD_DATABASE_URL")
        .env_remove("CONCORD_CONFIG")
        .output()
        .expect("the concord binary runs")
}

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
