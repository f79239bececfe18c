//! Concord's principle tagger.
//!
//! Turns a document's normalised text into principle tags of a taxonomy, each with its
//! evidence (section, character span), a confidence, the normative strength of the passages
//! and the tagger version.
//!
//! * [`Tagger`] — the lexicon tagger: one leftmost-longest pass over the text with the taxonomy's
//!   zh/en lexicons, tried only where a match can count (word starts, Chinese characters) (English terms stemmed, short Chinese terms checked against jieba's word
//!   segmentation) and the cue lists of [`cues`]; clause-level context rules drop scope
//!   exclusions ("not applicable to…", 不适用于), definitions ("'X' means…", 是指), denials
//!   ("did not consider", "makes no reference to", 没有规定) and words of names of bodies
//!   ("the Committee on AI and Human Rights", 数据安全工作组), and classify each passage as
//!   obligation, recommendation or mention. A phrase also carries the principles of the terms
//!   inside it ("bias audit" is an audit too) unless it is a closed compound whose words mean
//!   something else in it (生物多样性, "automation bias"). In a clause about a divide, the
//!   compute or data the gap is in count for infrastructure or data resources only if the
//!   clause builds or invests. Linear in the text, with bounded working memory.
//!
//! ## Quality and speed
//! On the bundled gold sets (`data/eval/`, see docs/benchmarks.md for the commands): macro-F1
//! 0.901 on the development set the rules were tuned on (0.90 target reached, only just), 0.682
//! on the held-out set; expect the latter on unseen text. Throughput on mixed Chinese/English
//! text, best of several passes on an idle core of the 2-core VM: about 98 MiB/s (103 MB/s,
//! 1.5× the Aho-Corasick engine it replaced); criterion's mean on the same shared VM, which takes
//! in the other tenants' noise, 76–86 MiB/s (docs/benchmarks.md). Adversarial input (one long
//! line, repeated keywords) stays linear.
//! * [`Crosswalk`] — relabels tags in another scheme through the taxonomy's crosswalks.
//! * [`eval`] — precision/recall/F1, macro and micro F1 and Cohen's kappa against a gold file.
//! * [`llm`] — an optional backend that asks an OpenAI-compatible chat endpoint to label the
//!   same passages, falling back to the lexicon tagger on any failure.
//!
//! ## From passages to document tags
//! A passage (clause) addresses a principle when its distinct matched terms give a confidence of
//! at least [`TaggerOptions::min_confidence`] (noisy-OR of the term weights: 0.55 for a single
//! word or a one/two-character Chinese term, 0.7 for a phrase, 0.3 for a weak term written
//! `~term` in the lexicon), raised to 0.6 in clauses with no obligation or recommendation cue
//! and for one-word hits beside a principle the clause clearly addresses (confidence ≥ 0.8). A document is tagged with every
//! principle that at least one passage addresses; the tag's confidence is the noisy-OR of its
//! passages' confidences (capped at 0.99), its strength the strongest of theirs, `passages` their
//! number, and `evidence` the [`TaggerOptions::max_evidence`] strongest, most confident ones.

pub mod cues;
pub mod eval;
mod lexicon;
pub mod llm;
mod matcher;
mod scan;

use std::collections::HashMap;

use concord_core::{Evidence, PrincipleTag, Provenance, Section, Slug, Strength, Taxonomy};
use jieba_rs::Jieba;

pub use scan::Passage;

/// Version of the lexicon tagger, recorded in every tag it makes.
pub const VERSION: &str = concat!("concord-lexicon/", env!("CARGO_PKG_VERSION"));

/// Errors of the tagger crate. Messages name what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum TaggerError {
    #[error("taxonomy {0:?} has no lexicon terms: nothing to tag with")]
    EmptyLexicon(String),
    #[error("taxonomy has more than 65,535 principles")]
    TooManyPrinciples,
    #[error("cannot build the matcher: {0}")]
    Automaton(String),
    #[error("unknown scheme {0:?}")]
    UnknownScheme(String),
    #[error("scheme {from:?} has no crosswalk to {to:?}")]
    NoCrosswalk { from: String, to: String },
    #[error("{path}:{line}: {reason}")]
    Gold {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("LLM backend: {0}")]
    Llm(String),
}

/// Tunable settings; the defaults are what `concord tag` uses.
#[derive(Debug, Clone)]
pub struct TaggerOptions {
    /// Evidence passages kept per document tag (all are counted in `passages`).
    pub max_evidence: usize,
    /// Longest clause, in bytes, before a forced cut.
    pub max_clause_bytes: usize,
    /// Minimum passage confidence for a hit to count.
    pub min_confidence: f32,
    /// Minimum passage confidence in clauses without an obligation or recommendation cue.
    pub mention_min_confidence: f32,
    /// When one principle reaches this confidence in a clause, the others need
    /// `incidental_below` (drops one-word hits beside a clear topic).
    pub dominant_confidence: f32,
    pub incidental_below: f32,
}

