//! C2SP `tlog-tiles` paths and contents.
//!
//! A tile at level `L`, index `N` holds up to 256 hashes: hash `i` is the MTH of the
//! `256^L` leaves starting at `(N·256 + i)·256^L`, i.e. the complete subtree node at Merkle
//! level `8·L`. Paths are `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, with `N` in
//! 3-digit groups, all but the last prefixed by `x` (`1234067` → `x001/x234/067`).

use crate::merkle::{Hash, Tree};

/// Hashes per full tile (tile height 8).
pub const TILE_WIDTH: u64 = 256;
/// Highest tile level a path may name.
pub const MAX_LEVEL: u8 = 63;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("tile path {0:?} is malformed")]
    BadPath(String),
    #[error("entry {0} is longer than 65,535 bytes")]
    EntryTooLarge(usize),
    #[error("entry bundle is truncated at byte {0}")]
    TruncatedBundle(usize),
}

/// Which tile a path names. `width` is 1–256; 256 means a full tile (no `.p/` suffix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileId {
    /// `None` for an entry bundle, `Some(L)` for a hash tile at level L.
    pub level: Option<u8>,
    pub index: u64,
    pub width: u16,
}

/// Encodes a tile index as path elements.
pub fn encode_index(n: u64) -> String {
    let digits = n.to_string();
    let pad = (3 - digits.len() % 3) % 3;
    let padded = format!("{}{}", "0".repeat(pad), digits);
    let groups: Vec<&str> = padded
        .as_bytes()
        .chunks(3)
        .map(|c| std::str::from_utf8(c).expect("ASCII digits"))
        .collect();
    let last = groups.len() - 1;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            if i < last {
                format!("x{g}")
            } else {
                (*g).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl TileId {
    pub fn hashes(level: u8, index: u64, width: u16) -> TileId {
        TileId {
            level: Some(level),
            index,
            width,
        }
    }

    pub fn entries(index: u64, width: u16) -> TileId {
        TileId {
            level: None,
            index,
            width,
        }
    }

    /// The path below the log prefix, e.g. `tile/0/x001/234.p/7`.
    pub fn path(&self) -> String {
        let lvl = match self.level {
            Some(l) => l.to_string(),
            None => "entries".to_owned(),
        };
        let mut p = format!("tile/{lvl}/{}", encode_index(self.index));
        if u64::from(self.width) < TILE_WIDTH {
            p.push_str(&format!(".p/{}", self.width));
        }
        p
    }

    /// Parses the part of a path after `tile/`. Only canonical paths are accepted, so each
    /// tile has exactly one name.
    pub fn parse(rest: &str) -> Result<TileId, TileError> {
        let bad = || TileError::BadPath(rest.to_owned());
        let (lvl, rest2) = rest.split_once('/').ok_or_else(bad)?;
        let level = if lvl == "entries" {
            None
        } else {
            let l = crate::checkpoint::parse_decimal(lvl).ok_or_else(bad)?;
            if l > u64::from(MAX_LEVEL) {
                return Err(bad());
            }
            Some(l as u8)
        };
        let (idx, width) = match rest2.split_once(".p/") {
            Some((i, w)) => {
                let w = crate::checkpoint::parse_decimal(w).ok_or_else(bad)?;
                if w == 0 || w >= TILE_WIDTH {
                    return Err(bad());
                }
                (i, w as u16)
            }
            None => (rest2, TILE_WIDTH as u16),
        };
        let parts: Vec<&str> = idx.split('/').collect();
        let mut n: u64 = 0;
        for (i, part) in parts.iter().enumerate() {
            let digits = if i + 1 < parts.len() {
                part.strip_prefix('x').ok_or_else(bad)?
            } else {
                part
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            n = n
                .checked_mul(1000)
                .and_then(|n| n.checked_add(digits.parse::<u64>().expect("3 digits")))
                .ok_or_else(bad)?;
        }
        let id = TileId {
            level,
            index: n,
            width,
        };
        if id.path() != format!("tile/{rest}") {
            return Err(bad());
        }
        Ok(id)
    }

    /// Index range of the leaves this tile covers, `[start, end)`, or `None` on overflow.
    pub fn leaf_range(&self) -> Option<(u64, u64)> {
        let span = 256u64.checked_pow(u32::from(self.level.unwrap_or(0)))?;
        let first = self.index.checked_mul(TILE_WIDTH)?;
        let start = first.checked_mul(span)?;
        let end = first
            .checked_add(u64::from(self.width))?
            .checked_mul(span)?;
        Some((start, end))
    }

    /// Whether a tree of `size` leaves has all of this tile's hashes.
    pub fn within(&self, size: u64) -> bool {
        self.leaf_range().is_some_and(|(_, end)| end <= size)
    }
}

/// The contents of hash tile (level, index, width) from a tree, or `None` if the tree does not
/// (yet) contain it.
pub fn tile_hashes(tree: &Tree, level: u8, index: u64, width: u16) -> Option<Vec<u8>> {
    let id = TileId::hashes(level, index, width);
    if !id.within(crate::merkle::SubtreeHashes::size(tree)) {
        return None;
    }
    let mut out = Vec::with_capacity(usize::from(width) * 32);
    for i in 0..u64::from(width) {
        let h: Hash = tree.node(8 * u32::from(level), index * TILE_WIDTH + i)?;
        out.extend_from_slice(&h);
    }
    Some(out)
}

/// Encodes an entry bundle: each entry as u16 big-endian length || bytes.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLarge(e.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Decodes an entry bundle.
pub fn decode_bundle(mut data: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let total = data.len();
    let mut out = Vec::new();
    while !data.is_empty() {
        let at = total - data.len();
        if data.len() < 2 {
            return Err(TileError::TruncatedBundle(at));
        }
        let len = usize::from(u16::from_be_bytes([data[0], data[1]]));
        if data.len() < 2 + len {
            return Err(TileError::TruncatedBundle(at));
        }
        out.push(data[2..2 + len].to_vec());
        data = &data[2 + len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_encoding_matches_the_spec_table() {
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(5), "005");
        assert_eq!(encode_index(1234), "x001/234");
        assert_eq!(encode_index(1234067), "x001/x234/067");
        assert_eq!(
            TileId::hashes(0, 1234067, 5).path(),
            "tile/0/x001/x234/067.p/5"
        );
        assert_eq!(TileId::entries(1, 256).path(), "tile/entries/001");
    }

    #[test]
    fn parses_only_canonical_paths() {
        assert_eq!(
            TileId::parse("0/x001/x234/067.p/5").unwrap(),
            TileId::hashes(0, 1234067, 5)
        );
        assert_eq!(
            TileId::parse("entries/000").unwrap(),
            TileId::entries(0, 256)
        );
        for bad in [
            "0/5",
            "0/0005",
            "00/005",
            "0/x000/005",
            "0/005.p/0",
            "0/005.p/256",
            "0/005.p/07",
            "64/000",
            "0/x001",
            "0/001/234",
            "x/000",
            "0/00a",
            "0/005/",
        ] {
            assert!(TileId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn partial_tile_widths_for_70000() {
        // Spec example: s = 70,000 → level-0 partial width 112, level-1 partial 17, level-2 1.
        let s = 70_000u64;
        let w = |l: u32| (s / 256u64.pow(l)) % 256;
        assert_eq!((w(0), w(1), w(2)), (112, 17, 1));
        assert!(TileId::hashes(0, 273, 112).within(s));
        assert!(!TileId::hashes(0, 273, 113).within(s));
        assert!(TileId::hashes(1, 1, 17).within(s));
        assert!(TileId::hashes(2, 0, 1).within(s));
        assert!(!TileId::hashes(2, 0, 2).within(s));
    }

    #[test]
    fn bundle_round_trip_and_errors() {
        let b = encode_bundle(&[b"".to_vec(), b"ab".to_vec()]).unwrap();
        assert_eq!(b, vec![0, 0, 0, 2, b'a', b'b']);
        assert_eq!(
            decode_bundle(&b).unwrap(),
            vec![b"".to_vec(), b"ab".to_vec()]
        );
        assert_eq!(decode_bundle(&b[..5]), Err(TileError::TruncatedBundle(2)));
        assert!(encode_bundle(&[vec![0u8; 65536]]).is_err());
    }
}
