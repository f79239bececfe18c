//! C2SP signed notes (`signed-note/v1.0.0`): parsing, signing, verification and key strings.
//!
//! A note is UTF-8 text ending in `\n`, a blank line, then one or more signature lines
//! `— <name> <base64(key ID || signature)>\n`. A key is identified by (name, key ID); lines from
//! unknown keys are kept but ignored. The key ID is the first four bytes of
//! SHA-256(name || `\n` || type byte || public key).

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Signature type byte of an Ed25519 note signature.
pub const TYPE_ED25519: u8 = 0x01;
/// Signature type byte of a timestamped Ed25519 checkpoint cosignature (cosignature/v1).
pub const TYPE_COSIGNATURE_V1: u8 = 0x04;

/// Largest note accepted (bytes): room for a checkpoint and far more than 16 signatures.
pub const MAX_NOTE_BYTES: usize = 1 << 20;
/// Most signature lines accepted on one note (the spec requires at least 16).
pub const MAX_SIGNATURES: usize = 100;

const DASH: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("note is larger than {MAX_NOTE_BYTES} bytes")]
    TooLarge,
    #[error("note is not valid UTF-8")]
    NotUtf8,
    #[error("note contains a control character other than newline at byte {0}")]
    ControlCharacter(usize),
    #[error("note has no blank line separating text and signatures")]
    NoSignatureBlock,
    #[error("note text must end in a newline and must not be empty")]
    BadText,
    #[error("signature line {line} is malformed: {reason}")]
    BadSignatureLine { line: usize, reason: &'static str },
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("key name {0:?} is invalid (empty, or contains whitespace or '+')")]
    BadKeyName(String),
    #[error("key string is malformed: {0}")]
    BadKey(&'static str),
    #[error("key ID in the key string does not match the key")]
    KeyIdMismatch,
    #[error("signature by {name} (key ID {key_id:08x}) does not verify")]
    InvalidSignature { name: String, key_id: u32 },
    #[error("no signature from a known key")]
    NoKnownSignature,
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    /// The signature bytes after the 4-byte key ID.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, with its final `\n`.
    pub fn to_line(&self) -> String {
        let mut blob = self.key_id.to_be_bytes().to_vec();
        blob.extend_from_slice(&self.signature);
        format!("{DASH}{} {}\n", self.name, B64.encode(blob))
    }
}

/// A parsed signed note. `text` includes its final newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

/// Checks that a key name is non-empty with no Unicode whitespace and no `+`.
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(NoteError::BadKeyName(name.to_owned()));
    }
    Ok(())
}

/// Key ID = first 4 bytes of SHA-256(name || "\n" || type || public key), big-endian.
pub fn key_id(name: &str, key_type: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([key_type]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn check_chars(s: &str) -> Result<(), NoteError> {
    match s
        .bytes()
        .position(|b| (b < 0x20 && b != b'\n') || b == 0x7f)
    {
        Some(p) => Err(NoteError::ControlCharacter(p)),
        None => Ok(()),
    }
}

impl Note {
    /// Parses a signed note (without verifying anything).
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge);
        }
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        check_chars(s)?;
        if !s.ends_with('\n') {
            return Err(NoteError::BadText);
        }
        // The text ends at the last blank line: find the last "\n\n".
        let split = s.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
        let text = &s[..split + 1];
        let sigs = &s[split + 2..];
        let mut signatures = Vec::new();
        for (i, line) in sigs.split_terminator('\n').enumerate() {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            signatures.push(parse_signature_line(line, i + 1)?);
        }
        if signatures.is_empty() {
            return Err(NoteError::NoSignatureBlock);
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The note's bytes: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = self.text.clone();
        s.push('\n');
        for sig in &self.signatures {
            s.push_str(&sig.to_line());
        }
        s.into_bytes()
    }

    /// Verifies the note against `verifiers`: signatures whose (name, key ID) is unknown are
    /// ignored; a known one that fails rejects the whole note; at least one must verify.
    /// Returns the indices of the verified signatures.
    pub fn verify(&self, verifiers: &[&dyn NoteVerifier]) -> Result<Vec<usize>, NoteError> {
        let mut ok = Vec::new();
        for (i, sig) in self.signatures.iter().enumerate() {
            let Some(v) = verifiers
                .iter()
                .find(|v| v.name() == sig.name && v.key_id() == sig.key_id)
            else {
                continue;
            };
            if !v.verify(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::InvalidSignature {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                });
            }
            ok.push(i);
        }
        if ok.is_empty() {
            return Err(NoteError::NoKnownSignature);
        }
        Ok(ok)
    }
}

/// Parses one `— name base64` line (without its newline).
pub fn parse_signature_line(line: &str, number: usize) -> Result<NoteSignature, NoteError> {
    let bad = |reason| NoteError::BadSignatureLine {
        line: number,
        reason,
    };
    let rest = line
        .strip_prefix(DASH)
        .ok_or_else(|| bad("does not start with an em dash and a space"))?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or_else(|| bad("no space between key name and signature"))?;
    check_key_name(name).map_err(|_| bad("invalid key name"))?;
    let blob = B64
        .decode(b64)
        .map_err(|_| bad("signature is not base64"))?;
    if blob.len() < 5 {
        return Err(bad("signature is shorter than a key ID"));
    }
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]),
        signature: blob[4..].to_vec(),
    })
}

