//! The whole pipeline: [`analyze`] a [`Conversation`] into an [`Analysis`], and pick the
//! [`next_statement`] to show a participant.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::cluster::{self, KSmoother, Point};
use crate::inclusive::{self, InclusiveParams, InclusiveReport};
use crate::matrix::VoteMatrix;
use crate::model::{Conversation, Moderation, Pid, Tid};
use crate::pca::{self, Pca};
use crate::stats::{self, Consensus, RepEntry, Tally};

/// Pipeline parameters. The defaults are Polis's (`conversation.clj:142-151`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Base clusters (level 1).
    pub base_k: usize,
    pub base_iters: usize,
    /// Largest number of opinion groups.
    pub max_k: usize,
    /// Group k-means iterations: Polis effectively runs 20 (§7.3 quirk Q3).
    pub group_iters: usize,
    /// Participants that stay in-conv whatever their vote count (Polis's sticky set, §4).
    pub sticky_in_conv: BTreeSet<Pid>,
    /// Use these groups (participant → group id) instead of clustering: replays a published
    /// clustering, or keeps groups stable while statistics are refreshed.
    pub given_groups: Option<BTreeMap<Pid, u32>>,
    /// The k-smoother state of the previous update; the state after this update is returned
    /// in [`Analysis::smoother`].
    pub smoother: KSmoother,
    pub inclusive: InclusiveParams,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            base_k: 100,
            base_iters: 100,
            max_k: 5,
            group_iters: 20,
            sticky_in_conv: BTreeSet::new(),
            given_groups: None,
            smoother: KSmoother::default(),
            inclusive: InclusiveParams::default(),
        }
    }
}

/// A base cluster (level 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseCluster {
    pub id: u32,
    pub members: Vec<Pid>,
    pub center: Point,
}

/// An opinion group (level 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: u32,
    pub members: Vec<Pid>,
    /// Ids of the base clusters that hold the members.
    pub base_clusters: Vec<u32>,
    /// Member-weighted centre in the projection plane.
    pub center: Point,
}

/// Everything the pipeline computes. Vectors indexed by column follow [`Analysis::tids`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    #[serde(skip)]
    pub matrix: VoteMatrix,
    /// Matrix columns: statements with at least one vote, ascending.
    pub tids: Vec<Tid>,
    /// Matrix rows: participants with at least one vote, in order of first vote.
    pub pids: Vec<Pid>,
    pub in_conv: Vec<Pid>,
    pub pca: Pca,
    /// Per matrix row.
    pub participant_projection: Vec<Point>,
    /// Per column.
    pub statement_projection: Vec<Point>,
    pub extremity: Vec<f64>,
    pub base_clusters: Vec<BaseCluster>,
    pub groups: Vec<Group>,
    /// Participant → group, for clustered participants.
    pub group_of: BTreeMap<Pid, u32>,
    /// Silhouette of each k tried.
    pub silhouettes: Vec<(usize, f64)>,
    pub smoother: KSmoother,
    /// Per group, per column.
    pub group_votes: Vec<Vec<Tally>>,
    /// Per base cluster, per column.
    pub votes_base: Vec<Vec<Tally>>,
    /// Per group.
    pub repness: Vec<Vec<RepEntry>>,
    pub consensus: Consensus,
    /// Per column.
    pub group_aware_consensus: Vec<f64>,
    /// Per column.
    pub priorities: Vec<f64>,
    pub inclusive: InclusiveReport,
}

impl Analysis {
    /// Column of a statement, if it has votes.
    pub fn col(&self, tid: Tid) -> Option<usize> {
        self.tids.binary_search(&tid).ok()
    }

    /// Matrix row of a participant, if they voted.
    pub fn row(&self, pid: Pid) -> Option<usize> {
        self.pids.iter().position(|&p| p == pid)
    }
}

