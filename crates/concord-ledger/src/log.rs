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
use crate::note::{Ed25519Signer, Ed25519Verifier, Note, NoteSigner, NoteVerifier};
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
        "the stored log does not match its latest checkpoint ({0}); run `concord ledger verify` (servers sharing one database must share one log key: set the same [ledger] key_file)"
    )]
    Inconsistent(String),
    #[error("the sequencer has stopped")]
    Stopped,
    /// The batch holding this entry could not be written (the message is the batch's error).
    #[error("append failed: {0}")]
    Failed(String),
}

/// Settings of a log.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// Checkpoint origin; also the log key's name.
    pub origin: String,
    /// Most entries integrated in one batch (one transaction, one fsync).
    pub max_batch: usize,
}

/// A witness the log asks for cosignatures (C2SP tlog-witness `add-checkpoint`).
#[derive(Debug, Clone)]
pub struct WitnessEndpoint {
    /// Submission prefix, `http://HOST:PORT[/PATH]`; `/add-checkpoint` is appended.
    pub url: String,
    /// The witness's cosignature/v1 verifier key (type 0x04).
    pub key: Ed25519Verifier,
}

/// Which witnesses to ask and how many cosignatures a checkpoint needs before it is published
/// at `/log/checkpoint`. With no witnesses every checkpoint is published at once.
#[derive(Debug, Clone, Default)]
pub struct WitnessPolicy {
    pub witnesses: Vec<WitnessEndpoint>,
    pub quorum: usize,
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
    /// The latest checkpoint carrying the witness quorum (size, note with cosignatures).
    published: Option<(u64, Vec<u8>)>,
}

/// A transparency log over a [`LedgerStore`].
pub struct Log {
    store: Arc<dyn LedgerStore>,
    signer: Ed25519Signer,
    config: LogConfig,
    state: RwLock<State>,
    tx: mpsc::Sender<Pending>,
    policy: WitnessPolicy,
    /// Wakes the publisher after each batch.
    notify: tokio::sync::Notify,
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
        Log::open_with_witnesses(store, signer, config, WitnessPolicy::default()).await
    }

    /// Like [`Log::open`], publishing checkpoints only once `policy.quorum` of its witnesses
    /// have cosigned them.
    pub async fn open_with_witnesses(
        store: Arc<dyn LedgerStore>,
        signer: Ed25519Signer,
        config: LogConfig,
        policy: WitnessPolicy,
    ) -> Result<Arc<Log>, LogError> {
        let witnessed = !policy.witnesses.is_empty();
        let size = store.ledger_size().await?;
        let mut tree = Tree::new();
        load_tree(store.as_ref(), &mut tree, size).await?;
        let latest = store.ledger_latest_checkpoint().await?;
        let checkpoint = match latest {
            None if size == 0 => {
                let note = sign_checkpoint(&signer, &config.origin, &tree, 0);
                store
                    .ledger_append(0, &[], &stored(&tree, 0, note.clone(), !witnessed))
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
        let published = if witnessed {
            store
                .ledger_latest_published()
                .await?
                .map(|c| (c.size, c.note))
        } else {
            Some((size, checkpoint.clone()))
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
                published,
            }),
            tx,
            policy,
            notify: tokio::sync::Notify::new(),
        });
        tokio::spawn(sequence(Arc::downgrade(&log), rx));
        if witnessed {
            tokio::spawn(publish(Arc::downgrade(&log)));
        }
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

    /// The latest published checkpoint (with the witness quorum's cosignatures), if any.
    pub fn published_checkpoint(&self) -> Option<(u64, Vec<u8>)> {
        self.state.read().expect("log state lock").published.clone()
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
        for attempt in 0..8 {
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
                let publish = self.policy.witnesses.is_empty();
                (start, rows, stored(&s.tree, size, note, publish))
            };
            match self.store.ledger_append(start, &rows, &cp).await {
                Ok(()) => {
                    let mut s = self.state.write().expect("log state lock");
                    s.committed = cp.size;
                    if cp.published {
                        s.published = Some((cp.size, cp.note.clone()));
                    }
                    s.checkpoint = cp.note;
                    drop(s);
                    self.notify.notify_one();
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
                    if !e.is_transient() {
                        return Err(e.into());
                    }
                    // Another writer holds the database: back off, then integrate again.
                    tracing::debug!("ledger append: {e}; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
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

fn stored(tree: &Tree, size: u64, note: Vec<u8>, published: bool) -> StoredCheckpoint {
    StoredCheckpoint {
        size,
        root: tree.root_at(size).expect("size within tree").to_vec(),
        note,
        published,
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
                    let _ = p.reply.send(Err(LogError::Failed(msg.clone())));
                }
            }
        }
    }
}

/// The publisher: sends each new checkpoint to the witnesses (tlog-witness `add-checkpoint`),
/// verifies their cosignatures and, once `quorum` have cosigned, stores the cosigned note as
/// published. Retries every second while the latest checkpoint is unpublished.
async fn publish(log: std::sync::Weak<Log>) {
    let mut known: Vec<u64> = Vec::new();
    loop {
        let Some(l) = log.upgrade() else { return };
        let (size, note) = {
            let s = l.state.read().expect("log state lock");
            (s.committed, s.checkpoint.clone())
        };
        let done = l.published_checkpoint().is_some_and(|(p, _)| p >= size);
        if !done {
            known.resize(l.policy.witnesses.len(), 0);
            match cosign_round(&l, size, &note, &mut known).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!("publishing checkpoint {size}: {e}"),
            }
        }
        // Wake on the next batch, or after a second to retry (and to notice the log closing:
        // only a weak reference is kept between rounds).
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), l.notify.notified()).await;
    }
}

