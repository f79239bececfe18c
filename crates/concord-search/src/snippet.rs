//! Snippets: a stretch of a matching document's text with the query's words in `<b>`.
//!
//! tantivy's snippet generator cuts the whole text into words with the index's analyzer
//! (jieba, lowercasing, stemming) to find the terms again; for a page of twenty results that
//! was most of the cost of a search (docs/benchmarks.md). Here the terms are found as plain
//! substrings of the text, lowercased (ASCII only, so byte offsets stay the same):
//!
//! * a Chinese (any non-ASCII) term is found anywhere — jieba's search mode indexes the words
//!   inside longer words too, so 安全 also matched 网络安全;
//! * an English term is the stem the index holds (`privaci`, `oblig`); it is found at the start
//!   of a word, less its last letter when it has five or more (the stemmer rewrites endings:
//!   privacy → privaci), and the whole word is highlighted. Stems under four letters must be
//!   the whole word (`ai` is not `aim`).
//!
//! A highlighted word may occasionally be one the index did not match (a word sharing a
//! stem's beginning); the snippet is an aid to reading, the ranking does not depend on it.

/// One term to find.
#[derive(Debug, Clone, PartialEq)]
enum Needle {
    /// Anywhere in the text.
    Anywhere(String),
    /// At the start of a word; `whole`: the word must end there too.
    WordStart { prefix: String, whole: bool },
}

/// Finds and highlights a query's terms in texts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Highlighter {
    needles: Vec<Needle>,
}

/// Longest snippet, in characters.
const MAX_CHARS: usize = 200;
/// Characters of context kept before the first highlighted word.
const LEAD_CHARS: usize = 40;

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

