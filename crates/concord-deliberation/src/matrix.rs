//! The sparse vote matrix (`raw-rating-mat` of `specs/polis-math.md` §3) and the in-conv rule (§4).

use std::collections::{BTreeSet, HashMap};

use crate::model::{Conversation, Moderation, Pid, Tid};

/// Participants × statements, compressed by rows. Only statements with at least one vote are
/// columns, in ascending tid order; rows are participants with at least one vote, ordered by
/// their first vote (timestamp, then pid), which is the order Polis adds rows in.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteMatrix {
    pub pids: Vec<Pid>,
    pub tids: Vec<Tid>,
    /// Row `i` owns entries `row_ptr[i]..row_ptr[i + 1]` of `cols` and `vals`.
    pub row_ptr: Vec<usize>,
    pub cols: Vec<u32>,
    /// +1 agree, −1 disagree, 0 pass (latest vote).
    pub vals: Vec<i8>,
    /// Per column: rejected or meta (Polis `mod-out`).
    pub mod_out: Vec<bool>,
    /// Per column: meta statement.
    pub meta: Vec<bool>,
}

impl VoteMatrix {
    /// Builds the latest-vote matrix of a conversation.
    pub fn build(conv: &Conversation) -> VoteMatrix {
        let latest = conv.latest_votes();
        let mut first_vote: HashMap<Pid, i64> = HashMap::new();
        for v in &conv.votes {
            let e = first_vote.entry(v.pid).or_insert(v.timestamp_ms);
            *e = (*e).min(v.timestamp_ms);
        }
        let tids: Vec<Tid> = latest
            .iter()
            .map(|v| v.tid)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let col_of: HashMap<Tid, u32> = tids
            .iter()
            .enumerate()
            .map(|(j, &t)| (t, j as u32))
            .collect();
        let mut pids: Vec<Pid> = latest
            .iter()
            .map(|v| v.pid)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        pids.sort_by_key(|p| (first_vote[p], *p));
        let row_of: HashMap<Pid, usize> = pids.iter().enumerate().map(|(i, &p)| (p, i)).collect();
        let mut counts = vec![0usize; pids.len()];
        for v in &latest {
            counts[row_of[&v.pid]] += 1;
        }
        let mut row_ptr = Vec::with_capacity(pids.len() + 1);
        row_ptr.push(0);
        for c in &counts {
            row_ptr.push(row_ptr.last().copied().unwrap_or(0) + c);
        }
        let mut fill = row_ptr.clone();
        let mut cols = vec![0u32; latest.len()];
        let mut vals = vec![0i8; latest.len()];
        // `latest` is sorted by (pid, tid), so every row is filled in ascending column order.
        for v in &latest {
            let r = row_of[&v.pid];
            cols[fill[r]] = col_of[&v.tid];
            vals[fill[r]] = v.vote.value();
            fill[r] += 1;
        }
        let moderation = |t: &Tid| {
            conv.statements
                .get(t)
                .map(|s| s.moderation)
                .unwrap_or_default()
        };
        VoteMatrix {
            mod_out: tids.iter().map(|t| moderation(t).is_mod_out()).collect(),
            meta: tids
                .iter()
                .map(|t| moderation(t) == Moderation::Meta)
                .collect(),
            pids,
            tids,
            row_ptr,
            cols,
            vals,
        }
    }

    pub fn n_rows(&self) -> usize {
        self.pids.len()
    }

    pub fn n_cols(&self) -> usize {
        self.tids.len()
    }

    pub fn n_votes(&self) -> usize {
        self.vals.len()
    }

    /// The (column, value) entries of row `i`.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, i8)> + '_ {
        let r = self.row_ptr[i]..self.row_ptr[i + 1];
        self.cols[r.clone()]
            .iter()
            .zip(&self.vals[r])
            .map(|(&c, &v)| (c as usize, v))
    }

    /// Number of votes (passes included) of row `i`: Polis `user-vote-counts`.
    pub fn row_count(&self, i: usize) -> usize {
        self.row_ptr[i + 1] - self.row_ptr[i]
    }

    /// The in-conv rows (§4, cold start): at least `min(7, n_cols)` votes, topped up to 15 rows
    /// with the most-voting others (count descending, then row order). `sticky` rows (a persisted
    /// earlier in-conv set, or the set Polis published) are always in. Returned in row order.
    pub fn in_conv(&self, sticky: &BTreeSet<Pid>) -> Vec<usize> {
        let threshold = 7.min(self.n_cols());
        let mut inside: Vec<bool> = (0..self.n_rows())
            .map(|i| self.row_count(i) >= threshold || sticky.contains(&self.pids[i]))
            .collect();
        let mut n_in = inside.iter().filter(|b| **b).count();
        if n_in < 15 {
            let mut rest: Vec<usize> = (0..self.n_rows()).filter(|&i| !inside[i]).collect();
            rest.sort_by_key(|&i| (std::cmp::Reverse(self.row_count(i)), i));
            for i in rest {
                if n_in >= 15 {
                    break;
                }
                inside[i] = true;
                n_in += 1;
            }
        }
        (0..self.n_rows()).filter(|&i| inside[i]).collect()
    }
}
