//! The streaming scan: clauses, matches, context rules, strength.
//!
//! A single forward pass. The text is cut into clauses at sentence and clause ends (`。 ; ! ?`,
//! a full stop before white space, a line break) and at most `max_clause_bytes` apart, so one
//! 50 MB line without punctuation costs the same per byte as ordinary text and the working
//! memory stays bounded. Each clause is matched once ([`crate::matcher`]); the cues found in it
//! decide whether its term hits count and with which normative strength.

use concord_core::Strength;
use jieba_rs::{Jieba, TokenizeMode};

use crate::cues::Cue;
use crate::lexicon::{Compiled, Kind, is_han, light_stem_into, stem_suffix_index};

/// One clause that addresses at least one principle.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage<'a> {
    /// Byte span in the scanned text.
    pub start: usize,
    pub end: usize,
    /// Character span (Unicode scalar values) in the scanned text.
    pub start_char: u64,
    pub end_char: u64,
    pub strength: Strength,
    /// Principle index (into [`crate::Tagger::principles`]) and confidence, 0.0 to 1.0.
    pub hits: &'a [(u16, f32)],
    /// Term matches that counted: byte span in the clause and pattern index (for explanations).
    pub(crate) terms: &'a [(usize, usize, u32)],
}

/// Cuts a text into clauses, one after the other.
///
/// A clause may end at `\n ; ! ?`, at `.` if white space follows, and at 。 (E3 80 82) and the
/// full-width ！ ； ？ (EF BC ..). The candidates are found with three vectorised byte searches
/// (memchr) rather than by looking at every byte, which made clause cutting a tenth of the
/// scan. Each search's next candidate is kept from one clause to the next, so every byte is
/// searched once per search whatever the clauses' lengths.
pub(crate) struct Cutter<'b> {
    bytes: &'b [u8],
    max_len: usize,
    /// Next candidate of each search at or after the last position it was asked for, or the
    /// text's length if there is none.
    next: [usize; 3],
}

impl<'b> Cutter<'b> {
    pub(crate) fn new(bytes: &'b [u8], max_len: usize) -> Self {
        let mut c = Cutter {
            bytes,
            max_len,
            next: [0; 3],
        };
        for k in 0..3 {
            c.next[k] = c.find(k, 0);
        }
        c
    }

    fn find(&self, searcher: usize, at: usize) -> usize {
        let rest = &self.bytes[at.min(self.bytes.len())..];
        let found = match searcher {
            0 => memchr::memchr3(b'\n', b';', b'.', rest),
            1 => memchr::memchr3(b'!', b'?', 0xE3, rest),
            _ => memchr::memchr(0xEF, rest),
        };
        found.map_or(self.bytes.len(), |k| at + k)
    }

    /// End (exclusive) of the clause starting at `from`; `from` must not go back.
    pub(crate) fn end_from(&mut self, from: usize) -> usize {
        let bytes = self.bytes;
        let len = bytes.len();
        let limit = len.min(from.saturating_add(self.max_len));
        for k in 0..3 {
            if self.next[k] < from {
                self.next[k] = self.find(k, from);
            }
        }
        loop {
            let (k, j) = self
                .next
                .iter()
                .copied()
                .enumerate()
                .min_by_key(|&(_, j)| j)
                .unwrap_or((0, len));
            if j >= limit {
                break;
            }
            self.next[k] = self.find(k, j + 1);
            match bytes[j] {
                b'\n' | b';' | b'!' | b'?' => return j + 1,
                b'.' if j + 1 >= len || bytes[j + 1].is_ascii_whitespace() => return j + 1,
                // 。 and the full-width ！ ； ？ of text that was not normalised
                0xE3 if bytes.get(j + 1..j + 3) == Some(&[0x80, 0x82]) => return j + 3,
                0xEF if matches!(bytes.get(j + 1..j + 3), Some([0xBC, 0x81 | 0x9B | 0x9F])) => {
                    return j + 3;
                }
                _ => {}
            }
        }
        if limit >= len {
            return len;
        }
        // Too long: cut at the last space in the final stretch, else at a character boundary.
        let floor = limit.saturating_sub(64).max(from + 1);
        if let Some(sp) = (floor..limit).rev().find(|&j| bytes[j] == b' ') {
            return sp + 1;
        }
        let mut j = limit;
        while j > from + 1 && (bytes[j] & 0xC0) == 0x80 {
            j -= 1;
        }
        j
    }
}

