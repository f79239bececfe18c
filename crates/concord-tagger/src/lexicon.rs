//! Compiles a taxonomy's lexicons and the cue lists into one matcher ([`crate::matcher`]).
//!
//! English patterns are lowercased and their last word is cut to the part it shares with its
//! inflectional stem ([`light_stem`]: "audits" → `audit`, "encouraged" → `encourag`); a match is
//! then extended to the end of the word and accepted only if the whole word has the same stem,
//! so "audit" finds "audits", "audited" and "auditing" but not "auditor" or "auditorium".
//! Derivational stemmers such as Porter's were tried and rejected: they conflate words that
//! signal different principles ("intelligibility"/"intelligence", "researchers"/"research",
//! "accessibility"/"access"). The lexicons list derived forms explicitly instead.
//! Words too short to stem are matched whole.
//! Chinese patterns are matched as written; short ones are checked against jieba's
//! segmentation (see [`crate::scan`]).

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use concord_core::Taxonomy;

use crate::TaggerError;
use crate::cues::{self, Cue};

/// What a pattern of the matcher stands for.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A lexicon term: the principles (indices into the tagger's list) it signals.
    Term {
        principles: Vec<u16>,
        weight: f32,
        /// Principles of other terms that this phrase contains (frontier safety framework →
        /// safety framework), with their weights: leftmost-longest matching reports only the
        /// phrase, so it passes on what its parts say.
        inherited: Vec<(u16, f32)>,
    },
    Cue(Cue),
    /// Matches and means nothing (another sense of a word).
    Blocker,
}

#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub kind: Kind,
    /// Latin-script pattern: needs a word boundary on its left.
    pub latin: bool,
    /// For a stemmed last word: the stem the whole matched word must have.
    pub stem: Option<String>,
    /// For a stemmed last word: where it starts in the pattern, and which of
    /// [`STEM_SUFFIXES`] (bit `k` for suffix `k`) completes it to a word with that stem, so
    /// that most matches need no stemming.
    pub last_word: usize,
    pub stem_suffixes: u16,
    /// Needs a word boundary on its right (Latin patterns whose last word was not stemmed).
    pub right_boundary: bool,
    /// Chinese pattern of at most two characters: checked against word segmentation.
    pub short_han: bool,
    /// A strength cue the term itself contains (鼓励创新, 不得歧视): matching is
    /// leftmost-longest, so the term hides the cue and passes it on instead.
    pub implied: Option<Cue>,
}

pub(crate) struct Compiled {
    pub matcher: crate::matcher::Matcher,
    /// The head words of names ([`crate::scan::NAME_HEADS`]), to skip clauses without one.
    pub name_heads: AhoCorasick,
    pub patterns: Vec<Pattern>,
    /// The matcher's pattern strings (lowercased, last English word cut to its stem prefix).
    #[cfg_attr(not(test), allow(dead_code))]
    pub texts: Vec<String>,
    /// [`cues::GAP_OBJECTS`] as principle indices (rules naming a principle the taxonomy does
    /// not have are left out).
    pub gap_objects: Vec<(u16, u16)>,
    /// Patterns that inherit nothing from their parts ([`cues::CLOSED_COMPOUNDS`]).
    #[cfg_attr(not(test), allow(dead_code))]
    pub closed: Vec<usize>,
}

