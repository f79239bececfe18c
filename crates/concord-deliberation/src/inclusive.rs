//! Inclusive consensus (Concord, beyond Polis) and explanations.
//!
//! A statement has *inclusive consensus* when every segment supports it, each segment counting
//! once whatever its size. Segments are the opinion groups and the declared stakeholder
//! categories. A segment supports a statement when its Beta(1,1) posterior agree probability
//! (A + 1)/(S + 2) reaches `threshold` and it cast at least `min_segment_votes` votes; the
//! statement also needs `min_votes` votes in all. The defaults (0.6, 20) are the "common ground"
//! rule of Jigsaw's sensemaking tools (`specs/polis-math.md` §20).
//!
//! The **bridging score** is the geometric mean of the segments' agree probabilities. It is
//! Polis's group-aware consensus (§11) extended to categories and normalised by the number of
//! segments, so it is comparable between conversations with different numbers of groups: a
//! statement only scores high when no segment is lukewarm about it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::matrix::VoteMatrix;
use crate::model::{Conversation, Pid, Tid, Vote};
use crate::stats::{self, RepfulFor, Tally};

/// Thresholds of inclusive consensus.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InclusiveParams {
    /// Agree probability every segment must reach.
    pub threshold: f64,
    /// Votes the statement needs in all.
    pub min_votes: u32,
    /// Votes each segment needs for its support to count.
    pub min_segment_votes: u32,
    /// A statement that is not inclusive is "near" when every segment's agree probability is
    /// within this margin of the threshold (its blockers are then listed).
    pub near_margin: f64,
}

impl Default for InclusiveParams {
    fn default() -> Self {
        InclusiveParams {
            threshold: 0.6,
            min_votes: 20,
            min_segment_votes: 3,
            near_margin: 0.1,
        }
    }
}

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    Group,
    Category,
}

/// A segment's view of one statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentSupport {
    pub kind: SegmentKind,
    pub id: String,
    pub agree: u32,
    pub votes: u32,
    pub p_agree: f64,
    pub supports: bool,
}

/// Why a segment blocks a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    LowAgreement,
    TooFewVotes,
}

/// A segment that keeps a statement from inclusive consensus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocker {
    pub kind: SegmentKind,
    pub id: String,
    pub p_agree: f64,
    pub votes: u32,
    pub reason: BlockReason,
}

/// Inclusive-consensus verdict of one statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InclusiveStatement {
    pub tid: Tid,
    pub votes: u32,
    pub inclusive: bool,
    pub bridging_score: f64,
    pub min_p_agree: f64,
    pub blockers: Vec<Blocker>,
    pub segments: Vec<SegmentSupport>,
}

/// The report over all statements.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InclusiveReport {
    /// Segments as `(kind, id, members)`.
    pub segments: Vec<(SegmentKind, String, usize)>,
    /// Statements with inclusive consensus, best bridging score first.
    pub consensus: Vec<InclusiveStatement>,
    /// Statements close to it, with their blockers, best bridging score first.
    pub near: Vec<InclusiveStatement>,
    /// Bridging score of every statement that is not moderated out, by tid.
    pub bridging: BTreeMap<Tid, f64>,
}

