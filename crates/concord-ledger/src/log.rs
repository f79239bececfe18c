//! The running log: a single sequencer task that integrates appends in batches, an in-memory
//! [`Tree`] for proofs and tiles, and the signed checkpoints, all persisted through
//! [`LedgerStore`].
//!
//! An append is acknowledged only after the transaction holding its batch and the checkpoint
//! that covers it has committed (durable: see `concord_store::ledger`). If another process
//! appended in between (PostgreSQL, several servers), the store refuses the batch, the
//! sequencer loads the new leaves and tries again, so the log never forks.

use std::sync::{Arc, RwLock};

use concord_store::StoreError;
use concord_store::ledger::{LedgerEntry, LedgerStore, StoredCheckpoint};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::checkpoint::Checkpoint;
use crate::entry::{Entry, EntryError};
use crate::merkle::{Hash, ProofError, SubtreeHashes, Tree, leaf_hash};
use crate::note::{Ed25519Signer, Note, NoteSigner, NoteVerifier};
use crate::tile::{TileId, encode_bundle, tile_hashes};

/// Leaf hashes loaded per query when the tree is rebuilt.
const LOAD_PAGE: u64 = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Entry(#[from] EntryError),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error(
        "the stored log does not match its latest checkpoint ({0}); run `concord ledger verify`"
    )]
    Inconsistent(String),
    #[error("the sequencer has stopped")]
    Stopped,
}

/// Settings of a log.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// Checkpoint origin; also the log key's name.
    pub origin: String,
    /// Most entries integrated in one batch (one transaction, one fsync).
    pub max_batch: usize,
}

/// What an append returns once its batch is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    pub index: u64,
    /// Size of the checkpoint that first covers the entry.
    pub checkpoint_size: u64,
}

struct Pending {
    entries: Vec<(String, String, Vec<u8>)>,
    reply: oneshot::Sender<Result<Vec<Receipt>, LogError>>,
}

struct State {
    tree: Tree,
    /// Size covered by the latest committed checkpoint; the tree may briefly hold more leaves
    /// while a batch is being written, which readers must not see.
    committed: u64,
    /// The latest committed checkpoint (signed note).
    checkpoint: Vec<u8>,
}

/// A transparency log over a [`LedgerStore`].
pub struct Log {
    store: Arc<dyn LedgerStore>,
    signer: Ed25519Signer,
    config: LogConfig,
    state: RwLock<State>,
    tx: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Log({})", self.config.origin)
    }
}

/// Reads every leaf hash from the store into a tree, checking indices are dense.
pub async fn load_tree(store: &dyn LedgerStore, tree: &mut Tree, to: u64) -> Result<(), LogError> {
    while tree.size() < to {
        let from = tree.size();
        let page = store
            .ledger_leaf_hashes(from, to.min(from + LOAD_PAGE))
            .await?;
        if page.is_empty() {
            return Err(LogError::Inconsistent(format!("entry {from} is missing")));
        }
        for (idx, h) in page {
            if idx != tree.size() {
                return Err(LogError::Inconsistent(format!(
                    "entry {} is missing",
                    tree.size()
                )));
            }
            let h: Hash = h
                .try_into()
                .map_err(|_| LogError::Inconsistent(format!("entry {idx} has a bad leaf hash")))?;
            tree.push(h);
        }
    }
    Ok(())
}

impl Log {
    /// Opens the log: rebuilds the tree from the store, checks it against the latest
    /// checkpoint, signs the empty checkpoint for a new log, and starts the sequencer.
    pub async fn open(
        store: Arc<dyn LedgerStore>,
        signer: Ed25519Signer,
        config: LogConfig,
    ) -> Result<Arc<Log>, LogError> {
        let size = store.ledger_size().await?;
        let mut tree = Tree::new();
        load_tree(store.as_ref(), &mut tree, size).await?;
        let latest = store.ledger_latest_checkpoint().await?;
        let checkpoint = match latest {
            None if size == 0 => {
                let note = sign_checkpoint(&signer, &config.origin, &tree, 0);
                store
                    .ledger_append(0, &[], &stored(&tree, 0, note.clone()))
                    .await?;
                note
            }
            None => return Err(LogError::Inconsistent("no checkpoint".into())),
            Some(c) => {
                check_stored(&c, &tree, &signer)?;
                if c.size != size {
                    return Err(LogError::Inconsistent(format!(
                        "{} entries, but the latest checkpoint covers {}",
                        size, c.size
                    )));
                }
                c.note
            }
        };
        let (tx, rx) = mpsc::channel(1024);
        let log = Arc::new(Log {
            store,
            signer,
            config,
            state: RwLock::new(State {
                tree,
                committed: size,
                checkpoint,
            }),
            tx,
        });
        tokio::spawn(sequence(Arc::downgrade(&log), rx));
        Ok(log)
    }

