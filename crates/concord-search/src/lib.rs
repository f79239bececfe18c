//! Full-text search over Concord's documents.
//!
//! One tantivy index holds Chinese and English: titles, summaries and imported texts are cut by
//! jieba (which also splits Latin-script words), lowercased and, for English, stemmed. Queries
//! are words and `"quoted phrases"` with no other syntax, so user input never fails; each word is
//! a term (or, when jieba cuts it, a phrase) in titles, summaries and texts, and three things
//! are added:
//!
//! * **cross-lingual help through the taxonomy**: when the query contains a principle's label or
//!   one of its lexicon terms in either language (透明度, "transparency"), documents tagged with
//!   that principle match too, so a Chinese query finds English documents and vice versa;
//! * **exact titles** first: the whole query equal to a title (case and spacing aside);
//! * **typo tolerance** for English words of five letters or more that the index does not
//!   contain (one edit, on an unstemmed copy of titles and summaries);
//! * snippets with the matched words highlighted (`<b>`), HTML-escaped.

use std::collections::{BTreeMap, BTreeSet};

mod snippet;

use concord_core::Taxonomy;
use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{
    Language, LowerCaser, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{Index, IndexReader, IndexWriter, Searcher, TantivyDocument, Term, doc};

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// What gets indexed for one document.
#[derive(Debug, Clone, Default)]
pub struct SearchDoc {
    pub id: String,
    /// Titles in every language (original, zh, en).
    pub titles: Vec<String>,
    pub summaries: Vec<String>,
    /// The imported full text, if any.
    pub text: Option<String>,
    /// Principle ids the document is tagged with (any scheme's ids, as stored).
    pub principles: Vec<String>,
    /// Facet values as (facet, value), e.g. `("bloc", "eu")`, `("year", "2024")`: results can
    /// be filtered by them and counted per value ([`SearchIndex::search_with`]).
    pub facets: Vec<(String, String)>,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub score: f32,
    /// HTML with `<b>` around matched words; escaped.
    pub snippet: String,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    pub total: usize,
    pub items: Vec<Hit>,
    /// Principles the query was expanded with (cross-lingual help).
    pub principles: Vec<String>,
    /// For each facet asked for, its values among all matches with their counts, most
    /// frequent first.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub facets: BTreeMap<String, Vec<FacetCount>>,
}

/// One value of a facet and the number of matching documents that have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

struct Fields {
    id: Field,
    title: Field,
    /// Each title whole, lowercased and with spacing collapsed ([`normalize_title`]).
    title_exact: Field,
    /// Adjacent word pairs of each title, one term per pair ([`word_pairs`]).
    title_pairs: Field,
    summary: Field,
    body: Field,
    plain: Field,
    principle: Field,
    /// `/facet/value` paths.
    facet: Field,
}

/// An in-memory index of the documents, rebuilt from the store.
pub struct SearchIndex {
    /// Cuts titles and queries into words for title word pairs ([`word_analyzer`]).
    words: TextAnalyzer,
    index: Index,
    reader: IndexReader,
    f: Fields,
    /// (lowercased term, principle id) pairs from the taxonomy.
    expansions: Vec<(String, String)>,
    /// tantivy allows one writer at a time; [`SearchIndex::upsert`] takes turns.
    write_lock: std::sync::Mutex<()>,
    /// Moves on after every committed change (see [`SearchIndex::generation`]).
    generation: std::sync::atomic::AtomicU64,
}

impl Fields {
    /// `words` cuts titles into words for [`word_pairs`] (the snippet analyzer).
    fn document(&self, d: &SearchDoc, words: &mut TextAnalyzer) -> TantivyDocument {
        let f = self;
        let mut doc = doc!(f.id => d.id.clone());
        for t in &d.titles {
            doc.add_text(f.title, t);
            doc.add_text(f.title_exact, normalize_title(t));
            for pair in word_pairs(words, [t.as_str()]) {
                doc.add_text(f.title_pairs, pair);
            }
            doc.add_text(f.plain, t);
        }
        for s in &d.summaries {
            doc.add_text(f.summary, s);
            doc.add_text(f.plain, s);
        }
        if let Some(t) = &d.text {
            doc.add_text(f.body, t);
        }
        for p in &d.principles {
            doc.add_text(f.principle, p);
        }
        for (name, value) in &d.facets {
            doc.add_facet(f.facet, Facet::from_path([name, value]));
        }
        doc
    }
}

const STEMMED: &str = "concord_stemmed";
const PLAIN: &str = "concord_plain";

/// Largest page size.
pub const MAX_LIMIT: usize = 100;

fn text_options(tokenizer: &str, stored: bool) -> TextOptions {
    let o = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    if stored { o.set_stored() } else { o }
}

/// Drops tokens without a letter or digit. Jieba returns spaces and punctuation as tokens; kept,
/// every English phrase query had to match a space token found in nearly every document, and
/// snippets highlighted the spaces between words.
#[derive(Clone, Copy)]
struct SkipBlank;

impl TokenFilter for SkipBlank {
    type Tokenizer<T: Tokenizer> = SkipBlankTokenizer<T>;
    fn transform<T: Tokenizer>(self, inner: T) -> SkipBlankTokenizer<T> {
        SkipBlankTokenizer(inner)
    }
}

#[derive(Clone)]
struct SkipBlankTokenizer<T>(T);

impl<T: Tokenizer> Tokenizer for SkipBlankTokenizer<T> {
    type TokenStream<'a> = SkipBlankStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        SkipBlankStream(self.0.token_stream(text))
    }
}