/// End (exclusive) of the clause starting at `from` (a [`Cutter`] for one clause).
#[cfg(test)]
pub(crate) fn clause_end(bytes: &[u8], from: usize, max_len: usize) -> usize {
    let mut c = Cutter::new(bytes, max_len);
    c.end_from(from)
}

/// Memo of "do these two Chinese characters form a dictionary word": an open-addressing table
/// (a hash map with SipHash cost more than the jieba look-up it saved). A direct-mapped cache
/// was tried first; colliding pairs evicted each other so often that 16% of look-ups went to
/// jieba although a text has only a few thousand distinct pairs. When the table is three
/// quarters full it starts again empty, so memory stays bounded.
pub(crate) struct PairCache {
    /// 0 for a free slot, else [`PairCache::USED`] | answer in [`PairCache::YES`] | the pair.
    slots: Vec<u64>,
    used: usize,
}

impl Default for PairCache {
    fn default() -> Self {
        PairCache {
            slots: vec![0; PairCache::SLOTS],
            used: 0,
        }
    }
}

impl PairCache {
    const SLOTS: usize = 8192;
    const USED: u64 = 1 << 63;
    const YES: u64 = 1 << 62;
    /// Two code points of 21 bits each.
    const PAIR: u64 = (1 << 42) - 1;

    fn get_or(&mut self, a: char, b: char, compute: impl FnOnce() -> bool) -> bool {
        let key = (u64::from(a) << 21) | u64::from(b);
        let mask = Self::SLOTS - 1;
        // Fibonacci hashing of the two code points, then linear probing.
        let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 51) as usize & mask;
        loop {
            let e = self.slots[slot];
            if e == 0 {
                break;
            }
            if e & Self::PAIR == key {
                return e & Self::YES != 0;
            }
            slot = (slot + 1) & mask;
        }
        let answer = compute();
        if self.used >= Self::SLOTS / 4 * 3 {
            self.slots.fill(0);
            self.used = 0;
            slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 51) as usize & mask;
        }
        self.slots[slot] = Self::USED | if answer { Self::YES } else { 0 } | key;
        self.used += 1;
        answer
    }
}

/// Words that make a run of capitalised words the name of a body or an instrument.
pub(crate) const NAME_HEADS: &[&str] = &[
    "Act",
    "Agency",
    "Association",
    "Board",
    "Bureau",
    "Centre",
    "Center",
    "Commission",
    "Committee",
    "Council",
    "Court",
    "Department",
    "Forum",
    "Group",
    "Institute",
    "Ministry",
    "Office",
    "Secretariat",
];

/// Lower-case words allowed inside a name between capitalised ones.
const NAME_LINKS: &[&str] = &["of", "on", "and", "for", "the", "in", "&"];

/// Whether `c` is the first character of one of [`ORG_SUFFIXES_ZH`], so that most terms are
/// cleared with one character comparison instead of a string comparison per suffix.
fn is_org_suffix_start(c: char) -> bool {
    matches!(
        c,
        '工' | '委' | '标' | '专' | '领' | '办' | '研' | '协' | '联' | '论'
    )
}

/// What follows a Chinese term when it is part of a body's name.
const ORG_SUFFIXES_ZH: &[&str] = &[
    "工作组",
    "委员会",
    "标准化技术委员会",
    "专委会",
    "领导小组",
    "办公室",
    "研究院",
    "研究所",
    "协会",
    "联盟",
    "论坛",
];