/// Strips English inflections (plural, third person, past, gerund, final e, doubled final
/// consonant) from a lowercase ASCII word, writing the stem into `out`. A doubled final l is
/// undone too (British labelled, modelled), and -ied becomes -y (notified → notify).
pub(crate) fn light_stem_into(word: &str, out: &mut String) {
    out.clear();
    out.push_str(word);
    let len = |o: &String| o.len();
    if out.ends_with("ies") && len(out) > 4 {
        out.truncate(len(out) - 3);
        out.push('y');
    } else if out.ends_with("sses") {
        out.truncate(len(out) - 2);
    } else if out.ends_with('s')
        && len(out) > 3
        && !out.ends_with("ss")
        && !out.ends_with("us")
        && !out.ends_with("is")
        && !out.ends_with("as")
    {
        out.truncate(len(out) - 1);
    }
    if out.ends_with("ied") && len(out) > 5 {
        // notified, classified, verified: the y of the base form came back as i
        out.truncate(len(out) - 3);
        out.push('y');
    } else if out.ends_with("ing") && len(out) > 5 {
        out.truncate(len(out) - 3);
    } else if out.ends_with("ed") && len(out) > 4 {
        out.truncate(len(out) - 2);
    }
    if out.ends_with('e') && len(out) > 3 {
        out.truncate(len(out) - 1);
    }
    let b = out.as_bytes();
    let n = b.len();
    if n > 4
        && b[n - 1] == b[n - 2]
        && !matches!(b[n - 1], b'a' | b'e' | b'i' | b'o' | b'u' | b's' | b'z')
    {
        out.truncate(n - 1);
    }
}

/// The endings most often found after a stemmed pattern (its stem prefix) within a word;
/// [`Pattern::stem_suffixes`] says which of them keep the pattern's stem.
pub(crate) const STEM_SUFFIXES: [&str; 16] = [
    "", "s", "e", "es", "ed", "d", "ing", "er", "ers", "ment", "ly", "y", "ies", "ied", "al", "ion",
];

/// The index of `ending` in [`STEM_SUFFIXES`].
pub(crate) fn stem_suffix_index(ending: &[u8]) -> Option<u32> {
    Some(match ending {
        b"" => 0,
        b"s" => 1,
        b"e" => 2,
        b"es" => 3,
        b"ed" => 4,
        b"d" => 5,
        b"ing" => 6,
        b"er" => 7,
        b"ers" => 8,
        b"ment" => 9,
        b"ly" => 10,
        b"y" => 11,
        b"ies" => 12,
        b"ied" => 13,
        b"al" => 14,
        b"ion" => 15,
        _ => return None,
    })
}

/// [`light_stem_into`] returning a new string.
pub fn light_stem(word: &str) -> String {
    let mut s = String::new();
    light_stem_into(&word.to_ascii_lowercase(), &mut s);
    s
}

/// Weight of a *weak* term (written `~term` in a lexicon): a common word that supports a
/// principle but does not signal it alone; two weak terms, or one with a normal term, are needed.
pub(crate) const WEAK_WEIGHT: f32 = 0.3;

/// Weight of one matched term: specific phrases count more than single common words.
fn term_weight(term: &str) -> f32 {
    let han = term.chars().filter(|c| is_han(*c)).count();
    if han > 0 {
        if han <= 2 { 0.55 } else { 0.7 }
    } else if term.split_whitespace().count() >= 2 || term.contains('-') {
        0.7
    } else {
        0.55
    }
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// Longest common prefix, on char boundaries.
fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let mut end = 0;
    for ((i, ca), cb) in a.char_indices().zip(b.chars()) {
        if ca != cb {
            break;
        }
        end = i + ca.len_utf8();
    }
    &a[..end]
}

struct Builder {
    index: HashMap<String, usize>,
    patterns: Vec<String>,
    meta: Vec<Pattern>,
}