struct SkipBlankStream<S>(S);

impl<S: TokenStream> TokenStream for SkipBlankStream<S> {
    fn advance(&mut self) -> bool {
        while self.0.advance() {
            if self.0.token().text.chars().any(char::is_alphanumeric) {
                return true;
            }
        }
        false
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

impl SearchIndex {
    /// Indexes `docs`; `taxonomy` (normally `concord`) supplies the cross-lingual expansions.
    pub fn build(
        docs: impl IntoIterator<Item = SearchDoc>,
        taxonomy: Option<&Taxonomy>,
    ) -> Result<SearchIndex, SearchError> {
        let mut sb = Schema::builder();
        let f = Fields {
            id: sb.add_text_field("id", STRING | STORED),
            title: sb.add_text_field("title", text_options(STEMMED, true)),
            title_exact: sb.add_text_field("title_exact", STRING),
            title_pairs: sb.add_text_field("title_pairs", STRING),
            summary: sb.add_text_field("summary", text_options(STEMMED, true)),
            body: sb.add_text_field("body", text_options(STEMMED, true)),
            plain: sb.add_text_field("plain", text_options(PLAIN, false)),
            principle: sb.add_text_field("principle", STRING),
            facet: sb.add_facet_field("facet", FacetOptions::default()),
        };
        let index = Index::create_in_ram(sb.build());
        // Sequential positions, so that phrase queries (exact titles) work on English.
        let jieba = || {
            let mut t = tantivy_jieba::JiebaTokenizer::new();
            t.set_ordinal_position_mode(true);
            t
        };
        index.tokenizers().register(
            STEMMED,
            TextAnalyzer::builder(jieba())
                .filter(SkipBlank)
                .filter(LowerCaser)
                .filter(Stemmer::new(Language::English))
                .build(),
        );
        index.tokenizers().register(
            PLAIN,
            TextAnalyzer::builder(jieba())
                .filter(SkipBlank)
                .filter(LowerCaser)
                .build(),
        );
        let mut writer: IndexWriter = index.writer(50_000_000)?;
        let mut words = word_analyzer();
        for d in docs {
            writer.add_document(f.document(&d, &mut words))?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        let mut expansions = vec![];
        if let Some(t) = taxonomy {
            for p in &t.principles {
                let labels = [&p.label.zh, &p.label.en, &p.label.original];
                let terms = labels.into_iter().flatten().map(String::as_str).chain(
                    p.lexicon
                        .zh
                        .iter()
                        .chain(&p.lexicon.en)
                        .filter(|t| !t.starts_with('~'))
                        .map(String::as_str),
                );
                for term in terms {
                    let term = term.trim().to_lowercase();
                    if term.chars().count() < 2 {
                        continue;
                    }
                    // Latin terms are matched as whole words of the query, padded the way
                    // `principles_in` pads the query, so nothing is formatted per search.
                    let term = if term.is_ascii() {
                        format!(" {} ", words_only(&term))
                    } else {
                        term
                    };
                    expansions.push((term, p.id.clone()));
                }
            }
        }
        Ok(SearchIndex {
            words,
            index,
            reader,
            f,
            expansions,
            write_lock: std::sync::Mutex::new(()),
            generation: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Replaces the document with `d.id` (or adds it), e.g. after an edit in the web editor;
    /// searches started after this returns see the new content. Writers are serialised.
    pub fn upsert(&self, d: &SearchDoc) -> Result<(), SearchError> {
        self.apply(std::slice::from_ref(d), &[])
    }

    /// Replaces or adds `upserts` and drops the documents `removed`, in one commit; searches
    /// started after this returns see the change. Writers are serialised.
    pub fn apply(&self, upserts: &[SearchDoc], removed: &[String]) -> Result<(), SearchError> {
        if upserts.is_empty() && removed.is_empty() {
            return Ok(());
        }
        let _one_writer = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        // 15 MB is tantivy's smallest arena; a batch of changed documents needs little more.
        let mut writer: IndexWriter = self.index.writer_with_num_threads(1, 15_000_000)?;
        for id in removed {
            writer.delete_term(Term::from_field_text(self.f.id, id));
        }
        let mut words = self.words.clone();
        for d in upserts {
            writer.delete_term(Term::from_field_text(self.f.id, &d.id));
            writer.add_document(self.f.document(d, &mut words))?;
        }
        writer.commit()?;
        self.reader.reload()?;
        // After the reload: whoever sees the new generation also sees the new content.
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// A number that changes whenever the indexed content changes (each [`SearchIndex::apply`]
    /// that commits). Anything derived from the index — or from the documents it follows — and
    /// stored with the generation it was made at is current while the generation is the same.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Principles whose label or lexicon term occurs in the query (Latin terms as whole words).
    fn principles_in(&self, q: &str) -> Vec<String> {
        let q = q.to_lowercase();
        let padded = format!(" {} ", words_only(&q));
        let mut out = BTreeSet::new();
        for (term, p) in &self.expansions {
            let hit = if term.is_ascii() {
                padded.contains(term.as_str())
            } else {
                q.contains(term.as_str())
            };
            if hit {
                out.insert(p.clone());
            }
        }
        out.into_iter().collect()
    }

    /// The query for the user's words, built by hand rather than by tantivy's query parser so
    /// that the common case is a flat union of term clauses, which tantivy ranks with
    /// block-max WAND (it skips blocks of documents that cannot enter the top results); the
    /// parser's nested, per-field clauses and phrase queries made it score every match — about
    /// 60,000 for `人工智能 安全` in 100,000 documents (docs/benchmarks.md).
    ///
    /// Each whitespace-separated word (or `"quoted phrase"`) is cut by the index's own
    /// analyzer. A word that jieba keeps whole (人工智能 also yields 人工 and 智能 in search
    /// mode; any English word) becomes one term per text field — titles weigh most; a word cut
    /// into several tokens, and a quoted phrase, become a phrase of those tokens at the positions
    /// the index gave them. Added to the text clauses: the whole query against exact titles,
    /// the principles the words name (cross-lingual help), and typo-tolerant matching for
    /// English words the index does not contain.
    fn query(&self, q: &str, searcher: &Searcher) -> (BooleanQuery, Vec<String>) {
        let text_fields = [
            (self.f.title, 3.0),
            (self.f.summary, 1.5),
            (self.f.body, 1.0),
        ];
        let mut analyzer = self
            .index
            .tokenizer_for_field(self.f.title)
            .expect("the title field has a registered tokenizer");
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![];
        let mut boosted = |query: Box<dyn Query>, boost: f32| {
            let query: Box<dyn Query> = if boost == 1.0 {
                query
            } else {
                Box::new(BoostQuery::new(query, boost))
            };
            clauses.push((Occur::Should, query));
        };
        for (unit, quoted) in query_units(q) {
            let mut tokens: Vec<(usize, String, usize, usize)> = vec![];
            let mut stream = analyzer.token_stream(unit);
            while let Some(t) = stream.next() {
                tokens.push((t.position, t.text.clone(), t.offset_from, t.offset_to));
            }
            let whole = tokens
                .iter()
                .find(|(_, _, from, to)| *from == 0 && *to == unit.len());
            let single = match (&tokens[..], whole) {
                ([], _) => continue,
                ([(_, text, _, _)], _) => Some(text),
                (_, Some((_, text, _, _))) if !quoted => Some(text),
                _ => None,
            };
            for (field, boost) in text_fields {
                let query: Box<dyn Query> = match single {
                    Some(text) => Box::new(TermQuery::new(
                        Term::from_field_text(field, text),
                        IndexRecordOption::WithFreqs,
                    )),
                    None => {
                        let first = tokens[0].0;
                        Box::new(PhraseQuery::new_with_offset(
                            tokens
                                .iter()
                                .map(|(pos, text, _, _)| {
                                    (pos - first, Term::from_field_text(field, text))
                                })
                                .collect(),
                        ))
                    }
                };
                boosted(query, boost);
            }
        }
        // An exact title (case and spacing aside) beats titles that merely share its words.
        let exact = normalize_title(q);
        if !exact.is_empty() {
            boosted(
                Box::new(TermQuery::new(
                    Term::from_field_text(self.f.title_exact, &exact),
                    IndexRecordOption::Basic,
                )),
                12.0,
            );
        }
        // The words as a phrase in a title (e.g. a short name inside a long official title),
        // pair by pair: plain terms keep the query a flat union.
        let mut words = self.words.clone();
        for pair in word_pairs(&mut words, query_units(q).into_iter().map(|(u, _)| u)) {
            boosted(
                Box::new(TermQuery::new(
                    Term::from_field_text(self.f.title_pairs, &pair),
                    IndexRecordOption::Basic,
                )),
                6.0,
            );
        }
        let principles = self.principles_in(q);
        for p in &principles {
            let term = Term::from_field_text(self.f.principle, p);
            boosted(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                0.5,
            );
        }
        // Typo tolerance only for words the index does not contain: a known word needs no
        // correction, and a fuzzy clause would take the whole query off the fast path.
        for word in q
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() >= 5)
        {
            let term = Term::from_field_text(self.f.plain, &word.to_ascii_lowercase());
            if searcher.doc_freq(&term).unwrap_or(0) > 0 {
                continue;
            }
            boosted(Box::new(FuzzyTermQuery::new(term, 1, true)), 0.3);
        }
        (BooleanQuery::new(clauses), principles)
    }

    /// Ids of every document the query matches, unranked (for evaluation and bulk export;
    /// pages use [`SearchIndex::search`]).
    pub fn matching_ids(&self, q: &str) -> Result<Vec<String>, SearchError> {
        let q = q.trim();
        if q.is_empty() {
            return Ok(vec![]);
        }
        let searcher = self.reader.searcher();
        let (query, _) = self.query(q, &searcher);
        let addrs = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
        let mut ids = Vec::with_capacity(addrs.len());
        for addr in addrs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = doc.get_first(self.f.id).and_then(|v| v.as_str()) {
                ids.push(id.to_owned());
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// Searches; `offset`/`limit` page through the results (limit at most [`MAX_LIMIT`]).
    pub fn search(&self, q: &str, limit: usize, offset: usize) -> Result<Results, SearchError> {
        self.search_with(q, limit, offset, &[], &[])
    }

    /// [`SearchIndex::search`] restricted to documents having every (facet, value) of
    /// `filters`, with the values of each facet in `count` counted over all matches.
    pub fn search_with(
        &self,
        q: &str,
        limit: usize,
        offset: usize,
        filters: &[(String, String)],
        count: &[&str],
    ) -> Result<Results, SearchError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let q = q.trim();
        if q.is_empty() {
            return Ok(Results {
                total: 0,
                items: vec![],
                principles: vec![],
                facets: BTreeMap::new(),
            });
        }
        let searcher = self.reader.searcher();
        let (mut query, principles) = self.query(q, &searcher);
        if !filters.is_empty() {
            let mut all: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(query))];
            for (name, value) in filters {
                let term = Term::from_facet(self.f.facet, &Facet::from_path([name, value]));
                all.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                ));
            }
            query = BooleanQuery::new(all);
        }
        // Two passes: ranking alone lets block-max WAND skip most matches of common words;
        // counting without scores only walks the posting lists. Together, in one pass, every
        // match would be scored.
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_score(),
        )?;
        let mut names: Vec<&str> = count.to_vec();
        names.sort_unstable();
        names.dedup();
        let mut facets = BTreeMap::new();
        let total = if names.is_empty() {
            searcher.search(&query, &Count)?
        } else {
            let mut facet_collector = FacetCollector::for_field("facet");
            for name in &names {
                facet_collector.add_facet(Facet::from_path([name]));
            }
            let (total, counts) = searcher.search(&query, &(Count, facet_collector))?;
            for name in names {
                let mut values: Vec<FacetCount> = counts
                    .get(Facet::from_path([name]))
                    .filter_map(|(facet, count)| {
                        let value = facet.to_path().last()?.to_string();
                        Some(FacetCount { value, count })
                    })
                    .collect();
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                facets.insert(name.to_owned(), values);
            }
            total
        };
        let snippets = |field: Field| {
            let mut terms = BTreeSet::new();
            query.query_terms(&mut |term, _| {
                if term.field() == field
                    && let Some(t) = term.value().as_str()
                {
                    terms.insert(t.to_owned());
                }
            });
            snippet::Highlighter::new(terms.iter().map(String::as_str))
        };
        let summary_snippets = snippets(self.f.summary);
        let body_snippets = snippets(self.f.body);
        let mut items = vec![];
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let get = |f: Field| {
                doc.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            let snippet = body_snippets
                .snippet(&field_text(&doc, self.f.body))
                .or_else(|| summary_snippets.snippet(&field_text(&doc, self.f.summary)))
                .unwrap_or_default();
            items.push(Hit {
                id: get(self.f.id),
                title: get(self.f.title),
                score,
                snippet,
            });
        }
        Ok(Results {
            total,
            items,
            principles,
            facets,
        })
    }
}

/// Jieba without search mode, so tokens never overlap and follow each other (pairs of
/// neighbours are meaningful), lowercased and stemmed like the index.
fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::with_search_mode(false))
        .filter(SkipBlank)
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Each pair of adjacent words across `texts` (in order), as one string: indexed for titles and
/// looked up for the query, a phrase match becomes a handful of plain terms.
fn word_pairs<'a>(
    words: &mut TextAnalyzer,
    texts: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut tokens = vec![];
    for text in texts {
        let mut stream = words.token_stream(text);
        while let Some(t) = stream.next() {
            tokens.push(t.text.clone());
        }
    }
    let mut pairs: Vec<String> = tokens
        .windows(2)
        .map(|w| format!("{} {}", w[0], w[1]))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Every value of `field` in `doc`, joined by spaces.
fn field_text(doc: &TantivyDocument, field: Field) -> String {
    let mut text = String::new();
    for v in doc.get_all(field) {
        if let Some(s) = v.as_str() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(s);
        }
    }
    text
}

