//! Vote tallies, representativeness, consensus, group-aware consensus and statement priorities
//! (`specs/polis-math.md` §8–12; reference `repness.clj`, `stats.clj`, `conversation.clj`).
//!
//! Every formula keeps the reference's order of floating-point operations, so the results are
//! bit-identical to Polis's published math object (checked in `tests/parity.rs`).

use serde::{Deserialize, Serialize};

use crate::matrix::VoteMatrix;
use crate::model::Tid;

/// One-sided 90 % significance (`stats.clj:36-39`, `z-sig-90?`).
pub const Z_SIG_90: f64 = 1.2816;

/// Agree, disagree and total (passes included) vote counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    #[serde(rename = "A")]
    pub agree: u32,
    #[serde(rename = "D")]
    pub disagree: u32,
    #[serde(rename = "S")]
    pub seen: u32,
}

impl Tally {
    fn add(&mut self, v: i8) {
        self.seen += 1;
        match v {
            1 => self.agree += 1,
            -1 => self.disagree += 1,
            _ => {}
        }
    }

    fn plus(self, o: Tally) -> Tally {
        Tally {
            agree: self.agree + o.agree,
            disagree: self.disagree + o.disagree,
            seen: self.seen + o.seen,
        }
    }

    /// Beta(1,1) posterior mean of agreeing: (A + 1) / (S + 2).
    pub fn p_agree(self) -> f64 {
        (f64::from(self.agree) + 1.0) / (f64::from(self.seen) + 2.0)
    }

    /// Beta(1,1) posterior mean of disagreeing: (D + 1) / (S + 2).
    pub fn p_disagree(self) -> f64 {
        (f64::from(self.disagree) + 1.0) / (f64::from(self.seen) + 2.0)
    }
}

/// Per set of rows (a group, a base cluster, a category), the tally of every matrix column.
pub fn tally_rows(m: &VoteMatrix, rows: &[usize]) -> Vec<Tally> {
    let mut t = vec![Tally::default(); m.n_cols()];
    for &i in rows {
        for (c, v) in m.row(i) {
            t[c].add(v);
        }
    }
    t
}

/// `prop-test` (`stats.clj`): 2·√(n+1)·((s+1)/(n+1) − ½).
pub fn prop_test(s: f64, n: f64) -> f64 {
    2.0 * (n + 1.0).sqrt() * ((s + 1.0) / (n + 1.0) - 0.5)
}

/// `two-prop-test` (`stats.clj`), with Polis's 0 when the pooled proportion is 1.
pub fn two_prop_test(s1: f64, s2: f64, n1: f64, n2: f64) -> f64 {
    let (s1, s2, n1, n2) = (s1 + 1.0, s2 + 1.0, n1 + 1.0, n2 + 1.0);
    let p1 = s1 / n1;
    let p2 = s2 / n2;
    let pi = (s1 + s2) / (n1 + n2);
    if pi == 1.0 {
        return 0.0;
    }
    (p1 - p2) / (pi * (1.0 - pi) * (1.0 / n1 + 1.0 / n2)).sqrt()
}

fn sig(z: f64) -> bool {
    z > Z_SIG_90
}

/// Which way a statement represents a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepfulFor {
    Agree,
    Disagree,
}

/// One representative statement of a group (Polis `repness` entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RepEntry {
    pub tid: Tid,
    pub n_success: u32,
    pub n_trials: u32,
    pub p_success: f64,
    pub p_test: f64,
    pub repness: f64,
    /// Cast to float32 as Polis does (`repness.clj:184`).
    pub repness_test: f32,
    pub repful_for: RepfulFor,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_agree: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub best_agree: bool,
}

#[derive(Debug, Clone, Copy)]
struct CmtStats {
    col: usize,
    na: f64,
    nd: f64,
    ns: f64,
    pa: f64,
    pd: f64,
    pat: f64,
    pdt: f64,
    ra: f64,
    rd: f64,
    rat: f64,
    rdt: f64,
}

