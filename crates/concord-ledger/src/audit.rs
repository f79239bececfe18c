//! `concord ledger verify`: recompute the tree from the stored rows and check it against every
//! signed checkpoint, naming each row that was altered, inserted or deleted behind the log's
//! back.
//!
//! What it can name exactly: a deleted row (a gap in the indices, or rows missing below the
//! latest checkpoint's size), an inserted row (beyond the latest checkpoint), a row whose data
//! no longer matches its stored leaf hash or its kind/id columns. A row altered together with
//! its leaf hash is caught by the first checkpoint whose root no longer matches, which names
//! the range of rows that checkpoint added (one row when appends were not batched).

use concord_store::ledger::LedgerStore;

use crate::checkpoint::Checkpoint;
use crate::entry::Entry;
use crate::log::LogError;
use crate::merkle::{Hash, SubtreeHashes, Tree, leaf_hash};
use crate::note::{Ed25519Verifier, Note, NoteVerifier};

const PAGE: u64 = 50_000;

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Finding {
    /// Row `index` is absent.
    Deleted { index: u64 },
    /// Row `index` is present but not covered by any signed checkpoint.
    Inserted { index: u64 },
    /// Row `index` differs from what was logged.
    Altered { index: u64, reason: String },
    /// The rows `from..to` no longer hash to the root checkpoint `to` signed.
    RootMismatch { from: u64, to: u64 },
    /// A stored checkpoint is not a valid signed checkpoint of this log.
    BadCheckpoint { size: u64, reason: String },
    /// An external checkpoint (e.g. kept by a witness or a client) disagrees with the store.
    ExternalMismatch { size: u64, reason: String },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Deleted { index } => write!(f, "row {index}: deleted"),
            Finding::Inserted { index } => {
                write!(
                    f,
                    "row {index}: inserted (not covered by any signed checkpoint)"
                )
            }
            Finding::Altered { index, reason } => write!(f, "row {index}: altered ({reason})"),
            Finding::RootMismatch { from, to } if to - from == 1 => write!(
                f,
                "row {from}: altered (with its leaf hash; checkpoint {to} no longer matches)"
            ),
            Finding::RootMismatch { from, to } => write!(
                f,
                "rows {from}..{}: one or more altered (checkpoint {to} no longer matches)",
                to - 1
            ),
            Finding::BadCheckpoint { size, reason } => write!(f, "checkpoint {size}: {reason}"),
            Finding::ExternalMismatch { size, reason } => {
                write!(f, "external checkpoint {size}: {reason}")
            }
        }
    }
}

/// What `verify` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub entries: u64,
    pub checkpoints: usize,
    pub latest_checkpoint: Option<u64>,
    pub root: String,
    pub findings: Vec<Finding>,
}

/// Audits the stored log against its signed checkpoints and any `external` checkpoint notes.
pub async fn audit(
    store: &dyn LedgerStore,
    key: &Ed25519Verifier,
    external: &[Vec<u8>],
) -> Result<Report, LogError> {
    let mut findings = Vec::new();
    let stored_size = store.ledger_size().await?;
    let checkpoints = store.ledger_checkpoints().await?;
    let latest = checkpoints.last().map(|c| c.size);
    let expected = stored_size.max(latest.unwrap_or(0));

    // 1. Rows: dense indices, data matching the stored leaf hash and the columns. The tree is
    // built from the stored leaf hashes, so a row whose data alone was changed is named here
    // and does not also break every later checkpoint.
    let mut tree = Tree::new();
    let mut from = 0;
    while from < stored_size {
        let to = (from + PAGE).min(stored_size);
        for e in store.ledger_entries(from, to).await? {
            while tree.size() < e.index {
                findings.push(Finding::Deleted { index: tree.size() });
                tree.push([0; 32]);
            }
            let h = leaf_hash(&e.data);
            if e.leaf_hash != h {
                findings.push(Finding::Altered {
                    index: e.index,
                    reason: "data does not match its leaf hash".into(),
                });
            }
            match Entry::decode(&e.data) {
                Err(err) => findings.push(Finding::Altered {
                    index: e.index,
                    reason: err.to_string(),
                }),
                Ok(entry) if entry.kind != e.kind || entry.id != e.record_id => {
                    findings.push(Finding::Altered {
                        index: e.index,
                        reason: "kind or record id column differs from the logged entry".into(),
                    })
                }
                Ok(_) => {}
            }
            tree.push(<Hash>::try_from(e.leaf_hash.as_slice()).unwrap_or([0; 32]));
        }
        from = to;
    }
    while tree.size() < expected {
        findings.push(Finding::Deleted { index: tree.size() });
        tree.push([0; 32]);
    }

    // 2. Checkpoints: signed by the key, and matching the recomputed tree.
    let mut good = 0u64;
    let mut broken = false;
    for c in &checkpoints {
        let cp = match open_checkpoint(&c.note, key) {
            Ok(cp) => cp,
            Err(reason) => {
                findings.push(Finding::BadCheckpoint {
                    size: c.size,
                    reason,
                });
                continue;
            }
        };
        if cp.size != c.size || cp.root.as_slice() != c.root.as_slice() {
            findings.push(Finding::BadCheckpoint {
                size: c.size,
                reason: "size or root column differs from the signed note".into(),
            });
        }
        // Once a range mismatches, every later checkpoint does too (it covers the same
        // leaves): report where the mismatch starts.
        let matches = tree.root_at(cp.size).ok() == Some(cp.root);
        if matches {
            good = cp.size;
            broken = false;
        } else if !broken {
            findings.push(Finding::RootMismatch {
                from: good,
                to: cp.size,
            });
            broken = true;
        }
    }
    if let Some(l) = latest {
        for index in l..stored_size {
            findings.push(Finding::Inserted { index });
        }
    } else {
        for index in 0..stored_size {
            findings.push(Finding::Inserted { index });
        }
    }

    // 3. External checkpoints: the store must still contain the tree they saw.
    for note in external {
        match open_checkpoint(note, key) {
            Err(reason) => findings.push(Finding::ExternalMismatch { size: 0, reason }),
            Ok(cp) => match tree.root_at(cp.size) {
                Ok(r) if r == cp.root => {}
                Ok(_) => findings.push(Finding::ExternalMismatch {
                    size: cp.size,
                    reason: "the stored entries do not hash to its root (history rewritten)".into(),
                }),
                Err(_) => findings.push(Finding::ExternalMismatch {
                    size: cp.size,
                    reason: format!(
                        "the store has only {} entries (history truncated)",
                        tree.size()
                    ),
                }),
            },
        }
    }

    let root: Hash = tree
        .root_at(tree.size())
        .unwrap_or(crate::merkle::EMPTY_ROOT);
    Ok(Report {
        entries: stored_size,
        checkpoints: checkpoints.len(),
        latest_checkpoint: latest,
        root: base64_of(&root),
        findings,
    })
}

fn base64_of(h: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(h)
}

/// Verifies a signed checkpoint note with `key` and parses it.
pub fn open_checkpoint(note: &[u8], key: &Ed25519Verifier) -> Result<Checkpoint, String> {
    let n = Note::parse(note).map_err(|e| e.to_string())?;
    n.verify(&[key as &dyn NoteVerifier])
        .map_err(|e| e.to_string())?;
    Checkpoint::parse(&n.text).map_err(|e| e.to_string())
}
