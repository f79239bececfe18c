//! The library API the pages use: routing, explanations, inclusive consensus with categories,
//! math JSON, on real data (bg2050-volunteers, CC BY 4.0, see tests/data/polis/README.md).

use std::collections::BTreeSet;
use std::path::Path;

use concord_deliberation::inclusive::{BlockReason, SegmentKind};
use concord_deliberation::{
    Moderation, NextParams, Params, analyze, explain_groups, explain_participant, math_json,
    next_statement, read_export_dir,
};

fn bg2050() -> concord_deliberation::PolisExport {
    read_export_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/polis/bg2050-volunteers"),
    )
    .unwrap()
}

#[test]
fn next_statement_is_seeded_unvoted_and_respects_moderation() {
    let e = bg2050();
    let c = &e.conversation;
    let a = analyze(c, &Params::default());
    let pid = a.pids[3];
    let voted: BTreeSet<u32> = c
        .latest_votes()
        .iter()
        .filter(|v| v.pid == pid)
        .map(|v| v.tid)
        .collect();
    let mut seen = BTreeSet::new();
    for seed in 0..200 {
        let opts = NextParams {
            strict_moderation: true,
            seed,
        };
        let t = next_statement(c, &a, pid, opts).expect("statements left");
        assert_eq!(
            Some(t),
            next_statement(c, &a, pid, opts),
            "same seed, same pick"
        );
        assert!(!voted.contains(&t), "already voted on {t}");
        let m = c.statements[&t].moderation;
        assert!(
            matches!(m, Moderation::Accepted | Moderation::Meta),
            "{m:?}"
        );
        seen.insert(t);
    }
    assert!(
        seen.len() > 10,
        "the draw spreads over statements: {}",
        seen.len()
    );
    // Someone who voted on every statement gets nothing.
    let mut full = c.clone();
    for (i, t) in c.statements.keys().enumerate() {
        full.vote(999_999, *t, concord_deliberation::Vote::Agree, i as i64);
    }
    let b = analyze(&full, &Params::default());
    assert_eq!(
        next_statement(&full, &b, 999_999, NextParams::default()),
        None
    );
}

#[test]
fn explanations_name_defining_statements_and_positions() {
    let e = bg2050();
    let a = analyze(&e.conversation, &Params::default());
    let groups = explain_groups(&e.conversation, &a);
    assert_eq!(groups.len(), a.groups.len());
    for g in &groups {
        assert!(!g.defining.is_empty());
        for d in &g.defining {
            assert!(!d.text.is_empty());
            assert!((0.0..=1.0).contains(&d.group_share));
        }
    }
    let pid = a.in_conv[0];
    let p = explain_participant(&a, pid);
    assert_eq!(p.group, a.group_of.get(&pid).copied());
    assert!(p.distance_own.is_some() && p.summary.starts_with("group"));
    // A participant with a single vote is explained as not clustered.
    let lonely = a
        .pids
        .iter()
        .enumerate()
        .find(|(i, _)| a.matrix.row_count(*i) == 1)
        .map(|(_, p)| *p);
    if let Some(pid) = lonely {
        let p = explain_participant(&a, pid);
        assert!(
            p.group.is_none() && p.summary.contains("not clustered"),
            "{}",
            p.summary
        );
    }
}

#[test]
fn declared_categories_are_segments_with_equal_weight() {
    let mut e = bg2050();
    // Declare two categories: a tiny one (5 people) and everyone else.
    let pids: Vec<u32> = e.conversation.participants.keys().copied().collect();
    for (i, pid) in pids.iter().enumerate() {
        let cat = if i < 5 { "small" } else { "large" };
        e.conversation.participants.get_mut(pid).unwrap().category = Some(cat.into());
    }
    let a = analyze(&e.conversation, &Params::default());
    let kinds: Vec<SegmentKind> = a.inclusive.segments.iter().map(|s| s.0).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == SegmentKind::Category)
            .count(),
        2
    );
    for s in a.inclusive.consensus.iter() {
        assert!(s.segments.iter().all(|x| x.supports));
        assert_eq!(s.segments.len(), a.groups.len() + 2);
    }
    // The small category blocks statements it barely voted on.
    let blocked_by_small = a
        .inclusive
        .near
        .iter()
        .flat_map(|s| &s.blockers)
        .any(|b| b.id == "small" && b.reason == BlockReason::TooFewVotes);
    let without = analyze(&bg2050().conversation, &Params::default());
    assert!(
        blocked_by_small || a.inclusive.consensus.len() <= without.inclusive.consensus.len(),
        "adding segments can only remove inclusive consensus"
    );
    assert!(a.inclusive.consensus.len() <= without.inclusive.consensus.len());
    // Bridging score is the geometric mean: never above the best segment, never below the worst.
    for s in &a.inclusive.consensus {
        let max = s.segments.iter().map(|x| x.p_agree).fold(0.0, f64::max);
        assert!(s.bridging_score <= max + 1e-12 && s.bridging_score >= s.min_p_agree - 1e-12);
    }
}

#[test]
fn math_json_round_trips_through_serde_and_uses_polis_keys() {
    let e = bg2050();
    let a = analyze(&e.conversation, &Params::default());
    let m = math_json::math_object(&a);
    let text = serde_json::to_string(&m).unwrap();
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["n"], a.pids.len());
    assert_eq!(back["n-cmts"], a.tids.len());
    assert_eq!(
        back["group-clusters"].as_array().unwrap().len(),
        a.groups.len()
    );
    // Polis sign: the centre is negated (agree = −1 inside Polis's math).
    let c0 = back["pca"]["center"][0].as_f64().unwrap();
    assert_eq!(c0, -a.pca.center[0]);
}