/// Runs the Polis pipeline (§3–12) and Concord's inclusive consensus on a conversation.
/// Deterministic: the same conversation and parameters always give the same analysis.
pub fn analyze(conv: &Conversation, params: &Params) -> Analysis {
    let m = VoteMatrix::build(conv);
    let in_conv_rows = match &params.given_groups {
        // Replaying groups: the grouped participants are the clustered ones.
        Some(g) => {
            let mut sticky = params.sticky_in_conv.clone();
            sticky.extend(g.keys().copied());
            (0..m.n_rows())
                .filter(|&i| sticky.contains(&m.pids[i]))
                .collect()
        }
        None => m.in_conv(&params.sticky_in_conv),
    };
    let pca = pca::pca(&m);
    let proj = pca::project_participants(&m, &pca);
    let (statement_projection, extremity) = pca::project_statements(&m, &pca);

    let points: Vec<Point> = in_conv_rows.iter().map(|&i| proj[i]).collect();
    let mut smoother = params.smoother;
    let two = cluster::two_level(
        &points,
        params.base_k,
        params.base_iters,
        params.max_k,
        params.group_iters,
        &mut smoother,
    );
    let base_members = two.base.members();
    let base_clusters: Vec<BaseCluster> = base_members
        .iter()
        .enumerate()
        .map(|(id, ms)| BaseCluster {
            id: id as u32,
            members: ms.iter().map(|&k| m.pids[in_conv_rows[k]]).collect(),
            center: two.base.centers[id],
        })
        .collect();
    let base_of_pid: HashMap<Pid, u32> = base_clusters
        .iter()
        .flat_map(|b| b.members.iter().map(move |&p| (p, b.id)))
        .collect();

    // Group membership, as rows of the matrix.
    let group_rows: Vec<(u32, Vec<usize>)> = match &params.given_groups {
        Some(given) => {
            let ids: BTreeSet<u32> = given.values().copied().collect();
            ids.into_iter()
                .map(|g| {
                    let rows = (0..m.n_rows())
                        .filter(|&i| given.get(&m.pids[i]) == Some(&g))
                        .collect();
                    (g, rows)
                })
                .collect()
        }
        None => two
            .groups
            .members()
            .iter()
            .enumerate()
            .map(|(g, bases)| {
                let mut rows: Vec<usize> = bases
                    .iter()
                    .flat_map(|&b| base_members[b].iter().map(|&k| in_conv_rows[k]))
                    .collect();
                rows.sort_unstable();
                (g as u32, rows)
            })
            .collect(),
    };
    let groups: Vec<Group> = group_rows
        .iter()
        .map(|(g, rows)| {
            let members: Vec<Pid> = rows.iter().map(|&i| m.pids[i]).collect();
            let mut bcs: Vec<u32> = members
                .iter()
                .filter_map(|p| base_of_pid.get(p).copied())
                .collect();
            bcs.sort_unstable();
            bcs.dedup();
            let n = rows.len().max(1) as f64;
            let center = rows.iter().fold([0.0, 0.0], |a, &i| {
                [a[0] + proj[i][0] / n, a[1] + proj[i][1] / n]
            });
            Group {
                id: *g,
                members,
                base_clusters: bcs,
                center,
            }
        })
        .collect();
    let group_of: BTreeMap<Pid, u32> = groups
        .iter()
        .flat_map(|g| g.members.iter().map(move |&p| (p, g.id)))
        .collect();

    let group_votes: Vec<Vec<Tally>> = group_rows
        .iter()
        .map(|(_, rows)| stats::tally_rows(&m, rows))
        .collect();
    let votes_base: Vec<Vec<Tally>> = base_members
        .iter()
        .map(|ks| {
            let rows: Vec<usize> = ks.iter().map(|&k| in_conv_rows[k]).collect();
            stats::tally_rows(&m, &rows)
        })
        .collect();
    let repness = stats::repness(&m, &group_votes);
    let consensus = stats::consensus(&m);
    let group_aware_consensus = stats::group_aware_consensus(&group_votes, m.n_cols());
    let priorities = (0..m.n_cols())
        .map(|c| {
            let t = group_votes.iter().fold(Tally::default(), |a, g| Tally {
                agree: a.agree + g[c].agree,
                disagree: a.disagree + g[c].disagree,
                seen: a.seen + g[c].seen,
            });
            stats::priority(t, extremity[c], m.meta[c])
        })
        .collect();
    let inclusive = inclusive::inclusive_consensus(conv, &m, &group_rows, &params.inclusive);

    Analysis {
        tids: m.tids.clone(),
        pids: m.pids.clone(),
        in_conv: in_conv_rows.iter().map(|&i| m.pids[i]).collect(),
        pca,
        participant_projection: proj,
        statement_projection,
        extremity,
        base_clusters,
        groups,
        group_of,
        silhouettes: two.silhouettes,
        smoother,
        group_votes,
        votes_base,
        repness,
        consensus,
        group_aware_consensus,
        priorities,
        inclusive,
        matrix: m,
    }
}

/// Options for [`next_statement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NextParams {
    /// Only accepted (and meta) statements are shown: Polis ignores this (§3), Concord honours it.
    pub strict_moderation: bool,
    /// Seed of the weighted draw; the same seed gives the same statement.
    pub seed: u64,
}

/// The next statement to show `pid`: a draw weighted by priority (§12) among the statements the
/// participant has not voted on, rejected ones excluded. Statements without votes get the
/// priority of an unseen statement. `None` when nothing is left.
pub fn next_statement(
    conv: &Conversation,
    analysis: &Analysis,
    pid: Pid,
    opts: NextParams,
) -> Option<Tid> {
    let voted: BTreeSet<Tid> = analysis
        .row(pid)
        .map(|r| {
            analysis
                .matrix
                .row(r)
                .map(|(c, _)| analysis.tids[c])
                .collect()
        })
        .unwrap_or_default();
    let mut candidates: Vec<(Tid, f64)> = Vec::new();
    for s in conv.statements.values() {
        let shown = match s.moderation {
            Moderation::Rejected => false,
            Moderation::Unmoderated => !opts.strict_moderation,
            Moderation::Accepted | Moderation::Meta => true,
        };
        if !shown || voted.contains(&s.tid) {
            continue;
        }
        let p = match analysis.col(s.tid) {
            Some(c) => analysis.priorities[c],
            None => stats::priority(Tally::default(), 0.0, s.moderation == Moderation::Meta),
        };
        candidates.push((s.tid, p.max(0.0)));
    }
    let total: f64 = candidates.iter().map(|c| c.1).sum();
    if candidates.is_empty() {
        return None;
    }
    if total <= 0.0 {
        return candidates.first().map(|c| c.0);
    }
    let mut x = unit_interval(opts.seed ^ u64::from(pid).rotate_left(32)) * total;
    for (t, p) in &candidates {
        if x < *p {
            return Some(*t);
        }
        x -= p;
    }
    candidates.last().map(|c| c.0)
}

/// SplitMix64 of a seed, as a number in [0, 1).
fn unit_interval(seed: u64) -> f64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}