impl Default for TaggerOptions {
    fn default() -> Self {
        TaggerOptions {
            max_evidence: 8,
            max_clause_bytes: 2048,
            min_confidence: 0.5,
            mention_min_confidence: 0.6,
            dominant_confidence: 0.8,
            incidental_below: 0.6,
        }
    }
}

/// Whether a text could be tagged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Coverage {
    Tagged,
    /// Nothing was tagged, and why (unsupported language, no text).
    Untagged {
        reason: String,
    },
}

/// The outcome of tagging one document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TagReport {
    /// Language the text was treated as (detected or given).
    pub language: Option<String>,
    pub coverage: Coverage,
    /// Document-level tags, in taxonomy order.
    pub tags: Vec<PrincipleTag>,
    /// Clauses that addressed at least one principle.
    pub passages: u64,
}

/// The lexicon tagger for one taxonomy. Building it compiles the automaton and loads jieba's
/// dictionary (a few hundred milliseconds); tagging is then cheap, and it can be shared between
/// threads.
pub struct Tagger {
    scheme: Slug,
    principles: Vec<String>,
    compiled: lexicon::Compiled,
    jieba: Jieba,
    options: TaggerOptions,
}

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger")
            .field("scheme", &self.scheme)
            .field("principles", &self.principles.len())
            .field("patterns", &self.compiled.patterns.len())
            .finish()
    }
}

/// Languages the lexicons cover.
pub const SUPPORTED_LANGUAGES: &[&str] = &["zh", "en"];

fn primary_subtag(lang: &str) -> String {
    lang.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

impl Tagger {
    pub fn new(taxonomy: &Taxonomy) -> Result<Self, TaggerError> {
        Self::with_options(taxonomy, TaggerOptions::default())
    }

    pub fn with_options(taxonomy: &Taxonomy, options: TaggerOptions) -> Result<Self, TaggerError> {
        Ok(Tagger {
            scheme: taxonomy.id.clone(),
            principles: taxonomy.principles.iter().map(|p| p.id.clone()).collect(),
            compiled: lexicon::compile(taxonomy)?,
            jieba: Jieba::new(),
            options,
        })
    }

    /// The scheme whose principles the tags use.
    pub fn scheme(&self) -> &Slug {
        &self.scheme
    }

    /// Principle ids, indexed as in [`Passage::hits`].
    pub fn principles(&self) -> &[String] {
        &self.principles
    }

    /// Calls `f` for every clause of `text` that addresses a principle, in order.
    pub fn for_each_passage(&self, text: &str, f: impl FnMut(Passage<'_>)) {
        scan::Scanner {
            compiled: &self.compiled,
            jieba: &self.jieba,
            max_clause_bytes: self.options.max_clause_bytes.max(16),
            min_confidence: self.options.min_confidence,
            mention_min_confidence: self.options.mention_min_confidence,
            dominant_confidence: self.options.dominant_confidence,
            incidental_below: self.options.incidental_below,
        }
        .scan(text, f)
    }

    /// Every clause of `text` as (byte start, byte end, char start, char end), in order: the
    /// units that passages are made of.
    pub fn clauses<'t>(
        &self,
        text: &'t str,
    ) -> impl Iterator<Item = (usize, usize, u64, u64)> + 't {
        let max = self.options.max_clause_bytes.max(16);
        let mut cutter = scan::Cutter::new(text.as_bytes(), max);
        let (mut pos, mut chars) = (0usize, 0u64);
        std::iter::from_fn(move || {
            if pos >= text.len() {
                return None;
            }
            let end = cutter.end_from(pos);
            let n = scan::count_chars(&text.as_bytes()[pos..end]);
            let item = (pos, end, chars, chars + n);
            pos = end;
            chars += n;
            Some(item)
        })
    }

    /// Tags a document's normalised `text`. `sections` (spans in the same text) give evidence
    /// its section and locator; `language` is the document's declared language, else the text's
    /// is detected. Texts in languages other than Chinese and English are reported untagged.
    pub fn tag_document(
        &self,
        text: &str,
        sections: &[Section],
        language: Option<&str>,
    ) -> TagReport {
        let language = language
            .map(str::to_owned)
            .or_else(|| concord_text::detect_language(text));
        if text.trim().is_empty() {
            return TagReport {
                language,
                coverage: Coverage::Untagged {
                    reason: "the document has no text".into(),
                },
                tags: vec![],
                passages: 0,
            };
        }
        if let Some(lang) = &language
            && !SUPPORTED_LANGUAGES.contains(&primary_subtag(lang).as_str())
        {
            return TagReport {
                coverage: Coverage::Untagged {
                    reason: format!(
                        "language {lang:?} is not supported by the lexicon tagger (supported: {})",
                        SUPPORTED_LANGUAGES.join(", ")
                    ),
                },
                language,
                tags: vec![],
                passages: 0,
            };
        }
        let mut agg = Aggregate::new(self.principles.len(), self.options.max_evidence);
        let mut sections: Vec<&Section> = sections.iter().collect();
        sections.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        self.for_each_passage(text, |p| {
            let section = innermost_section(&sections, p.start_char);
            agg.add(&p, section);
        });
        TagReport {
            language,
            coverage: Coverage::Tagged,
            passages: agg.passages,
            tags: agg.into_tags(&self.scheme, &self.principles),
        }
    }

    /// Why a text gets its tags: for each counted term match, the principle and the matched
    /// words, in text order.
    pub fn explain(&self, text: &str) -> Vec<(String, String)> {
        let mut out = vec![];
        self.for_each_passage(text, |p| {
            let clause = &text[p.start..p.end];
            for &(s, e, pid) in p.terms {
                if let lexicon::Kind::Term {
                    principles,
                    inherited,
                    ..
                } = &self.compiled.patterns[pid as usize].kind
                {
                    for i in principles
                        .iter()
                        .copied()
                        .chain(inherited.iter().map(|x| x.0))
                    {
                        if p.hits.iter().any(|(h, _)| *h == i) {
                            out.push((
                                self.principles[i as usize].clone(),
                                clause[s..e].to_owned(),
                            ));
                        }
                    }
                }
            }
        });
        out
    }

    /// Principles addressed by a short text (a passage), with confidence and strength, by the
    /// same document-level rule as [`Tagger::tag_document`].
    pub fn tag_text(&self, text: &str) -> Vec<PrincipleTag> {
        let mut agg = Aggregate::new(self.principles.len(), 1);
        self.for_each_passage(text, |p| agg.add(&p, None));
        agg.into_tags(&self.scheme, &self.principles)
    }
}

