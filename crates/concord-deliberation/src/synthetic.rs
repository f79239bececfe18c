//! Deterministic synthetic conversations for benchmarks and scale tests.

use std::collections::HashSet;

use crate::model::{Conversation, Moderation, Participant, Statement, Vote, VoteEvent};

/// SplitMix64: a tiny seeded generator, enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A conversation of `participants` × `statements` with about `votes` votes (spread evenly
/// over participants, no re-votes), three latent opinion camps with their own agree rates per
/// statement, and 2 % rejected statements. Same arguments, same conversation.
pub fn synthetic(participants: u32, statements: u32, votes: u64, seed: u64) -> Conversation {
    let mut rng = Rng(seed);
    let camps = 3;
    let mut conv = Conversation {
        topic: format!("synthetic {participants}x{statements}x{votes}"),
        ..Conversation::default()
    };
    let mut p_agree = Vec::with_capacity(statements as usize);
    for tid in 0..statements {
        let moderation = if rng.unit() < 0.02 {
            Moderation::Rejected
        } else {
            Moderation::Accepted
        };
        conv.statements.insert(
            tid,
            Statement {
                tid,
                text: format!("statement {tid}"),
                lang: Some("en".into()),
                moderation,
                author: None,
                created_ms: Some(i64::from(tid)),
                is_seed: false,
            },
        );
        p_agree.push((0..camps).map(|_| rng.unit()).collect::<Vec<f64>>());
    }
    let per = (votes / u64::from(participants.max(1))).min(u64::from(statements)) as usize;
    let mut ts = 0i64;
    conv.votes.reserve(per * participants as usize);
    let mut chosen = HashSet::with_capacity(per * 2);
    for pid in 0..participants {
        let camp = rng.below(camps);
        conv.participants.insert(
            pid,
            Participant {
                pid,
                category: Some(
                    ["industry", "government", "civil_society", "academia"][rng.below(4)].into(),
                ),
                ..Participant::default()
            },
        );
        // Insertion order, not the set's (randomly seeded) iteration order: reproducible.
        chosen.clear();
        let mut order = Vec::with_capacity(per);
        while order.len() < per {
            let t = rng.below(statements as usize) as u32;
            if chosen.insert(t) {
                order.push(t);
            }
        }
        for &tid in &order {
            let u = rng.unit();
            let pa = p_agree[tid as usize][camp];
            let vote = if u < pa * 0.85 {
                Vote::Agree
            } else if u < 0.85 {
                Vote::Disagree
            } else {
                Vote::Pass
            };
            ts += 1;
            conv.votes.push(VoteEvent {
                pid,
                tid,
                vote,
                timestamp_ms: ts,
            });
        }
    }
    conv
}