/// Computes inclusive consensus over the groups (`group_rows`: id and matrix rows) and the
/// participants' declared categories.
pub fn inclusive_consensus(
    conv: &Conversation,
    m: &VoteMatrix,
    group_rows: &[(u32, Vec<usize>)],
    p: &InclusiveParams,
) -> InclusiveReport {
    let mut segments: Vec<(SegmentKind, String, Vec<usize>)> = group_rows
        .iter()
        .map(|(g, rows)| (SegmentKind::Group, g.to_string(), rows.clone()))
        .collect();
    let mut by_cat: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, pid) in m.pids.iter().enumerate() {
        if let Some(c) = conv
            .participants
            .get(pid)
            .and_then(|x| x.category.as_deref())
        {
            by_cat.entry(c).or_default().push(i);
        }
    }
    segments.extend(
        by_cat
            .into_iter()
            .map(|(c, rows)| (SegmentKind::Category, c.to_string(), rows)),
    );
    let tallies: Vec<Vec<Tally>> = segments
        .iter()
        .map(|s| stats::tally_rows(m, &s.2))
        .collect();
    let all: Vec<usize> = (0..m.n_rows()).collect();
    let total = stats::tally_rows(m, &all);

    let mut report = InclusiveReport {
        segments: segments
            .iter()
            .map(|s| (s.0, s.1.clone(), s.2.len()))
            .collect(),
        ..InclusiveReport::default()
    };
    if segments.is_empty() {
        return report;
    }
    for c in 0..m.n_cols() {
        if m.mod_out[c] {
            continue;
        }
        let sup: Vec<SegmentSupport> = segments
            .iter()
            .zip(&tallies)
            .map(|(s, t)| {
                let tc = t[c];
                let pa = tc.p_agree();
                SegmentSupport {
                    kind: s.0,
                    id: s.1.clone(),
                    agree: tc.agree,
                    votes: tc.seen,
                    p_agree: pa,
                    supports: pa >= p.threshold && tc.seen >= p.min_segment_votes,
                }
            })
            .collect();
        let bridging = geo_mean(&sup);
        let min_p = sup.iter().map(|s| s.p_agree).fold(f64::INFINITY, f64::min);
        let blockers: Vec<Blocker> = sup
            .iter()
            .filter(|s| !s.supports)
            .map(|s| Blocker {
                kind: s.kind,
                id: s.id.clone(),
                p_agree: s.p_agree,
                votes: s.votes,
                reason: if s.votes < p.min_segment_votes {
                    BlockReason::TooFewVotes
                } else {
                    BlockReason::LowAgreement
                },
            })
            .collect();
        let votes = total[c].seen;
        let enough = votes >= p.min_votes;
        let st = InclusiveStatement {
            tid: m.tids[c],
            votes,
            inclusive: enough && blockers.is_empty(),
            bridging_score: bridging,
            min_p_agree: min_p,
            blockers,
            segments: sup,
        };
        report.bridging.insert(st.tid, bridging);
        if st.inclusive {
            report.consensus.push(st);
        } else if enough && min_p >= p.threshold - p.near_margin {
            report.near.push(st);
        }
    }
    let by_score = |a: &InclusiveStatement, b: &InclusiveStatement| {
        b.bridging_score
            .total_cmp(&a.bridging_score)
            .then(a.tid.cmp(&b.tid))
    };
    report.consensus.sort_by(by_score);
    report.near.sort_by(by_score);
    report
}

fn geo_mean(s: &[SegmentSupport]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    (s.iter().map(|x| x.p_agree.ln()).sum::<f64>() / s.len() as f64).exp()
}

/// A statement that defines a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefiningStatement {
    pub tid: Tid,
    pub text: String,
    pub direction: RepfulFor,
    /// Share of the group voting this way (among its votes on the statement).
    pub group_share: f64,
    /// The same share among everyone else who was clustered.
    pub rest_share: f64,
    pub repness: f64,
}

/// Why a group is a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupExplanation {
    pub group: u32,
    pub size: usize,
    pub defining: Vec<DefiningStatement>,
}

