//! The shared vectors: all 196 `transparency-dev/merkle` proof files, the RFC 6962 canonical
//! test tree, and the signed-note / checkpoint / cosignature strings of `data/note/README.md`.

use std::path::{Path, PathBuf};

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use concord_ledger::cosignature::{self, Cosigner};
use concord_ledger::merkle::{
    self, EMPTY_ROOT, Hash, SubtreeHashes, Tree, leaf_hash, root_of, verify_consistency,
    verify_inclusion,
};
use concord_ledger::note::{Ed25519Signer, Ed25519Verifier, Note, NoteSigner, NoteVerifier};
use serde_json::Value;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn b64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().unwrap()).unwrap()
}

fn proof(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::Null => vec![],
        Value::Array(a) => a.iter().map(b64).collect(),
        _ => panic!("bad proof"),
    }
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/merkle")
}

#[test]
fn all_inclusion_vectors() {
    let mut files = vec![];
    json_files(&data().join("inclusion"), &mut files);
    assert_eq!(files.len(), 98);
    let mut positives = 0;
    for f in files {
        let v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let got = verify_inclusion(
            v["leafIdx"].as_u64().unwrap(),
            v["treeSize"].as_u64().unwrap(),
            &b64(&v["leafHash"]),
            &proof(&v["proof"]),
            &b64(&v["root"]),
        );
        let want_err = v["wantErr"].as_bool().unwrap();
        assert_eq!(got.is_err(), want_err, "{}: {got:?}", f.display());
        positives += usize::from(!want_err);
    }
    assert_eq!(positives, 6);
}

#[test]
fn all_consistency_vectors() {
    let mut files = vec![];
    json_files(&data().join("consistency"), &mut files);
    assert_eq!(files.len(), 98);
    let mut positives = 0;
    for f in files {
        let v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let got = verify_consistency(
            v["size1"].as_u64().unwrap(),
            v["size2"].as_u64().unwrap(),
            &proof(&v["proof"]),
            &b64(&v["root1"]),
            &b64(&v["root2"]),
        );
        let want_err = v["wantErr"].as_bool().unwrap();
        assert_eq!(got.is_err(), want_err, "{}: {got:?}", f.display());
        positives += usize::from(!want_err);
    }
    assert_eq!(positives, 6);
}

fn hx(s: &str) -> Hash {
    let v: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

fn canonical_leaves() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    })
    .collect()
}

