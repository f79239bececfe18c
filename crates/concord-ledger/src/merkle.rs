//! RFC 6962 / RFC 9162 §2.1 Merkle tree hashing, proofs and their verification.
//!
//! Proof generation works over anything that can give the hash of a subtree `D[start:end]`
//! ([`SubtreeHashes`]); [`Tree`] is the in-memory implementation, which keeps every complete
//! (aligned, power-of-two) subtree hash so a proof costs O(log² n) hash lookups at worst.
//! Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 with the four edge cases that
//! `transparency-dev/merkle` settles (see `docs/ledger.md`).

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// MTH of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Leaf hash: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// Interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &[u8], right: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Why a proof was refused or could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("sizes out of order: old size {old} is larger than new size {new}")]
    SizesOutOfOrder { old: u64, new: u64 },
    #[error("a consistency proof from the empty tree is meaningless")]
    EmptyOldTree,
    #[error("tree size {size} exceeds the log's size {have}")]
    BeyondTree { size: u64, have: u64 },
    #[error("hash has {0} bytes, expected 32")]
    HashLength(usize),
    #[error("proof has {got} hashes, expected {want}")]
    ProofLength { got: usize, want: usize },
    #[error("equal tree sizes need an empty proof")]
    NonEmptyProofForEqualSizes,
    #[error("empty consistency proof")]
    EmptyProof,
    #[error("computed root does not match")]
    RootMismatch,
    #[error("roots differ for equal tree sizes")]
    EqualSizesDifferentRoots,
}

/// Largest power of two strictly smaller than `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// MTH over a list of leaf hashes, straight from the RFC's recursive definition. Used as the
/// reference in tests and by `verify`, which recomputes everything from stored rows.
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// A source of subtree hashes MTH(D[start:end]) for `start < end <= size()`.
pub trait SubtreeHashes {
    fn size(&self) -> u64;
    fn subtree(&self, start: u64, end: u64) -> Hash;

    /// MTH of the first `size` leaves.
    fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size() {
            return Err(ProofError::BeyondTree {
                size,
                have: self.size(),
            });
        }
        Ok(if size == 0 {
            EMPTY_ROOT
        } else {
            self.subtree(0, size)
        })
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 6962 PATH).
    fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        if size > self.size() {
            return Err(ProofError::BeyondTree {
                size,
                have: self.size(),
            });
        }
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let mut path = Vec::new();
        // Walk from the root down; collect siblings, then reverse (leaf sibling first).
        let (mut start, mut end, mut m) = (0u64, size, index);
        while end - start > 1 {
            let k = split_point(end - start);
            if m < k {
                path.push(self.subtree(start + k, end));
                end = start + k;
            } else {
                path.push(self.subtree(start, start + k));
                start += k;
                m -= k;
            }
        }
        path.reverse();
        Ok(path)
    }

    /// The consistency proof from the first `old` leaves to the first `new` (RFC 6962 PROOF).
    /// `old == new` gives the empty proof; `old == 0` is refused (meaningless).
    fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        if new > self.size() {
            return Err(ProofError::BeyondTree {
                size: new,
                have: self.size(),
            });
        }
        if old > new {
            return Err(ProofError::SizesOutOfOrder { old, new });
        }
        if old == 0 {
            return Err(ProofError::EmptyOldTree);
        }
        let mut proof = Vec::new();
        // SUBPROOF(m, D[start:end], b), unrolled; pushes go in reverse order.
        let (mut start, mut end, mut m, mut whole) = (0u64, new, old, true);
        loop {
            let n = end - start;
            if m == n {
                if !whole {
                    proof.push(self.subtree(start, end));
                }
                break;
            }
            let k = split_point(n);
            if m <= k {
                proof.push(self.subtree(start + k, end));
                end = start + k;
            } else {
                proof.push(self.subtree(start, start + k));
                start += k;
                m -= k;
                whole = false;
            }
        }
        proof.reverse();
        Ok(proof)
    }
}