    pub fn origin(&self) -> &str {
        &self.config.origin
    }

    /// The log's verifier key string.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }

    /// Appends one record; returns once it is durable.
    pub async fn append(&self, kind: &str, id: &str, record: &Value) -> Result<Receipt, LogError> {
        let r = self.append_encoded(vec![(
            kind.into(),
            id.into(),
            Entry::encode(kind, id, record)?,
        )]);
        Ok(r.await?[0])
    }

    /// Appends several records as a unit of the same batch; returns once they are durable.
    pub async fn append_many(
        &self,
        records: &[(String, String, Value)],
    ) -> Result<Vec<Receipt>, LogError> {
        let mut entries = Vec::with_capacity(records.len());
        for (k, i, r) in records {
            entries.push((k.clone(), i.clone(), Entry::encode(k, i, r)?));
        }
        self.append_encoded(entries).await
    }

    async fn append_encoded(
        &self,
        entries: Vec<(String, String, Vec<u8>)>,
    ) -> Result<Vec<Receipt>, LogError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Pending { entries, reply })
            .await
            .map_err(|_| LogError::Stopped)?;
        rx.await.map_err(|_| LogError::Stopped)?
    }

    /// The latest checkpoint (signed note bytes) and its size.
    pub fn checkpoint(&self) -> (u64, Vec<u8>) {
        let s = self.state.read().expect("log state lock");
        (s.committed, s.checkpoint.clone())
    }

    pub fn size(&self) -> u64 {
        self.state.read().expect("log state lock").committed
    }

    pub fn root_at(&self, size: u64) -> Result<Hash, LogError> {
        let s = self.state.read().expect("log state lock");
        check_size(size, s.committed)?;
        Ok(s.tree.root_at(size)?)
    }

    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        let s = self.state.read().expect("log state lock");
        (index < s.committed).then(|| s.tree.leaf(index)).flatten()
    }

    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        let s = self.state.read().expect("log state lock");
        check_size(size, s.committed)?;
        Ok(s.tree.inclusion_proof(index, size)?)
    }

    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
        let s = self.state.read().expect("log state lock");
        check_size(new, s.committed)?;
        Ok(s.tree.consistency_proof(old, new)?)
    }

    /// A hash tile or entry bundle, if the committed log contains it.
    pub async fn tile(&self, id: TileId) -> Result<Option<Vec<u8>>, LogError> {
        match id.level {
            Some(level) => {
                let s = self.state.read().expect("log state lock");
                if !id.within(s.committed) {
                    return Ok(None);
                }
                Ok(tile_hashes(&s.tree, level, id.index, id.width))
            }
            None => {
                if !id.within(self.size()) {
                    return Ok(None);
                }
                let (from, to) = id.leaf_range().expect("within() checked the range");
                let entries = self.store.ledger_entries(from, to).await?;
                if entries.len() as u64 != to - from {
                    return Err(LogError::Inconsistent(format!(
                        "entries {from}..{to} are incomplete"
                    )));
                }
                let data: Vec<&[u8]> = entries.iter().map(|e| e.data.as_slice()).collect();
                Ok(Some(encode_bundle(&data).map_err(|e| {
                    LogError::Inconsistent(format!("entry bundle {from}..{to}: {e}"))
                })?))
            }
        }
    }

    /// Integrates one batch: extends the tree, signs, commits; undoes the tree on failure.
    async fn integrate(&self, batch: &[(String, String, Vec<u8>)]) -> Result<u64, LogError> {
        for _attempt in 0..8 {
            let (start, rows, cp) = {
                let mut s = self.state.write().expect("log state lock");
                let start = s.committed;
                let mut rows = Vec::with_capacity(batch.len());
                for (k, (kind, id, data)) in batch.iter().enumerate() {
                    let h = leaf_hash(data);
                    s.tree.push(h);
                    rows.push(LedgerEntry {
                        index: start + k as u64,
                        kind: kind.clone(),
                        record_id: id.clone(),
                        data: data.clone(),
                        leaf_hash: h.to_vec(),
                    });
                }
                let size = s.tree.size();
                let note = sign_checkpoint(&self.signer, &self.config.origin, &s.tree, size);
                (start, rows, stored(&s.tree, size, note))
            };
            match self.store.ledger_append(start, &rows, &cp).await {
                Ok(()) => {
                    let mut s = self.state.write().expect("log state lock");
                    s.committed = cp.size;
                    s.checkpoint = cp.note;
                    return Ok(start);
                }
                Err(StoreError::LedgerConflict { actual, .. }) => {
                    // Another sequencer appended: catch up from the store and retry.
                    let mut tree = {
                        let mut s = self.state.write().expect("log state lock");
                        s.tree.truncate(start);
                        std::mem::take(&mut s.tree)
                    };
                    let loaded = load_tree(self.store.as_ref(), &mut tree, actual).await;
                    let latest = self.store.ledger_latest_checkpoint().await;
                    let mut s = self.state.write().expect("log state lock");
                    s.tree = tree;
                    loaded?;
                    if let Some(c) = latest? {
                        check_stored(&c, &s.tree, &self.signer)?;
                        s.committed = c.size;
                        s.checkpoint = c.note;
                    }
                }
                Err(e) => {
                    self.state
                        .write()
                        .expect("log state lock")
                        .tree
                        .truncate(start);
                    return Err(e.into());
                }
            }
        }
        Err(LogError::Inconsistent(
            "could not sequence: other writers keep appending".into(),
        ))
    }
}