/// For each group, its representative statements in words and shares.
pub fn explain_groups(conv: &Conversation, a: &Analysis) -> Vec<GroupExplanation> {
    let n_cols = a.tids.len();
    let total: Vec<Tally> = (0..n_cols)
        .map(|c| {
            a.group_votes.iter().fold(Tally::default(), |acc, g| Tally {
                agree: acc.agree + g[c].agree,
                disagree: acc.disagree + g[c].disagree,
                seen: acc.seen + g[c].seen,
            })
        })
        .collect();
    let share = |n: u32, s: u32| {
        if s == 0 {
            0.0
        } else {
            f64::from(n) / f64::from(s)
        }
    };
    a.groups
        .iter()
        .enumerate()
        .map(|(gi, g)| GroupExplanation {
            group: g.id,
            size: g.members.len(),
            defining: a.repness[gi]
                .iter()
                .filter_map(|e| {
                    let c = a.col(e.tid)?;
                    let own = a.group_votes[gi][c];
                    let pick = |t: Tally| match e.repful_for {
                        RepfulFor::Agree => t.agree,
                        RepfulFor::Disagree => t.disagree,
                    };
                    let rest_n = pick(total[c]) - pick(own);
                    let rest_s = total[c].seen - own.seen;
                    Some(DefiningStatement {
                        tid: e.tid,
                        text: conv
                            .statements
                            .get(&e.tid)
                            .map(|s| s.text.clone())
                            .unwrap_or_default(),
                        direction: e.repful_for,
                        group_share: share(pick(own), own.seen),
                        rest_share: share(rest_n, rest_s),
                        repness: e.repness,
                    })
                })
                .collect(),
        })
        .collect()
}

/// Where a participant sits and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantExplanation {
    pub pid: Pid,
    pub group: Option<u32>,
    pub votes: usize,
    pub in_conv: bool,
    pub position: Option<[f64; 2]>,
    /// Distance to the own group's centre, and to the nearest other group's centre.
    pub distance_own: Option<f64>,
    pub distance_nearest_other: Option<f64>,
    /// Defining statements of the own group the participant voted the group's way on.
    pub agrees_with_group_on: Vec<Tid>,
    /// Defining statements of the own group the participant voted against.
    pub differs_from_group_on: Vec<Tid>,
    pub summary: String,
}

/// Explains one participant's place: group, distances, and the group-defining statements they
/// voted with or against.
pub fn explain_participant(a: &Analysis, pid: Pid) -> ParticipantExplanation {
    let row = a.row(pid);
    let votes = row.map(|r| a.matrix.row_count(r)).unwrap_or(0);
    let in_conv = a.in_conv.contains(&pid);
    let group = a.group_of.get(&pid).copied();
    let position = row.map(|r| a.participant_projection[r]);
    let mut out = ParticipantExplanation {
        pid,
        group,
        votes,
        in_conv,
        position,
        distance_own: None,
        distance_nearest_other: None,
        agrees_with_group_on: Vec::new(),
        differs_from_group_on: Vec::new(),
        summary: String::new(),
    };
    let (Some(g), Some(pos), Some(r)) = (group, position, row) else {
        out.summary = if votes == 0 {
            "has not voted yet".to_string()
        } else {
            format!(
                "not clustered: {votes} vote(s), fewer than the {} needed",
                7.min(a.tids.len())
            )
        };
        return out;
    };
    let dist = |c: [f64; 2]| (pos[0] - c[0]).hypot(pos[1] - c[1]);
    let gi = a.groups.iter().position(|x| x.id == g).unwrap_or(0);
    out.distance_own = Some(dist(a.groups[gi].center));
    out.distance_nearest_other = a
        .groups
        .iter()
        .filter(|x| x.id != g)
        .map(|x| dist(x.center))
        .min_by(f64::total_cmp);
    let mine: BTreeMap<usize, i8> = a.matrix.row(r).collect();
    for e in &a.repness[gi] {
        let Some(c) = a.col(e.tid) else { continue };
        let want = match e.repful_for {
            RepfulFor::Agree => Vote::Agree.value(),
            RepfulFor::Disagree => Vote::Disagree.value(),
        };
        match mine.get(&c) {
            Some(&v) if v == want => out.agrees_with_group_on.push(e.tid),
            Some(&v) if v == -want => out.differs_from_group_on.push(e.tid),
            _ => {}
        }
    }
    out.summary = format!(
        "group {g}: distance {:.2} to its centre{}; voted with the group on {} of its {} defining statements",
        out.distance_own.unwrap_or(0.0),
        out.distance_nearest_other
            .map(|d| format!(" vs {d:.2} to the nearest other group"))
            .unwrap_or_default(),
        out.agrees_with_group_on.len(),
        a.repness[gi].len()
    );
    out
}