/// An in-memory Merkle tree keeping the hash of every complete subtree:
/// `levels[l][i]` = MTH(D[i·2^l : (i+1)·2^l]). Appending costs one leaf push and on average
/// one node hash; memory is about 64 bytes per leaf.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    pub fn from_leaf_hashes<I: IntoIterator<Item = Hash>>(leaves: I) -> Tree {
        let mut t = Tree::new();
        for l in leaves {
            t.push(l);
        }
        t
    }

    /// Appends a leaf hash and returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        let index = self.levels[0].len() as u64;
        self.levels[0].push(leaf);
        let mut level = 0;
        // A node completes whenever its right child does: climb while the index is odd.
        while self.levels[level].len().is_multiple_of(2) {
            let n = self.levels[level].len();
            let parent = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(parent);
            level += 1;
        }
        index
    }

    /// Drops every leaf from `size` on (undoing appends that were not committed).
    pub fn truncate(&mut self, size: u64) {
        for (l, level) in self.levels.iter_mut().enumerate() {
            level.truncate((size >> l) as usize);
        }
    }

    /// The leaf hash at `index`, if present.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels.first()?.get(index as usize).copied()
    }

    /// The stored hash of the complete subtree at `level`, `index`, if it is complete.
    pub fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self.levels
            .get(level as usize)?
            .get(index as usize)
            .copied()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.root_at(self.size()).unwrap_or(EMPTY_ROOT)
    }
}

impl SubtreeHashes for Tree {
    fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    fn subtree(&self, start: u64, end: u64) -> Hash {
        debug_assert!(start < end && end <= self.size());
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let level = n.trailing_zeros();
            return self.levels[level as usize][(start >> level) as usize];
        }
        let k = split_point(n);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
    }
}

/// Expected audit path length for `index` in a tree of `size` (`transparency-dev/merkle`
/// `decompInclProof`): inner + border.
pub fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = (index >> inner).count_ones();
    (inner + border) as usize
}

fn hash32(b: &[u8]) -> Result<Hash, ProofError> {
    b.try_into().map_err(|_| ProofError::HashLength(b.len()))
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2). Byte slices, not fixed arrays, so that
/// wrong lengths are refused explicitly instead of being padded.
pub fn verify_inclusion<P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[P],
    root: &[u8],
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut r = hash32(leaf_hash)?;
    let want = inclusion_proof_len(index, size);
    if proof.len() != want {
        return Err(ProofError::ProofLength {
            got: proof.len(),
            want,
        });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    for p in proof {
        let p = hash32(p.as_ref())?;
        if snode == 0 {
            return Err(ProofError::ProofLength {
                got: proof.len(),
                want,
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(&p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, &p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 || r.as_slice() != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2) between a tree of `old` leaves with root
/// `old_root` and one of `new` leaves with root `new_root`.
pub fn verify_consistency<P: AsRef<[u8]>>(
    old: u64,
    new: u64,
    proof: &[P],
    old_root: &[u8],
    new_root: &[u8],
) -> Result<(), ProofError> {
    if new < old {
        return Err(ProofError::SizesOutOfOrder { old, new });
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if old == new {
        // Edge case 1: compared as bytes, before any length check.
        if !proof.is_empty() {
            return Err(ProofError::NonEmptyProofForEqualSizes);
        }
        if old_root != new_root {
            return Err(ProofError::EqualSizesDifferentRoots);
        }
        return Ok(());
    }
    if proof.is_empty() {
        return Err(ProofError::EmptyProof);
    }
    let first = hash32(old_root)?;
    hash32(new_root)?;
    let mut path = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(first);
    }
    for p in proof {
        path.push(hash32(p.as_ref())?);
    }
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError::ProofLength {
                got: proof.len(),
                want: proof.len() - 1,
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 || fr.as_slice() != old_root || sr.as_slice() != new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hx(s: &str) -> Hash {
        let v: Vec<u8> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect();
        v.try_into().unwrap()
    }

    #[test]
    fn hasher_checks_from_rfc6962_test() {
        assert_eq!(
            leaf_hash(b"L123456"),
            hx("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        );
        assert_eq!(
            node_hash(b"N123", b"N456"),
            hx("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
        );
        assert_eq!(root_of(&[]), EMPTY_ROOT);
    }

    #[test]
    fn split_point_is_largest_power_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
    }
}
