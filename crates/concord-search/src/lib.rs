//! Full-text search over Concord's documents.
//!
//! One tantivy index holds Chinese and English: titles, summaries and imported texts are cut by
//! jieba (which also splits Latin-script words), lowercased and, for English, stemmed. A query
//! is parsed leniently (user input never fails), and three things are added to it:
//!
//! * **cross-lingual help through the taxonomy**: when the query contains a principle's label or
//!   one of its lexicon terms in either language (透明度, "transparency"), documents tagged with
//!   that principle match too, so a Chinese query finds English documents and vice versa;
//! * **typo tolerance** for English words of five letters or more (one edit, on an unstemmed copy
//!   of titles and summaries);
//! * snippets with the matched words highlighted (`<b>`), HTML-escaped.

use std::collections::{BTreeMap, BTreeSet};

use concord_core::Taxonomy;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, QueryParser, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument, Term, doc};

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
}

struct Fields {
    id: Field,
    title: Field,
    summary: Field,
    body: Field,
    plain: Field,
    principle: Field,
}

/// An in-memory index of the documents, rebuilt from the store.
pub struct SearchIndex {
    /// Tokenizer for snippets: jieba without search mode, so tokens never overlap (the
    /// snippet code assumes increasing offsets; overlapping search-mode tokens broke it).
    snippet_tokenizer: TextAnalyzer,
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
    fn document(&self, d: &SearchDoc) -> TantivyDocument {
        let f = self;
        let mut doc = doc!(f.id => d.id.clone());
        for t in &d.titles {
            doc.add_text(f.title, t);
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
            summary: sb.add_text_field("summary", text_options(STEMMED, true)),
            body: sb.add_text_field("body", text_options(STEMMED, true)),
            plain: sb.add_text_field("plain", text_options(PLAIN, false)),
            principle: sb.add_text_field("principle", STRING),
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
        for d in docs {
            writer.add_document(f.document(&d))?;
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
                    if term.chars().count() >= 2 {
                        expansions.push((term, p.id.clone()));
                    }
                }
            }
        }
        Ok(SearchIndex {
            snippet_tokenizer: TextAnalyzer::builder(
                tantivy_jieba::JiebaTokenizer::with_search_mode(false),
            )
            .filter(SkipBlank)
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build(),
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
        for d in upserts {
            writer.delete_term(Term::from_field_text(self.f.id, &d.id));
            writer.add_document(self.f.document(d))?;
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
        let padded = format!(" {} ", q.replace(|c: char| !c.is_alphanumeric(), " "));
        let mut out = BTreeSet::new();
        for (term, p) in &self.expansions {
            let hit = if term.is_ascii() {
                padded.contains(&format!(" {term} "))
            } else {
                q.contains(term.as_str())
            };
            if hit {
                out.insert(p.clone());
            }
        }
        out.into_iter().collect()
    }

    /// The query for the user's words: the text fields (titles weigh most), the words as a
    /// phrase, the principles they name, and typo-tolerant English words.
    fn query(&self, q: &str) -> (BooleanQuery, Vec<String>) {
        let mut parser =
            QueryParser::for_index(&self.index, vec![self.f.title, self.f.summary, self.f.body]);
        parser.set_field_boost(self.f.title, 3.0);
        parser.set_field_boost(self.f.summary, 1.5);
        // Lenient: a stray quote or colon in user input must not fail the search.
        let (text_query, _errors) = parser.parse_query_lenient(q);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, text_query)];
        // The words as a phrase weigh most: an exact title beats titles sharing its words.
        let words: Vec<&str> = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if words.len() >= 2 {
            // Titles only: a phrase over bodies reads positions of every match, and common
            // words (人工智能, 安全) occur in most documents (docs/benchmarks.md).
            let mut title_parser = QueryParser::for_index(&self.index, vec![self.f.title]);
            title_parser.set_field_boost(self.f.title, 3.0);
            let (phrase, _) = title_parser.parse_query_lenient(&format!("\"{}\"", words.join(" ")));
            clauses.push((Occur::Should, Box::new(BoostQuery::new(phrase, 4.0))));
        }
        let principles = self.principles_in(q);
        for p in &principles {
            let term = Term::from_field_text(self.f.principle, p);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    0.5,
                )),
            ));
        }
        for word in q
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() >= 5)
        {
            let term = Term::from_field_text(self.f.plain, &word.to_ascii_lowercase());
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(FuzzyTermQuery::new(term, 1, true)),
                    0.3,
                )),
            ));
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
        let (query, _) = self.query(q);
        let searcher = self.reader.searcher();
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
        let limit = limit.clamp(1, MAX_LIMIT);
        let q = q.trim();
        if q.is_empty() {
            return Ok(Results {
                total: 0,
                items: vec![],
                principles: vec![],
            });
        }
        let (query, principles) = self.query(q);
        let searcher = self.reader.searcher();
        // One pass: this query mixes phrase, fuzzy and nested clauses, so ranking scores every
        // match anyway and a separate counting pass only doubled the work (measured).
        let (top, total) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score(),
                Count,
            ),
        )?;
        let snippets = |field: Field| {
            let mut terms = BTreeMap::new();
            query.query_terms(&mut |term, _| {
                if term.field() == field
                    && let Some(t) = term.value().as_str()
                {
                    terms.insert(t.to_owned(), 1.0);
                }
            });
            SnippetGenerator::new(terms, self.snippet_tokenizer.clone(), field, 200)
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
            let mut snippet = body_snippets.snippet_from_doc(&doc);
            if snippet.highlighted().is_empty() {
                snippet = summary_snippets.snippet_from_doc(&doc);
            }
            items.push(Hit {
                id: get(self.f.id),
                title: get(self.f.title),
                score,
                snippet: snippet.to_html(),
            });
        }
        Ok(Results {
            total,
            items,
            principles,
        })
    }
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
            },
            SearchDoc {
                id: "eu_act".into(),
                titles: vec!["Artificial Intelligence Act".into()],
                summaries: vec!["Rules on high-risk systems and transparency obligations.".into()],
                text: Some(
                    "Article 13 Transparency and provision of information to deployers.".into(),
                ),
                principles: vec!["transparency".into()],
            },
            SearchDoc {
                id: "us_plan".into(),
                titles: vec!["America's AI Action Plan".into()],
                summaries: vec!["Infrastructure, innovation and international diplomacy.".into()],
                text: None,
                principles: vec![],
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