/// One round of cosigning; true if the checkpoint was published.
async fn cosign_round(
    log: &Log,
    size: u64,
    note: &[u8],
    known: &mut [u64],
) -> Result<bool, String> {
    let parsed = Note::parse(note).map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    for (i, w) in log.policy.witnesses.iter().enumerate() {
        for _attempt in 0..2 {
            let old = known[i].min(size);
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                log.consistency_proof(old, size)
                    .map_err(|e| e.to_string())?
            };
            let body = crate::witness::AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: note.to_vec(),
            }
            .to_body();
            let url = format!("{}/add-checkpoint", w.url.trim_end_matches('/'));
            let (status, reply) = match http_post(&url, &body).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("witness {url}: {e}");
                    break;
                }
            };
            if status == 409 {
                // The witness is at another size: learn it and try again.
                let text = String::from_utf8_lossy(&reply);
                match crate::checkpoint::parse_decimal(text.trim()) {
                    Some(n) => known[i] = n,
                    None => break,
                }
                continue;
            }
            if status != 200 {
                tracing::warn!(
                    "witness {url} refused checkpoint {size}: {status} {}",
                    String::from_utf8_lossy(&reply).trim()
                );
                break;
            }
            let text = String::from_utf8_lossy(&reply);
            for (n, line) in text.lines().enumerate() {
                if let Ok(sig) = crate::note::parse_signature_line(line, n + 1)
                    && crate::cosignature::verify(&w.key, &parsed.text, &sig).is_ok()
                {
                    lines.push(sig);
                    known[i] = size;
                    break;
                }
            }
            break;
        }
    }
    if lines.len() < log.policy.quorum.max(1) {
        return Ok(false);
    }
    let mut cosigned = parsed;
    cosigned.signatures.extend(lines);
    let bytes = cosigned.to_bytes();
    let root = log.root_at(size).map_err(|e| e.to_string())?;
    log.store
        .ledger_update_checkpoint(&StoredCheckpoint {
            size,
            root: root.to_vec(),
            note: bytes.clone(),
            published: true,
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut s = log.state.write().expect("log state lock");
    if s.published.as_ref().is_none_or(|(p, _)| *p < size) {
        s.published = Some((size, bytes));
    }
    Ok(true)
}

/// A minimal HTTP/1.1 POST for `http://` witness URLs (no TLS: put a TLS-terminating proxy in
/// front of a remote witness). Returns the status and body.
pub async fn http_post(url: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// witness URLs are supported"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let fut = async {
        let mut conn = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        conn.write_all(body).await.map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        conn.take(1 << 20)
            .read_to_end(&mut buf)
            .await
            .map_err(|e| e.to_string())?;
        let split = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("malformed HTTP response")?;
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("malformed HTTP status line")?;
        let mut body = buf[split + 4..].to_vec();
        if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            body = dechunk(&body).ok_or("malformed chunked body")?;
        }
        Ok((status, body))
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), fut)
        .await
        .map_err(|_| format!("{url}: timed out"))?
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n")?;
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..eol]).ok()?.trim(), 16).ok()?;
        data = &data[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}