/// Byte spans of names in `clause`: runs of capitalised words (joined by `of`, `on`, `and`…)
/// that contain a word such as Committee, Forum, Ministry or Act.
pub(crate) fn english_name_spans(clause: &str, out: &mut Vec<(usize, usize)>) {
    let bytes = clause.as_bytes();
    let mut i = 0;
    // current run: start, end of its last capitalised word, has a head word
    let mut run: Option<(usize, usize, bool)> = None;
    let close = |run: &mut Option<(usize, usize, bool)>, out: &mut Vec<(usize, usize)>| {
        if let Some((s, e, true)) = run.take() {
            out.push((s, e));
        }
    };
    while i < bytes.len() {
        if !(bytes[i].is_ascii_alphanumeric() || bytes[i] == b'&') {
            // Anything but a space between words (a comma, a bracket) ends the name.
            if bytes[i] != b' ' {
                close(&mut run, out);
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'-' | b'\'' | b'&'))
        {
            i += 1;
        }
        let word = &clause[start..i];
        if bytes[start].is_ascii_uppercase() {
            let head = NAME_HEADS.contains(&word.trim_end_matches(['\'', 's']))
                || NAME_HEADS.contains(&word);
            run = Some(match run {
                Some((s, _, h)) => (s, i, h || head),
                None => (start, i, head),
            });
        } else if NAME_LINKS.contains(&word) && run.is_some() {
            // a link word continues the run only if a capitalised word follows
            let next = clause[i..].trim_start_matches(' ');
            if !next.as_bytes().first().is_some_and(u8::is_ascii_uppercase) {
                close(&mut run, out);
            }
        } else {
            close(&mut run, out);
        }
    }
    close(&mut run, out);
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Bytes of text lowercased at a time (whole clauses, so a little more).
pub(crate) const BLOCK_BYTES: usize = 64 * 1024;

/// Unicode scalar values in UTF-8 `bytes`: the bytes that are not continuation bytes
/// (`10xxxxxx`), counted eight at a time.
pub(crate) fn count_chars(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0u64;
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        let continuation = w & !(w << 1) & 0x8080_8080_8080_8080;
        n += 8 - u64::from(continuation.count_ones());
    }
    n + chunks
        .remainder()
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count() as u64
}

/// A block of clauses: their ends, the block lowercased (ASCII only, so byte offsets are
/// unchanged; the matcher's patterns are lowercase, which is faster than case-insensitive
/// matching), and the matches of the clause at hand as (start, end, pattern) with absolute
/// offsets.
#[derive(Default)]
struct Block {
    ends: Vec<usize>,
    lower: String,
    matches: Vec<(usize, usize, u32)>,
}

/// Reusable per-scan buffers, so a scan allocates once.
#[derive(Default)]
pub(crate) struct Scratch {
    terms: Vec<(usize, usize, u32)>,
    excluded: Vec<(usize, usize)>,
    seen: Vec<u32>,
    kept: Vec<(usize, usize, u32)>,
    conf: Vec<(u16, f32)>,
    word: String,
    /// Memo of jieba dictionary look-ups of two-character strings.
    pairs: PairCache,
}

pub(crate) struct Scanner<'t> {
    pub compiled: &'t Compiled,
    pub jieba: &'t Jieba,
    pub max_clause_bytes: usize,
    pub min_confidence: f32,
    pub mention_min_confidence: f32,
    pub dominant_confidence: f32,
    pub incidental_below: f32,
}