#[test]
fn canonical_test_tree_roots_and_proofs() {
    let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let leaves: Vec<Hash> = canonical_leaves().iter().map(|l| leaf_hash(l)).collect();
    assert_eq!(
        leaves[7],
        hx("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1")
    );
    let tree = Tree::from_leaf_hashes(leaves.iter().copied());
    assert_eq!(tree.root_at(0).unwrap(), EMPTY_ROOT);
    for (n, r) in roots.iter().enumerate() {
        assert_eq!(tree.root_at(n as u64).unwrap(), hx(r), "root of {n}");
        assert_eq!(root_of(&leaves[..n]), hx(r));
    }
    assert_eq!(
        tree.inclusion_proof(0, 8).unwrap(),
        vec![
            hx("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            hx("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            hx("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ]
    );
    assert_eq!(
        tree.inclusion_proof(5, 8).unwrap(),
        vec![
            hx("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            hx("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            hx("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ]
    );
    // Section 1.3 symbolic example instantiated on the 7-leaf prefix.
    let l = hx("837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e");
    assert_eq!(
        tree.consistency_proof(3, 7).unwrap(),
        vec![
            hx("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
            hx("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
            hx("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
            l,
        ]
    );
    assert_eq!(tree.consistency_proof(4, 7).unwrap(), vec![l]);
    // The happy-path vector 6 → 8.
    let want: Vec<Hash> = [
        "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
        "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
        "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
    ]
    .iter()
    .map(|s| B64.decode(s).unwrap().try_into().unwrap())
    .collect();
    assert_eq!(tree.consistency_proof(6, 8).unwrap(), want);
    assert_eq!(tree.consistency_proof(5, 5).unwrap(), Vec::<Hash>::new());
    assert!(tree.consistency_proof(0, 5).is_err());
    assert!(tree.inclusion_proof(8, 8).is_err());
    assert!(tree.inclusion_proof(0, 9).is_err());
    assert_eq!(merkle::inclusion_proof_len(5, 8), 3);
}

const PETER_SK: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VK: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_LINE: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

#[test]
fn c2sp_signed_note_example_verifies() {
    let v = Ed25519Verifier::from_vkey(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    )
    .unwrap();
    let raw = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    let n = Note::parse(raw.as_bytes()).unwrap();
    assert_eq!(n.text, "This is an example message.\n");
    assert_eq!(n.signatures[0].key_id, 0x530d903a);
    assert_eq!(n.verify(&[&v]).unwrap(), vec![0]);
    assert_eq!(n.to_bytes(), raw.as_bytes());
}

#[test]
fn x_mod_note_example_signs_and_verifies_byte_for_byte() {
    let s = Ed25519Signer::from_private_key(PETER_SK).unwrap();
    assert_eq!(s.verifier_key(), PETER_VK);
    assert_eq!(s.private_key(), PETER_SK);
    let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    let signed = concord_ledger::note::sign(text, &[&s]).unwrap();
    assert_eq!(String::from_utf8(signed.to_bytes()).unwrap(), PETER_NOTE);
    let v = Ed25519Verifier::from_vkey(PETER_VK).unwrap();
    // A second signature from an unknown key is ignored.
    let both = format!("{PETER_NOTE}{ENOCH_LINE}");
    let n = Note::parse(both.as_bytes()).unwrap();
    assert_eq!(n.signatures[1].key_id, 0xaf0cfe78);
    assert_eq!(n.verify(&[&v]).unwrap(), vec![0]);
    // Only the unknown one: rejected.
    let only = format!("{text}\n{ENOCH_LINE}");
    assert!(Note::parse(only.as_bytes()).unwrap().verify(&[&v]).is_err());
    // A tampered text fails with the known key.
    let bad = PETER_NOTE.replace("answer", "Answer");
    assert!(Note::parse(bad.as_bytes()).unwrap().verify(&[&v]).is_err());
    // Empty-tree checkpoint (vectors/note 4.3).
    let cp = "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    let n = concord_ledger::note::sign(cp, &[&s]).unwrap();
    assert_eq!(
        String::from_utf8(n.to_bytes()).unwrap(),
        format!(
            "{cp}\n\u{2014} PeterNeumann x08go/Vt0JZtWilJZGMbqlxexsYFIHg5X4yPF8ITXUo3lyzQeHbWVyXIzqkp/Mk+QPoNDrabzX5/qAhWL1Pe2fM8uQg=\n"
        )
    );
}

const SOFA: &str =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

#[test]
fn self_generated_checkpoint_and_cosignature_pair() {
    let log = Ed25519Signer::from_seed("example.com/behind-the-sofa", [1; 32]).unwrap();
    assert_eq!(
        log.private_key(),
        "PRIVATE+KEY+example.com/behind-the-sofa+6ded73a9+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"
    );
    assert_eq!(
        log.verifier_key(),
        "example.com/behind-the-sofa+6ded73a9+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c"
    );
    let w = Cosigner::from_seed("witness.example/w1", [2; 32]).unwrap();
    assert_eq!(
        w.verifier().to_vkey(),
        "witness.example/w1+df1c0a35+BIE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOU"
    );
    let mut note = concord_ledger::note::sign(SOFA, &[&log]).unwrap();
    note.signatures.push(w.cosign(SOFA, 1679315147));
    let want = format!(
        "{SOFA}\n\u{2014} example.com/behind-the-sofa be1zqQx8hYrJJIfiWfY39ShElJ74dPrOjXSgJJ2qG3vny2U7JyHN2kKCWb5H5e2MfxP7My2OyDRrDvCH/RbVubiZ8AE=\n\u{2014} witness.example/w1 3xwKNQAAAABkGFDLUwBLV8e4tjvb6qEHiNTQjDZIX+7tvd038taw9A7W/cQ7ZhSah0uJMOI6CTPez5qwHtE49MrkWhU349mtYmi3Dw==\n"
    );
    assert_eq!(String::from_utf8(note.to_bytes()).unwrap(), want);

    let parsed = Note::parse(want.as_bytes()).unwrap();
    // The log key verifies its line and ignores the cosignature (different key ID).
    assert_eq!(parsed.verify(&[&log.verifier()]).unwrap(), vec![0]);
    let wv = Ed25519Verifier::from_vkey(
        "witness.example/w1+df1c0a35+BIE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOU",
    )
    .unwrap();
    assert_eq!(
        cosignature::verify(&wv, SOFA, &parsed.signatures[1]).unwrap(),
        1679315147
    );
    // Negative checks of vectors/note §4.2.
    let mut other_time = parsed.signatures[1].clone();
    other_time.signature[7] ^= 1;
    assert!(cosignature::verify(&wv, SOFA, &other_time).is_err());
    let bare = &parsed.signatures[1].signature[8..];
    assert!(!NoteVerifier::verify(&wv, SOFA.as_bytes(), bare));
    assert!(cosignature::verify(&wv, &SOFA.replace("63", "64"), &parsed.signatures[1]).is_err());
    assert_ne!(NoteSigner::key_id(&log), wv.key_id());
}

#[test]
fn c2sp_checkpoint_examples_parse_and_unknown_keys_are_ignored() {
    let raw = format!(
        "{SOFA}\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
    );
    let n = Note::parse(raw.as_bytes()).unwrap();
    assert_eq!(n.signatures[0].key_id, 0x033de0ae);
    assert_eq!(n.signatures[1].key_id, 0x8d66cf3f);
    assert_eq!(n.signatures[1].signature.len(), 72);
    assert_eq!(
        &n.signatures[1].signature[..8],
        &[0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb]
    );
    let cp = concord_ledger::Checkpoint::parse(&n.text).unwrap();
    assert_eq!(cp.size, 20852163);
    // Our own key (same name, other key ID) does not know these signatures.
    let log = Ed25519Signer::from_seed("example.com/behind-the-sofa", [1; 32]).unwrap();
    assert!(n.verify(&[&log.verifier()]).is_err());
}

#[test]
fn key_string_errors() {
    assert!(
        Ed25519Verifier::from_vkey(
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err()
    );
    assert!(Ed25519Verifier::from_vkey("PeterNeumann+c74f20a3").is_err());
    assert!(Ed25519Verifier::from_vkey("Peter Neumann+c74f20a3+ARpc").is_err());
    assert!(Ed25519Signer::from_private_key("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK").is_err());
    assert!(Ed25519Signer::from_seed("a+b", [0; 32]).is_err());
    assert!(Note::parse(b"no signatures\n").is_err());
    assert!(Note::parse("text\n\n\u{2014} k AAAA\n".as_bytes()).is_err());
    assert!(Note::parse("te\x01xt\n\n\u{2014} k AAAAAAAA\n".as_bytes()).is_err());
}