/// The deepest section whose span contains `pos` (sections sorted by start, outer first).
fn innermost_section<'a>(sections: &[&'a Section], pos: u64) -> Option<&'a Section> {
    let upto = sections.partition_point(|s| u64::from(s.start) <= pos);
    sections[..upto]
        .iter()
        .rev()
        .take(64)
        .find(|s| u64::from(s.end) > pos)
        .copied()
}

struct PrincipleAgg {
    passages: u32,
    /// Product of (1 - confidence) over passages.
    miss: f64,
    strength: Option<Strength>,
    evidence: Vec<Evidence>,
    /// Index of the evidence passage the next better one replaces, once all slots are full.
    worst: Option<usize>,
}

/// Order of evidence passages, best first: the strongest, then the most confident (ties keep
/// the earliest).
fn evidence_key(
    strength: Option<Strength>,
    confidence: Option<f32>,
) -> (Strength, std::cmp::Reverse<u32>) {
    (
        strength.unwrap_or(Strength::Mention),
        std::cmp::Reverse((confidence.unwrap_or(0.0) * 100.0) as u32),
    )
}

struct Aggregate {
    per: Vec<PrincipleAgg>,
    max_evidence: usize,
    passages: u64,
}

impl Aggregate {
    fn new(n: usize, max_evidence: usize) -> Self {
        Aggregate {
            per: (0..n)
                .map(|_| PrincipleAgg {
                    passages: 0,
                    miss: 1.0,
                    strength: None,
                    evidence: vec![],
                    worst: None,
                })
                .collect(),
            max_evidence: max_evidence.max(1),
            passages: 0,
        }
    }

    fn add(&mut self, p: &Passage<'_>, section: Option<&Section>) {
        self.passages += 1;
        for &(i, conf) in p.hits {
            let a = &mut self.per[i as usize];
            a.passages = a.passages.saturating_add(1);
            a.miss *= 1.0 - f64::from(conf);
            a.strength = Some(a.strength.map_or(p.strength, |s| s.min(p.strength)));
            let confidence = round2(conf);
            let key = evidence_key(Some(p.strength), Some(confidence));
            let slot = if a.evidence.len() < self.max_evidence {
                None
            } else {
                // The worst kept passage is remembered until it is replaced.
                let worst = *a.worst.get_or_insert_with(|| {
                    a.evidence
                        .iter()
                        .enumerate()
                        .max_by_key(|(_, e)| evidence_key(e.strength, e.confidence))
                        .map_or(0, |(j, _)| j)
                });
                let w = &a.evidence[worst];
                if key >= evidence_key(w.strength, w.confidence) {
                    continue;
                }
                a.worst = None;
                Some(worst)
            };
            let ev = Evidence {
                section: section.map(|s| s.ordinal),
                start: u32::try_from(p.start_char).ok(),
                end: u32::try_from(p.end_char).ok(),
                locator: section.and_then(|s| s.number.clone()),
                strength: Some(p.strength),
                confidence: Some(confidence),
            };
            match slot {
                Some(j) => a.evidence[j] = ev,
                None => a.evidence.push(ev),
            }
        }
    }