impl Highlighter {
    /// For the terms (as indexed: lowercased, English stemmed) the query looks for in a field.
    pub(crate) fn new<'a>(terms: impl IntoIterator<Item = &'a str>) -> Highlighter {
        let mut needles = vec![];
        for t in terms {
            let t = t.trim();
            if t.is_empty() {
                continue;
            }
            let needle = if !t.is_ascii() {
                Needle::Anywhere(t.to_owned())
            } else if t.len() >= 5 {
                Needle::WordStart {
                    prefix: t[..t.len() - 1].to_owned(),
                    whole: false,
                }
            } else {
                Needle::WordStart {
                    prefix: t.to_owned(),
                    whole: t.len() < 4,
                }
            };
            if !needles.contains(&needle) {
                needles.push(needle);
            }
        }
        Highlighter { needles }
    }

    /// Byte ranges of every occurrence in `lower[from..to]` (sorted, not overlapping).
    fn occurrences(&self, lower: &str, from: usize, to: usize) -> Vec<(usize, usize)> {
        let bytes = lower.as_bytes();
        let mut found = vec![];
        for n in &self.needles {
            let (pat, word) = match n {
                Needle::Anywhere(p) => (p.as_str(), None),
                Needle::WordStart { prefix, whole } => (prefix.as_str(), Some(*whole)),
            };
            let mut at = from;
            while at < to {
                let Some(i) = lower[at..to].find(pat) else {
                    break;
                };
                let start = at + i;
                let mut end = start + pat.len();
                at = end;
                if let Some(whole) = word {
                    if start > 0 && is_word_byte(bytes[start - 1]) {
                        continue;
                    }
                    let word_end = end
                        + bytes[end..]
                            .iter()
                            .take_while(|b| is_word_byte(**b))
                            .count();
                    if whole && word_end != end {
                        continue;
                    }
                    end = word_end.min(to);
                    at = end;
                }
                found.push((start, end));
            }
        }
        found.sort_unstable();
        let mut merged: Vec<(usize, usize)> = vec![];
        for (s, e) in found {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// A snippet of `text` (HTML, escaped, terms in `<b>`), or `None` if no term occurs in it.
    pub(crate) fn snippet(&self, text: &str) -> Option<String> {
        if self.needles.is_empty() {
            return None;
        }
        let lower = text.to_ascii_lowercase();
        let first = self
            .needles
            .iter()
            .filter_map(|n| match n {
                Needle::Anywhere(p) => lower.find(p.as_str()),
                // a cheap first guess; whether it starts a word is checked below
                Needle::WordStart { prefix, .. } => lower.find(prefix.as_str()),
            })
            .min()?;
        let (start, end) = window(text, first);
        let hits = self.occurrences(&lower, start, end);
        if hits.is_empty() {
            // The first guess was inside a word; look at the whole text once.
            let all = self.occurrences(&lower, 0, text.len());
            let &(s, _) = all.first()?;
            let (start, end) = window(text, s);
            let hits: Vec<_> = all
                .into_iter()
                .filter(|&(s, _)| s >= start && s < end)
                .map(|(s, e)| (s, e.min(end)))
                .collect();
            return Some(render(text, start, end, &hits));
        }
        Some(render(text, start, end, &hits))
    }
}

/// `text[start..end]` as HTML with `hits` (byte ranges inside it) in `<b>`, with `…` where text
/// was cut off.
/// The byte range of the snippet around a match at `at`: back [`LEAD_CHARS`] characters, then
/// [`MAX_CHARS`] forward.
fn window(text: &str, at: usize) -> (usize, usize) {
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(LEAD_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let end = text[start..]
        .char_indices()
        .nth(MAX_CHARS)
        .map_or(text.len(), |(i, _)| start + i);
    (start, end)
}

fn render(text: &str, start: usize, end: usize, hits: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(end - start + hits.len() * 7 + 6);
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(s, e) in hits {
        escape_into(&mut out, &text[at..s]);
        out.push_str("<b>");
        escape_into(&mut out, &text[s..e]);
        out.push_str("</b>");
        at = e;
    }
    escape_into(&mut out, &text[at..end]);
    let mut out = out.trim().to_owned();
    if end < text.len() {
        out.push('…');
    }
    out
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            // line breaks read as spaces in a one-line snippet
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(terms: &[&str]) -> Highlighter {
        Highlighter::new(terms.iter().copied())
    }

    #[test]
    fn english_stems_highlight_whole_words_at_word_starts() {
        let s = h(&["privaci", "oblig"])
            .snippet("Privacy obligations & the obliging <clerk>; underprivacy.")
            .unwrap();
        assert_eq!(
            s,
            "<b>Privacy</b> <b>obligations</b> &amp; the <b>obliging</b> &lt;clerk&gt;; underprivacy."
        );
    }

    #[test]
    fn short_stems_must_be_whole_words() {
        let s = h(&["ai"]).snippet("We aim at AI and fair play.").unwrap();
        assert_eq!(s, "We aim at <b>AI</b> and fair play.");
        assert_eq!(h(&["ai"]).snippet("We aim high."), None);
    }

    #[test]
    fn chinese_terms_are_found_anywhere_and_the_snippet_is_cut_around_them() {
        let filler = "各方应当加强沟通。".repeat(40);
        let text = format!("{filler}提供者应当保障网络安全和数据安全。{filler}");
        let s = h(&["安全"]).snippet(&text).unwrap();
        assert!(s.contains("网络<b>安全</b>和数据<b>安全</b>"), "{s}");
        assert!(s.chars().count() <= MAX_CHARS + 2 * 7 + 2, "{s}");
        assert!(
            !text.starts_with(s.as_str()),
            "starts near the match, not at the top"
        );
    }

    #[test]
    fn a_false_first_guess_inside_a_word_falls_back_to_the_real_match() {
        let text = format!("understanding {} standards apply.", "x ".repeat(200));
        let s = h(&["standard"]).snippet(&text).unwrap();
        assert!(s.contains("<b>standards</b>"), "{s}");
    }

    proptest::proptest! {
        #[test]
        fn snippets_never_panic_and_only_add_bold_tags(
            text in "[a-zA-Z安全数据é <>&\n]{0,600}",
            terms in proptest::collection::vec("[a-z安全]{1,6}", 0..4),
        ) {
            let hl = Highlighter::new(terms.iter().map(String::as_str));
            if let Some(s) = hl.snippet(&text) {
                proptest::prop_assert!(s.contains("<b>"));
                let plain = s.replace("<b>", "").replace("</b>", "");
                proptest::prop_assert!(!plain.contains('<') && !plain.contains('>'));
                proptest::prop_assert!(plain.chars().count() <= MAX_CHARS * 6);
            }
        }
    }
}