impl CmtStats {
    fn new(col: usize, g: Tally, rest: Tally) -> CmtStats {
        let (na, nd, ns) = (f64::from(g.agree), f64::from(g.disagree), f64::from(g.seen));
        let (rna, rnd, rns) = (
            f64::from(rest.agree),
            f64::from(rest.disagree),
            f64::from(rest.seen),
        );
        let pa = (na + 1.0) / (ns + 2.0);
        let pd = (nd + 1.0) / (ns + 2.0);
        CmtStats {
            col,
            na,
            nd,
            ns,
            pa,
            pd,
            pat: prop_test(na, ns),
            pdt: prop_test(nd, ns),
            ra: pa / ((rna + 1.0) / (rns + 2.0)),
            rd: pd / ((rnd + 1.0) / (rns + 2.0)),
            rat: two_prop_test(na, rna, ns, rns),
            rdt: two_prop_test(nd, rnd, ns, rns),
        }
    }

    /// `finalize-cmt-stats`: agree-type when rat > rdt, else disagree-type.
    fn finalize(&self, tids: &[Tid]) -> RepEntry {
        let agree = self.rat > self.rdt;
        let (n, p, pt, r, rt, f) = if agree {
            (
                self.na,
                self.pa,
                self.pat,
                self.ra,
                self.rat,
                RepfulFor::Agree,
            )
        } else {
            (
                self.nd,
                self.pd,
                self.pdt,
                self.rd,
                self.rdt,
                RepfulFor::Disagree,
            )
        };
        RepEntry {
            tid: tids[self.col],
            n_success: n as u32,
            n_trials: self.ns as u32,
            p_success: p,
            p_test: pt,
            repness: r,
            repness_test: rt as f32,
            repful_for: f,
            n_agree: None,
            best_agree: false,
        }
    }
}

fn rank_metric(e: &RepEntry) -> f64 {
    e.repness * f64::from(e.repness_test) * e.p_success * e.p_test
}

/// Representative statements of every group (`repness.clj:64-276`). `group_tallies[g][c]` is
/// group g's tally of column c; mod-out columns are skipped.
pub fn repness(m: &VoteMatrix, group_tallies: &[Vec<Tally>]) -> Vec<Vec<RepEntry>> {
    let total: Vec<Tally> = (0..m.n_cols())
        .map(|c| {
            group_tallies
                .iter()
                .fold(Tally::default(), |a, g| a.plus(g[c]))
        })
        .collect();
    group_tallies
        .iter()
        .map(|g| {
            let mut sufficient: Vec<RepEntry> = Vec::new();
            let mut best: Option<RepEntry> = None;
            let mut best_agree: Option<CmtStats> = None;
            for c in 0..m.n_cols() {
                if m.mod_out[c] {
                    continue;
                }
                let own = g[c];
                let rest = Tally {
                    agree: total[c].agree - own.agree,
                    disagree: total[c].disagree - own.disagree,
                    seen: total[c].seen - own.seen,
                };
                let s = CmtStats::new(c, own, rest);
                if (sig(s.rat) && sig(s.pat)) || (sig(s.rdt) && sig(s.pdt)) {
                    sufficient.push(s.finalize(&m.tids));
                }
                if sufficient.is_empty() {
                    let beats = match &best {
                        None => true,
                        Some(b) => s.rat.max(s.rdt) > f64::from(b.repness_test),
                    };
                    if beats {
                        best = Some(s.finalize(&m.tids));
                    }
                }
                if s.na == 0.0 && s.nd == 0.0 {
                    continue;
                }
                best_agree = match best_agree {
                    Some(b) if b.ra > 1.0 => {
                        if s.ra * s.rat * s.pa * s.pat > b.ra * b.rat * b.pa * b.pat {
                            Some(s)
                        } else {
                            Some(b)
                        }
                    }
                    Some(b) => {
                        if s.pa * s.pat > b.pa * b.pat {
                            Some(s)
                        } else {
                            Some(b)
                        }
                    }
                    None => {
                        if sig(s.pat) || (s.ra > 1.0 && s.pa > 0.5) {
                            Some(s)
                        } else {
                            None
                        }
                    }
                };
            }
            let best_agree = best_agree.map(|b| {
                let mut e = b.finalize(&m.tids);
                e.n_agree = Some(b.na as u32);
                e.best_agree = true;
                e
            });
            if sufficient.is_empty() {
                return best_agree.or(best).into_iter().collect();
            }
            if let Some(ba) = &best_agree {
                sufficient.retain(|e| e.tid != ba.tid);
            }
            sufficient.sort_by(|a, b| rank_metric(b).total_cmp(&rank_metric(a)));
            let mut out: Vec<RepEntry> = best_agree.into_iter().chain(sufficient).take(5).collect();
            // Stable: agree-type entries first.
            out.sort_by_key(|e| e.repful_for != RepfulFor::Agree);
            out
        })
        .collect()
}

