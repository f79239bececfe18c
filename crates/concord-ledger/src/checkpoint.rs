//! C2SP checkpoints (`tlog-checkpoint/v1.0.0`): the note text `origin\nsize\nbase64(root)\n`
//! plus optional extension lines, kept verbatim.

use base64::{Engine, engine::general_purpose::STANDARD as B64};

use crate::merkle::Hash;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint text must end in a newline")]
    NoFinalNewline,
    #[error("checkpoint has fewer than 3 lines")]
    TooShort,
    #[error("checkpoint line {0} is empty")]
    EmptyLine(usize),
    #[error("checkpoint tree size {0:?} is not a canonical decimal u64")]
    BadSize(String),
    #[error("checkpoint root {0:?} is not the base64 of 32 bytes")]
    BadRoot(String),
}

/// The body of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extension lines without their newlines.
    pub extensions: Vec<String>,
}

/// Parses a canonical decimal u64: digits only, no leading zeros (except "0"), no overflow.
pub fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// Parses checkpoint note text (the verified text of a signed note).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::NoFinalNewline)?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(CheckpointError::TooShort);
        }
        if let Some(i) = lines.iter().position(|l| l.is_empty()) {
            return Err(CheckpointError::EmptyLine(i + 1));
        }
        let size =
            parse_decimal(lines[1]).ok_or_else(|| CheckpointError::BadSize(lines[1].into()))?;
        let root = B64
            .decode(lines[2])
            .ok()
            .and_then(|r| <Hash>::try_from(r).ok())
            .ok_or_else(|| CheckpointError::BadRoot(lines[2].into()))?;
        Ok(Checkpoint {
            origin: lines[0].to_owned(),
            size,
            root,
            extensions: lines[3..].iter().map(|l| (*l).to_owned()).collect(),
        })
    }

    /// The note text.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_c2sp_example() {
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let c = Checkpoint::parse(text).unwrap();
        assert_eq!(c.origin, "example.com/behind-the-sofa");
        assert_eq!(c.size, 20852163);
        assert_eq!(c.to_text(), text);
    }

    #[test]
    fn rejects_bad_sizes_and_roots() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        for size in ["01", "+1", "-1", "", "18446744073709551616", "1.0", " 1"] {
            let t = format!("o\n{size}\n{root}\n");
            assert!(Checkpoint::parse(&t).is_err(), "{size:?}");
        }
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        assert!(Checkpoint::parse("o\n1\nAAAA\n").is_err());
        assert!(Checkpoint::parse("o\n1\n").is_err());
        assert!(Checkpoint::parse(&format!("o\n1\n{root}")).is_err());
        let ext = Checkpoint::parse(&format!("o\n1\n{root}\nx y\n")).unwrap();
        assert_eq!(ext.extensions, vec!["x y".to_owned()]);
    }
}
