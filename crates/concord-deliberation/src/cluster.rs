//! Two-level k-means, silhouette choice of k and the k-smoother (`specs/polis-math.md` §7).
//!
//! Polis warm-starts every update from the previous clustering, which makes its groups depend
//! on the order votes arrived in. This module implements the cold start (`init-clusters`,
//! `clusters.clj:55-66`: the first k distinct points in data order), which is deterministic.
//! One deliberate difference: a point equidistant from two centres joins the *first* (lowest
//! id) centre, where Polis takes the last one in map iteration order (§7.1 quirk Q11/Q17), and
//! distances are computed exactly rather than as |a|²+|b|²−2a·b.

use serde::{Deserialize, Serialize};

/// A point of the 2-D projection plane.
pub type Point = [f64; 2];

/// The result of one k-means run.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Cluster centres, in id order (ids are 0..len).
    pub centers: Vec<Point>,
    /// For each input point, the index of its cluster.
    pub assign: Vec<usize>,
}

impl Clustering {
    pub fn k(&self) -> usize {
        self.centers.len()
    }

    /// Members (point indices) of each cluster.
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.k()];
        for (i, &c) in self.assign.iter().enumerate() {
            out[c].push(i);
        }
        out
    }
}

fn dist2(a: Point, b: Point) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    dx * dx + dy * dy
}

fn nearest(p: Point, centers: &[Point]) -> usize {
    let mut best = 0;
    let mut best_d = f64::INFINITY;
    for (i, &c) in centers.iter().enumerate() {
        let d = dist2(p, c);
        if d < best_d {
            best = i;
            best_d = d;
        }
    }
    best
}

/// Weighted k-means as Polis runs it (`clusters.clj` `kmeans`, `cluster-step`,
/// `same-clustering?`): cold start from the first `k` distinct points, assign to the nearest
/// centre, drop empty clusters, recentre on weighted means, stop after `max_iters` steps or when
/// every sorted centre moved by less than 0.01.
pub fn kmeans(points: &[Point], weights: &[f64], k: usize, max_iters: usize) -> Clustering {
    let mut centers: Vec<Point> = Vec::new();
    for &p in points {
        if centers.len() >= k {
            break;
        }
        if !centers.contains(&p) {
            centers.push(p);
        }
    }
    let mut assign = vec![0usize; points.len()];
    if centers.is_empty() {
        return Clustering { centers, assign };
    }
    for _ in 0..max_iters.max(1) {
        for (a, &p) in assign.iter_mut().zip(points) {
            *a = nearest(p, &centers);
        }
        let mut sum = vec![[0.0, 0.0]; centers.len()];
        let mut wsum = vec![0.0; centers.len()];
        let mut count = vec![0usize; centers.len()];
        for ((&a, &p), &w) in assign.iter().zip(points).zip(weights) {
            sum[a][0] += w * p[0];
            sum[a][1] += w * p[1];
            wsum[a] += w;
            count[a] += 1;
        }
        // Renumber the non-empty clusters in order.
        let mut remap = vec![usize::MAX; centers.len()];
        let mut next: Vec<Point> = Vec::new();
        for c in 0..centers.len() {
            if count[c] > 0 {
                remap[c] = next.len();
                next.push(if wsum[c] > 0.0 {
                    [sum[c][0] / wsum[c], sum[c][1] / wsum[c]]
                } else {
                    centers[c]
                });
            }
        }
        assign.iter_mut().for_each(|a| *a = remap[*a]);
        let same = next.len() == centers.len() && {
            let mut a = centers.clone();
            let mut b = next.clone();
            a.sort_by(|x, y| x[0].total_cmp(&y[0]).then(x[1].total_cmp(&y[1])));
            b.sort_by(|x, y| x[0].total_cmp(&y[0]).then(x[1].total_cmp(&y[1])));
            a.iter().zip(&b).all(|(x, y)| dist2(*x, *y).sqrt() < 0.01)
        };
        centers = next;
        if same {
            break;
        }
    }
    Clustering { centers, assign }
}

/// Mean silhouette of a clustering of `points` (`clusters.clj:339-374`): unweighted, a point
/// alone in its cluster scores 0, and a clustering with a single cluster scores 0.
pub fn silhouette(points: &[Point], assign: &[usize], k: usize) -> f64 {
    if points.is_empty() || k < 2 {
        return 0.0;
    }
    let mut total = 0.0;
    for (i, &p) in points.iter().enumerate() {
        let mut sum = vec![0.0; k];
        let mut count = vec![0usize; k];
        for (j, &q) in points.iter().enumerate() {
            if i != j {
                sum[assign[j]] += dist2(p, q).sqrt();
                count[assign[j]] += 1;
            }
        }
        let own = assign[i];
        if count[own] == 0 {
            continue;
        }
        let a = sum[own] / count[own] as f64;
        let b = (0..k)
            .filter(|&g| g != own && count[g] > 0)
            .map(|g| sum[g] / count[g] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            let m = a.max(b);
            if m > 0.0 {
                total += (b - a) / m;
            }
        }
    }
    total / points.len() as f64
}

/// The k-smoother state (`conversation.clj:451-468`): a new best k is only published after it
/// won four updates in a row. Persist it between updates to get Polis's behaviour; a fresh
/// state publishes the first best k at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KSmoother {
    pub last_k: Option<usize>,
    pub count: u32,
    pub smoothed_k: Option<usize>,
}

impl KSmoother {
    /// Feeds this update's best k and returns the k to publish.
    pub fn update(&mut self, this_k: usize) -> usize {
        self.count = if self.last_k == Some(this_k) {
            self.count + 1
        } else {
            1
        };
        let k = if self.count >= 4 {
            this_k
        } else {
            self.smoothed_k.unwrap_or(this_k)
        };
        self.smoothed_k = Some(k);
        self.last_k = Some(this_k);
        k
    }
}

