//! Property tests: math invariants of the pipeline and the CSV parser.

use std::collections::BTreeSet;

use concord_deliberation::polis_csv::{parse_comments, parse_participants_votes, parse_votes};
use concord_deliberation::{
    Conversation, Moderation, Params, Statement, Vote, analyze, polis_csv, read_export_dir,
};
use proptest::prelude::*;

fn vote_of(v: u8) -> Vote {
    match v % 3 {
        0 => Vote::Agree,
        1 => Vote::Disagree,
        _ => Vote::Pass,
    }
}

fn moderation_of(m: u8) -> Moderation {
    match m % 6 {
        0 => Moderation::Rejected,
        1 => Moderation::Meta,
        2 => Moderation::Unmoderated,
        _ => Moderation::Accepted,
    }
}

prop_compose! {
    fn conversation()(
        n_statements in 1u32..12,
        mods in prop::collection::vec(any::<u8>(), 12),
        texts in prop::collection::vec("[a-z ,\"\n中文]{0,12}", 12),
        votes in prop::collection::vec((0u32..40, 0u32..12, any::<u8>()), 0..300),
    ) -> Conversation {
        let mut c = Conversation::default();
        for t in 0..n_statements {
            c.statements.insert(t, Statement {
                tid: t,
                text: texts[t as usize].clone(),
                lang: None,
                moderation: moderation_of(mods[t as usize]),
                author: Some(t % 3),
                created_ms: Some(i64::from(t) * 1000),
                is_seed: t % 2 == 0,
            });
        }
        for (i, (p, t, v)) in votes.into_iter().enumerate() {
            c.vote(p, t % n_statements, vote_of(v), i as i64);
        }
        c
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pipeline_invariants(c in conversation()) {
        let a = analyze(&c, &Params::default());
        // Same input, same output.
        prop_assert_eq!(&a, &analyze(&c, &Params::default()));
        // Components: unit length (or absent), orthogonal, fixed sign.
        for comp in &a.pca.comps {
            let n: f64 = comp.iter().map(|x| x * x).sum();
            prop_assert!(n == 0.0 || (n - 1.0).abs() < 1e-9, "norm {}", n);
            if n > 0.0 {
                let big = comp.iter().fold(0.0f64, |m, x| if x.abs() > m.abs() { *x } else { m });
                prop_assert!(big > 0.0);
            }
        }
        let dot: f64 = a.pca.comps[0].iter().zip(&a.pca.comps[1]).map(|(x, y)| x * y).sum();
        prop_assert!(dot.abs() < 1e-9, "dot {}", dot);
        prop_assert!(a.pca.eigenvalues[0] >= a.pca.eigenvalues[1] - 1e-9);
        // Probabilities and priorities.
        for g in &a.group_aware_consensus {
            prop_assert!(*g > 0.0 && *g <= 1.0);
        }
        for p in &a.priorities {
            prop_assert!(p.is_finite() && *p >= 0.0);
        }
        // Every clustered participant is in exactly one group; groups partition in-conv.
        let grouped: BTreeSet<u32> = a.group_of.keys().copied().collect();
        let in_conv: BTreeSet<u32> = a.in_conv.iter().copied().collect();
        prop_assert_eq!(grouped, in_conv);
        let total: usize = a.groups.iter().map(|g| g.members.len()).sum();
        prop_assert_eq!(total, a.group_of.len());
        // Inclusive consensus never exceeds its own definition.
        for s in &a.inclusive.consensus {
            prop_assert!(s.blockers.is_empty() && s.min_p_agree >= 0.6);
        }
    }

    #[test]
    fn history_order_does_not_matter(c in conversation(), seed in any::<u64>()) {
        let mut shuffled = c.clone();
        // Deterministic Fisher–Yates from the seed; timestamps stay attached to the events.
        let mut s = seed;
        for i in (1..shuffled.votes.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (s >> 33) as usize % (i + 1);
            shuffled.votes.swap(i, j);
        }
        prop_assert_eq!(analyze(&c, &Params::default()), analyze(&shuffled, &Params::default()));
    }

    #[test]
    fn export_then_import_round_trips(c in conversation()) {
        let a = analyze(&c, &Params::default());
        let dir = tempfile::tempdir().unwrap();
        polis_csv::write_export_dir(dir.path(), &c, &a).unwrap();
        let back = read_export_dir(dir.path()).unwrap();
        prop_assert_eq!(&back.conversation.statements, &c.statements);
        prop_assert_eq!(back.conversation.latest_votes(), c.latest_votes());
        prop_assert_eq!(&back.groups, &a.group_of);
        let b = analyze(&back.conversation, &Params::default());
        prop_assert_eq!(b.group_aware_consensus, a.group_aware_consensus);
    }

    #[test]
    fn parsers_never_panic(s in "[-0-9a-z,\"\n]{0,200}") {
        let known: BTreeSet<u32> = (0..5).collect();
        let _ = parse_comments(s.as_bytes(), "comments.csv");
        let _ = parse_votes(s.as_bytes(), "votes.csv", &known);
        let _ = parse_participants_votes(s.as_bytes(), "participants-votes.csv", &known);
        let with_header = format!("timestamp,datetime,comment-id,voter-id,vote\n{s}");
        if let Err(e) = parse_votes(with_header.as_bytes(), "votes.csv", &known) {
            prop_assert!(e.to_string().contains("votes.csv"));
        }
    }
}