/// One consensus statement (Polis `consensus` entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ConsensusEntry {
    pub tid: Tid,
    pub n_success: u32,
    pub n_trials: u32,
    pub p_success: f64,
    pub p_test: f64,
}

/// Whole-population consensus (`repness.clj:281-323`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Consensus {
    pub agree: Vec<ConsensusEntry>,
    pub disagree: Vec<ConsensusEntry>,
}

/// Consensus over every row of the matrix (all participants), mod-out columns skipped: the top
/// 5 statements with p > 0.5 and a significant one-proportion test, by p·test.
pub fn consensus(m: &VoteMatrix) -> Consensus {
    let all: Vec<usize> = (0..m.n_rows()).collect();
    let t = tally_rows(m, &all);
    let pick = |agree: bool| {
        let mut c: Vec<(f64, ConsensusEntry)> = Vec::new();
        for (col, tally) in t.iter().enumerate() {
            if m.mod_out[col] {
                continue;
            }
            let n = if agree { tally.agree } else { tally.disagree };
            let ns = f64::from(tally.seen);
            let p = (f64::from(n) + 1.0) / (ns + 2.0);
            let pt = prop_test(f64::from(n), ns);
            if p > 0.5 && pt > Z_SIG_90 {
                c.push((
                    p * pt,
                    ConsensusEntry {
                        tid: m.tids[col],
                        n_success: n,
                        n_trials: tally.seen,
                        p_success: p,
                        p_test: pt,
                    },
                ));
            }
        }
        c.sort_by(|a, b| b.0.total_cmp(&a.0));
        c.into_iter().take(5).map(|x| x.1).collect()
    };
    Consensus {
        agree: pick(true),
        disagree: pick(false),
    }
}

/// Group-aware consensus of every column (`conversation.clj:615-636`):
/// Π over groups of (A_g + 1)/(S_g + 2), passes in S, mod-out columns included.
pub fn group_aware_consensus(group_tallies: &[Vec<Tally>], n_cols: usize) -> Vec<f64> {
    (0..n_cols)
        .map(|c| {
            group_tallies.iter().fold(1.0, |acc, g| {
                acc * ((f64::from(g[c].agree) + 1.0) / (f64::from(g[c].seen) + 2.0))
            })
        })
        .collect()
}

/// Priority of showing a statement next (`conversation.clj:308-327`, `importance-metric`,
/// `priority-metric`), from the summed group tally and the statement's extremity.
pub fn priority(t: Tally, extremity: f64, is_meta: bool) -> f64 {
    if is_meta {
        return 49.0;
    }
    let a = f64::from(t.agree);
    let s = f64::from(t.seen);
    let p = s - (a + f64::from(t.disagree));
    let importance = (1.0 - (p + 1.0) / (s + 2.0)) * (extremity + 1.0) * ((a + 1.0) / (s + 2.0));
    let x = importance * (1.0 + 8.0 * 2f64.powf(s / -5.0));
    x * x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples_of_the_spec() {
        // §9: tid 13 of below-100-ptpts, na = ns = 6.
        assert_eq!(prop_test(6.0, 6.0), 2.6457513110645907);
        // §12: tid 4, A = 10, D = 2, S = 16, E = 1.1971367312258996.
        let t = Tally {
            agree: 10,
            disagree: 2,
            seen: 16,
        };
        // Polis publishes 3.2902972016055045; the last bits depend on the extremity it used.
        let p = priority(t, 1.1971367312258996, false);
        assert!((p - 3.2902972016055045).abs() < 1e-14, "{p}");
    }

    #[test]
    fn two_prop_test_returns_zero_at_pooled_one() {
        assert!(two_prop_test(3.0, 3.0, 3.0, 3.0) == 0.0);
    }
}