/// Base clusters plus the chosen group clustering over them.
#[derive(Debug, Clone, PartialEq)]
pub struct TwoLevel {
    /// Level 1 over the in-conv participants.
    pub base: Clustering,
    /// Level 2 over the base-cluster centres.
    pub groups: Clustering,
    /// Silhouette of every k tried, `(k, silhouette)`.
    pub silhouettes: Vec<(usize, f64)>,
}

/// Polis's two-level clustering (§7.2, §7.3): base k-means with `base_k` clusters on the
/// participants' projections, then for each k in 2..=min(max_k, 2 + ⌊#base/12⌋) a weighted
/// k-means of the base centres, the k with the best silhouette (ties: the larger k, as Polis),
/// smoothed by `smoother`.
pub fn two_level(
    points: &[Point],
    base_k: usize,
    base_iters: usize,
    max_k: usize,
    group_iters: usize,
    smoother: &mut KSmoother,
) -> TwoLevel {
    let ones = vec![1.0; points.len()];
    let base = kmeans(points, &ones, base_k, base_iters);
    let counts: Vec<f64> = base.members().iter().map(|m| m.len() as f64).collect();
    let nb = base.k();
    let upper = max_k.min(2 + nb / 12);
    let mut candidates: Vec<(usize, Clustering, f64)> = Vec::new();
    if nb >= 2 {
        for k in 2..=upper.max(2) {
            let c = kmeans(&base.centers, &counts, k, group_iters);
            let s = silhouette(&base.centers, &c.assign, c.k());
            candidates.push((k, c, s));
        }
    }
    let silhouettes: Vec<(usize, f64)> = candidates.iter().map(|(k, _, s)| (*k, *s)).collect();
    let groups = if candidates.is_empty() {
        Clustering {
            centers: if nb == 0 {
                Vec::new()
            } else {
                vec![weighted_mean(&base.centers, &counts)]
            },
            assign: vec![0; nb],
        }
    } else {
        let mut best = 0;
        for (i, c) in candidates.iter().enumerate() {
            if c.2 >= candidates[best].2 {
                best = i;
            }
        }
        let chosen = smoother.update(candidates[best].0);
        let idx = candidates
            .iter()
            .position(|c| c.0 == chosen)
            .unwrap_or(best);
        candidates.swap_remove(idx).1
    };
    TwoLevel {
        base,
        groups,
        silhouettes,
    }
}

/// Adjusted Rand index between two labelings, over the keys labelled in both (Hubert & Arabie
/// 1985). 1 means the same partition; about 0 means chance agreement. Defined as 1 when both
/// partitions are trivial in the same way, 0 when fewer than two keys are shared.
pub fn adjusted_rand_index<K: Ord, A: Ord, B: Ord>(
    a: &std::collections::BTreeMap<K, A>,
    b: &std::collections::BTreeMap<K, B>,
) -> f64 {
    use std::collections::BTreeMap;
    let mut table: BTreeMap<(&A, &B), u64> = BTreeMap::new();
    let mut rows: BTreeMap<&A, u64> = BTreeMap::new();
    let mut cols: BTreeMap<&B, u64> = BTreeMap::new();
    let mut n = 0u64;
    for (k, la) in a {
        if let Some(lb) = b.get(k) {
            *table.entry((la, lb)).or_default() += 1;
            *rows.entry(la).or_default() += 1;
            *cols.entry(lb).or_default() += 1;
            n += 1;
        }
    }
    if n < 2 {
        return 0.0;
    }
    let c2 = |x: u64| (x * x.saturating_sub(1)) as f64 / 2.0;
    let index: f64 = table.values().map(|&x| c2(x)).sum();
    let sa: f64 = rows.values().map(|&x| c2(x)).sum();
    let sb: f64 = cols.values().map(|&x| c2(x)).sum();
    let expected = sa * sb / c2(n);
    let max = (sa + sb) / 2.0;
    if max == expected {
        return if index == max { 1.0 } else { 0.0 };
    }
    (index - expected) / (max - expected)
}

fn weighted_mean(points: &[Point], w: &[f64]) -> Point {
    let total: f64 = w.iter().sum();
    let mut acc = [0.0, 0.0];
    for (p, &wi) in points.iter().zip(w) {
        acc[0] += wi * p[0];
        acc[1] += wi * p[1];
    }
    if total > 0.0 {
        [acc[0] / total, acc[1] / total]
    } else {
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_separated_blobs_give_two_groups() {
        let mut pts = Vec::new();
        for i in 0..30 {
            let d = f64::from(i) * 0.01;
            pts.push([-5.0 + d, 1.0 - d]);
            pts.push([5.0 - d, -1.0 + d]);
        }
        let mut sm = KSmoother::default();
        let t = two_level(&pts, 100, 100, 5, 20, &mut sm);
        assert_eq!(t.groups.k(), 2);
        let g_of = |i: usize| t.groups.assign[t.base.assign[i]];
        assert_ne!(g_of(0), g_of(1));
        assert!((0..pts.len()).step_by(2).all(|i| g_of(i) == g_of(0)));
    }

    #[test]
    fn smoother_waits_four_updates() {
        let mut s = KSmoother::default();
        assert_eq!(s.update(2), 2);
        assert_eq!(s.update(3), 2);
        assert_eq!(s.update(3), 2);
        assert_eq!(s.update(3), 2);
        assert_eq!(s.update(3), 3);
    }
}
