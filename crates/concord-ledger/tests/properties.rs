//! Property tests: proofs from the stored-node tree verify for random sizes and agree with the
//! RFC's recursive definitions; any tampering breaks them; parsers never panic.

use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::merkle::{
    Hash, SubtreeHashes, Tree, leaf_hash, node_hash, root_of, verify_consistency, verify_inclusion,
};
use concord_ledger::note::{Ed25519Signer, Note};
use concord_ledger::tile::{TileId, decode_bundle, tile_hashes};
use concord_ledger::witness::{AddCheckpoint, WitnessError, check_add_checkpoint};
use proptest::prelude::*;

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// RFC 6962 §2.1.1 PATH, recursively, as an oracle.
fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return vec![];
    }
    let k = (d.len() - 1).next_power_of_two().max(1);
    let k = if k >= d.len() { k / 2 } else { k };
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(root_of(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(root_of(&d[..k]));
        p
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn inclusion_proofs_verify_and_match_the_definition(size in 1u64..600, pick in any::<u64>(), grow in 0u64..300) {
        let all = leaves(size + grow);
        let tree = Tree::from_leaf_hashes(all.iter().copied());
        let index = pick % size;
        let root = tree.root_at(size).unwrap();
        prop_assert_eq!(root, root_of(&all[..size as usize]));
        let proof = tree.inclusion_proof(index, size).unwrap();
        prop_assert_eq!(&proof, &path(index as usize, &all[..size as usize]));
        prop_assert!(verify_inclusion(index, size, &all[index as usize], &proof, &root).is_ok());
        // Tampering: another leaf, another index, a flipped bit, a dropped or extra element.
        let other = leaf_hash(b"other");
        prop_assert!(verify_inclusion(index, size, &other, &proof, &root).is_err());
        if size > 1 {
            prop_assert!(verify_inclusion((index + 1) % size, size, &all[index as usize], &proof, &root).is_err());
            let mut p = proof.clone();
            let at = (pick as usize / 7) % p.len();
            p[at][(pick % 32) as usize] ^= 1 << (pick % 8);
            prop_assert!(verify_inclusion(index, size, &all[index as usize], &p, &root).is_err());
            let mut p = proof.clone();
            p.pop();
            prop_assert!(verify_inclusion(index, size, &all[index as usize], &p, &root).is_err());
        }
        let mut p = proof.clone();
        p.push(other);
        prop_assert!(verify_inclusion(index, size, &all[index as usize], &p, &root).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_tampering_breaks_them(new in 1u64..600, pick in any::<u64>()) {
        let all = leaves(new);
        let tree = Tree::from_leaf_hashes(all.iter().copied());
        let old = 1 + pick % new;
        let (r1, r2) = (tree.root_at(old).unwrap(), tree.root_at(new).unwrap());
        let proof = tree.consistency_proof(old, new).unwrap();
        prop_assert!(verify_consistency(old, new, &proof, &r1, &r2).is_ok());
        let wrong = node_hash(&r1, &r2);
        if old < new {
            prop_assert!(verify_consistency(old, new, &proof, &wrong, &r2).is_err());
            prop_assert!(verify_consistency(old, new, &proof, &r1, &wrong).is_err());
            let mut p = proof.clone();
            let at = (pick as usize / 5) % p.len();
            p[at][(pick % 32) as usize] ^= 1 << (pick % 8);
            prop_assert!(verify_consistency(old, new, &p, &r1, &r2).is_err());
            let mut p = proof.clone();
            p.push(wrong);
            prop_assert!(verify_consistency(old, new, &p, &r1, &r2).is_err());
            // A fork: same old prefix, different later leaf → the new root no longer matches.
            let mut forked = all.clone();
            forked[(new - 1) as usize] = wrong;
            prop_assert!(verify_consistency(old, new, &proof, &r1, &root_of(&forked)).is_err() || old == new);
        } else {
            prop_assert!(proof.is_empty());
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn tiles_hold_the_roots_of_their_subtrees(size in 1u64..70_000) {
        let all = leaves(size);
        let tree = Tree::from_leaf_hashes(all.iter().copied());
        // The rightmost level-0 and level-1 tiles, full or partial.
        for level in 0u8..2 {
            let span = 256u64.pow(u32::from(level));
            let count = size / span;
            if count == 0 { continue; }
            let index = (count - 1) / 256;
            let width = (count - index * 256) as u16;
            let data = tile_hashes(&tree, level, index, width).unwrap();
            prop_assert_eq!(data.len(), usize::from(width) * 32);
            for i in 0..u64::from(width) {
                let start = ((index * 256 + i) * span) as usize;
                let want = root_of(&all[start..start + span as usize]);
                prop_assert_eq!(&data[(i * 32) as usize..(i * 32 + 32) as usize], &want[..]);
            }
            prop_assert!(tile_hashes(&tree, level, index, width + 1).is_none() || width == 256);
            let id = TileId::hashes(level, index, width);
            prop_assert_eq!(TileId::parse(id.path().strip_prefix("tile/").unwrap()).unwrap(), id);
        }
    }

}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), s in "\\PC{0,200}") {
        let _ = Note::parse(&bytes);
        let _ = Note::parse(s.as_bytes());
        let _ = Checkpoint::parse(&s);
        let _ = TileId::parse(&s);
        let _ = decode_bundle(&bytes);
        let _ = AddCheckpoint::parse(&bytes);
        let _ = concord_ledger::jcs::canonicalize_str(&bytes);
        let _ = concord_ledger::entry::Entry::decode(&bytes);
    }

    #[test]
    fn canonical_json_is_idempotent(s in "[ -~]{0,20}", n in any::<i32>(), f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let v = serde_json::json!({"s": s, "n": n, "f": f, "a": [true, null, {"z": 1, "b": 2}]});
        let c = concord_ledger::jcs::canonicalize(&v).unwrap();
        let again = concord_ledger::jcs::canonicalize_str(c.as_bytes()).unwrap();
        prop_assert_eq!(&c, &again);
        let back: serde_json::Value = serde_json::from_str(&c).unwrap();
        prop_assert_eq!(back["f"].as_f64().unwrap(), f);
    }
}

#[test]
fn witness_checks_follow_the_protocol() {
    let log = Ed25519Signer::from_seed("example.org/log", [7; 32]).unwrap();
    let all = leaves(10);
    let tree = Tree::from_leaf_hashes(all.iter().copied());
    let signed = |n: u64| {
        let cp = Checkpoint::new("example.org/log", n, tree.root_at(n).unwrap());
        concord_ledger::note::sign(&cp.to_text(), &[&log])
            .unwrap()
            .to_bytes()
    };
    let keys = |o: &str| (o == "example.org/log").then(|| vec![log.verifier()]);
    let req = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: signed(4),
    };
    let body = req.to_body();
    assert_eq!(AddCheckpoint::parse(&body).unwrap(), req);
    // Fresh witness: old 0 accepted.
    assert!(check_add_checkpoint(&req, keys, |_| None).is_ok());
    // Witness already at 4: old 0 → 409 with size 4.
    let at4 = |_: &str| Some((4, tree.root_at(4).unwrap()));
    assert_eq!(
        check_add_checkpoint(&req, keys, at4).unwrap_err(),
        WitnessError::Conflict(4)
    );
    // Correct proof 4 → 10.
    let good = AddCheckpoint {
        old_size: 4,
        proof: tree.consistency_proof(4, 10).unwrap(),
        checkpoint: signed(10),
    };
    assert!(check_add_checkpoint(&good, keys, at4).is_ok());
    // Bad proof → 422.
    let mut bad = good.clone();
    bad.proof[0][0] ^= 1;
    assert_eq!(
        check_add_checkpoint(&bad, keys, at4).unwrap_err().status(),
        422
    );
    // Unknown origin → 404; wrong key → 403; old > size → 400.
    assert_eq!(
        check_add_checkpoint(&good, |_| None, at4)
            .unwrap_err()
            .status(),
        404
    );
    let other = Ed25519Signer::from_seed("example.org/log", [8; 32]).unwrap();
    assert_eq!(
        check_add_checkpoint(&good, |_| Some(vec![other.verifier()]), at4)
            .unwrap_err()
            .status(),
        403
    );
    let over = AddCheckpoint {
        old_size: 11,
        proof: vec![],
        checkpoint: signed(10),
    };
    assert_eq!(
        check_add_checkpoint(&over, keys, at4).unwrap_err().status(),
        400
    );
    // Old size 0 with a proof → 422.
    let noisy = AddCheckpoint {
        old_size: 0,
        proof: vec![all[0]],
        checkpoint: signed(4),
    };
    assert_eq!(
        check_add_checkpoint(&noisy, keys, |_| None)
            .unwrap_err()
            .status(),
        422
    );
}

/// Regression (found by `canonical_json_is_idempotent`): a double above 2^53 is written as an
/// integer (5.940839265452669e18 → "5940839265452669000"), and that canonical text was then
/// refused as an inexact integer when canonicalized again. Integers that are not the canonical
/// form of their double are still refused.
#[test]
fn canonical_large_double_canonicalizes_to_itself() {
    let c = concord_ledger::jcs::canonicalize(&serde_json::json!(5.940839265452669e18)).unwrap();
    assert_eq!(c, "5940839265452669000");
    assert_eq!(
        concord_ledger::jcs::canonicalize_str(c.as_bytes()).unwrap(),
        c
    );
    assert!(concord_ledger::jcs::canonicalize_str(b"9007199254740993").is_err());
    assert!(concord_ledger::jcs::canonicalize_str(b"18446744073709551615").is_err());
}
