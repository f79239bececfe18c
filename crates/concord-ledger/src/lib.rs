//! Concord's transparency log. The formats and the math are pure (no I/O); no web dependencies.
//!
//! * [`merkle`]: RFC 6962 / RFC 9162 hashing, the in-memory [`merkle::Tree`], inclusion and
//!   consistency proofs and their verification (with the edge cases the RFC leaves implicit);
//! * [`note`]: C2SP signed notes, Ed25519 signers and verifier keys (`vkey`) and private key
//!   strings;
//! * [`checkpoint`]: C2SP `tlog-checkpoint` bodies;
//! * [`cosignature`]: C2SP `tlog-cosignature` v1 (timestamped Ed25519, type 0x04);
//! * [`tile`]: C2SP `tlog-tiles` paths, hash tiles and entry bundles;
//! * [`witness`]: the `tlog-witness` `add-checkpoint` request and its checks;
//! * [`jcs`]: RFC 8785 canonical JSON, and [`entry`]: the canonical envelope of a log entry.
//!
//! [`log`] is the running log (sequencer, batching, proofs, tiles) over `concord-store`'s
//! `LedgerStore`, and [`keyfile`] keeps the log key on disk. HTTP lives in the server's `log`
//! module. `docs/ledger.md` describes formats, trust assumptions and key rotation.

pub mod audit;
pub mod checkpoint;
pub mod cosignature;
pub mod entry;
pub mod jcs;
pub mod keyfile;
pub mod log;
pub mod merkle;
pub mod note;
pub mod tile;
pub mod witness;

pub use checkpoint::Checkpoint;
pub use merkle::{Hash, SubtreeHashes, Tree, leaf_hash, node_hash};
pub use note::{Ed25519Signer, Ed25519Verifier, Note};