/// Something that checks note signatures for one (name, key ID).
pub trait NoteVerifier {
    fn name(&self) -> &str;
    fn key_id(&self) -> u32;
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool;
}

/// Something that signs note text. Kept abstract so that other algorithms can be added.
pub trait NoteSigner {
    fn name(&self) -> &str;
    fn key_id(&self) -> u32;
    fn sign(&self, text: &[u8]) -> Vec<u8>;
}

/// Signs `text` (which must end in `\n`) with every signer.
pub fn sign(text: &str, signers: &[&dyn NoteSigner]) -> Result<Note, NoteError> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::BadText);
    }
    check_chars(text)?;
    Ok(Note {
        text: text.to_owned(),
        signatures: signers
            .iter()
            .map(|s| NoteSignature {
                name: s.name().to_owned(),
                key_id: s.key_id(),
                signature: s.sign(text.as_bytes()),
            })
            .collect(),
    })
}

/// An Ed25519 signing key with its name (type 0x01 note signatures).
#[derive(Clone)]
pub struct Ed25519Signer {
    name: String,
    key: SigningKey,
    key_id: u32,
}

impl std::fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ed25519Signer({}+{:08x})", self.name, self.key_id)
    }
}

impl Ed25519Signer {
    /// A signer from a 32-byte seed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Ed25519Signer, NoteError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        let key_id = key_id(name, TYPE_ED25519, key.verifying_key().as_bytes());
        Ok(Ed25519Signer {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    /// A fresh key from the operating system's random source.
    pub fn generate(name: &str) -> Result<Ed25519Signer, NoteError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|_| NoteError::BadKey("no randomness available"))?;
        Ed25519Signer::from_seed(name, seed)
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` (Go x/mod format).
    pub fn from_private_key(s: &str) -> Result<Ed25519Signer, NoteError> {
        let s = s.trim();
        let mut parts = s.splitn(5, '+');
        let (Some("PRIVATE"), Some("KEY"), Some(name), Some(id), Some(b64)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(NoteError::BadKey(
                "expected PRIVATE+KEY+<name>+<key ID>+<key>",
            ));
        };
        let id = parse_key_id(id)?;
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::BadKey("key is not base64"))?;
        if raw.len() != 33 || raw[0] != TYPE_ED25519 {
            return Err(NoteError::BadKey(
                "expected an Ed25519 key (type 0x01, 32 bytes)",
            ));
        }
        let seed: [u8; 32] = raw[1..].try_into().expect("length checked");
        let signer = Ed25519Signer::from_seed(name, seed)?;
        if signer.key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// The private key string (Go x/mod format). Secret: store with owner-only permissions.
    pub fn private_key(&self) -> String {
        let mut raw = vec![TYPE_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            B64.encode(raw)
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Ed25519Verifier {
        Ed25519Verifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
            key_id: self.key_id,
            key_type: TYPE_ED25519,
        }
    }

    /// The verifier key string `<name>+<key ID>+<base64(0x01 || public key)>`.
    pub fn verifier_key(&self) -> String {
        self.verifier().to_vkey()
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

impl NoteSigner for Ed25519Signer {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn sign(&self, text: &[u8]) -> Vec<u8> {
        self.key.sign(text).to_bytes().to_vec()
    }
}

fn parse_key_id(s: &str) -> Result<u32, NoteError> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::BadKey("key ID must be 8 hex digits"));
    }
    u32::from_str_radix(s, 16).map_err(|_| NoteError::BadKey("key ID must be 8 hex digits"))
}

/// An Ed25519 public key with its name; `key_type` 0x01 for note signatures or 0x04 for
/// cosignature/v1 (a cosignature verifier checks the timestamped message, see
/// [`crate::cosignature`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ed25519Verifier {
    pub(crate) name: String,
    pub(crate) key: VerifyingKey,
    pub(crate) key_id: u32,
    pub(crate) key_type: u8,
}

impl Ed25519Verifier {
    /// Parses a verifier key `<name>+<hex key ID>+<base64(type || key)>`, for type 0x01 or 0x04.
    pub fn from_vkey(s: &str) -> Result<Ed25519Verifier, NoteError> {
        let s = s.trim();
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey("expected <name>+<key ID>+<key>"));
        };
        check_key_name(name)?;
        let id = parse_key_id(id)?;
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::BadKey("key is not base64"))?;
        if raw.len() != 33 || !(raw[0] == TYPE_ED25519 || raw[0] == TYPE_COSIGNATURE_V1) {
            return Err(NoteError::BadKey(
                "expected an Ed25519 key (type 0x01 or 0x04, 32 bytes)",
            ));
        }
        let bytes: [u8; 32] = raw[1..].try_into().expect("length checked");
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| NoteError::BadKey("not a valid Ed25519 public key"))?;
        if key_id(name, raw[0], &bytes) != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(Ed25519Verifier {
            name: name.to_owned(),
            key,
            key_id: id,
            key_type: raw[0],
        })
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![self.key_type];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, B64.encode(raw))
    }

    pub fn key_type(&self) -> u8 {
        self.key_type
    }

    pub fn public_key(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }
}

impl NoteVerifier for Ed25519Verifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        if self.key_type != TYPE_ED25519 {
            return false;
        }
        let Ok(sig) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        self.key
            .verify_strict(text, &ed25519_dalek::Signature::from_bytes(&sig))
            .is_ok()
    }
}