fn check_size(size: u64, committed: u64) -> Result<(), LogError> {
    if size > committed {
        return Err(ProofError::BeyondTree {
            size,
            have: committed,
        }
        .into());
    }
    Ok(())
}

fn sign_checkpoint(signer: &Ed25519Signer, origin: &str, tree: &Tree, size: u64) -> Vec<u8> {
    let root = tree.root_at(size).expect("size within tree");
    let text = Checkpoint::new(origin, size, root).to_text();
    crate::note::sign(&text, &[signer as &dyn NoteSigner])
        .expect("checkpoint text is a valid note")
        .to_bytes()
}

fn stored(tree: &Tree, size: u64, note: Vec<u8>) -> StoredCheckpoint {
    StoredCheckpoint {
        size,
        root: tree.root_at(size).expect("size within tree").to_vec(),
        note,
        published: true,
    }
}

/// Checks a stored checkpoint's signature and that the tree has its root.
fn check_stored(c: &StoredCheckpoint, tree: &Tree, signer: &Ed25519Signer) -> Result<(), LogError> {
    let v = signer.verifier();
    let note = Note::parse(&c.note)
        .map_err(|e| LogError::Inconsistent(format!("checkpoint {}: {e}", c.size)))?;
    note.verify(&[&v as &dyn NoteVerifier])
        .map_err(|e| LogError::Inconsistent(format!("checkpoint {}: {e}", c.size)))?;
    let cp = Checkpoint::parse(&note.text)
        .map_err(|e| LogError::Inconsistent(format!("checkpoint {}: {e}", c.size)))?;
    if cp.size != c.size || tree.size() < c.size || tree.root_at(c.size).ok() != Some(cp.root) {
        return Err(LogError::Inconsistent(format!(
            "the entries do not hash to the root of checkpoint {}",
            c.size
        )));
    }
    Ok(())
}

/// The sequencer: takes whatever is queued (up to `max_batch` entries), integrates it as one
/// batch and answers every waiting appender.
async fn sequence(log: std::sync::Weak<Log>, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let Some(log) = log.upgrade() else { return };
        let mut batch = vec![first];
        let mut n = batch[0].entries.len();
        while n < log.config.max_batch {
            match rx.try_recv() {
                Ok(p) => {
                    n += p.entries.len();
                    batch.push(p);
                }
                Err(_) => break,
            }
        }
        let all: Vec<(String, String, Vec<u8>)> = batch
            .iter()
            .flat_map(|p| p.entries.iter().cloned())
            .collect();
        match log.integrate(&all).await {
            Ok(start) => {
                let size = start + all.len() as u64;
                let mut at = start;
                for p in batch {
                    let receipts = (0..p.entries.len() as u64)
                        .map(|k| Receipt {
                            index: at + k,
                            checkpoint_size: size,
                        })
                        .collect();
                    at += p.entries.len() as u64;
                    let _ = p.reply.send(Ok(receipts));
                }
            }
            Err(e) => {
                let msg = e.to_string();
                tracing::error!("ledger batch of {} entries failed: {msg}", all.len());
                for p in batch {
                    let _ = p.reply.send(Err(LogError::Inconsistent(msg.clone())));
                }
            }
        }
    }
}
