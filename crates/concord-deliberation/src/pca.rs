//! PCA of the mean-imputed, centred vote matrix and the projections (`specs/polis-math.md` §5–6).
//!
//! Polis (`pca.clj:38-82`) runs at most 100 power iterations from a random (unseeded) or warm
//! start, and switches to sampled mini-batches above 10,000 participants. Here the top two
//! eigenvectors of XᵀX are computed by Lanczos with full reorthogonalisation on the *sparse*
//! matrix: after column-mean imputation and centring, every unobserved cell is exactly 0, so
//! X·v and Xᵀ·u only touch the votes. With at most [`KRYLOV_DIM`] statements the Krylov space
//! is the whole space and the result is exact; beyond it, explicit restarts run until the Ritz
//! residuals are below 1e-11 relative. The start vector is a fixed pseudo-random sequence, so
//! the result never depends on a random seed or on earlier runs.
//!
//! **Sign convention** (components are only defined up to sign): each component is flipped so
//! that its largest-magnitude coordinate is positive (the lowest column index wins a tie).

use serde::Serialize;

use crate::matrix::VoteMatrix;

/// Largest Lanczos basis kept in memory (columns × this × 8 bytes).
pub const KRYLOV_DIM: usize = 100;
const MAX_RESTARTS: usize = 40;
const RESIDUAL_TOL: f64 = 1e-11;

/// Result of the PCA, in Concord's vote convention (agree = +1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pca {
    /// Column means over the observed votes (0 for mod-out columns), per matrix column.
    pub center: Vec<f64>,
    /// Two unit components over the matrix columns; a component is all zeros when the matrix
    /// has fewer than two non-zero principal directions.
    pub comps: [Vec<f64>; 2],
    /// The eigenvalues of XᵀX belonging to `comps`.
    pub eigenvalues: [f64; 2],
    /// Trace of XᵀX (total sum of squares), for explained-variance ratios.
    pub total_variance: f64,
}

/// Computes the centre and the two leading components of `rating-mat` (§3: mod-out columns read
/// 0 for everyone, so they centre to 0 and carry no variance).
pub fn pca(m: &VoteMatrix) -> Pca {
    let (center, centred) = centre(m);
    let n = m.n_cols();
    let total_variance: f64 = centred.iter().map(|x| x * x).sum();
    let zero = || vec![0.0; n];
    if n == 0 || m.n_rows() < 2 || total_variance <= 0.0 {
        return Pca {
            center,
            comps: [zero(), zero()],
            eigenvalues: [0.0, 0.0],
            total_variance,
        };
    }
    let op = |v: &[f64], out: &mut [f64]| xtx_mul(m, &centred, v, out);
    let (vals, vecs) = top_eigenpairs(op, n, 2);
    let mut comps = [zero(), zero()];
    let mut eigenvalues = [0.0, 0.0];
    for (k, (val, mut vec)) in vals.into_iter().zip(vecs).enumerate().take(2) {
        // Directions with no variance are noise from rounding: report them as absent.
        if val <= total_variance * 1e-12 {
            continue;
        }
        fix_sign(&mut vec);
        comps[k] = vec;
        eigenvalues[k] = val;
    }
    Pca {
        center,
        comps,
        eigenvalues,
        total_variance,
    }
}

/// Column means over observed cells, and the centred value of every stored vote.
fn centre(m: &VoteMatrix) -> (Vec<f64>, Vec<f64>) {
    let n = m.n_cols();
    let mut sum = vec![0.0; n];
    let mut count = vec![0usize; n];
    for (&c, &v) in m.cols.iter().zip(&m.vals) {
        sum[c as usize] += f64::from(v);
        count[c as usize] += 1;
    }
    let center: Vec<f64> = (0..n)
        .map(|j| {
            if m.mod_out[j] || count[j] == 0 {
                0.0
            } else {
                sum[j] / count[j] as f64
            }
        })
        .collect();
    let centred = m
        .cols
        .iter()
        .zip(&m.vals)
        .map(|(&c, &v)| {
            let c = c as usize;
            if m.mod_out[c] {
                0.0
            } else {
                f64::from(v) - center[c]
            }
        })
        .collect();
    (center, centred)
}