/// The words of `s` separated by single spaces (everything but letters and digits separates).
fn words_only(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lowercased, with runs of white space made one space: how titles are compared whole.
fn normalize_title(t: &str) -> String {
    t.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The query's words and `"quoted phrases"` (`true` for a phrase), in order. An unclosed quote
/// runs to the end; empty units are dropped. Nothing else is syntax: user input never fails.
fn query_units(q: &str) -> Vec<(&str, bool)> {
    let mut units = vec![];
    for (i, part) in q.split('"').enumerate() {
        if i % 2 == 1 {
            if !part.trim().is_empty() {
                units.push((part.trim(), true));
            }
        } else {
            units.extend(part.split_whitespace().map(|w| (w, false)));
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxonomy() -> Taxonomy {
        toml::from_str(
            r#"
            id = "concord"
            version = "1"
            name = { en = "t" }
            [[principles]]
            id = "transparency"
            label = { en = "Transparency", zh = "透明度" }
            lexicon = { en = ["explainability", "~disclose"], zh = ["可解释性"] }
            "#,
        )
        .unwrap()
    }

    fn index() -> SearchIndex {
        let docs = vec![
            SearchDoc {
                id: "cn_rules".into(),
                titles: vec!["生成式人工智能服务管理暂行办法".into()],
                summaries: vec!["提供者应当提高生成式人工智能服务的透明度，保护个人信息。".into()],
                text: None,
                principles: vec![],
                facets: vec![("bloc".into(), "cn".into()), ("year".into(), "2023".into())],
            },
            SearchDoc {
                id: "eu_act".into(),
                titles: vec!["Artificial Intelligence Act".into()],
                summaries: vec!["Rules on high-risk systems and transparency obligations.".into()],
                text: Some(
                    "Article 13 Transparency and provision of information to deployers.".into(),
                ),
                principles: vec!["transparency".into()],
                facets: vec![("bloc".into(), "eu".into()), ("year".into(), "2024".into())],
            },
            SearchDoc {
                id: "us_plan".into(),
                titles: vec!["America's AI Action Plan".into()],
                summaries: vec!["Infrastructure, innovation and international diplomacy.".into()],
                text: None,
                principles: vec![],
                facets: vec![("bloc".into(), "us".into()), ("year".into(), "2025".into())],
            },
        ];
        SearchIndex::build(docs, Some(&taxonomy())).unwrap()
    }

    fn ids(r: &Results) -> Vec<&str> {
        r.items.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn upsert_replaces_and_adds() {
        let ix = index();
        assert!(ids(&ix.search("zephyrine", 10, 0).unwrap()).is_empty());
        let before = ix.generation();
        let mut plan = SearchDoc {
            id: "us_plan".into(),
            titles: vec!["Zephyrine Action Plan".into()],
            ..Default::default()
        };
        ix.upsert(&plan).unwrap();
        assert_eq!(
            ix.generation(),
            before + 1,
            "a change moves the generation on"
        );
        ix.apply(&[], &[]).unwrap();
        assert_eq!(
            ix.generation(),
            before + 1,
            "nothing to do, nothing changes"
        );
        let r = ix.search("zephyrine", 10, 0).unwrap();
        assert_eq!(ids(&r), ["us_plan"]);
        assert_eq!(r.items[0].title, "Zephyrine Action Plan");
        // the old title is gone, and the document is there once
        assert!(ids(&ix.search("America's", 10, 0).unwrap()).is_empty());
        assert_eq!(ix.search("action plan", 10, 0).unwrap().total, 1);
        plan.id = "new_doc".into();
        plan.titles = vec!["数据出境安全评估办法".into()];
        ix.upsert(&plan).unwrap();
        assert_eq!(ids(&ix.search("数据出境", 10, 0).unwrap()), ["new_doc"]);
    }

    #[test]
    fn chinese_and_english_in_one_index() {
        let ix = index();
        assert_eq!(
            ids(&ix.search("生成式人工智能", 10, 0).unwrap())[0],
            "cn_rules"
        );
        assert_eq!(ids(&ix.search("action plan", 10, 0).unwrap())[0], "us_plan");
        assert_eq!(
            ids(&ix.search("Artificial Intelligence Act", 10, 0).unwrap())[0],
            "eu_act"
        );
        // stemming: "obligation" finds "obligations"
        assert!(ids(&ix.search("obligation", 10, 0).unwrap()).contains(&"eu_act"));
    }

    #[test]
    fn cross_lingual_through_the_taxonomy() {
        let ix = index();
        let r = ix.search("透明度", 10, 0).unwrap();
        assert_eq!(r.principles, ["transparency"]);
        let found = ids(&r);
        assert!(
            found.contains(&"cn_rules") && found.contains(&"eu_act"),
            "{found:?}"
        );
    }

    #[test]
    fn regression_chinese_snippets_with_overlapping_tokens_do_not_panic() {
        // Search-mode jieba yields overlapping tokens (生成, 生成式, 人工, 智能, 人工智能); the snippet
        // code subtracted offsets that were not increasing and overflowed.
        let ix = index();
        let r = ix.search("生成式人工智能", 10, 0).unwrap();
        let hit = r.items.iter().find(|h| h.id == "cn_rules").unwrap();
        assert!(hit.snippet.contains("<b>"), "{}", hit.snippet);
    }

    #[test]
    fn typos_and_hostile_input() {
        let ix = index();
        assert!(ids(&ix.search("infrastucture", 10, 0).unwrap()).contains(&"us_plan"));
        for q in ["\"unclosed", "title:", "AND OR NOT", ")(", "<script>"] {
            ix.search(q, 10, 0).unwrap();
        }
        assert_eq!(ix.search("   ", 10, 0).unwrap().total, 0);
    }

    #[test]
    fn filters_narrow_the_matches_and_facets_count_them_all() {
        let ix = index();
        // 透明度 matches cn_rules (text) and eu_act (tag)
        let r = ix
            .search_with("透明度", 1, 0, &[], &["bloc", "year"])
            .unwrap();
        assert_eq!(r.total, 2);
        assert_eq!(
            r.items.len(),
            1,
            "counts cover every match, not just the page"
        );
        let counts = |r: &Results, f: &str| -> Vec<(String, u64)> {
            r.facets[f]
                .iter()
                .map(|c| (c.value.clone(), c.count))
                .collect()
        };
        assert_eq!(
            counts(&r, "bloc"),
            [("cn".to_string(), 1), ("eu".to_string(), 1)]
        );
        assert_eq!(r.facets["year"].len(), 2);
        let eu = [("bloc".to_string(), "eu".to_string())];
        let r = ix.search_with("透明度", 10, 0, &eu, &["bloc"]).unwrap();
        assert_eq!((r.total, ids(&r)), (1, vec!["eu_act"]));
        assert_eq!(counts(&r, "bloc"), [("eu".to_string(), 1)]);
        let none = [("bloc".to_string(), "nowhere / ..".to_string())];
        assert_eq!(
            ix.search_with("透明度", 10, 0, &none, &[]).unwrap().total,
            0
        );
        // without facets asked for, none are reported (and the API output is unchanged)
        assert!(ix.search("透明度", 10, 0).unwrap().facets.is_empty());
    }

    #[test]
    fn a_match_deep_in_a_long_text_still_gets_a_highlighted_snippet() {
        let filler = "数据处理活动应当遵守法律、行政法规。The committee met again. ".repeat(2_000);
        let docs = [SearchDoc {
            id: "long".into(),
            titles: vec!["Long law".into()],
            text: Some(format!(
                "{filler}Providers shall ensure privacy by design. {filler}"
            )),
            ..Default::default()
        }];
        let ix = SearchIndex::build(docs, None).unwrap();
        let r = ix.search("privacy", 10, 0).unwrap();
        assert!(
            r.items[0].snippet.contains("<b>privacy</b>"),
            "{}",
            r.items[0].snippet
        );
        let r = ix.search("数据处理", 10, 0).unwrap();
        assert!(
            r.items[0].snippet.contains("<b>数据处理</b>"),
            "{}",
            r.items[0].snippet
        );
    }

    #[test]
    fn query_units_split_words_and_quoted_phrases() {
        assert_eq!(
            query_units(r#"ai "action plan" 安全  "unclosed phrase"#),
            [
                ("ai", false),
                ("action plan", true),
                ("安全", false),
                ("unclosed phrase", true)
            ]
        );
        assert!(query_units(r#" "" "  " "#).is_empty());
    }

    #[test]
    fn quoted_words_must_be_adjacent_and_in_order() {
        let ix = index();
        assert_eq!(
            ids(&ix.search("\"action plan\"", 10, 0).unwrap()),
            ["us_plan"]
        );
        assert!(ids(&ix.search("\"plan action\"", 10, 0).unwrap()).is_empty());
        // unquoted, either word is enough
        assert_eq!(ix.search("plan zzzz", 10, 0).unwrap().total, 1);
    }

    #[test]
    fn a_chinese_word_that_jieba_splits_is_matched_as_a_phrase() {
        // 个人信息保护 is cut into 个人 / 信息 / 个人信息 / 保护; the summary of cn_rules has
        // 保护个人信息 (the same characters, another order), which must not match.
        let ix = index();
        assert!(ix.search("个人信息", 10, 0).unwrap().total == 1);
        assert_eq!(ix.search("个人信息保护", 10, 0).unwrap().total, 0);
        // a word jieba keeps whole (人工智能 also yields 人工 and 智能) is a single term
        assert_eq!(ids(&ix.search("人工智能", 10, 0).unwrap()), ["cn_rules"]);
    }

    #[test]
    fn an_exact_title_ranks_first() {
        let mut docs: Vec<SearchDoc> = ["Data Act", "Data Governance Act", "Digital Services Act"]
            .into_iter()
            .enumerate()
            .map(|(i, t)| SearchDoc {
                id: format!("d{i}"),
                titles: vec![t.into()],
                ..Default::default()
            })
            .collect();
        // words repeated in a short title score high on their own
        docs.push(SearchDoc {
            id: "noise".into(),
            titles: vec!["Governance act, data act, data governance".into()],
            ..Default::default()
        });
        let ix = SearchIndex::build(docs, None).unwrap();
        assert_eq!(
            ids(&ix.search("data governance act", 10, 0).unwrap())[0],
            "d1"
        );
        assert_eq!(
            ids(&ix.search("DATA   governance Act", 10, 0).unwrap())[0],
            "d1"
        );
    }

    #[test]
    fn regression_a_short_name_inside_a_long_title_ranks_first() {
        // Found by the API test when the title phrase clause was dropped: the EU act's official
        // title ends with its short name, and shorter titles sharing the words came first.
        let titles = [
            "Regulation laying down harmonised rules on artificial intelligence and amending \
             certain Union legislative acts (Artificial Intelligence Act)",
            "Artificial Intelligence Policy Act",
            "Artificial Intelligence Video Interview Act",
        ];
        let docs = titles.iter().enumerate().map(|(i, t)| SearchDoc {
            id: format!("d{i}"),
            titles: vec![t.to_string()],
            ..Default::default()
        });
        let ix = SearchIndex::build(docs, None).unwrap();
        assert_eq!(
            ids(&ix.search("Artificial Intelligence Act", 10, 0).unwrap())[0],
            "d0"
        );
    }

    #[test]
    fn known_words_are_not_widened_by_typo_tolerance() {
        let docs = ["policy", "police"].map(|t| SearchDoc {
            id: t.into(),
            titles: vec![format!("{t} framework")],
            ..Default::default()
        });
        let ix = SearchIndex::build(docs, None).unwrap();
        assert_eq!(ids(&ix.search("policy", 10, 0).unwrap()), ["policy"]);
        // an unknown word still finds its near neighbours
        let typo = ix.search("policz", 10, 0).unwrap();
        let mut found = ids(&typo);
        found.sort();
        assert_eq!(found, ["police", "policy"]);
    }

    #[test]
    fn snippets_are_highlighted_and_escaped() {
        let ix = index();
        let r = ix.search("transparency", 10, 0).unwrap();
        let eu = r.items.iter().find(|h| h.id == "eu_act").unwrap();
        assert!(eu.snippet.contains("<b>Transparency</b>"), "{}", eu.snippet);
        // Regression: spaces between words were tokens and came back highlighted.
        let two = ix.search("transparency obligations", 10, 0).unwrap();
        assert!(
            two.items.iter().all(|h| !h.snippet.contains("<b> </b>")),
            "{:?}",
            two.items
        );
        let all = ix.search("透明度", 10, 0).unwrap();
        assert_eq!(all.total, 2);
        let second = ix.search("透明度", 1, 1).unwrap();
        assert_eq!(second.total, 2);
        assert_eq!(ids(&second), [all.items[1].id.as_str()]);
    }
}