impl Builder {
    /// Adds `text` (any language) with `kind`; patterns that coincide are merged. Returns the
    /// pattern's index.
    fn add(&mut self, text: &str, kind: Kind) -> Option<usize> {
        let lowered = text.trim().to_lowercase();
        let words: Vec<&str> = lowered.split_whitespace().collect();
        if words.is_empty() {
            return None;
        }
        let latin = lowered
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let has_han = lowered.chars().any(is_han);
        let (pattern, stem, right_boundary) = if has_han {
            (words.join(" "), None, false)
        } else {
            let last = words[words.len() - 1];
            let stemmable = last.len() >= 4 && last.chars().all(|c| c.is_ascii_alphabetic());
            if stemmable && !matches!(kind, Kind::Blocker) {
                let stem = light_stem(last);
                let prefix = common_prefix(last, &stem);
                let mut p = words[..words.len() - 1].join(" ");
                if !p.is_empty() {
                    p.push(' ');
                }
                p.push_str(prefix);
                (p, Some(stem), false)
            } else {
                let ends_latin = last
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric());
                (words.join(" "), None, ends_latin)
            }
        };
        let short_han = has_han && lowered.chars().count() <= 3;
        match self.index.get(&pattern) {
            Some(&i) => {
                // Same surface pattern: terms merge their principles; anything else keeps the
                // first meaning (cues and blockers are listed before lexicons).
                if let (
                    Kind::Term {
                        principles, weight, ..
                    },
                    Kind::Term {
                        principles: add,
                        weight: w,
                        ..
                    },
                ) = (&mut self.meta[i].kind, &kind)
                {
                    for p in add {
                        if !principles.contains(p) {
                            principles.push(*p);
                        }
                    }
                    *weight = weight.max(*w);
                }
                // Different stems behind one prefix: keep the match loose rather than miss.
                if self.meta[i].stem != stem {
                    self.meta[i].stem = None;
                    self.meta[i].right_boundary = false;
                }
                Some(i)
            }
            None => {
                let i = self.patterns.len();
                self.index.insert(pattern.clone(), i);
                self.patterns.push(pattern);
                self.meta.push(Pattern {
                    kind,
                    latin,
                    stem,
                    right_boundary,
                    short_han,
                    implied: None,
                    last_word: 0,
                    stem_suffixes: 0,
                });
                Some(i)
            }
        }
    }
}

/// Compiles the lexicons of `taxonomy` (principle `i` of the taxonomy is index `i`).
pub(crate) fn compile(taxonomy: &Taxonomy) -> Result<Compiled, TaggerError> {
    let mut b = Builder {
        index: HashMap::new(),
        patterns: vec![],
        meta: vec![],
    };
    for blocker in cues::BLOCKERS_EN.iter().chain(cues::BLOCKERS_ZH) {
        b.add(blocker, Kind::Blocker);
    }
    for (cue, kind) in cues::EN.iter().chain(cues::ZH) {
        b.add(cue, Kind::Cue(*kind));
    }
    let mut terms = 0usize;
    // Phrases whose words mean something else inside them (生物多样性 is not 多样性).
    let mut closed: Vec<usize> = vec![];
    for (i, principle) in taxonomy.principles.iter().enumerate() {
        let idx = u16::try_from(i).map_err(|_| TaggerError::TooManyPrinciples)?;
        for term in principle.lexicon.zh.iter().chain(&principle.lexicon.en) {
            let (term, weight) = match term.trim().strip_prefix('~') {
                Some(t) => (t, WEAK_WEIGHT),
                None => (term.as_str(), term_weight(term)),
            };
            if term.trim().is_empty() {
                continue;
            }
            terms += 1;
            let i = b.add(
                term,
                Kind::Term {
                    principles: vec![idx],
                    weight,
                    inherited: vec![],
                },
            );
            if let Some(i) = i
                && cues::CLOSED_COMPOUNDS.contains(&term.trim().to_lowercase().as_str())
            {
                closed.push(i);
            }
        }
    }
    if terms == 0 {
        return Err(TaggerError::EmptyLexicon(taxonomy.id.to_string()));
    }
    inherit_components(&b.patterns, &mut b.meta, &closed);
    let mut word = String::new();
    for (text, meta) in b.patterns.iter().zip(b.meta.iter_mut()) {
        let Some(stem) = &meta.stem else { continue };
        meta.last_word = text.rfind(' ').map_or(0, |i| i + 1);
        for (k, suffix) in STEM_SUFFIXES.iter().enumerate() {
            light_stem_into(&format!("{}{suffix}", &text[meta.last_word..]), &mut word);
            if word == *stem {
                meta.stem_suffixes |= 1 << k;
            }
        }
    }
    for (text, meta) in b.patterns.iter().zip(b.meta.iter_mut()) {
        if !matches!(meta.kind, Kind::Term { .. }) {
            continue;
        }
        // A cue inside one of the term's blocked words is not a cue: 应 in 创新应用 is part of
        // 应用, as it would be in running text.
        let mut unblocked = format!(" {text} ");
        for blocker in cues::BLOCKERS_EN.iter().chain(cues::BLOCKERS_ZH) {
            if unblocked.contains(blocker) {
                unblocked = unblocked.replace(blocker, " | ");
            }
        }
        let (text, padded) = (unblocked.trim(), &unblocked);
        for (cue, kind) in cues::EN.iter().chain(cues::ZH) {
            if !matches!(kind, Cue::Obligation | Cue::Recommendation) {
                continue;
            }
            let found = if cue.chars().any(is_han) {
                text.contains(cue)
            } else {
                padded.contains(&format!(" {cue} "))
            };
            if found
                && meta
                    .implied
                    .is_none_or(|c| *kind == Cue::Obligation && c != Cue::Obligation)
            {
                meta.implied = Some(*kind);
            }
        }
    }
    let index_of = |id: &str| {
        taxonomy
            .principles
            .iter()
            .position(|p| p.id == id)
            .and_then(|i| u16::try_from(i).ok())
    };
    let gap_objects = cues::GAP_OBJECTS
        .iter()
        .filter_map(|(a, b)| Some((index_of(a)?, index_of(b)?)))
        .collect();
    let matcher = crate::matcher::Matcher::new(&b.patterns)?;
    let name_heads = AhoCorasick::new(crate::scan::NAME_HEADS)
        .map_err(|e| TaggerError::Automaton(e.to_string()))?;
    Ok(Compiled {
        matcher,
        name_heads,
        patterns: b.meta,
        texts: b.patterns,
        closed,
        gap_objects,
    })
}

