//! The math object in Polis's shape (`math_main`, served as `/api/v3/math/pca2`;
//! `specs/polis-math.md` §14, whitelist `conv_man.clj:43-76`).
//!
//! Fields keep Polis's names and meaning. Polis's math uses agree = −1 (§1), so the fields
//! that carry a vote sign (`pca.center`, `pca.comment-projection`, `base-clusters.x/y`,
//! `group-clusters[*].center`) are negated from Concord's agree = +1 on the way out; the
//! components keep Concord's fixed sign (Polis's own sign is arbitrary). Keys Polis does not
//! have are under `concord`.

use serde_json::{Map, Value, json};

use crate::analysis::Analysis;

fn obj_by_tid<T: Into<Value> + Copy>(a: &Analysis, v: &[T]) -> Value {
    let m: Map<String, Value> = a
        .tids
        .iter()
        .zip(v)
        .map(|(t, x)| (t.to_string(), (*x).into()))
        .collect();
    Value::Object(m)
}

/// Builds the math object.
pub fn math_object(a: &Analysis) -> Value {
    let m = &a.matrix;
    let n_cols = a.tids.len();
    let tally = |t: &crate::stats::Tally| json!({"A": t.agree, "D": t.disagree, "S": t.seen});
    let votes_base: Map<String, Value> = a
        .tids
        .iter()
        .enumerate()
        .map(|(c, t)| {
            let col = |f: fn(&crate::stats::Tally) -> u32| -> Vec<u32> {
                a.votes_base.iter().map(|b| f(&b[c])).collect()
            };
            (
                t.to_string(),
                json!({"A": col(|x| x.agree), "D": col(|x| x.disagree), "S": col(|x| x.seen)}),
            )
        })
        .collect();
    let group_votes: Map<String, Value> = a
        .groups
        .iter()
        .zip(&a.group_votes)
        .map(|(g, tv)| {
            let votes: Map<String, Value> = a
                .tids
                .iter()
                .zip(tv)
                .map(|(t, x)| (t.to_string(), tally(x)))
                .collect();
            (
                g.id.to_string(),
                json!({"n-members": g.members.len(), "votes": votes, "id": g.id}),
            )
        })
        .collect();
    let repness: Map<String, Value> = a
        .groups
        .iter()
        .zip(&a.repness)
        .map(|(g, r)| {
            (
                g.id.to_string(),
                serde_json::to_value(r).unwrap_or_default(),
            )
        })
        .collect();
    let user_vote_counts: Map<String, Value> = a
        .pids
        .iter()
        .enumerate()
        .map(|(i, p)| (p.to_string(), m.row_count(i).into()))
        .collect();
    let neg = |x: f64| if x == 0.0 { 0.0 } else { -x };
    let proj0: Vec<f64> = a.statement_projection.iter().map(|q| neg(q[0])).collect();
    let proj1: Vec<f64> = a.statement_projection.iter().map(|q| neg(q[1])).collect();
    let mod_out: Vec<u32> = (0..n_cols)
        .filter(|&c| m.mod_out[c])
        .map(|c| a.tids[c])
        .collect();
    let meta: Vec<u32> = (0..n_cols)
        .filter(|&c| m.meta[c])
        .map(|c| a.tids[c])
        .collect();
    json!({
        "n": a.pids.len(),
        "n-cmts": n_cols,
        "tids": a.tids,
        "in-conv": a.in_conv,
        "mod-out": mod_out,
        "meta-tids": meta,
        "user-vote-counts": user_vote_counts,
        "pca": {
            "center": a.pca.center.iter().map(|&x| neg(x)).collect::<Vec<_>>(),
            "comps": [a.pca.comps[0], a.pca.comps[1]],
            "comment-projection": [proj0, proj1],
            "comment-extremity": a.extremity,
        },
        "base-clusters": {
            "id": a.base_clusters.iter().map(|b| b.id).collect::<Vec<_>>(),
            "members": a.base_clusters.iter().map(|b| b.members.clone()).collect::<Vec<_>>(),
            "x": a.base_clusters.iter().map(|b| neg(b.center[0])).collect::<Vec<_>>(),
            "y": a.base_clusters.iter().map(|b| neg(b.center[1])).collect::<Vec<_>>(),
            "count": a.base_clusters.iter().map(|b| b.members.len()).collect::<Vec<_>>(),
        },
        "group-clusters": a.groups.iter().map(|g| json!({
            "id": g.id,
            "members": g.base_clusters,
            "center": [neg(g.center[0]), neg(g.center[1])],
        })).collect::<Vec<_>>(),
        "votes-base": votes_base,
        "group-votes": group_votes,
        "repness": repness,
        "consensus": a.consensus,
        "group-aware-consensus": obj_by_tid(a, &a.group_aware_consensus),
        "comment-priorities": obj_by_tid(a, &a.priorities),
        "concord": {
            "vote-sign": "Polis math convention: agree = -1 in pca.center, comment-projection, base-clusters x/y, group centres",
            "pca-eigenvalues": a.pca.eigenvalues,
            "pca-total-variance": a.pca.total_variance,
            "silhouettes": a.silhouettes,
            "k-smoother": a.smoother,
            "inclusive": a.inclusive,
        },
    })
}
