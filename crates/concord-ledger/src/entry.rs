//! Log entries: the canonical JSON envelope `{"id":…,"kind":…,"record":…}` (RFC 8785), so an
//! entry read from an entry bundle says by itself what it is.

use serde_json::Value;

use crate::jcs::{JcsError, canonicalize};

/// Largest entry (the tlog-tiles bundle encoding has a 16-bit length).
pub const MAX_ENTRY_BYTES: usize = 65_535;
/// Longest record id.
pub const MAX_ID_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("kind {0:?} must be 1–64 characters of a-z, 0-9 and _")]
    BadKind(String),
    #[error("record id {0:?} must be 1–200 characters without control characters")]
    BadId(String),
    #[error("record is not canonicalizable JSON: {0}")]
    Json(#[from] JcsError),
    #[error("entry is {0} bytes; the limit is {MAX_ENTRY_BYTES}")]
    TooLarge(usize),
    #[error("entry is not a canonical envelope: {0}")]
    NotCanonical(String),
}

/// What an entry says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: String,
    pub id: String,
    pub record: Value,
}

pub fn check_kind(kind: &str) -> Result<(), EntryError> {
    if kind.is_empty()
        || kind.len() > 64
        || !kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(EntryError::BadKind(kind.to_owned()));
    }
    Ok(())
}

pub fn check_id(id: &str) -> Result<(), EntryError> {
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control) {
        return Err(EntryError::BadId(id.to_owned()));
    }
    Ok(())
}

impl Entry {
    /// The entry bytes that are hashed into the log.
    pub fn encode(kind: &str, id: &str, record: &Value) -> Result<Vec<u8>, EntryError> {
        check_kind(kind)?;
        check_id(id)?;
        let env = serde_json::json!({ "kind": kind, "id": id, "record": record });
        let bytes = canonicalize(&env)?.into_bytes();
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        Ok(bytes)
    }

    /// Parses entry bytes and checks they are exactly the canonical encoding.
    pub fn decode(bytes: &[u8]) -> Result<Entry, EntryError> {
        let v: Value =
            serde_json::from_slice(bytes).map_err(|e| EntryError::NotCanonical(e.to_string()))?;
        let obj = v
            .as_object()
            .filter(|o| o.len() == 3)
            .ok_or_else(|| EntryError::NotCanonical("expected {id, kind, record}".into()))?;
        let field = |k: &str| {
            obj.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| EntryError::NotCanonical(format!("missing string field {k:?}")))
        };
        let (kind, id) = (field("kind")?, field("id")?);
        let record = obj
            .get("record")
            .cloned()
            .ok_or_else(|| EntryError::NotCanonical("missing field \"record\"".into()))?;
        if Entry::encode(&kind, &id, &record)? != bytes {
            return Err(EntryError::NotCanonical(
                "bytes differ from the canonical form".into(),
            ));
        }
        Ok(Entry { kind, id, record })
    }
}