    fn into_tags(self, scheme: &Slug, principles: &[String]) -> Vec<PrincipleTag> {
        self.per
            .into_iter()
            .zip(principles)
            .filter(|(a, _)| a.passages > 0)
            .map(|(mut a, id)| {
                a.evidence.sort_by_key(|e| e.start);
                PrincipleTag {
                    scheme: scheme.clone(),
                    principle: id.clone(),
                    evidence: a.evidence,
                    provenance: Provenance::Automatic,
                    tagger_version: Some(VERSION.to_owned()),
                    confidence: Some(round2((1.0 - a.miss).min(0.99) as f32)),
                    strength: a.strength,
                    passages: Some(a.passages),
                }
            })
            .collect()
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// Replaces the automatic tags of `scheme` in `tags` with `new`, keeping manual ones.
pub fn merge_automatic(tags: &mut Vec<PrincipleTag>, scheme: &Slug, new: Vec<PrincipleTag>) {
    tags.retain(|t| !(t.provenance == Provenance::Automatic && &t.scheme == scheme));
    tags.extend(new);
}

/// Maps principles of one scheme to another through the crosswalks of the source taxonomy.
#[derive(Debug, Clone)]
pub struct Crosswalk {
    target: Slug,
    map: HashMap<String, Vec<String>>,
    target_ids: Vec<String>,
}

impl Crosswalk {
    /// The crosswalk from `source`'s principles to `target`'s. Crosswalk entries naming a
    /// principle the target does not have are ignored.
    pub fn new(source: &Taxonomy, target: &Taxonomy) -> Result<Self, TaggerError> {
        let target_ids: Vec<String> = target.principles.iter().map(|p| p.id.clone()).collect();
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for p in &source.principles {
            for cw in p.crosswalk.iter().filter(|c| c.scheme == target.id) {
                if target_ids.contains(&cw.principle) {
                    let e = map.entry(p.id.clone()).or_default();
                    if !e.contains(&cw.principle) {
                        e.push(cw.principle.clone());
                    }
                }
            }
        }
        if map.is_empty() && source.id != target.id {
            return Err(TaggerError::NoCrosswalk {
                from: source.id.to_string(),
                to: target.id.to_string(),
            });
        }
        if source.id == target.id {
            for id in &target_ids {
                map.insert(id.clone(), vec![id.clone()]);
            }
        }
        Ok(Crosswalk {
            target: target.id.clone(),
            map,
            target_ids,
        })
    }

    pub fn target(&self) -> &Slug {
        &self.target
    }

    /// Principle ids of the target scheme, in its order.
    pub fn target_principles(&self) -> &[String] {
        &self.target_ids
    }

    /// Target principles of one source principle.
    pub fn map(&self, principle: &str) -> &[String] {
        self.map.get(principle).map_or(&[], Vec::as_slice)
    }

    /// Relabels tags: each target principle gets the union of the evidence of the source tags
    /// that map to it, the highest confidence and the strongest strength.
    pub fn relabel(&self, tags: &[PrincipleTag]) -> Vec<PrincipleTag> {
        let mut out: Vec<PrincipleTag> = vec![];
        for id in &self.target_ids {
            let sources: Vec<&PrincipleTag> = tags
                .iter()
                .filter(|t| self.map(&t.principle).contains(id))
                .collect();
            if sources.is_empty() {
                continue;
            }
            let mut evidence: Vec<Evidence> =
                sources.iter().flat_map(|t| t.evidence.clone()).collect();
            evidence.sort_by_key(|e| e.start);
            evidence.dedup();
            out.push(PrincipleTag {
                scheme: self.target.clone(),
                principle: id.clone(),
                evidence,
                provenance: sources[0].provenance,
                tagger_version: sources[0].tagger_version.clone(),
                confidence: sources.iter().filter_map(|t| t.confidence).reduce(f32::max),
                strength: sources.iter().filter_map(|t| t.strength).min(),
                passages: sources.iter().filter_map(|t| t.passages).reduce(u32::max),
            });
        }
        out
    }
}