/// Where the component `part` (a pattern, possibly cut to a stem prefix) occurs in `phrase`
/// as whole words: Latin components must start at a word start and end at a word end (or,
/// for a stemmed last word, cover a word with the same stem); Chinese ones occur anywhere.
fn contains_component(phrase: &str, part: &str, stem: Option<&str>) -> bool {
    if part.len() >= phrase.len() {
        return false;
    }
    if part.chars().any(is_han) {
        return phrase.contains(part);
    }
    let bytes = phrase.as_bytes();
    let mut word = String::new();
    phrase.match_indices(part).any(|(i, _)| {
        let end = i + part.len();
        if i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
            return false;
        }
        let word_end = end
            + bytes[end..]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
        match stem {
            Some(stem) => {
                let word_start = phrase[..end]
                    .rfind(|c: char| !c.is_ascii_alphabetic())
                    .map_or(0, |j| j + 1);
                light_stem_into(&phrase[word_start..word_end], &mut word);
                word == stem
            }
            None => word_end == end,
        }
    })
}

/// Gives every phrase the principles of the (non-weak) terms it contains, except the phrases
/// at the indices in `closed` (see [`cues::CLOSED_COMPOUNDS`]).
fn inherit_components(patterns: &[String], meta: &mut [Pattern], closed: &[usize]) {
    type Part = (usize, Vec<u16>, f32, Option<String>);
    let parts: Vec<Part> = meta
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match &m.kind {
            Kind::Term {
                principles, weight, ..
            } if *weight > WEAK_WEIGHT => Some((i, principles.clone(), *weight, m.stem.clone())),
            _ => None,
        })
        .collect();
    // Parts by their first character, so each phrase is checked only against parts that can
    // start at one of its word starts (all-pairs `contains` made building the tagger slow).
    let mut by_first: HashMap<char, Vec<usize>> = HashMap::new();
    for (k, (j, ..)) in parts.iter().enumerate() {
        if let Some(c) = patterns[*j].chars().next() {
            by_first.entry(c).or_default().push(k);
        }
    }
    let mut candidates: Vec<usize> = vec![];
    for (i, m) in meta.iter_mut().enumerate() {
        let Kind::Term {
            principles,
            inherited,
            ..
        } = &mut m.kind
        else {
            continue;
        };
        if closed.contains(&i) {
            continue;
        }
        let phrase = &patterns[i];
        candidates.clear();
        let mut prev: Option<char> = None;
        for c in phrase.chars() {
            if prev.is_none_or(|p| is_han(c) || p == ' ' || p == '-')
                && let Some(ks) = by_first.get(&c)
            {
                candidates.extend(ks);
            }
            prev = Some(c);
        }
        candidates.sort_unstable();
        candidates.dedup();
        for (j, ps, w, stem) in candidates.iter().map(|&k| &parts[k]) {
            if *j == i {
                continue;
            }
            if !contains_component(&patterns[i], &patterns[*j], stem.as_deref()) {
                continue;
            }
            for &p in ps {
                if principles.contains(&p) {
                    continue;
                }
                match inherited.iter_mut().find(|(q, _)| *q == p) {
                    Some((_, old)) => *old = old.max(*w),
                    None => inherited.push((p, *w)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_respects_char_boundaries() {
        assert_eq!(common_prefix("transparency", "transpar"), "transpar");
        assert_eq!(common_prefix("happy", "happi"), "happ");
        assert_eq!(common_prefix("数据", "数字"), "数");
    }

    #[test]
    fn light_stems_conflate_inflections_only() {
        for (a, b) in [
            ("audit", "audits"),
            ("audit", "audited"),
            ("audit", "auditing"),
            ("encourage", "encouraged"),
            ("encourage", "encourages"),
            ("encourage", "encouraging"),
            ("commit", "committed"),
            ("policy", "policies"),
            ("process", "processes"),
            ("bias", "biases"),
            ("label", "labelled"),
            ("label", "labelling"),
            ("label", "labeled"),
            ("model", "modelled"),
            ("notify", "notified"),
            ("classify", "classified"),
            ("verify", "verifies"),
            ("install", "installed"),
        ] {
            assert_eq!(light_stem(a), light_stem(b), "{a} / {b}");
        }
        for (a, b) in [
            ("research", "researchers"),
            ("intelligibility", "intelligence"),
            ("access", "accessibility"),
            ("audit", "auditor"),
            ("valid", "validation"),
            ("notify", "notification"),
        ] {
            assert_ne!(light_stem(a), light_stem(b), "{a} / {b}");
        }
    }

    #[test]
    fn components_are_whole_words_or_same_stem() {
        assert!(contains_component("bias audit", "audit", Some("audit")));
        assert!(contains_component(
            "frontier safety framework",
            "safety",
            None
        ));
        assert!(!contains_component("unsafety rules", "safety", None));
        assert!(!contains_component("safetynet rules", "safety", None));
        // "audit" cut to its stem prefix matches "audits" but not "auditorium"
        assert!(contains_component("annual audits", "audit", Some("audit")));
        assert!(!contains_component(
            "auditorium rules",
            "audit",
            Some("audit")
        ));
        assert!(contains_component("危险能力评估", "危险能力", None));
        assert!(!contains_component("audit", "audit", None));
    }

    /// The first-character buckets of `inherit_components` find exactly what checking every
    /// pair of patterns finds, on the bundled taxonomy.
    #[test]
    fn bucketed_inheritance_equals_all_pairs() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/corpus/taxonomy/concord-v1.toml"
        );
        let taxonomy: Taxonomy = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let c = compile(&taxonomy).unwrap();
        let mut phrases_with_parts = 0;
        for (i, m) in c.patterns.iter().enumerate() {
            let Kind::Term {
                principles,
                inherited,
                ..
            } = &m.kind
            else {
                continue;
            };
            let mut want: Vec<(u16, f32)> = vec![];
            for (j, n) in c.patterns.iter().enumerate() {
                if c.closed.contains(&i) {
                    break;
                }
                let Kind::Term {
                    principles: ps,
                    weight,
                    ..
                } = &n.kind
                else {
                    continue;
                };
                if i == j
                    || *weight <= WEAK_WEIGHT
                    || !contains_component(&c.texts[i], &c.texts[j], n.stem.as_deref())
                {
                    continue;
                }
                for &p in ps.iter().filter(|p| !principles.contains(p)) {
                    match want.iter_mut().find(|(q, _)| *q == p) {
                        Some((_, w)) => *w = w.max(*weight),
                        None => want.push((p, *weight)),
                    }
                }
            }
            let mut got = inherited.clone();
            got.sort_by_key(|x| x.0);
            want.sort_by_key(|x| x.0);
            assert_eq!(got, want, "{}", c.texts[i]);
            phrases_with_parts += usize::from(!got.is_empty());
        }
        assert!(phrases_with_parts > 10, "{phrases_with_parts}");
    }

    /// Every closed compound is a term of the bundled lexicons (a stale entry would do nothing).
    #[test]
    fn closed_compounds_are_lexicon_terms() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/corpus/taxonomy/concord-v1.toml"
        );
        let taxonomy: Taxonomy = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let terms: Vec<String> = taxonomy
            .principles
            .iter()
            .flat_map(|p| p.lexicon.zh.iter().chain(&p.lexicon.en))
            .map(|t| t.trim().trim_start_matches('~').to_lowercase())
            .collect();
        for c in cues::CLOSED_COMPOUNDS {
            assert!(terms.iter().any(|t| t == c), "{c} is not a lexicon term");
        }
        assert_eq!(
            compile(&taxonomy).unwrap().closed.len(),
            cues::CLOSED_COMPOUNDS.len()
        );
    }

    #[test]
    fn stem_suffix_index_matches_the_list() {
        for (k, suffix) in STEM_SUFFIXES.iter().enumerate() {
            assert_eq!(stem_suffix_index(suffix.as_bytes()), Some(k as u32));
        }
        assert_eq!(stem_suffix_index(b"ation"), None);
    }

    #[test]
    fn weights_favour_phrases() {
        assert!(term_weight("human oversight") > term_weight("oversight"));
        assert!(term_weight("个人信息") > term_weight("隐私"));
    }

    /// The matcher finds, on the bundled lexicon and every gold passage, exactly the
    /// leftmost-longest matches among those at allowed starts, computed here from all
    /// overlapping matches of an Aho-Corasick automaton.
    #[test]
    fn matcher_equals_reference_on_gold_passages() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
        let taxonomy: Taxonomy = toml::from_str(
            &std::fs::read_to_string(format!("{root}/corpus/taxonomy/concord-v1.toml")).unwrap(),
        )
        .unwrap();
        let c = compile(&taxonomy).unwrap();
        let ac = AhoCorasick::new(&c.texts).unwrap();
        let mut checked = 0;
        for set in ["dev", "heldout"] {
            let gold =
                std::fs::read_to_string(format!("{root}/eval/tagger-gold-{set}.jsonl")).unwrap();
            for line in gold.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let text = v["text"].as_str().unwrap().to_ascii_lowercase();
                let mut longest: HashMap<usize, (usize, u32)> = HashMap::new();
                for m in ac.find_overlapping_iter(&text) {
                    let e = longest.entry(m.start()).or_insert((0, 0));
                    if m.end() > e.0 {
                        *e = (m.end(), m.pattern().as_u32());
                    }
                }
                let b = text.as_bytes();
                let mut want = vec![];
                let mut i = 0;
                while i < b.len() {
                    let inside_word =
                        i > 0 && b[i].is_ascii_alphanumeric() && b[i - 1].is_ascii_alphanumeric();
                    match longest.get(&i) {
                        Some(&(end, p)) if !inside_word => {
                            want.push((i, end, p));
                            i = end;
                        }
                        _ => i += text[i..].chars().next().map_or(1, char::len_utf8),
                    }
                }
                let mut got = vec![];
                c.matcher.for_each(&text, 0, |s, e, p| {
                    got.push((s, e, p));
                    true
                });
                assert_eq!(got, want, "{text}");
                checked += 1;
            }
        }
        assert!(checked > 400, "{checked}");
    }
}
