//! C2SP `tlog-cosignature` v1 (Ed25519, type 0x04): a witness's timestamped signature over
//! `cosignature/v1\ntime <T>\n<checkpoint text>`. The blob is key ID (4) || timestamp
//! (u64 big-endian) || Ed25519 signature (64) = 76 bytes.

use ed25519_dalek::Signer as _;

use crate::note::{
    Ed25519Signer, Ed25519Verifier, NoteError, NoteSignature, TYPE_COSIGNATURE_V1, check_key_name,
    key_id,
};

/// The message a cosignature/v1 signs.
pub fn message(timestamp: u64, checkpoint_text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}").into_bytes()
}

/// A witness key: an Ed25519 key whose key ID uses type 0x04.
#[derive(Debug, Clone)]
pub struct Cosigner {
    inner: Ed25519Signer,
    key_id: u32,
}

impl Cosigner {
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Cosigner, NoteError> {
        check_key_name(name)?;
        let inner = Ed25519Signer::from_seed(name, seed)?;
        let key_id = key_id(
            name,
            TYPE_COSIGNATURE_V1,
            inner.signing_key().verifying_key().as_bytes(),
        );
        Ok(Cosigner { inner, key_id })
    }

    /// A witness key from a private key string (same format as a log key; only the seed and
    /// name are used, the key ID is recomputed with type 0x04).
    pub fn from_private_key(s: &str) -> Result<Cosigner, NoteError> {
        let inner = Ed25519Signer::from_private_key(s)?;
        Cosigner::from_seed(
            crate::note::NoteSigner::name(&inner),
            *inner.signing_key().as_bytes(),
        )
    }

    pub fn generate(name: &str) -> Result<Cosigner, NoteError> {
        let g = Ed25519Signer::generate(name)?;
        Cosigner::from_seed(name, *g.signing_key().as_bytes())
    }

    pub fn private_key(&self) -> String {
        self.inner.private_key()
    }

    pub fn name(&self) -> &str {
        crate::note::NoteSigner::name(&self.inner)
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The witness's verifier key (type 0x04).
    pub fn verifier(&self) -> Ed25519Verifier {
        Ed25519Verifier {
            name: self.name().to_owned(),
            key: self.inner.signing_key().verifying_key(),
            key_id: self.key_id,
            key_type: TYPE_COSIGNATURE_V1,
        }
    }

    /// Cosigns a checkpoint text at `timestamp` (POSIX seconds).
    pub fn cosign(&self, checkpoint_text: &str, timestamp: u64) -> NoteSignature {
        let sig = self
            .inner
            .signing_key()
            .sign(&message(timestamp, checkpoint_text));
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&sig.to_bytes());
        NoteSignature {
            name: self.name().to_owned(),
            key_id: self.key_id,
            signature,
        }
    }
}

/// Checks a cosignature line against a type-0x04 verifier. Returns its timestamp.
pub fn verify(
    verifier: &Ed25519Verifier,
    checkpoint_text: &str,
    sig: &NoteSignature,
) -> Result<u64, NoteError> {
    let invalid = || NoteError::InvalidSignature {
        name: sig.name.clone(),
        key_id: sig.key_id,
    };
    if verifier.key_type != TYPE_COSIGNATURE_V1
        || sig.name != verifier.name
        || sig.key_id != verifier.key_id
        || sig.signature.len() != 72
    {
        return Err(invalid());
    }
    let timestamp = u64::from_be_bytes(sig.signature[..8].try_into().expect("length checked"));
    if timestamp > i64::MAX as u64 {
        return Err(invalid());
    }
    let s: [u8; 64] = sig.signature[8..].try_into().expect("length checked");
    verifier
        .key
        .verify_strict(
            &message(timestamp, checkpoint_text),
            &ed25519_dalek::Signature::from_bytes(&s),
        )
        .map_err(|_| invalid())?;
    Ok(timestamp)
}
