//! Leftmost-longest matching of the lexicon, tried only where a match can count.
//!
//! A Latin-script pattern counts only at a word start, and nothing else starts with a letter
//! or digit, so no match that starts inside a run of ASCII letters and digits is ever kept.
//! An Aho-Corasick automaton still walks through every byte of every word; this matcher jumps
//! over the rest of a word instead and, at each position where a match may start (a word
//! start, any other character), walks a double-array trie ([`yada`]) for the
//! longest pattern there. The walk stops at the first character no pattern continues with, so
//! it is bounded by the longest pattern and the scan stays linear in the text.
//!
//! Leftmost-longest as usual: the earliest possible start wins, then the longest pattern there,
//! and the search goes on after the match. On text without ASCII letters or digits (Chinese)
//! the matches are exactly those of a leftmost-longest Aho-Corasick automaton.

use yada::unit::Unit;

use crate::TaggerError;

pub(crate) struct Matcher {
    /// The units of a [`yada`] double array, decoded once and walked directly: the crate's own
    /// search, an iterator that decodes each unit from bytes, took about twice the
    /// instructions per step.
    nodes: Vec<Node>,
    /// For each byte: [`STARTS`] if a pattern starts with it (so most positions without one
    /// cost a table look-up), [`WORD`] for ASCII letters and digits, and otherwise the length
    /// of the UTF-8 sequence it starts.
    class: [u8; 256],
    /// For each character of the CJK Unified Ideographs block (U+4E00–U+9FFF), the node its
    /// three bytes lead to from the root, or 0 if no pattern starts with it: one look-up
    /// instead of three dependent steps, and none at all for the half of the characters of
    /// Chinese text that start no pattern. Empty if the node indices do not fit 16 bits.
    han_first: Vec<u16>,
}

/// The block [`Matcher::han_first`] covers.
const HAN_FIRST: std::ops::RangeInclusive<u32> = 0x4E00..=0x9FFF;

/// A unit of the double array with its fields decoded, in eight bytes so that the array
/// stays small in the CPU caches.
#[derive(Clone, Copy)]
struct Node {
    offset: u32,
    /// The byte leading here in bits 0–8 (0x100 for leaf units, which match no byte); above
    /// them, one more than the value of the pattern ending here, 0 if none.
    label_value: u32,
}

impl Node {
    fn new(offset: u32, label: u32, value: Option<u32>) -> Self {
        let value = value.map_or(0, |v| v + 1);
        Node {
            offset,
            label_value: label | (value << 9),
        }
    }

    #[inline]
    fn label(self) -> u32 {
        self.label_value & 0x1FF
    }

    /// One more than the value, 0 if no pattern ends here.
    #[inline]
    fn value_plus_one(self) -> u32 {
        self.label_value >> 9
    }
}

/// Values must fit the 23 bits a [`Node`] has for them.
const MAX_PATTERNS: usize = (1 << 23) - 1;

const STARTS: u8 = 0x80;
const WORD: u8 = 0x40;
const LENGTH: u8 = 0x07;

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