impl Scanner<'_> {
    /// Calls `emit` for every clause of `text` that addresses a principle, in text order.
    ///
    /// Works block by block (whole clauses, about [`BLOCK_BYTES`]): each block is lowercased
    /// into a reused buffer, then each of its clauses is matched. Memory stays bounded by the
    /// block size whatever the text's length.
    pub fn scan(&self, text: &str, mut emit: impl FnMut(Passage<'_>)) {
        let bytes = text.as_bytes();
        let mut scratch = Scratch::default();
        let mut block = Block::default();
        let mut cutter = Cutter::new(bytes, self.max_clause_bytes);
        let mut pos = 0usize;
        // Characters are counted only up to the passages: `chars` is the count before `counted`.
        let (mut counted, mut chars) = (0usize, 0u64);
        while pos < bytes.len() {
            block.ends.clear();
            block.lower.clear();
            let mut end = pos;
            while end < bytes.len() && end - pos < BLOCK_BYTES {
                end = cutter.end_from(end);
                block.ends.push(end);
            }
            block.lower.push_str(&text[pos..end]);
            block.lower.make_ascii_lowercase();
            let mut start = pos;
            for &cend in &block.ends {
                let lower = &block.lower[start - pos..cend - pos];
                block.matches.clear();
                self.compiled.matcher.for_each(lower, 0, |s, e, v| {
                    block.matches.push((s + start, e + start, v));
                    true
                });
                if !block.matches.is_empty() {
                    let clause = &text[start..cend];
                    if let Some(strength) =
                        self.clause(clause, lower, start, &block.matches, &mut scratch)
                    {
                        chars += count_chars(&bytes[counted..start]);
                        let n_chars = count_chars(clause.as_bytes());
                        emit(Passage {
                            start,
                            end: cend,
                            start_char: chars,
                            end_char: chars + n_chars,
                            strength,
                            hits: &scratch.conf,
                            terms: &scratch.kept,
                        });
                        chars += n_chars;
                        counted = cend;
                    }
                }
                start = cend;
            }
            pos = end;
        }
    }

    /// Evaluates one clause given its matches (absolute byte offsets; `offset` is the clause's
    /// start); fills `scratch.conf` and returns the strength if anything counts.
    fn clause(
        &self,
        clause: &str,
        lower: &str,
        offset: usize,
        matches: &[(usize, usize, u32)],
        s: &mut Scratch,
    ) -> Option<Strength> {
        s.terms.clear();
        s.excluded.clear();
        s.conf.clear();
        let mut strength = Strength::Mention;
        let mut builds = false;
        let mut next = 0usize;
        // A match rejected by a boundary rule may hide a shorter or later one that starts
        // inside it (更新技术文档: 新技术 is rejected, 技术文档 was never reported by the
        // leftmost-longest pass). One re-search per rejected original match keeps the scan linear.
        let mut hidden: Option<(usize, usize, u32)> = None;
        loop {
            let (m, original) = match hidden.take() {
                Some(m) => (m, false),
                None if next < matches.len() => {
                    next += 1;
                    (matches[next - 1], true)
                }
                None => break,
            };
            let (mstart, mend, pid) = m;
            if mend - offset > clause.len() {
                continue; // runs past a forced cut
            }
            let pat = &self.compiled.patterns[pid as usize];
            let start = mstart - offset;
            let Some(end) = self.accept(clause, lower, start, mend - offset, pat, s) else {
                if original {
                    let limit = matches.get(next).map_or(clause.len(), |n| n.0 - offset);
                    hidden = self.hidden_match(lower, start, limit, offset);
                }
                continue;
            };
            match &pat.kind {
                Kind::Blocker => {}
                Kind::Term { .. } => {
                    s.terms.push((start, end, pid));
                    match pat.implied {
                        Some(Cue::Obligation) => strength = strength.min(Strength::Obligation),
                        Some(Cue::Recommendation) => {
                            strength = strength.min(Strength::Recommendation)
                        }
                        _ => {}
                    }
                }
                Kind::Cue(cue) => match cue {
                    Cue::Obligation => strength = strength.min(Strength::Obligation),
                    Cue::Recommendation => strength = strength.min(Strength::Recommendation),
                    Cue::ExcludeClause | Cue::Definition | Cue::Denial => return None,
                    Cue::Build => builds = true,
                    Cue::ExcludeForward => {
                        let stop = clause[end..]
                            .find([',', '，'])
                            .map_or(clause.len(), |i| end + i);
                        s.excluded.push((end, stop));
                    }
                    Cue::ExcludeBackward => {
                        let from = clause[..start].rfind([',', '，']).map_or(0, |i| {
                            i + clause[i..].chars().next().map_or(1, char::len_utf8)
                        });
                        s.excluded.push((from, start));
                    }
                },
            }
        }
        if s.terms.is_empty() {
            return None;
        }
        // Terms inside 《》 are words of a cited title, not of the clause's own content.
        // 《 is E3 80 8A and 》 E3 80 8B: the lead byte is found with a vectorised search, and
        // clauses without one (all English ones) are passed over at that speed.
        let mut open = None;
        for i in memchr::memchr_iter(0xE3, clause.as_bytes()) {
            match (clause.as_bytes().get(i + 1..i + 3), open) {
                (Some([0x80, 0x8A]), _) => open = Some(i),
                (Some([0x80, 0x8B]), Some(o)) => {
                    s.excluded.push((o, i + 3));
                    open = None;
                }
                _ => {}
            }
        }
        // Terms that are words of a body's or an instrument's name ("the Committee on AI and
        // Human Rights", 数据安全工作组) name something; they do not state the principle.
        // A name needs a head word, so a clause without one (most) is not read word by word.
        if s.terms
            .iter()
            .any(|&(start, _, _)| clause.as_bytes()[start].is_ascii_uppercase())
            && self.compiled.name_heads.is_match(clause)
        {
            english_name_spans(clause, &mut s.excluded);
        }
        for &(start, end, _) in &s.terms {
            if clause.as_bytes()[end - 1] >= 0x80
                && clause[end..]
                    .chars()
                    .next()
                    .is_some_and(is_org_suffix_start)
                && ORG_SUFFIXES_ZH.iter().any(|x| clause[end..].starts_with(x))
            {
                s.excluded.push((start, end));
            }
        }
        s.seen.clear();
        s.kept.clear();
        for &(start, end, pid) in &s.terms {
            if s.excluded.iter().any(|&(a, b)| start >= a && end <= b) || s.seen.contains(&pid) {
                continue;
            }
            s.seen.push(pid);
            s.kept.push((start, end, pid));
            let Kind::Term {
                principles,
                weight,
                inherited,
            } = &self.compiled.patterns[pid as usize].kind
            else {
                continue;
            };
            let own = principles.iter().map(|&p| (p, *weight));
            for (p, weight) in own.chain(inherited.iter().copied()) {
                match s.conf.iter_mut().find(|(q, _)| *q == p) {
                    // noisy-OR: each further distinct term adds evidence
                    Some((_, c)) => *c = 1.0 - (1.0 - *c) * (1.0 - weight),
                    None => s.conf.push((p, weight)),
                }
            }
        }
        s.conf.retain(|&(_, c)| c >= self.min_confidence);
        // A clause that only mentions needs stronger evidence than one that commits.
        if strength == Strength::Mention {
            s.conf.retain(|&(_, c)| c >= self.mention_min_confidence);
        }
        // Beside a principle the clause is clearly about, one-word hits are incidental.
        if s.conf.iter().any(|&(_, c)| c >= self.dominant_confidence) {
            s.conf.retain(|&(_, c)| c >= self.incidental_below);
        }
        // What a divide is in (compute, data) is not built unless the clause builds it.
        if !builds {
            for &(object, context) in &self.compiled.gap_objects {
                if s.conf.iter().any(|&(p, _)| p == context) {
                    s.conf.retain(|&(p, _)| p != object);
                }
            }
        }
        if s.conf.is_empty() {
            None
        } else {
            s.conf.sort_by_key(|&(p, _)| p);
            Some(strength)
        }
    }

    /// Applies the boundary rules to a match at `start..end` of the clause; returns its end
    /// (extended over an English word's inflection) if it counts.
    fn accept(
        &self,
        clause: &str,
        lower: &str,
        start: usize,
        mut end: usize,
        pat: &crate::lexicon::Pattern,
        s: &mut Scratch,
    ) -> Option<usize> {
        let bytes = clause.as_bytes();
        if pat.latin && start > 0 && is_word_byte(bytes[start - 1]) {
            return None;
        }
        if let Some(stem) = &pat.stem {
            let matched = end;
            while end < bytes.len() && bytes[end].is_ascii_alphabetic() {
                end += 1;
            }
            let same_stem = match stem_suffix_index(&lower.as_bytes()[matched..end]) {
                Some(k) => pat.stem_suffixes & (1 << k) != 0,
                None => {
                    // The match starts at a word start (Latin patterns need one), so the
                    // stemmed word starts where it does in the pattern.
                    light_stem_into(&lower[start + pat.last_word..end], &mut s.word);
                    s.word == *stem
                }
            };
            if !same_stem {
                return None;
            }
        } else if pat.right_boundary && end < bytes.len() && is_word_byte(bytes[end]) {
            return None;
        }
        // Cues need no segmentation: their other senses are listed as blockers.
        if pat.short_han
            && matches!(pat.kind, Kind::Term { .. })
            && !self.han_boundary_ok(clause, start, end, &mut s.pairs)
        {
            return None;
        }
        Some(end)
    }

    /// The leftmost-longest match starting after the first character of a rejected match at
    /// `start` and ending by `limit` (the next reported match), in absolute offsets.
    fn hidden_match(
        &self,
        lower: &str,
        start: usize,
        limit: usize,
        offset: usize,
    ) -> Option<(usize, usize, u32)> {
        let from = start + lower[start..].chars().next().map_or(1, char::len_utf8);
        if from >= limit {
            return None;
        }
        let mut found = None;
        self.compiled
            .matcher
            .for_each(&lower[..limit], from, |s, e, v| {
                found = Some((s + offset, e + offset, v));
                false
            });
        found
    }

    /// A Chinese term of one to three characters counts only if word segmentation does not put a
    /// word across its edges (数据 in 根据数据 is fine; 全 in 安全面 is not a word start).
    /// Segmentation runs only when a neighbouring character could form a word with the term.
    fn han_boundary_ok(
        &self,
        clause: &str,
        start: usize,
        end: usize,
        pairs: &mut PairCache,
    ) -> bool {
        let term = &clause[start..end];
        let prev = clause[..start].chars().next_back().filter(|c| is_han(*c));
        let next = clause[end..].chars().next().filter(|c| is_han(*c));
        let mut crosses = |a: char, b: char| {
            pairs.get_or(a, b, || {
                let mut buf = [0u8; 8];
                let la = a.encode_utf8(&mut buf).len();
                let lb = b.encode_utf8(&mut buf[la..]).len();
                std::str::from_utf8(&buf[..la + lb]).is_ok_and(|w| self.jieba.has_word(w))
            })
        };
        let suspicious = prev
            .zip(term.chars().next())
            .is_some_and(|(p, f)| crosses(p, f))
            || next
                .zip(term.chars().last())
                .is_some_and(|(n, l)| crosses(l, n));
        if !suspicious {
            return true;
        }
        let mut ws = start;
        for (n, (i, _)) in clause[..start].char_indices().rev().enumerate() {
            if n >= 3 {
                break;
            }
            ws = i;
        }
        let we = clause[end..]
            .char_indices()
            .nth(3)
            .map_or(clause.len(), |(i, _)| end + i);
        let window = &clause[ws..we];
        let (s, e) = (start - ws, end - ws);
        !self
            .jieba
            .tokenize(window, TokenizeMode::Default, false)
            .iter()
            .any(|t| {
                (t.byte_start < s && t.byte_end > s && t.byte_end < e)
                    || (t.byte_start > s && t.byte_start < e && t.byte_end > e)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clauses(text: &str, max: usize) -> Vec<&str> {
        let mut out = vec![];
        let mut pos = 0;
        while pos < text.len() {
            let end = clause_end(text.as_bytes(), pos, max);
            assert!(end > pos, "no progress at {pos}");
            out.push(&text[pos..end]);
            pos = end;
        }
        out
    }

    #[test]
    fn clauses_end_at_sentence_and_clause_marks() {
        assert_eq!(
            clauses("应当保护隐私。鼓励创新；Providers shall. Next 3.5 x", 100),
            [
                "应当保护隐私。",
                "鼓励创新；",
                "Providers shall.",
                " Next 3.5 x"
            ]
        );
    }

    /// The clause cutter before the byte searches: one `match` per byte.
    fn clause_end_reference(bytes: &[u8], from: usize, max_len: usize) -> usize {
        let len = bytes.len();
        let limit = len.min(from.saturating_add(max_len));
        let mut i = from;
        while i < limit {
            match bytes[i] {
                b'\n' | b';' | b'!' | b'?' => return i + 1,
                b'.' if i + 1 >= len || bytes[i + 1].is_ascii_whitespace() => return i + 1,
                0xE3 if bytes.get(i + 1..i + 3) == Some(&[0x80, 0x82]) => return i + 3,
                0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBC, 0x81 | 0x9B | 0x9F])) => {
                    return i + 3;
                }
                _ => {}
            }
            i += 1;
        }
        if limit >= len {
            return len;
        }
        let floor = limit.saturating_sub(64).max(from + 1);
        if let Some(sp) = (floor..limit).rev().find(|&j| bytes[j] == b' ') {
            return sp + 1;
        }
        let mut j = limit;
        while j > from + 1 && (bytes[j] & 0xC0) == 0x80 {
            j -= 1;
        }
        j
    }

    proptest::proptest! {
        #[test]
        fn stop_table_cuts_like_the_reference(
            text in "([a-z .;!?\\n]|。|！|；|？|，|安|全|\u{FF01}|\u{FF1B}|\u{3002}){0,300}",
            max in 16usize..200,
        ) {
            let b = text.as_bytes();
            let mut cutter = Cutter::new(b, max);
            let mut pos = 0;
            while pos < b.len() {
                let want = clause_end_reference(b, pos, max);
                proptest::prop_assert_eq!(clause_end(b, pos, max), want);
                proptest::prop_assert_eq!(cutter.end_from(pos), want);
                pos = want;
            }
        }

        #[test]
        fn pair_cache_remembers_what_it_computed(pairs in proptest::collection::vec(
            (proptest::char::range('\u{4E00}', '\u{9FFF}'), proptest::char::range('\u{4E00}', '\u{9FFF}')),
            1..8000,
        )) {
            // The cached answer must always equal the computed one, whatever collides.
            let mut cache = PairCache::default();
            let truth = |a: char, b: char| (u32::from(a) + u32::from(b)) % 3 == 0;
            let mut computed = 0;
            for &(a, b) in pairs.iter().chain(&pairs) {
                let got = cache.get_or(a, b, || {
                    computed += 1;
                    truth(a, b)
                });
                proptest::prop_assert_eq!(got, truth(a, b));
            }
            // Below the reset threshold, every pair is computed once.
            if pairs.len() < PairCache::SLOTS / 2 {
                let distinct: std::collections::HashSet<_> = pairs.iter().collect();
                proptest::prop_assert_eq!(computed, distinct.len());
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn chars_are_counted_like_std(text in "[a-z 安全é\u{1F600}]{0,80}", from in 0usize..8) {
            let from = text.char_indices().map(|(i, _)| i).nth(from).unwrap_or(0);
            let text = &text[from..];
            proptest::prop_assert_eq!(count_chars(text.as_bytes()), text.chars().count() as u64);
        }

    }

    #[test]
    fn org_suffix_starts_are_the_suffixes_first_characters() {
        let firsts: std::collections::HashSet<char> = ORG_SUFFIXES_ZH
            .iter()
            .filter_map(|s| s.chars().next())
            .collect();
        let starts: std::collections::HashSet<char> = ('\u{4E00}'..='\u{9FFF}')
            .filter(|&c| is_org_suffix_start(c))
            .collect();
        assert_eq!(firsts, starts);
    }

    #[test]
    fn long_clauses_are_cut_on_char_boundaries() {
        let text = "安全".repeat(1000);
        for c in clauses(&text, 100) {
            assert!(c.len() <= 100);
        }
        let words = "privacy ".repeat(100);
        assert!(clauses(&words, 50).iter().all(|c| c.ends_with(' ')));
    }
}
