//! Bad CSV rows are reported with file and line; degenerate conversations give defined results.

use std::collections::BTreeSet;

use concord_deliberation::polis_csv::{
    ImportError, parse_comments, parse_participants_votes, parse_votes,
};
use concord_deliberation::{
    Conversation, Moderation, Params, Statement, Vote, analyze, math_json, read_export_dir,
};

fn known(t: &[u32]) -> BTreeSet<u32> {
    t.iter().copied().collect()
}

fn row_errors(e: ImportError) -> Vec<(String, u64, String)> {
    match e {
        ImportError::Rows(rows) => rows
            .into_iter()
            .map(|r| (r.file, r.line, r.message))
            .collect(),
        other => panic!("expected row errors, got {other}"),
    }
}

#[test]
fn votes_with_unknown_ids_bad_values_and_wrong_widths_are_reported_by_line() {
    let csv = "timestamp,datetime,comment-id,voter-id,vote\n\
               1,x,0,0,1\n\
               2,x,9,0,1\n\
               3,x,1,0,2\n\
               4,x,1,0\n\
               five,x,1,1,-1\n\
               6,x,1,1,-1\n";
    let errs = row_errors(parse_votes(csv.as_bytes(), "votes.csv", &known(&[0, 1])).unwrap_err());
    let lines: Vec<u64> = errs.iter().map(|e| e.1).collect();
    assert_eq!(lines, vec![3, 4, 5, 6], "{errs:?}");
    assert!(errs.iter().all(|e| e.0 == "votes.csv"));
    assert!(errs[0].2.contains("unknown comment-id 9"), "{}", errs[0].2);
    assert!(errs[1].2.contains("`vote` must be"), "{}", errs[1].2);
    assert!(
        errs[2].2.contains("4 columns, the header has 5"),
        "{}",
        errs[2].2
    );
    assert!(errs[3].2.contains("timestamp"), "{}", errs[3].2);
    // The message names file and line.
    let shown = parse_votes(csv.as_bytes(), "votes.csv", &known(&[0, 1]))
        .unwrap_err()
        .to_string();
    assert!(
        shown.contains("votes.csv:3: unknown comment-id 9"),
        "{shown}"
    );
}

#[test]
fn comments_and_participants_votes_errors_name_their_lines() {
    let comments = "comment-id,moderated,comment-body\n0,1,fine\n0,1,again\n1,7,bad moderation\n";
    let errs = row_errors(parse_comments(comments.as_bytes(), "comments.csv").unwrap_err());
    assert_eq!(errs.iter().map(|e| e.1).collect::<Vec<_>>(), vec![3, 4]);
    assert!(errs[0].2.contains("appears twice"));

    let pv = "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1\n\
              0,0,0,2,1,1,1,-1\n\
              1,,0,1,0,0,x,\n";
    let errs = row_errors(
        parse_participants_votes(pv.as_bytes(), "participants-votes.csv", &known(&[0, 1]))
            .unwrap_err(),
    );
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].1, 3);
    assert!(errs[0].2.contains("comment 0"), "{}", errs[0].2);

    let missing = "comment-id,comment-body\n0,x\n";
    let e = parse_comments(missing.as_bytes(), "comments.csv").unwrap_err();
    assert!(e.to_string().contains("missing column `moderated`"), "{e}");
}

#[test]
fn a_folder_without_comments_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let e = read_export_dir(dir.path()).unwrap_err();
    assert!(e.to_string().contains("no comments.csv"), "{e}");
    std::fs::write(
        dir.path().join("comments.csv"),
        "comment-id,moderated,comment-body\n0,1,x\n",
    )
    .unwrap();
    let e = read_export_dir(dir.path()).unwrap_err();
    assert!(
        e.to_string()
            .contains("votes.csv or participants-votes.csv"),
        "{e}"
    );
}

fn statement(tid: u32) -> Statement {
    Statement {
        tid,
        text: format!("s{tid}"),
        lang: None,
        moderation: Moderation::Accepted,
        author: None,
        created_ms: None,
        is_seed: false,
    }
}

fn conv(statements: u32, votes: &[(u32, u32, Vote)]) -> Conversation {
    let mut c = Conversation::default();
    for t in 0..statements {
        c.statements.insert(t, statement(t));
    }
    for (i, &(p, t, v)) in votes.iter().enumerate() {
        c.vote(p, t, v, i as i64);
    }
    c
}

fn check_defined(c: &Conversation) -> concord_deliberation::Analysis {
    let a = analyze(c, &Params::default());
    let all_finite = a.pca.center.iter().all(|x| x.is_finite())
        && a.pca.comps.iter().flatten().all(|x| x.is_finite())
        && a.participant_projection
            .iter()
            .flatten()
            .all(|x| x.is_finite())
        && a.priorities.iter().all(|x| x.is_finite())
        && a.group_aware_consensus.iter().all(|x| x.is_finite());
    assert!(all_finite, "{a:?}");
    // The math object serialises (no NaN anywhere).
    serde_json::to_string(&math_json::math_object(&a)).unwrap();
    a
}

#[test]
fn empty_conversation() {
    let a = check_defined(&Conversation::default());
    assert!(a.groups.is_empty() && a.pids.is_empty() && a.tids.is_empty());
    assert!(a.consensus.agree.is_empty());
}

#[test]
fn one_participant() {
    let a = check_defined(&conv(3, &[(0, 0, Vote::Agree), (0, 1, Vote::Disagree)]));
    assert_eq!(a.in_conv, vec![0]);
    assert_eq!(a.groups.len(), 1);
    assert!(a.pca.comps[0].iter().all(|x| *x == 0.0));
}

#[test]
fn all_pass_votes() {
    let votes: Vec<_> = (0..20)
        .flat_map(|p| (0..5).map(move |t| (p, t, Vote::Pass)))
        .collect();
    let a = check_defined(&conv(5, &votes));
    assert_eq!(a.pca.eigenvalues, [0.0, 0.0]);
    assert!(a.consensus.agree.is_empty() && a.consensus.disagree.is_empty());
    assert!(a.inclusive.consensus.is_empty());
}

#[test]
fn single_statement() {
    let votes: Vec<_> = (0..30)
        .map(|p| {
            (
                p,
                0,
                if p % 3 == 0 {
                    Vote::Disagree
                } else {
                    Vote::Agree
                },
            )
        })
        .collect();
    let a = check_defined(&conv(1, &votes));
    assert_eq!(a.tids, vec![0]);
    assert_eq!(a.in_conv.len(), 30);
    assert!(!a.groups.is_empty());
}

#[test]
fn rejected_only() {
    let mut c = conv(
        2,
        &[
            (0, 0, Vote::Agree),
            (1, 1, Vote::Agree),
            (1, 0, Vote::Disagree),
        ],
    );
    for s in c.statements.values_mut() {
        s.moderation = Moderation::Rejected;
    }
    let a = check_defined(&c);
    assert!(a.repness.iter().all(|r| r.is_empty()));
}