/// out = XᵀX v, one row at a time (the same order of work as Polis's `xtxr`, but sparse).
fn xtx_mul(m: &VoteMatrix, centred: &[f64], v: &[f64], out: &mut [f64]) {
    out.iter_mut().for_each(|x| *x = 0.0);
    for i in 0..m.n_rows() {
        let r = m.row_ptr[i]..m.row_ptr[i + 1];
        let cols = &m.cols[r.clone()];
        let xs = &centred[r];
        let s: f64 = cols.iter().zip(xs).map(|(&c, &x)| x * v[c as usize]).sum();
        if s != 0.0 {
            for (&c, &x) in cols.iter().zip(xs) {
                out[c as usize] += s * x;
            }
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// A fixed, well-spread start vector (SplitMix64 of the index), so runs are reproducible.
fn start_vector(n: usize) -> Vec<f64> {
    (0..n as u64)
        .map(|i| {
            let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            0.5 + (z >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// The `k` largest eigenpairs of a symmetric positive semi-definite operator of size `n`, by
/// Lanczos with full reorthogonalisation and explicit restarts. Eigenvalues descend.
pub(crate) fn top_eigenpairs(
    op: impl Fn(&[f64], &mut [f64]),
    n: usize,
    k: usize,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let m_max = n.min(KRYLOV_DIM);
    let mut start = start_vector(n);
    let mut best = (Vec::new(), Vec::new());
    for _ in 0..MAX_RESTARTS {
        let s = norm(&start);
        if s == 0.0 {
            break;
        }
        let mut q = start.iter().map(|x| x / s).collect::<Vec<_>>();
        let mut basis: Vec<Vec<f64>> = Vec::with_capacity(m_max);
        let mut alpha = Vec::with_capacity(m_max);
        let mut beta: Vec<f64> = Vec::with_capacity(m_max);
        let mut w = vec![0.0; n];
        let mut scale = 0.0f64;
        let mut exhausted = false;
        for step in 0..m_max {
            op(&q, &mut w);
            let a = dot(&q, &w);
            scale = scale.max(a.abs());
            alpha.push(a);
            basis.push(std::mem::take(&mut q));
            // Two passes of Gram–Schmidt against the whole basis keep it orthogonal to rounding.
            for _ in 0..2 {
                for b in &basis {
                    let c = dot(b, &w);
                    w.iter_mut().zip(b).for_each(|(x, y)| *x -= c * y);
                }
            }
            let b = norm(&w);
            beta.push(b);
            if b <= 1e-13 * scale.max(f64::MIN_POSITIVE) || step + 1 == n {
                exhausted = true;
                break;
            }
            // Large problems: stop as soon as the wanted Ritz pairs have converged.
            if n > KRYLOV_DIM && (step + 1) % 10 == 0 && ritz_converged(&alpha, &beta, k) {
                break;
            }
            q = w.iter().map(|x| x / b).collect();
        }
        let dim = alpha.len();
        let mut t = vec![0.0; dim * dim];
        for i in 0..dim {
            t[i * dim + i] = alpha[i];
            if i + 1 < dim {
                t[i * dim + i + 1] = beta[i];
                t[(i + 1) * dim + i] = beta[i];
            }
        }
        let (theta, s_vecs) = jacobi_eigen(&mut t, dim);
        let mut order: Vec<usize> = (0..dim).collect();
        order.sort_by(|&a, &b| theta[b].total_cmp(&theta[a]).then(a.cmp(&b)));
        let top: Vec<usize> = order.into_iter().take(k).collect();
        let last_beta = if exhausted { 0.0 } else { beta[dim - 1] };
        let mut vals = Vec::new();
        let mut vecs = Vec::new();
        let mut converged = true;
        for &c in &top {
            let mut y = vec![0.0; n];
            for (i, b) in basis.iter().enumerate() {
                let coef = s_vecs[i * dim + c];
                y.iter_mut().zip(b).for_each(|(x, v)| *x += coef * v);
            }
            let residual = (last_beta * s_vecs[(dim - 1) * dim + c]).abs();
            if residual > RESIDUAL_TOL * theta[top[0]].abs().max(f64::MIN_POSITIVE) {
                converged = false;
            }
            vals.push(theta[c]);
            vecs.push(y);
        }
        if converged || exhausted {
            return (vals, vecs);
        }
        // Restart from a blend of the wanted Ritz vectors: both keep improving.
        start = vec![0.0; n];
        for (i, y) in vecs.iter().enumerate() {
            let w = 1.0 / (i + 1) as f64;
            start.iter_mut().zip(y).for_each(|(s, v)| *s += w * v);
        }
        best = (vals, vecs);
    }
    best
}

/// Whether the top `k` Ritz pairs of the tridiagonal (alpha, beta) have residuals below the
/// tolerance.
fn ritz_converged(alpha: &[f64], beta: &[f64], k: usize) -> bool {
    let dim = alpha.len();
    let mut t = vec![0.0; dim * dim];
    for i in 0..dim {
        t[i * dim + i] = alpha[i];
        if i + 1 < dim {
            t[i * dim + i + 1] = beta[i];
            t[(i + 1) * dim + i] = beta[i];
        }
    }
    let (theta, s) = jacobi_eigen(&mut t, dim);
    let mut order: Vec<usize> = (0..dim).collect();
    order.sort_by(|&a, &b| theta[b].total_cmp(&theta[a]).then(a.cmp(&b)));
    let top = theta[order[0]].abs().max(f64::MIN_POSITIVE);
    order
        .iter()
        .take(k)
        .all(|&c| (beta[dim - 1] * s[(dim - 1) * dim + c]).abs() <= RESIDUAL_TOL * top)
}

/// Cyclic Jacobi eigendecomposition of a small symmetric matrix (row-major, destroyed).
/// Returns the eigenvalues and the eigenvectors as the columns of a row-major matrix.
pub(crate) fn jacobi_eigen(a: &mut [f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let frob: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let mut off = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                off += a[p * n + q] * a[p * n + q];
            }
        }
        if off.sqrt() <= 1e-17 * frob.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                // Rotation angle that zeroes a[p][q] (smaller root for stability).
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

/// Flips `v` so that its largest-magnitude coordinate is positive.
fn fix_sign(v: &mut [f64]) {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if x.abs() > v[best].abs() {
            best = i;
        }
    }
    if v.get(best).is_some_and(|x| *x < 0.0) {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}

/// Participant projection (§6, `pca.clj:134-164`):
/// `sqrt(n_cols / max(n_votes, 1)) · Σ_observed (x_ij − c_j) · [pc1_j, pc2_j]`, where mod-out
/// columns count as votes of everyone (they are zero-filled in `rating-mat`).
pub fn project_participants(m: &VoteMatrix, p: &Pca) -> Vec<[f64; 2]> {
    let n_cols = m.n_cols();
    let n_mod_out = m.mod_out.iter().filter(|b| **b).count();
    (0..m.n_rows())
        .map(|i| {
            let mut acc = [0.0, 0.0];
            let mut n_votes = n_mod_out;
            for (c, v) in m.row(i) {
                if m.mod_out[c] {
                    continue;
                }
                n_votes += 1;
                let x = f64::from(v) - p.center[c];
                acc[0] += x * p.comps[0][c];
                acc[1] += x * p.comps[1][c];
            }
            let scale = (n_cols as f64 / n_votes.max(1) as f64).sqrt();
            [acc[0] * scale, acc[1] * scale]
        })
        .collect()
}

/// Statement projections (§6, `pca-project-cmnts`): a virtual participant who agrees with
/// statement j only, `(1 − c_j) · [pc1_j, pc2_j] · sqrt(n_cols)` in the agree = +1 convention;
/// and the extremity `‖q_j‖`.
pub fn project_statements(m: &VoteMatrix, p: &Pca) -> (Vec<[f64; 2]>, Vec<f64>) {
    let s = (m.n_cols() as f64).sqrt();
    let proj: Vec<[f64; 2]> = (0..m.n_cols())
        .map(|j| {
            let x = 1.0 - p.center[j];
            [x * p.comps[0][j] * s, x * p.comps[1][j] * s]
        })
        .collect();
    let ext = proj.iter().map(|q| q[0].hypot(q[1])).collect();
    (proj, ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_reconstructs_a_symmetric_matrix() {
        let orig = [4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 5.0];
        let mut a = orig;
        let (vals, v) = jacobi_eigen(&mut a, 3);
        for i in 0..3 {
            for j in 0..3 {
                let r: f64 = (0..3).map(|k| v[i * 3 + k] * vals[k] * v[j * 3 + k]).sum();
                assert!((r - orig[i * 3 + j]).abs() < 1e-12, "{i},{j}: {r}");
            }
        }
    }

    #[test]
    fn lanczos_finds_the_top_eigenvector_of_a_diagonal_operator() {
        let d: Vec<f64> = (0..300).map(|i| 1.0 + i as f64 * 0.01).collect();
        let op = |v: &[f64], out: &mut [f64]| {
            for i in 0..v.len() {
                out[i] = d[i] * v[i];
            }
        };
        let (vals, vecs) = top_eigenpairs(op, d.len(), 2);
        assert!((vals[0] - d[299]).abs() < 1e-9, "{}", vals[0]);
        assert!((vals[1] - d[298]).abs() < 1e-9, "{}", vals[1]);
        assert!((vecs[0][299].abs() - 1.0).abs() < 1e-6);
    }
}
