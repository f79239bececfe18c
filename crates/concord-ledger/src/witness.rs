//! C2SP `tlog-witness/v1.0.0` `add-checkpoint`: the request format and the checks a witness
//! makes before cosigning. Storage and HTTP are left to the caller, which must persist the new
//! size with a check-and-set before replying.

use base64::{Engine, engine::general_purpose::STANDARD as B64};

use crate::checkpoint::{Checkpoint, parse_decimal};
use crate::merkle::{EMPTY_ROOT, Hash, verify_consistency};
use crate::note::{Ed25519Verifier, Note, NoteVerifier};

/// Most proof lines in a request (a consistency proof has at most 63 hashes… plus margin).
pub const MAX_PROOF_LINES: usize = 63;

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: Vec<u8>,
}

/// A refusal, with the HTTP status the protocol assigns to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unknown log origin {0:?}")]
    UnknownOrigin(String),
    #[error("checkpoint not signed by a trusted key: {0}")]
    Forbidden(String),
    #[error("old size does not match the witness's latest size {0}")]
    Conflict(u64),
    #[error("unprocessable: {0}")]
    Unprocessable(String),
}

impl WitnessError {
    pub fn status(&self) -> u16 {
        match self {
            WitnessError::BadRequest(_) => 400,
            WitnessError::Forbidden(_) => 403,
            WitnessError::UnknownOrigin(_) => 404,
            WitnessError::Conflict(_) => 409,
            WitnessError::Unprocessable(_) => 422,
        }
    }
}

impl AddCheckpoint {
    pub fn to_body(&self) -> Vec<u8> {
        let mut s = format!("old {}\n", self.old_size);
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        let mut b = s.into_bytes();
        b.extend_from_slice(&self.checkpoint);
        b
    }

    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, WitnessError> {
        let bad = |m: &str| WitnessError::BadRequest(m.to_owned());
        let sep = body
            .windows(2)
            .position(|w| w == b"\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let head =
            std::str::from_utf8(&body[..sep]).map_err(|_| bad("request head is not UTF-8"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(parse_decimal)
            .ok_or_else(|| bad("first line must be `old <size>`"))?;
        let mut proof = Vec::new();
        for (i, l) in lines.enumerate() {
            if i == MAX_PROOF_LINES {
                return Err(bad("too many proof lines"));
            }
            let h = B64
                .decode(l)
                .ok()
                .and_then(|v| <Hash>::try_from(v).ok())
                .ok_or_else(|| bad(&format!("proof line {} is not a base64 hash", i + 2)))?;
            proof.push(h);
        }
        Ok(AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: body[sep + 2..].to_vec(),
        })
    }
}

/// Checks an `add-checkpoint` request. `log_keys` returns the trusted keys for an origin
/// (`None` if the origin is unknown); `latest` is the (size, root) this witness last cosigned
/// for that origin, `None` if never. On success returns the verified checkpoint and its text.
pub fn check_add_checkpoint(
    req: &AddCheckpoint,
    log_keys: impl Fn(&str) -> Option<Vec<Ed25519Verifier>>,
    latest: impl Fn(&str) -> Option<(u64, Hash)>,
) -> Result<(Checkpoint, String), WitnessError> {
    let note = Note::parse(&req.checkpoint)
        .map_err(|e| WitnessError::BadRequest(format!("checkpoint note: {e}")))?;
    // The origin is read before verification only to pick the keys; the text is trusted only
    // once a signature from one of them verifies.
    let origin = note.text.split('\n').next().unwrap_or_default().to_owned();
    let keys = log_keys(&origin).ok_or_else(|| WitnessError::UnknownOrigin(origin.clone()))?;
    let refs: Vec<&dyn NoteVerifier> = keys.iter().map(|k| k as &dyn NoteVerifier).collect();
    note.verify(&refs)
        .map_err(|e| WitnessError::Forbidden(e.to_string()))?;
    let cp = Checkpoint::parse(&note.text)
        .map_err(|e| WitnessError::BadRequest(format!("checkpoint: {e}")))?;
    if req.old_size > cp.size {
        return Err(WitnessError::BadRequest(format!(
            "old size {} is larger than the checkpoint size {}",
            req.old_size, cp.size
        )));
    }
    let (have_size, have_root) = latest(&origin).unwrap_or((0, EMPTY_ROOT));
    if req.old_size != have_size {
        return Err(WitnessError::Conflict(have_size));
    }
    if cp.size == 0 && cp.root != EMPTY_ROOT {
        return Err(WitnessError::Unprocessable(
            "an empty tree must have the empty root".into(),
        ));
    }
    if req.old_size == 0 {
        if !req.proof.is_empty() {
            return Err(WitnessError::Unprocessable(
                "old size 0 needs an empty proof".into(),
            ));
        }
    } else if req.old_size == cp.size {
        if cp.root != have_root || !req.proof.is_empty() {
            return Err(WitnessError::Unprocessable(
                "equal sizes with a different root or a non-empty proof".into(),
            ));
        }
    } else {
        verify_consistency(req.old_size, cp.size, &req.proof, &have_root, &cp.root)
            .map_err(|e| WitnessError::Unprocessable(format!("consistency proof: {e}")))?;
    }
    Ok((cp, note.text))
}
