//! `concord deliberate analyze` on a copied Polis open-data conversation (bg2050-volunteers,
//! CC BY 4.0, attribution in crates/concord-deliberation/tests/data/polis/README.md), through
//! the real binary.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use common::{bg2050 as source, concord};

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

/// The exported `group-id` column, read independently of the engine.
fn exported_groups(dir: &Path) -> BTreeMap<String, String> {
    let mut r = csv::Reader::from_path(dir.join("participants-votes.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let (p, g) = (
        h.iter().position(|x| x == "participant").unwrap(),
        h.iter().position(|x| x == "group-id").unwrap(),
    );
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| !x[g].is_empty())
        .map(|x| (x[p].to_string(), x[g].to_string()))
        .collect()
}

fn run_json(data: &Path, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "deliberate",
        "analyze",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = concord(data, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn analyze_a_polis_export_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let conv = tmp.path().join("bg2050");
    copy_conversation(&conv);
    let math = tmp.path().join("math.json");
    let v = run_json(&data, &conv, &["--math", math.to_str().unwrap()]);

    // Groups: participant id → group id; two groups that match the export up to renaming.
    let groups = v["groups"].as_object().unwrap();
    let exported = exported_groups(&conv);
    assert!(groups.len() >= 100, "{}", groups.len());
    let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (pid, g) in groups {
        if let Some(e) = exported.get(pid) {
            *pairs.entry((g.to_string(), e.clone())).or_default() += 1;
        }
    }
    assert_eq!(pairs.len(), 2, "ours vs exported group pairs: {pairs:?}");
    assert!(v["adjusted_rand_index_vs_export"].as_f64().unwrap() > 0.99);
    assert_eq!(v["conversation"]["votes_source"], "votes-csv");
    assert_eq!(v["conversation"]["votes"], 14283);
    assert!(!v["consensus"]["agree"].as_array().unwrap().is_empty());
    assert_eq!(v["group_aware_consensus"].as_object().unwrap().len(), 371);
    assert_eq!(v["representative"].as_object().unwrap().len(), 2);
    assert!(v["inclusive_consensus"].as_array().is_some());
    // The math object follows Polis's keys.
    let m: Value = serde_json::from_slice(&std::fs::read(&math).unwrap()).unwrap();
    for key in [
        "pca",
        "group-clusters",
        "base-clusters",
        "repness",
        "consensus",
        "group-aware-consensus",
        "comment-priorities",
        "in-conv",
        "tids",
    ] {
        assert!(m.get(key).is_some(), "math JSON lacks {key}");
    }

    // Without votes.csv the latest votes come from participants-votes.csv: same result.
    std::fs::remove_file(conv.join("votes.csv")).unwrap();
    let w = run_json(&data, &conv, &[]);
    assert_eq!(w["conversation"]["votes_source"], "participants-votes-csv");
    assert_eq!(w["conversation"]["votes"], 14283);
    assert_eq!(w["group_aware_consensus"], v["group_aware_consensus"]);

    // Text output names the groups.
    let out = concord(&data, &["deliberate", "analyze", conv.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("group 0") && text.contains("consensus (agree)"),
        "{text}"
    );
}

#[test]
fn bad_rows_fail_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let conv = tmp.path().join("bad");
    copy_conversation(&conv);
    let votes = std::fs::read_to_string(conv.join("votes.csv")).unwrap();
    let mut lines: Vec<String> = votes.lines().map(str::to_string).collect();
    lines[2] = "1726864090803,x,0,1,7".to_string();
    lines[4] = "1726864090803,x,99999,1,1".to_string();
    std::fs::write(conv.join("votes.csv"), lines.join("\n") + "\n").unwrap();
    let out = concord(
        &tmp.path().join("data"),
        &["deliberate", "analyze", conv.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("votes.csv:3: `vote` must be 1, -1 or 0"),
        "{err}"
    );
    assert!(
        err.contains("votes.csv:5: unknown comment-id 99999"),
        "{err}"
    );

    let out = concord(
        &tmp.path().join("data"),
        &[
            "deliberate",
            "analyze",
            tmp.path().join("missing").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no comments.csv"));
}