impl Matcher {
    /// `patterns[i]` gets the value `i`; patterns must be distinct and non-empty.
    pub(crate) fn new(patterns: &[String]) -> Result<Self, TaggerError> {
        if patterns.len() > MAX_PATTERNS {
            return Err(TaggerError::Automaton(format!(
                "{} patterns, at most {MAX_PATTERNS} are supported",
                patterns.len()
            )));
        }
        let mut class = [0u8; 256];
        for (b, class) in (0..=255u8).zip(class.iter_mut()) {
            *class = if is_word_byte(b) { WORD } else { utf8_len(b) };
        }
        for p in patterns {
            if let Some(&b) = p.as_bytes().first() {
                class[usize::from(b)] |= STARTS;
            }
        }
        // Below MAX_PATTERNS, so every index fits a u32.
        let mut records: Vec<(&[u8], u32)> = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_bytes(), i as u32))
            .collect();
        records.sort_unstable();
        let bytes = yada::builder::DoubleArrayBuilder::build(&records)
            .map_err(|e| TaggerError::Automaton(e.to_string()))?;
        // Validates the array (every offset in range) before the units are used.
        let trie =
            yada::DoubleArray::new(bytes).map_err(|e| TaggerError::Automaton(e.to_string()))?;
        let units: Vec<Unit> = trie
            .0
            .chunks_exact(4)
            .map(|b| Unit::from_u32(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect();
        let mut nodes: Vec<Node> = units
            .iter()
            .enumerate()
            .map(|(id, u)| {
                let value = (u.has_leaf() && !u.is_leaf())
                    .then(|| units.get((u.offset() ^ id as u32) as usize))
                    .flatten()
                    .map(Unit::value);
                let label = if u.is_leaf() { 0x100 } else { u.label() };
                Node::new(u.offset(), label, value)
            })
            .collect();
        // Padding that no byte leads to, up to a power of two (see `longest_at`).
        let padding = Node::new(0, 0x100, None);
        nodes.resize(nodes.len().next_power_of_two(), padding);
        let mut m = Matcher {
            nodes,
            class,
            han_first: vec![],
        };
        if m.nodes.len() <= 1 << 16 {
            m.han_first = HAN_FIRST
                .map(|cp| {
                    let mut buf = [0u8; 4];
                    let c = char::from_u32(cp).map_or("", |c| c.encode_utf8(&mut buf));
                    m.walk(0, c.as_bytes()).map_or(0, |id| id as u16)
                })
                .collect();
        }
        Ok(m)
    }

    /// The node that `bytes` lead to from node `id`, if every step exists.
    fn walk(&self, mut id: usize, bytes: &[u8]) -> Option<usize> {
        for &c in bytes {
            let c = u32::from(c);
            let child = id ^ (self.nodes.get(id)?.offset ^ c) as usize;
            if self.nodes.get(child)?.label() != c {
                return None;
            }
            id = child;
        }
        (!bytes.is_empty()).then_some(id)
    }

    /// The longest pattern starting at byte `i` of `text`: its end and value.
    #[inline]
    fn longest_at(&self, text: &str, i: usize) -> Option<(usize, u32)> {
        // darts-clone layout: a child's index is its parent's offset XOR the parent's index XOR
        // the byte, and the child is real if it carries that byte as its label.
        // A child index stays inside its parent's block of 256 units, so it is always below
        // the length; the mask (the length is a power of two) lets the compiler see that.
        let nodes = &self.nodes[..];
        let mask = nodes.len().wrapping_sub(1);
        if nodes.len() != mask + 1 || !nodes.len().is_power_of_two() {
            return None;
        }
        let (mut id, mut node) = (0usize, nodes[0]);
        // bytes left after the longest match so far (usize::MAX: none)
        let (mut left, mut value) = (usize::MAX, 0u32);
        let mut rest = &text.as_bytes()[i..];
        if let [b0 @ 0xE4..=0xE9, b1, b2, tail @ ..] = rest
            && !self.han_first.is_empty()
        {
            let cp =
                (u32::from(b0 & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
            if cp >= *HAN_FIRST.start() {
                let first = *self.han_first.get((cp - HAN_FIRST.start()) as usize)?;
                if first == 0 {
                    return None;
                }
                id = usize::from(first);
                node = nodes[id & mask];
                rest = tail;
                if node.value_plus_one() != 0 {
                    (left, value) = (rest.len(), node.value_plus_one());
                }
            }
        }
        while let [c, tail @ ..] = rest {
            let c = u32::from(*c);
            id = (id ^ (node.offset ^ c) as usize) & mask;
            let next = nodes[id];
            if next.label() != c {
                break;
            }
            node = next;
            rest = tail;
            if node.value_plus_one() != 0 {
                (left, value) = (rest.len(), node.value_plus_one());
            }
        }
        (left != usize::MAX).then(|| (text.len() - left, value - 1))
    }

    /// Calls `f(start, end, value)` for the leftmost-longest matches in `text[from..]` that
    /// start at a word start or at a character that is not an ASCII letter or digit (the
    /// byte before `from`, if any, decides whether `from` is a word start). Stops early when
    /// `f` returns false.
    #[inline]
    pub(crate) fn for_each(
        &self,
        text: &str,
        from: usize,
        mut f: impl FnMut(usize, usize, u32) -> bool,
    ) {
        let b = text.as_bytes();
        let n = b.len();
        let mut i = from;
        if i > 0 && i < n && is_word_byte(b[i - 1]) {
            i = skip_word(b, i);
        }
        while i < n {
            let class = self.class[usize::from(b[i])];
            if class & STARTS != 0
                && let Some((end, value)) = self.longest_at(text, i)
            {
                if !f(i, end, value) {
                    return;
                }
                i = end;
                if i < n && i > 0 && is_word_byte(b[i - 1]) {
                    i = skip_word(b, i);
                }
                continue;
            }
            i = if class & WORD != 0 {
                skip_word(b, i + 1)
            } else {
                i + usize::from(class & LENGTH)
            };
        }
    }
}

/// The end of the run of ASCII letters and digits at `i`, eight bytes at a time.
#[inline]
fn skip_word(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        let others = !word_bytes(w) & HIGH;
        if others != 0 {
            return i + (others.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && is_word_byte(b[i]) {
        i += 1;
    }
    i
}

const HIGH: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `w` set if that byte is an ASCII letter or digit. Each range
/// test adds to the low seven bits of every byte, which cannot carry into the next byte.
#[inline]
fn word_bytes(w: u64) -> u64 {
    let ascii = !w & HIGH;
    let low = w & !HIGH;
    // high bit set iff the byte is >= lo, respectively > hi
    let at_least = |lo: u8| low + ONES * u64::from(0x80 - lo);
    let above = |hi: u8| low + ONES * u64::from(0x7F - hi);
    let digit = at_least(b'0') & !above(b'9');
    let folded = (w | (ONES * 0x20)) & !HIGH; // A-Z onto a-z
    let letter =
        (folded + ONES * u64::from(0x80 - b'a')) & !(folded + ONES * u64::from(0x7F - b'z'));
    (digit | letter) & ascii
}

/// Length of the UTF-8 sequence that starts with `lead` (1 for a stray continuation byte,
/// which valid UTF-8 never has at a character start).
fn utf8_len(lead: u8) -> u8 {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(m: &Matcher, text: &str) -> Vec<(usize, usize, u32)> {
        let mut out = vec![];
        m.for_each(text, 0, |s, e, v| {
            out.push((s, e, v));
            true
        });
        out
    }

    fn matcher(patterns: &[&str]) -> Matcher {
        Matcher::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    /// The double array cannot hold a NUL byte: building fails with an error, never a panic.
    #[test]
    fn patterns_with_nul_are_an_error() {
        let err = Matcher::new(&["a\0b".to_string()])
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("matcher")));
    }

    #[test]
    fn longest_at_the_leftmost_start() {
        let m = matcher(&["数据", "数据安全", "安全", "data", "data protection"]);
        assert_eq!(all(&m, "保障数据安全"), [(6, 18, 1)]);
        assert_eq!(all(&m, "data protection rules"), [(0, 15, 4)]);
        assert_eq!(all(&m, "data protectio"), [(0, 4, 3)]);
    }

    #[test]
    fn latin_matches_start_at_word_starts_only() {
        let m = matcher(&["safety", "ai", "安全"]);
        assert_eq!(all(&m, "unsafety safety"), [(9, 15, 0)]);
        assert_eq!(all(&m, "said ai"), [(5, 7, 1)]);
        // a Chinese pattern right after a Latin word still counts
        assert_eq!(all(&m, "ai安全"), [(0, 2, 1), (2, 8, 2)]);
        // `from` inside a word skips the rest of it
        let mut got = vec![];
        m.for_each("xsafety safety", 1, |s, e, v| {
            got.push((s, e, v));
            true
        });
        assert_eq!(got, [(8, 14, 0)]);
    }

    /// On Chinese text the matcher agrees with a leftmost-longest Aho-Corasick automaton.
    #[test]
    fn agrees_with_aho_corasick_on_chinese() {
        let patterns = [
            "人工智能",
            "智能",
            "安全",
            "安全评估",
            "评估",
            "数据",
            "数据安全法",
        ];
        let m = matcher(&patterns);
        let ac = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(patterns)
            .unwrap();
        for text in [
            "人工智能安全评估",
            "数据安全法规定数据安全评估",
            "智能安全安全评估估",
            "",
        ] {
            let want: Vec<_> = ac
                .find_iter(text)
                .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
                .collect();
            assert_eq!(all(&m, text), want, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn words_are_skipped_like_bytewise(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40), from in 0usize..40) {
            let from = from.min(bytes.len());
            let mut want = from;
            while want < bytes.len() && is_word_byte(bytes[want]) {
                want += 1;
            }
            proptest::prop_assert_eq!(skip_word(&bytes, from), want);
        }

        /// Against a naive leftmost-longest search over the allowed starts.
        #[test]
        fn equals_naive_search(text in "([ab安全 ,]|ab|安全){0,40}") {
            let patterns = ["a", "ab", "ab a", "b", "安", "安全", "全a", "a安"];
            let m = matcher(&patterns);
            let b = text.as_bytes();
            let mut want = vec![];
            let mut i = 0;
            while i < text.len() {
                let allowed = !(i > 0 && is_word_byte(b[i]) && is_word_byte(b[i - 1]));
                let best = patterns
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| allowed && text[i..].starts_with(*p))
                    .max_by_key(|(_, p)| p.len());
                match best {
                    Some((v, p)) => {
                        want.push((i, i + p.len(), v as u32));
                        i += p.len();
                    }
                    None => i += text[i..].chars().next().map_or(1, char::len_utf8),
                }
            }
            proptest::prop_assert_eq!(all(&m, &text), want);
        }
    }
}
